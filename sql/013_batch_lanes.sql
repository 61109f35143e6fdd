-- 013_batch_lanes: a batch's chunks are committed by two connections at once. Each COPYs its
-- chunk as soon as it is signed; ddcd lets a chunk run ddc_batch_commit and COMMIT only after
-- the chunk before it has committed (and rolls it back if that one failed), so the resume point
-- only ever moves forward over committed lines. ddc_batch_commit now names the line its chunk
-- starts after, and refuses a chunk out of turn.

DROP FUNCTION ddc_batch_commit(bigint, bigint, bigint, bigint, boolean);

-- Commits the chunk of lines (p_first_line, p_last_line] whose rows this transaction has COPYed
-- in, as in 011, once the batch's resume point is p_first_line.
CREATE FUNCTION ddc_batch_commit(p_batch bigint, p_key bigint, p_first_line bigint,
                                 p_last_line bigint, p_taken bigint, p_final boolean)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  b batches;
  v_done bigint;
BEGIN
  SELECT * INTO b FROM batches WHERE id = p_batch FOR UPDATE;
  IF b.state <> 'running' THEN
    PERFORM ddc_fail('batch_final', format('batch %s is %s', b.id, b.state));
  END IF;
  IF b.next_line <> p_first_line THEN
    PERFORM ddc_fail('internal', format('batch %s: the chunk after line %s came out of turn'
                                        ' (the batch is at line %s)', b.id, p_first_line,
                                        b.next_line));
  END IF;
  PERFORM pg_advisory_xact_lock_shared(ddc_key_lock_class(), (b.issuer_id % 2147483647)::integer);
  PERFORM FROM issuer_keys WHERE id = p_key AND issuer_id = b.issuer_id AND retired_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM issuer_keys n WHERE n.issuer_id = b.issuer_id
                      AND n.retired_at IS NULL AND n.id > p_key);
  IF NOT FOUND THEN
    PERFORM ddc_fail('signing_key_retired', format('key %s is no longer the current key', p_key));
  END IF;
  SELECT count(*) INTO v_done FROM batch_minted
    WHERE batch_id = b.id AND line > b.next_line AND line <= p_last_line;
  UPDATE batches SET rows_done = rows_done + v_done, rows_failed = rows_failed + p_taken,
      charged_minor = charged_minor + v_done * unit_price, next_line = p_last_line,
      updated_at = now()
    WHERE id = b.id RETURNING * INTO b;
  IF p_final THEN
    b := ddc_batch_end(b, 'completed', NULL);
  END IF;
  RETURN ddc_batch_json(b);
END $$;
