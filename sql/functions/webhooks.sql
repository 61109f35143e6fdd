-- webhooks: each account's endpoints, the outbox rows written in the transaction of each event
-- they match, and what the delivery worker (service/webhook/worker.c) claims and records.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- An endpoint as the API shows it (never its secret), with how many deliveries wait.
CREATE FUNCTION ddc_webhook_json(w webhooks) RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN jsonb_build_object('id', w.id, 'account_id', w.account_id, 'url', w.url,
                            'events', to_jsonb(w.events), 'created_at', ddc_ts(w.created_at),
                            'disabled_at', ddc_ts(w.disabled_at),
                            'disabled_reason', w.disabled_reason,
                            'pending', (SELECT count(*) FROM webhook_outbox o
                                        WHERE o.webhook_id = w.id AND o.delivered_at IS NULL
                                          AND o.failed_at IS NULL));
END $$;

-- Queues event p_event (of certificate p_ddc, or 0 for an account's own event) for every
-- enabled endpoint of the accounts p_accounts whose events name its type or '*'.
CREATE FUNCTION ddc_webhook_enqueue(p_event bigint, p_ddc bigint, p_type text,
                                    p_accounts bigint[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO webhook_outbox (webhook_id, event_id, ddc_id)
    SELECT w.id, p_event, p_ddc FROM webhooks w
    WHERE w.account_id = ANY (p_accounts) AND w.disabled_at IS NULL AND w.deleted_at IS NULL
      AND w.events && ARRAY[p_type, '*']
    ON CONFLICT DO NOTHING
$$;

-- The outbox rows of an event just inserted by ddc_event_insert: its certificate's issuer and
-- owner (a mint's certificate row comes after its event: ddc_mint queues it itself), or the
-- account of an account event. Two index probes when nobody subscribes.
CREATE FUNCTION ddc_webhook_event(p_event bigint, p_ddc bigint, p_account bigint, p_type text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_accounts bigint[];
BEGIN
  IF p_ddc IS NULL THEN
    v_accounts := ARRAY[p_account];
  ELSE
    SELECT ARRAY[issuer_id, owner_id] INTO v_accounts FROM certificates WHERE ddc_id = p_ddc;
  END IF;
  IF v_accounts IS NOT NULL AND EXISTS (SELECT 1 FROM webhooks WHERE account_id = ANY (v_accounts)
                                         AND disabled_at IS NULL AND deleted_at IS NULL) THEN
    PERFORM ddc_webhook_enqueue(p_event, coalesce(p_ddc, 0), p_type, v_accounts);
  END IF;
END $$;

-- A single mint's event, queued once its certificate row exists (ddc_mint).
CREATE FUNCTION ddc_webhook_mint(p_ddc bigint, p_issuer bigint, p_owner bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM webhooks WHERE account_id IN (p_issuer, p_owner)
               AND disabled_at IS NULL AND deleted_at IS NULL) THEN
    PERFORM ddc_webhook_enqueue((SELECT min(id) FROM events WHERE ddc_id = p_ddc), p_ddc, 'mint',
                                ARRAY[p_issuer, p_owner]);
  END IF;
END $$;

-- The mint events of a batch's chunk (its lines after p_after up to p_last), queued for the
-- issuer's and the owners' endpoints, in the chunk's transaction. Nothing when none exists.
CREATE FUNCTION ddc_webhook_batch(p_batch bigint, p_after bigint, p_last bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhooks WHERE disabled_at IS NULL AND deleted_at IS NULL) THEN
    RETURN;
  END IF;
  INSERT INTO webhook_outbox (webhook_id, event_id, ddc_id)
    SELECT w.id, e.id, c.ddc_id
    FROM batch_minted m JOIN certificates c ON c.ddc_id = m.ddc_id
    JOIN events e ON e.ddc_id = c.ddc_id AND e.type = 'mint'
    JOIN webhooks w ON w.account_id IN (c.issuer_id, c.owner_id)
    WHERE m.batch_id = p_batch AND m.line > p_after AND m.line <= p_last
      AND w.disabled_at IS NULL AND w.deleted_at IS NULL AND w.events && ARRAY['mint', '*']
    ORDER BY e.id
    ON CONFLICT DO NOTHING;
END $$;

-- An endpoint the caller may manage: its own account's (an operator reads any).
CREATE FUNCTION ddc_webhook_lock(p_role text, p_actor bigint, p_id bigint, p_write boolean)
RETURNS webhooks LANGUAGE plpgsql AS $$
DECLARE
  w webhooks;
BEGIN
  SELECT * INTO w FROM webhooks WHERE id = p_id AND deleted_at IS NULL FOR UPDATE;
  IF NOT FOUND OR (w.account_id <> p_actor AND (p_write OR p_role <> 'operator')) THEN
    PERFORM ddc_fail('not_found', format('no webhook %s', p_id));
  END IF;
  RETURN w;
END $$;

CREATE FUNCTION ddc_webhook_create(p_actor bigint, p_url text, p_events text[], p_sealed bytea,
                                   p_max integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  w webhooks;
BEGIN
  PERFORM 1 FROM accounts WHERE id = p_actor FOR UPDATE;
  IF (SELECT count(*) FROM webhooks WHERE account_id = p_actor AND deleted_at IS NULL) >= p_max THEN
    PERFORM ddc_fail('webhook_limit', format('an account has at most %s webhooks', p_max));
  END IF;
  INSERT INTO webhooks (account_id, url, events, sealed_secret)
    VALUES (p_actor, p_url, p_events, p_sealed) RETURNING * INTO w;
  RETURN ddc_webhook_json(w);
END $$;

CREATE FUNCTION ddc_webhook_list(p_actor bigint) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('items', coalesce(jsonb_agg(ddc_webhook_json(w) ORDER BY w.id), '[]'))
  FROM webhooks w WHERE w.account_id = p_actor AND w.deleted_at IS NULL
$$;

CREATE FUNCTION ddc_webhook_get(p_role text, p_actor bigint, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  RETURN ddc_webhook_json(ddc_webhook_lock(p_role, p_actor, p_id, false));
END $$;

-- Deleting keeps the row (its deliveries stay listed for the record) and stops its deliveries:
-- its waiting rows are no longer due.
CREATE FUNCTION ddc_webhook_delete(p_role text, p_actor bigint, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  w webhooks := ddc_webhook_lock(p_role, p_actor, p_id, true);
BEGIN
  UPDATE webhooks SET deleted_at = now() WHERE id = w.id;
  PERFORM ddc_webhook_park(w.id);
  RETURN jsonb_build_object('id', w.id);
END $$;

-- Enabling a disabled endpoint sends what waits again from now, the given-up row first.
CREATE FUNCTION ddc_webhook_enable(p_role text, p_actor bigint, p_id bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  w webhooks := ddc_webhook_lock(p_role, p_actor, p_id, true);
BEGIN
  UPDATE webhook_outbox SET failed_at = NULL, failing_since = NULL, next_at = now()
    WHERE webhook_id = w.id AND delivered_at IS NULL;
  UPDATE webhooks SET disabled_at = NULL, disabled_reason = NULL WHERE id = w.id
    RETURNING * INTO w;
  RETURN ddc_webhook_json(w);
END $$;

-- The attempts of an endpoint's deliveries, newest first, before the cursor p_before (0: the
-- newest).
CREATE FUNCTION ddc_webhook_deliveries(p_role text, p_actor bigint, p_id bigint, p_before bigint,
                                       p_limit integer) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  w webhooks := ddc_webhook_lock(p_role, p_actor, p_id, false);
  v_items jsonb;
  v_n integer;
  v_last bigint;
BEGIN
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'id', s.id, 'event_id', s.event_id, 'ddc_id', nullif(s.ddc_id, 0), 'type', s.type,
           'attempt', s.attempt, 'at', ddc_ts(s.at), 'status_code', s.status_code,
           'error', s.error, 'duration_ms', s.duration_ms,
           'outcome', CASE WHEN s.status_code BETWEEN 200 AND 299 THEN 'delivered'
                           ELSE 'failed' END) ORDER BY s.id DESC) FILTER (WHERE s.n <= p_limit),
                  '[]'),
         min(s.id) FILTER (WHERE s.n <= p_limit), count(*)
    INTO v_items, v_last, v_n
    FROM (SELECT a.*, o.event_id, o.ddc_id, e.type,
                 row_number() OVER (PARTITION BY a.outbox_id ORDER BY a.id) AS attempt,
                 row_number() OVER (ORDER BY a.id DESC) AS n
          FROM (SELECT * FROM webhook_attempts
                WHERE webhook_id = w.id AND (p_before = 0 OR id < p_before)
                ORDER BY id DESC LIMIT p_limit + 1) a
          JOIN webhook_outbox o ON o.id = a.outbox_id JOIN events e ON e.id = o.event_id) s;
  RETURN jsonb_build_object('items', v_items,
                            'next_cursor', CASE WHEN v_n > p_limit THEN v_last::text END);
END $$;

-- Takes the waiting rows of endpoint p_hook (disabled or deleted) out of the due ones (next_at
-- infinity) so that claims do not walk them; rows another process has claimed are left to the
-- claims, which park any they meet. Enabling makes them due again.
CREATE FUNCTION ddc_webhook_park(p_hook bigint) RETURNS void LANGUAGE sql AS $$
  UPDATE webhook_outbox SET next_at = 'infinity'
    WHERE id IN (SELECT id FROM webhook_outbox
                 WHERE webhook_id = p_hook AND delivered_at IS NULL AND failed_at IS NULL
                 FOR UPDATE SKIP LOCKED)
$$;

-- Claims up to p_limit due deliveries for this transaction (FOR UPDATE SKIP LOCKED: other ddcd
-- processes skip them; a ddcd that dies mid-delivery releases them with its connection), at most
-- one per certificate and endpoint, and only one whose earlier rows were all delivered. The due
-- rows are walked in webhook_outbox_due_idx's order and the walk stops at p_limit, so a claim
-- reads about p_limit rows however long the queue (a set-based NOT EXISTS over the whole queue
-- and a sort made each claim read all of it). Rows of disabled or deleted endpoints are not due
-- (next_at infinity, see ddc_webhook_failed and ddc_webhook_delete).
CREATE FUNCTION ddc_webhook_claim(p_limit integer)
RETURNS TABLE (outbox_id bigint, webhook_id bigint, url text, sealed_secret bytea, attempts integer,
               body text)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  v_ids bigint[] := '{}';
BEGIN
  FOR r IN SELECT o.id, o.webhook_id AS hook, o.ddc_id FROM webhook_outbox o
           WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_at <= now()
           ORDER BY o.next_at, o.id LOOP
    CONTINUE WHEN EXISTS (SELECT 1 FROM webhook_outbox p
                          WHERE p.webhook_id = r.hook AND p.ddc_id = r.ddc_id AND p.id < r.id
                            AND p.delivered_at IS NULL AND p.failed_at IS NULL);
    PERFORM 1 FROM webhook_outbox o WHERE o.id = r.id AND o.delivered_at IS NULL
      AND o.failed_at IS NULL FOR UPDATE SKIP LOCKED;
    CONTINUE WHEN NOT FOUND;
    IF NOT EXISTS (SELECT 1 FROM webhooks w WHERE w.id = r.hook
                     AND w.disabled_at IS NULL AND w.deleted_at IS NULL) THEN
      UPDATE webhook_outbox SET next_at = 'infinity' WHERE id = r.id; -- one the parking missed
      CONTINUE;
    END IF;
    v_ids := v_ids || r.id;
    EXIT WHEN cardinality(v_ids) >= p_limit;
  END LOOP;
  RETURN QUERY
  SELECT o.id, w.id, w.url, w.sealed_secret, o.attempts,
         jsonb_build_object('type', e.type, 'timestamp', ddc_ts(e.created_at), 'data',
           jsonb_build_object('event_id', e.id, 'ddc_id', e.ddc_id, 'account_id', e.account_id,
                              'actor_id', e.actor_id, 'time', ddc_ts(e.created_at),
                              'data', e.canonical::jsonb -> 'data',
                              'event_hash', encode(e.event_hash, 'hex'),
                              'prev_event_hash', encode(e.prev_event_hash, 'hex'),
                              'canonical', e.canonical))::text
  FROM webhook_outbox o JOIN webhooks w ON w.id = o.webhook_id
  JOIN events e ON e.id = o.event_id
  WHERE o.id = ANY (v_ids)
  ORDER BY o.id;
END $$;

-- Records the attempts of a round's claimed rows at once, p_results being
-- [{"id": outbox row, "status": HTTP status or null when none came back, "error", "ms",
-- "retry_s"}, ...]: one attempt row each; a 2xx delivers its row (and, when that row had failed
-- before, makes its endpoint's other waiting rows due now: the receiver is back); any other
-- outcome goes through ddc_webhook_failed.
CREATE FUNCTION ddc_webhook_results(p_results jsonb, p_give_up_s integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  INSERT INTO webhook_attempts (outbox_id, webhook_id, status_code, error, duration_ms)
    SELECT o.id, o.webhook_id, x.status, left(x.error, 500), x.ms
    FROM jsonb_to_recordset(p_results) AS x(id bigint, status integer, error text, ms integer)
    JOIN webhook_outbox o ON o.id = x.id
    ORDER BY x.id;
  WITH d AS (
    UPDATE webhook_outbox o SET delivered_at = now(), attempts = o.attempts + 1
    FROM jsonb_to_recordset(p_results) AS x(id bigint, status integer)
    WHERE o.id = x.id AND x.status BETWEEN 200 AND 299
    RETURNING o.webhook_id, o.failing_since)
  UPDATE webhook_outbox SET next_at = now()
    WHERE id IN (SELECT id FROM webhook_outbox
                 WHERE webhook_id IN (SELECT webhook_id FROM d WHERE failing_since IS NOT NULL)
                   AND delivered_at IS NULL AND failed_at IS NULL AND next_at > now()
                   AND next_at < 'infinity'
                 FOR UPDATE SKIP LOCKED);
  FOR r IN SELECT * FROM jsonb_to_recordset(p_results)
                           AS x(id bigint, status integer, error text, retry_s float8)
           WHERE x.status IS NULL OR x.status NOT BETWEEN 200 AND 299 ORDER BY x.id LOOP
    PERFORM ddc_webhook_failed(r.id, r.status, r.error, r.retry_s, p_give_up_s);
  END LOOP;
END $$;

-- A failed attempt of claimed row p_outbox (HTTP status p_status, or NULL with p_error): due
-- again in p_retry_s seconds, unless it has been failing for p_give_up_s: then it is given up and
-- its endpoint disabled, the endpoint's other rows waiting (not due) until it is enabled again.
CREATE FUNCTION ddc_webhook_failed(p_outbox bigint, p_status integer, p_error text,
                                   p_retry_s double precision, p_give_up_s integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  o webhook_outbox;
BEGIN
  SELECT * INTO o FROM webhook_outbox WHERE id = p_outbox;
  IF now() - coalesce(o.failing_since, now()) >= make_interval(secs => p_give_up_s) THEN
    UPDATE webhook_outbox SET failed_at = now(), attempts = attempts + 1 WHERE id = o.id;
    UPDATE webhooks SET disabled_at = now(),
        disabled_reason = format('event %s failed for %s since %s (last: %s)', o.event_id,
                                 justify_interval(date_trunc('second', now() - o.failing_since)),
                                 ddc_ts(o.failing_since),
                                 coalesce('HTTP ' || p_status, left(p_error, 200)))
      WHERE id = o.webhook_id AND disabled_at IS NULL;
    PERFORM ddc_webhook_park(o.webhook_id);
  ELSE
    UPDATE webhook_outbox SET attempts = attempts + 1,
        failing_since = coalesce(failing_since, now()),
        next_at = now() + make_interval(secs => p_retry_s)
      WHERE id = o.id;
  END IF;
END $$;
