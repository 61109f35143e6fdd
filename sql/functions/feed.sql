-- feed: the event feed integrators poll (GET /v1/events): the log's events in log order (leaf
-- index), within the caller's scope, after a cursor. Only events the sequencer has given a leaf
-- are served: leaves are appended in order by one sequencer transaction at a time, so a leaf
-- index, once visible, never has an unseen one below it, and paging by it neither skips nor
-- repeats an event however writers and the sequencer run. Generic over event types: an event's
-- scope comes from its certificate (events.ddc_id) or its account (events.account_id).
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- Is the event of certificate p_ddc / account p_account in the caller's scope? Operators: all;
-- issuers: their certificates, themselves and their holders; platforms: the certificates of
-- their issuers, themselves and every account under them.
CREATE FUNCTION ddc_event_in_scope(p_role text, p_actor bigint, p_ddc bigint, p_account bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_role = 'operator' OR CASE WHEN p_ddc IS NOT NULL THEN EXISTS (
      SELECT 1 FROM certificates c JOIN accounts i ON i.id = c.issuer_id
      WHERE c.ddc_id = p_ddc AND (p_role = 'issuer' AND c.issuer_id = p_actor
                                  OR p_role = 'platform' AND i.platform_id = p_actor))
    ELSE EXISTS (
      SELECT 1 FROM accounts a WHERE a.id = p_account
        AND (a.id = p_actor OR p_role = 'issuer' AND a.issuer_id = p_actor
             OR p_role = 'platform' AND a.platform_id = p_actor)) END
$$;

-- A page: up to p_limit events of the caller's scope (and of p_types, NULL: all) with leaf index
-- after p_after, looking at most 10,000 leaves, so that a page of a small scope in a big log is
-- bounded too. next_cursor is where the next page starts (the last leaf looked at, or the last
-- event served when the page is full); more: whether the log already holds leaves after it.
CREATE FUNCTION ddc_event_feed(p_role text, p_actor bigint, p_after bigint, p_limit integer,
                               p_types text[])
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_scan  constant integer := 10000;
  v_items jsonb;
  v_hits  integer;
  v_cut   bigint;
  v_seen  bigint;
  v_n     integer;
BEGIN
  IF p_role NOT IN ('operator', 'platform', 'issuer') THEN
    PERFORM ddc_fail('forbidden', 'the event feed is for operators, platforms and issuers');
  END IF;
  SELECT max(w.leaf_index), count(*) INTO v_seen, v_n
    FROM (SELECT l.leaf_index FROM log_leaves l WHERE l.leaf_index > p_after
          ORDER BY l.leaf_index LIMIT v_scan) w;
  SELECT coalesce(jsonb_agg(ddc_event_json(h.e) ORDER BY h.leaf_index)
                   FILTER (WHERE h.k <= p_limit), '[]'),
         count(*), max(h.leaf_index) FILTER (WHERE h.k <= p_limit)
    INTO v_items, v_hits, v_cut
    FROM (SELECT l.leaf_index, e, row_number() OVER (ORDER BY l.leaf_index) AS k
          FROM (SELECT * FROM log_leaves l WHERE l.leaf_index > p_after
                ORDER BY l.leaf_index LIMIT v_scan) l
          JOIN events e ON e.id = l.event_id
          WHERE (p_types IS NULL OR e.type = ANY (p_types))
            AND ddc_event_in_scope(p_role, p_actor, e.ddc_id, e.account_id)
          ORDER BY l.leaf_index LIMIT p_limit + 1) h;
  v_cut := CASE WHEN v_hits > p_limit THEN v_cut ELSE coalesce(v_seen, p_after) END;
  RETURN jsonb_build_object('items', v_items,
    'next_cursor', CASE WHEN v_cut >= 0 THEN v_cut::text END,
    'more', v_hits > p_limit OR EXISTS (SELECT 1 FROM log_leaves WHERE leaf_index > v_cut));
END $$;
