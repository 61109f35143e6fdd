-- 009_log_speed.sql: the log's hot paths, faster. The sequencer's step no longer joins along the
-- events table: the pending event ids are taken (one range delete) into an array first, and
-- their events found by primary key within the batch's first and last id, so the cost stays with
-- the batch, not with the log's length. The checkpoint choice of bundles keeps its plans.

CREATE OR REPLACE FUNCTION ddc_log_take(p_size bigint, p_limit integer)
RETURNS TABLE (leaf_index bigint, leaf_hash bytea) LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  ids bigint[];
BEGIN
  IF p_size <> coalesce((SELECT max(l.leaf_index) + 1 FROM log_leaves l), 0) THEN
    RAISE EXCEPTION 'log size % is not the last checkpoint''s', p_size;
  END IF;
  -- the p_limit lowest pending ids are exactly those up to the p_limit-th: one range delete
  WITH taken AS (
    DELETE FROM log_pending WHERE event_id <= coalesce(
      (SELECT p.event_id FROM log_pending p ORDER BY p.event_id OFFSET p_limit - 1 LIMIT 1),
      (SELECT max(p.event_id) FROM log_pending p))
    RETURNING event_id
  )
  SELECT array_agg(t.event_id ORDER BY t.event_id) INTO ids FROM taken t;
  IF ids IS NULL THEN
    RETURN;
  END IF;
  RETURN QUERY
    WITH numbered AS (
      SELECT p_size + t.n - 1 AS leaf_index, t.id AS event_id,
             sha256('\x00'::bytea || convert_to(e.canonical, 'UTF8')) AS leaf_hash
      FROM unnest(ids) WITH ORDINALITY AS t(id, n)
      JOIN events e ON e.id = t.id AND e.id BETWEEN ids[1] AND ids[cardinality(ids)]
    ), ins AS (
      INSERT INTO log_leaves (leaf_index, event_id, leaf_hash)
        SELECT n.leaf_index, n.event_id, n.leaf_hash FROM numbered n
        RETURNING log_leaves.leaf_index, log_leaves.leaf_hash
    )
    SELECT i.leaf_index, i.leaf_hash FROM ins i ORDER BY i.leaf_index;
END $$;

-- The checkpoint a bundle uses (006), as PL/pgSQL so that its plans are kept between calls (a SQL
-- function that cannot be inlined is planned again on every call), and with no witnesses simply
-- the newest checkpoint.
CREATE OR REPLACE FUNCTION ddc_log_checkpoint_for(p_need bigint, p_witnesses text[],
                                                  p_quorum integer, OUT size bigint,
                                                  OUT root bytea, OUT note text, OUT final boolean)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  IF cardinality(p_witnesses) > 0 THEN
    SELECT c.size, c.root, ddc_cosigned_note(c.size, c.note), true INTO size, root, note, final
      FROM log_checkpoints c
     WHERE c.size = (SELECT w.size FROM log_cosignatures w
                      WHERE w.witness = ANY (p_witnesses) AND w.size > p_need
                      GROUP BY w.size HAVING count(*) >= p_quorum
                      ORDER BY w.size DESC LIMIT 1);
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  SELECT c.size, c.root, ddc_cosigned_note(c.size, c.note), cardinality(p_witnesses) = 0
    INTO size, root, note, final
    FROM log_checkpoints c ORDER BY c.size DESC LIMIT 1;
END $$;

-- The JSON views below hold a sub-select, so PostgreSQL cannot inline them as SQL functions and
-- plans their body again on each statement that calls them (about 2 ms each on a public
-- verification); as PL/pgSQL their plans are kept for the session. Same output as before.
CREATE OR REPLACE FUNCTION ddc_event_json(e events) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN jsonb_build_object('id', e.id, 'type', e.type, 'ddc_id', e.ddc_id,
                            'account_id', e.account_id, 'actor_id', e.actor_id,
                            'time', ddc_ts(e.created_at), 'data', e.canonical::jsonb -> 'data',
                            'event_hash', encode(e.event_hash, 'hex'),
                            'prev_event_hash', encode(e.prev_event_hash, 'hex'),
                            'canonical', e.canonical,
                            'leaf_index', (SELECT l.leaf_index FROM log_leaves l
                                           WHERE l.event_id = e.id));
END $$;

CREATE OR REPLACE FUNCTION ddc_key_json(k issuer_keys) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN jsonb_build_object('key_id', k.id, 'issuer_id', k.issuer_id, 'algorithm', 'Ed25519',
                            'public_key', ddc_b64url(k.public_key),
                            'valid_from', ddc_ts(k.valid_from), 'retired_at', ddc_ts(k.retired_at),
                            'current', k.retired_at IS NULL AND NOT EXISTS (
                              SELECT 1 FROM issuer_keys n WHERE n.issuer_id = k.issuer_id
                                AND n.retired_at IS NULL AND n.id > k.id));
END $$;

CREATE OR REPLACE FUNCTION ddc_cosigned_note(p_size bigint, p_note text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN p_note || coalesce((SELECT string_agg(w.line, '' ORDER BY w.witness)
                               FROM log_cosignatures w WHERE w.size = p_size), '');
END $$;
