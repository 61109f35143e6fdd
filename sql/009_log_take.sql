-- 009_log_take.sql: the sequencer's step without a join that walks the events table. The pending
-- event ids are taken (one range delete) into an array first; their events are then found by
-- primary key, bounded by the batch's first and last id, so the cost stays with the batch, not
-- with the log's length.

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
