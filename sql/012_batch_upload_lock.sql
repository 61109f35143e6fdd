-- 012_batch_upload_lock: an upload that breaks off with its ddcd (kill -9, a crash, the machine
-- going down) no longer leaves its batch in 'validating' for ever. The upload's own connection,
-- which opens the batch, holds the session advisory lock (4247, id) until the upload ends;
-- ddc_batch_reap fails every validating batch whose lock is free, since nobody is uploading it.
-- An upload retried under the Idempotency-Key of one that broke off (or was refused before it
-- was sealed) is a new upload: the old batch fails if it has not yet and gives its key up.

CREATE INDEX batches_validating_idx ON batches (id) WHERE state = 'validating';

-- The upload lock's key for a batch.
CREATE FUNCTION ddc_batch_upload_key(p_batch bigint) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
  SELECT (p_batch % 2147483647)::integer
$$;

-- Whether nobody uploads the batch any more: nobody holds its upload lock, checked by taking it
-- until the end of this transaction. (Each upload holds its lock on a connection of its own.)
CREATE FUNCTION ddc_batch_upload_gone(p_batch bigint) RETURNS boolean LANGUAGE sql AS $$
  SELECT pg_try_advisory_xact_lock(4247, ddc_batch_upload_key(p_batch))
$$;

-- Ends a validating batch whose upload is gone (the caller holds its upload lock): failed, with
-- what the upload had staged dropped.
CREATE FUNCTION ddc_batch_abandon(b batches) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ddc_batch_end(b, 'failed', 'the upload broke off before it ended');
  DELETE FROM batch_errors WHERE batch_id = b.id;
END $$;

-- As before, but an earlier batch under the same key that was never sealed (body_sha256 null:
-- its upload was refused, or broke off and nobody holds its upload lock) gives the key up, and a
-- new batch's upload lock is taken by this session before the batch is visible to anyone else.
CREATE OR REPLACE FUNCTION ddc_batch_open(p_issuer bigint, p_kind text, p_mode text,
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
    PERFORM pg_advisory_lock(4247, ddc_batch_upload_key(v_id));
    RETURN QUERY SELECT v_id, false, NULL::bytea;
  ELSE
    RETURN QUERY SELECT b.id, true, b.body_sha256 FROM batches b
      WHERE b.issuer_id = p_issuer AND b.idempotency_key = p_idempotency_key;
  END IF;
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
