-- batches: batch imports. Opening, sealing, quoting, committing chunk by chunk (ddcd COPYs each
-- signed chunk into the tables it ends in; ddc_batch_commit checks and counts it in the same
-- transaction), cancelling, and reaping uploads that broke off: the upload's own connection holds
-- the batch's upload lock (ddc_lock_batch_upload(), key ddc_batch_upload_key) until it ends, and
-- ddc_batch_reap fails every validating batch whose lock is free.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

CREATE FUNCTION ddc_batch_json(b batches) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'batch_id', b.id, 'issuer_id', b.issuer_id, 'kind', b.kind, 'mode', b.mode,
    'dry_run', b.dry_run, 'format', b.format, 'state', b.state,
    'body_sha256', encode(b.body_sha256, 'hex'), 'rows_total', b.rows_total,
    'rows_valid', b.rows_valid, 'rows_failed', b.rows_failed, 'rows_done', b.rows_done,
    'quote', CASE WHEN b.unit_price IS NULL THEN NULL ELSE jsonb_build_object(
      'rows', b.rows_valid, 'unit_price', ddc_money(b.unit_price, b.currency),
      'amount_minor', b.rows_valid * b.unit_price, 'currency', b.currency) END,
    'reserved', CASE WHEN b.currency IS NULL THEN NULL
                     ELSE ddc_money(b.reserved_minor, b.currency) END,
    'charged', CASE WHEN b.currency IS NULL THEN NULL
                    ELSE ddc_money(b.charged_minor, b.currency) END,
    'rate_per_sec', r.rate, 'eta_seconds',
    CASE WHEN b.state = 'running' AND r.rate > 0
         THEN ceil(greatest(b.rows_valid - b.rows_done, 0) / r.rate) END,
    'reason', b.reason, 'created_at', ddc_ts(b.created_at), 'started_at', ddc_ts(b.started_at),
    'finished_at', ddc_ts(b.finished_at))
  FROM (SELECT CASE WHEN b.started_at IS NULL THEN NULL ELSE round((b.rows_done / greatest(
          extract(epoch FROM coalesce(b.finished_at, clock_timestamp()) - b.started_at),
          0.001))::numeric, 1) END AS rate) r
$$;

-- Opens a batch for an upload. With an Idempotency-Key already used by this issuer, returns that
-- batch instead (existing: true), whose body hash the upload must then match; but an earlier
-- batch under the same key that was never sealed (body_sha256 null: its upload was refused, or
-- broke off and nobody holds its upload lock) gives the key up. A new batch's upload lock is taken
-- by this session before the batch is visible to anyone else.
CREATE FUNCTION ddc_batch_open(p_issuer bigint, p_kind text, p_mode text,
                               p_dry_run boolean, p_format text,
                               p_idempotency_key text)
RETURNS TABLE (batch_id bigint, existing boolean, body_sha256 bytea) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_id bigint;
  o batches;
BEGIN
  IF p_idempotency_key IS NOT NULL THEN
    SELECT * INTO o FROM batches b
      WHERE b.issuer_id = p_issuer AND b.idempotency_key = p_idempotency_key FOR UPDATE;
    IF FOUND AND o.body_sha256 IS NULL
        AND (o.state = 'failed' OR o.state = 'validating' AND ddc_batch_upload_gone(o.id)) THEN
      IF o.state = 'validating' THEN
        PERFORM ddc_batch_abandon(o);
      END IF;
      UPDATE batches SET idempotency_key = NULL WHERE id = o.id;
    END IF;
  END IF;
  INSERT INTO batches (issuer_id, kind, mode, dry_run, format, idempotency_key)
    VALUES (p_issuer, p_kind, p_mode, p_dry_run, p_format, p_idempotency_key)
    ON CONFLICT (issuer_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING id INTO v_id;
  IF v_id IS NOT NULL THEN
    PERFORM pg_advisory_lock(ddc_lock_batch_upload(), ddc_batch_upload_key(v_id));
    RETURN QUERY SELECT v_id, false, NULL::bytea;
  ELSE
    RETURN QUERY SELECT b.id, true, b.body_sha256 FROM batches b
      WHERE b.issuer_id = p_issuer AND b.idempotency_key = p_idempotency_key;
  END IF;
END $$;

-- The batch, locked, for its issuer (operators: any), else a rule failure.
CREATE FUNCTION ddc_batch_lock(p_role text, p_actor bigint, p_batch bigint) RETURNS batches
LANGUAGE plpgsql AS $$
DECLARE
  b batches;
BEGIN
  SELECT * INTO b FROM batches WHERE id = p_batch FOR UPDATE;
  IF NOT FOUND OR p_role <> 'operator' AND b.issuer_id <> p_actor THEN
    PERFORM ddc_fail('not_found', format('no batch %s', p_batch));
  END IF;
  RETURN b;
END $$;

-- The checks that need the database, one error per row at most: an external_ref repeated in the
-- file (every occurrence after the first), one the issuer already used, an owner out of reach.
CREATE FUNCTION ddc_batch_check(b batches) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO batch_errors (batch_id, line, field, code, message)
    SELECT b.id, d.line, 'external_ref', 'duplicate_row',
           format('external_ref %s is also on line %s', d.external_ref, d.first_line)
    FROM (SELECT r.line, r.external_ref,
                 min(r.line) OVER (PARTITION BY r.external_ref) AS first_line
          FROM batch_rows r WHERE r.batch_id = b.id AND r.external_ref IS NOT NULL) d
    WHERE d.line <> d.first_line
    ON CONFLICT DO NOTHING;
  INSERT INTO batch_errors (batch_id, line, field, code, message)
    SELECT b.id, r.line, 'external_ref', 'external_ref_taken',
           format('certificate %s already has external_ref %s', c.ddc_id, r.external_ref)
    FROM batch_rows r JOIN certificates c
      ON c.issuer_id = b.issuer_id AND c.external_ref = r.external_ref
    WHERE r.batch_id = b.id
    ON CONFLICT DO NOTHING;
  INSERT INTO batch_errors (batch_id, line, field, code, message)
    SELECT b.id, r.line, 'owner_id',
           CASE WHEN a.id IS NOT NULL AND a.status <> 'active' AND s.ok THEN 'recipient_invalid'
                ELSE 'cross_issuer_not_approved' END,
           format('account %s cannot receive certificates of issuer %s', r.owner_id, b.issuer_id)
    FROM batch_rows r LEFT JOIN accounts a ON a.id = r.owner_id
    CROSS JOIN LATERAL (SELECT coalesce(CASE WHEN a.role = 'issuer' THEN a.id ELSE a.issuer_id END
                                          = b.issuer_id
                                        OR EXISTS (SELECT 1 FROM issuer_approvals x
                                          WHERE x.issuer_id = CASE WHEN a.role = 'issuer'
                                                  THEN a.id ELSE a.issuer_id END
                                            AND x.approved_issuer_id = b.issuer_id), false)
                        AS ok) s
    WHERE r.batch_id = b.id AND r.owner_id IS NOT NULL AND r.owner_id <> b.issuer_id
      AND (NOT s.ok OR a.status <> 'active')
    ON CONFLICT DO NOTHING;
  DELETE FROM batch_rows r USING batch_errors e
    WHERE r.batch_id = b.id AND e.batch_id = b.id AND e.line = r.line;
END $$;

-- Ends an upload: records the body's hash, size and row count; returns an earlier batch of the
-- same bytes and options if there is one (this one is dropped); otherwise checks the rows,
-- quotes the batch and leaves it quoted (or failed: all_or_nothing with a bad row).
CREATE FUNCTION ddc_batch_seal(p_batch bigint, p_sha256 bytea, p_bytes bigint, p_rows bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  b batches;
  v_owner bigint;
  p prices;
BEGIN
  SELECT * INTO b FROM batches WHERE id = p_batch FOR UPDATE;
  IF b.state <> 'validating' THEN
    PERFORM ddc_fail('batch_final', format('batch %s is %s', b.id, b.state));
  END IF;
  INSERT INTO batch_uploads AS u (issuer_id, body_sha256, kind, mode, dry_run, batch_id)
    VALUES (b.issuer_id, p_sha256, b.kind, b.mode, b.dry_run, b.id)
    ON CONFLICT (issuer_id, body_sha256, kind, mode, dry_run) DO UPDATE
      SET batch_id = EXCLUDED.batch_id
      WHERE (SELECT o.state FROM batches o WHERE o.id = u.batch_id) IN ('cancelled', 'failed')
    RETURNING u.batch_id INTO v_owner;
  IF v_owner IS NULL THEN
    DELETE FROM batch_rows WHERE batch_id = b.id;
    DELETE FROM batch_errors WHERE batch_id = b.id;
    DELETE FROM batches WHERE id = b.id;
    SELECT * INTO b FROM batches WHERE id = (SELECT u.batch_id FROM batch_uploads u
      WHERE (u.issuer_id, u.body_sha256, u.kind, u.mode, u.dry_run)
          = (b.issuer_id, p_sha256, b.kind, b.mode, b.dry_run));
    RETURN ddc_batch_json(b) || '{"existing":true}';
  END IF;
  PERFORM ddc_batch_check(b);
  p := ddc_price('batch_row', b.issuer_id);
  UPDATE batches SET body_sha256 = p_sha256, body_bytes = p_bytes, rows_total = p_rows,
      rows_failed = (SELECT count(*) FROM batch_errors WHERE batch_id = b.id),
      rows_valid = (SELECT count(*) FROM batch_rows WHERE batch_id = b.id),
      unit_price = p.amount_minor, currency = p.currency, updated_at = now()
    WHERE id = b.id RETURNING * INTO b;
  IF b.mode = 'all_or_nothing' AND b.rows_failed > 0 THEN
    UPDATE batches SET state = 'failed', finished_at = now(),
        reason = format('%s of %s rows are invalid and the mode is all_or_nothing', b.rows_failed,
                        b.rows_total)
      WHERE id = b.id RETURNING * INTO b;
  ELSE
    UPDATE batches SET state = 'quoted' WHERE id = b.id RETURNING * INTO b;
  END IF;
  IF b.state = 'failed' OR b.dry_run THEN
    DELETE FROM batch_rows WHERE batch_id = b.id;
  END IF;
  RETURN ddc_batch_json(b) || '{"existing":false}';
END $$;

-- Runs a quoted batch (not a dry run): reserves the quote from the issuer's balance (402 and
-- nothing changes if it does not cover it) and marks it running. Other states: returned as is.
CREATE FUNCTION ddc_batch_start(p_batch bigint) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  b batches;
  v_quote bigint;
BEGIN
  SELECT * INTO b FROM batches WHERE id = p_batch FOR UPDATE;
  IF b.state <> 'quoted' OR b.dry_run THEN
    RETURN ddc_batch_json(b);
  END IF;
  v_quote := b.rows_valid * b.unit_price;
  IF v_quote > 0 THEN
    PERFORM ddc_balance_move(b.issuer_id, b.currency, -v_quote, 'batch_reserve',
                             'batch ' || b.id, NULL, NULL, 'price');
  END IF;
  UPDATE batches SET state = CASE WHEN b.rows_valid = 0 THEN 'completed' ELSE 'running' END,
      reserved_minor = v_quote, started_at = now(),
      finished_at = CASE WHEN b.rows_valid = 0 THEN now() END, updated_at = now()
    WHERE id = b.id RETURNING * INTO b;
  RETURN ddc_batch_json(b);
END $$;

-- Ends a batch: gives back what was reserved and not charged, drops its staged rows.
CREATE FUNCTION ddc_batch_end(b batches, p_state text, p_reason text) RETURNS batches
LANGUAGE plpgsql AS $$
DECLARE
  v_back bigint := b.reserved_minor - b.charged_minor;
BEGIN
  IF v_back > 0 THEN
    PERFORM ddc_balance_move(b.issuer_id, b.currency, v_back, 'batch_release', 'batch ' || b.id,
                             NULL, NULL);
  END IF;
  DELETE FROM batch_rows WHERE batch_id = b.id;
  UPDATE batches SET state = p_state, reason = coalesce(p_reason, reason),
      reserved_minor = charged_minor, finished_at = now(), updated_at = now()
    WHERE id = b.id RETURNING * INTO b;
  RETURN b;
END $$;

-- Cancels a batch that has not finished; what is minted stays (and stays charged).
CREATE FUNCTION ddc_batch_cancel(p_role text, p_actor bigint, p_batch bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  b batches := ddc_batch_lock(p_role, p_actor, p_batch);
BEGIN
  IF b.state IN ('completed', 'failed', 'cancelled') THEN
    PERFORM ddc_fail('batch_final', format('batch %s is already %s', b.id, b.state));
  END IF;
  b := ddc_batch_end(b, 'cancelled', format('cancelled by account %s', p_actor));
  RETURN ddc_batch_json(b);
END $$;

-- Marks a batch failed (an upload that broke off, an unreadable body).
CREATE FUNCTION ddc_batch_fail(p_batch bigint, p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  b batches;
BEGIN
  SELECT * INTO b FROM batches WHERE id = p_batch FOR UPDATE;
  IF b.state IN ('validating', 'quoted', 'running') THEN
    PERFORM ddc_batch_end(b, 'failed', p_reason);
    DELETE FROM batch_errors WHERE batch_id = b.id AND b.state = 'validating';
  END IF;
END $$;

CREATE FUNCTION ddc_batch_get(p_role text, p_actor bigint, p_batch bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  b batches;
BEGIN
  SELECT * INTO b FROM batches WHERE id = p_batch;
  IF NOT FOUND OR p_role <> 'operator' AND b.issuer_id <> p_actor THEN
    PERFORM ddc_fail('not_found', format('no batch %s', p_batch));
  END IF;
  RETURN ddc_batch_json(b);
END $$;

-- Commits the chunk of lines (p_first_line, p_last_line] whose rows this transaction has COPYed
-- in, once the batch's resume point is p_first_line (two connections commit chunks in turn; one
-- out of turn is refused): refuses a batch no longer running and a key no longer current
-- (ddc_mint_key_check, the single mint's check; the caller rolls back), counts the certificates
-- minted and charges them, adds the p_taken rows reported taken (their lines may not be told from
-- errors found at sealing), and moves the resume point. p_final: the last chunk; the batch
-- completes.
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
  PERFORM ddc_mint_key_check(b.issuer_id, p_key);
  SELECT count(*) INTO v_done FROM batch_minted
    WHERE batch_id = b.id AND line > b.next_line AND line <= p_last_line;
  PERFORM ddc_webhook_batch(b.id, b.next_line, p_last_line);
  UPDATE batches SET rows_done = rows_done + v_done, rows_failed = rows_failed + p_taken,
      charged_minor = charged_minor + v_done * unit_price, next_line = p_last_line,
      updated_at = now()
    WHERE id = b.id RETURNING * INTO b;
  IF p_final THEN
    b := ddc_batch_end(b, 'completed', NULL);
  END IF;
  RETURN ddc_batch_json(b);
END $$;

-- The upload lock's key for a batch.
CREATE FUNCTION ddc_batch_upload_key(p_batch bigint) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT (p_batch % 2147483647)::integer
$$;

-- Whether nobody uploads the batch any more: nobody holds its upload lock, checked by taking it
-- until the end of this transaction. (Each upload holds its lock on a connection of its own.)
CREATE FUNCTION ddc_batch_upload_gone(p_batch bigint) RETURNS boolean LANGUAGE sql AS $$
  SELECT pg_try_advisory_xact_lock(ddc_lock_batch_upload(), ddc_batch_upload_key(p_batch))
$$;

-- Ends a validating batch whose upload is gone (the caller holds its upload lock): failed, with
-- what the upload had staged dropped.
CREATE FUNCTION ddc_batch_abandon(b batches) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ddc_batch_end(b, 'failed', 'the upload broke off before it ended');
  DELETE FROM batch_errors WHERE batch_id = b.id;
END $$;

-- Fails the validating batches nobody is uploading any more (their upload lock is free); returns
-- how many. A batch sealed meanwhile is left alone.
CREATE FUNCTION ddc_batch_reap() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_n integer := 0;
  b batches;
BEGIN
  FOR v_id IN SELECT id FROM batches WHERE state = 'validating' ORDER BY id LOOP
    CONTINUE WHEN NOT ddc_batch_upload_gone(v_id);
    SELECT * INTO b FROM batches WHERE id = v_id FOR UPDATE;
    CONTINUE WHEN b.state <> 'validating';
    PERFORM ddc_batch_abandon(b);
    v_n := v_n + 1;
  END LOOP;
  RETURN v_n;
END $$;
