-- certbatch: batch forms of the certificate operations (transfer, burn, freeze, unfreeze,
-- revoke) and BSN-DDC's write-once URI. A batch is judged item by item with the single
-- operations' rules (sql/functions/certificates.sql) in one statement, priced as a whole, and
-- applied all or nothing in a few set-based statements: the events (one per item, chained to
-- each certificate's head, written by ddc_event_canon like every other), their log queue, the
-- certificates, and the payer's journal, one line per item.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- Each item's verdict: NULL code when it may go ahead. The checks and their order are the single
-- operations': the caller's rights first, then the certificate's status, then (transfer) the
-- holder's consent and the recipient. A batch carries no holder signatures, so a certificate
-- whose owner registered a holder key moves in a batch only for an approved operator.
CREATE FUNCTION ddc_cert_batch_verdicts(p_role text, p_actor bigint, p_op text, p_items jsonb)
RETURNS TABLE (n bigint, ddc_id bigint, to_id bigint, reason text, issuer_id bigint,
               code text, field text)
LANGUAGE sql STABLE AS $$
  WITH i AS (
    SELECT x.*, count(*) OVER (PARTITION BY x.ddc_id) AS dup
    FROM ROWS FROM (jsonb_to_recordset(p_items) AS (ddc_id bigint, "to" bigint, reason text))
         WITH ORDINALITY AS x(ddc_id, to_id, reason, n)),
  f AS (
    SELECT i.*, c.issuer_id AS c_issuer, c.status, c.owner_id, c.ddc_id AS found,
      coalesce(c.approved_id = p_actor, false) OR EXISTS (
        SELECT 1 FROM operator_approvals oa WHERE oa.owner_id = c.owner_id
                                             AND oa.operator_id = p_actor) AS approved,
      c.owner_id = p_actor OR p_role = 'issuer' AND coalesce(o.issuer_id = p_actor, false)
        AS for_owner,
      EXISTS (SELECT 1 FROM holder_keys h WHERE h.account_id = c.owner_id) AS keyed,
      t.id AS t_id, t.status AS t_status,
      CASE WHEN t.role = 'issuer' THEN t.id ELSE t.issuer_id END AS t_side
    FROM i LEFT JOIN certificates c ON c.ddc_id = i.ddc_id
    LEFT JOIN accounts o ON o.id = c.owner_id
    LEFT JOIN accounts t ON t.id = i.to_id)
  SELECT f.n, f.ddc_id, f.to_id, f.reason, f.c_issuer, v.code,
         CASE WHEN v.code IN ('recipient_invalid', 'cross_issuer_not_approved') THEN 'to'
              ELSE 'ddc_id' END
  FROM f CROSS JOIN LATERAL (SELECT CASE
    WHEN f.dup > 1 THEN 'invalid_field'
    WHEN f.found IS NULL THEN 'not_found'
    WHEN NOT CASE p_op
      WHEN 'transfer' THEN f.approved OR f.for_owner
      WHEN 'burn' THEN p_role = 'operator' OR f.approved OR f.owner_id = p_actor
                       OR f.for_owner AND NOT f.keyed
      ELSE p_role = 'operator' OR f.c_issuer = p_actor END THEN 'forbidden'
    WHEN f.status = 'exporting' THEN 'certificate_exporting'
    WHEN f.status = 'moved' THEN 'certificate_moved'
    WHEN f.status IN ('revoked', 'burned') THEN 'certificate_final'
    WHEN f.status = 'frozen' AND (p_op = 'transfer' OR p_op = 'burn' AND p_role <> 'operator'
                                  OR p_op = 'freeze') THEN 'certificate_frozen'
    WHEN p_op = 'unfreeze' AND f.status <> 'frozen' THEN 'certificate_not_frozen'
    WHEN p_op = 'transfer' AND f.keyed AND NOT f.approved THEN 'holder_signature_required'
    WHEN p_op = 'transfer' AND f.to_id = f.owner_id THEN 'recipient_invalid'
    WHEN p_op = 'transfer' AND (f.t_side IS NULL OR f.t_side <> f.c_issuer AND NOT EXISTS (
           SELECT 1 FROM issuer_approvals ia WHERE ia.issuer_id = f.t_side
                                              AND ia.approved_issuer_id = f.c_issuer))
      THEN 'cross_issuer_not_approved'
    WHEN p_op = 'transfer' AND f.t_status <> 'active' THEN 'recipient_invalid'
    END AS code) v
$$;

-- The sentence for an item's refusal code.
CREATE FUNCTION ddc_cert_batch_detail(p_code text, p_ddc bigint, p_to bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_code
    WHEN 'invalid_field' THEN format('certificate %s is on more than one item', p_ddc)
    WHEN 'not_found' THEN format('no certificate %s', p_ddc)
    WHEN 'forbidden' THEN format('this account may not do that to certificate %s', p_ddc)
    WHEN 'certificate_exporting' THEN format('certificate %s is being exported', p_ddc)
    WHEN 'certificate_moved' THEN format('certificate %s moved to another operator', p_ddc)
    WHEN 'certificate_final' THEN format('certificate %s is revoked or burned', p_ddc)
    WHEN 'certificate_frozen' THEN format('certificate %s is frozen', p_ddc)
    WHEN 'certificate_not_frozen' THEN format('certificate %s is not frozen', p_ddc)
    WHEN 'holder_signature_required' THEN format('the owner of certificate %s registered a '
      'holder key: a batch moves it only for an approved operator', p_ddc)
    WHEN 'recipient_invalid' THEN format('account %s cannot receive certificate %s', p_to, p_ddc)
    ELSE format('account %s is not one that the issuer of certificate %s may send certificates '
                'to', p_to, p_ddc) END
$$;

-- The batch: p_items [{ddc_id, to?, reason?}] (shapes checked by ddcd), the acting key p_key
-- checked first. Refused items: {"refused": n, "items": [...]} and nothing written (a 422);
-- money short: insufficient_funds naming the batch's total (a 402). Otherwise every item applied
-- with its own event and journal line; the answer lists each item's result.
CREATE FUNCTION ddc_cert_batch(p_role text, p_actor bigint, p_key bigint, p_op text,
                               p_items jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_refused jsonb;
  v_short   record;
  v_time    timestamptz := now();
BEGIN
  PERFORM ddc_actor_check(p_key);
  -- lock in one order (ddc_id), so that two batches over the same certificates cannot deadlock
  PERFORM 1 FROM certificates c
    WHERE c.ddc_id IN (SELECT (x ->> 'ddc_id')::bigint FROM jsonb_array_elements(p_items) x)
    ORDER BY c.ddc_id FOR UPDATE;
  CREATE TEMP TABLE IF NOT EXISTS ddc_cb (n bigint, ddc_id bigint, to_id bigint, reason text,
    issuer_id bigint, code text, field text, amount bigint, currency text) ON COMMIT DROP;
  TRUNCATE ddc_cb;
  INSERT INTO ddc_cb (n, ddc_id, to_id, reason, issuer_id, code, field)
    SELECT * FROM ddc_cert_batch_verdicts(p_role, p_actor, p_op, p_items);
  SELECT jsonb_agg(jsonb_build_object('index', n - 1, 'ddc_id', ddc_id, 'code', code,
                     'detail', ddc_cert_batch_detail(code, ddc_id, to_id),
                     'field', format('items[%s].%s', n - 1, field)) ORDER BY n)
    INTO v_refused FROM ddc_cb WHERE code IS NOT NULL;
  IF v_refused IS NOT NULL THEN
    RETURN jsonb_build_object('refused', jsonb_array_length(v_refused), 'items', v_refused);
  END IF;
  -- the price of each item (its issuer's), the whole checked against the payer's balance
  UPDATE ddc_cb b SET amount = CASE WHEN p_role = 'operator' THEN 0 ELSE p.amount_minor END,
                      currency = p.currency
    FROM (SELECT DISTINCT z.issuer_id FROM ddc_cb z) d CROSS JOIN LATERAL ddc_price(p_op, d.issuer_id) p
    WHERE b.issuer_id = d.issuer_id;
  INSERT INTO balances (account_id, currency, amount_minor)
    SELECT DISTINCT p_actor, currency, 0 FROM ddc_cb WHERE amount > 0 ON CONFLICT DO NOTHING;
  SELECT t.currency, t.total, l.amount_minor AS have INTO v_short
    FROM (SELECT currency, sum(amount) AS total FROM ddc_cb WHERE amount > 0 GROUP BY currency) t
    JOIN LATERAL (SELECT amount_minor FROM balances WHERE account_id = p_actor
                    AND currency = t.currency FOR UPDATE) l ON true
    ORDER BY (t.total > l.amount_minor) DESC, t.currency LIMIT 1;
  IF v_short.total > v_short.have THEN
    PERFORM ddc_fail('insufficient_funds',
      format('price %s %s needed for the batch of %s, the balance of account %s is %s %s',
             v_short.total, v_short.currency, (SELECT count(*) FROM ddc_cb), p_actor,
             v_short.have, v_short.currency),
      jsonb_build_object('price', ddc_money(v_short.total::bigint, v_short.currency),
                         'balance', ddc_money(v_short.have, v_short.currency)));
  END IF;
  PERFORM ddc_cert_batch_apply(p_actor, p_op, v_time);
  RETURN jsonb_build_object('operation', p_op, 'count', (SELECT count(*) FROM ddc_cb),
    'charged', coalesce((SELECT jsonb_agg(ddc_money(t.total::bigint, t.currency) ORDER BY t.currency)
                         FROM (SELECT currency, sum(amount) AS total FROM ddc_cb
                               WHERE amount > 0 GROUP BY currency) t), '[]'),
    'items', (SELECT jsonb_agg(jsonb_build_object('index', b.n - 1, 'ddc_id', b.ddc_id,
                'result', 'ok', 'status', c.status, 'owner_id', c.owner_id,
                'event_hash', encode(c.last_event_hash, 'hex'),
                'charged', ddc_money(b.amount, b.currency)) ORDER BY b.n)
              FROM ddc_cb b JOIN certificates c ON c.ddc_id = b.ddc_id));
END $$;

-- The writes of a judged and priced batch (ddc_cb): events in item order, their log queue, the
-- certificates, then the payer's journal lines and balance (rows locked by the caller).
CREATE FUNCTION ddc_cert_batch_apply(p_actor bigint, p_op text, p_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH e AS (
    SELECT b.n, c.ddc_id, c.last_event_hash AS prev,
           ddc_event_canon(c.ddc_id, NULL, p_op, p_actor, c.last_event_hash,
             CASE p_op WHEN 'transfer' THEN '{"from":' || c.owner_id || ',"to":' || b.to_id || '}'
                       WHEN 'revoke' THEN '{"reason":' || coalesce(to_json(b.reason)::text, 'null')
                                          || '}'
                       ELSE '{}' END, p_time) AS canon
    FROM ddc_cb b JOIN certificates c ON c.ddc_id = b.ddc_id),
  ins AS (INSERT INTO events (ddc_id, account_id, type, actor_id, created_at, canonical,
                              event_hash, prev_event_hash)
          SELECT e.ddc_id, NULL, p_op, p_actor, p_time, e.canon,
                 sha256(convert_to(e.canon, 'UTF8')), e.prev
          FROM e ORDER BY e.n
          RETURNING id, ddc_id, event_hash),
  q AS (INSERT INTO log_pending (event_id) SELECT id FROM ins)
  UPDATE certificates c SET last_event_hash = ins.event_hash, updated_at = now(),
      owner_id = CASE WHEN p_op = 'transfer' THEN b.to_id ELSE c.owner_id END,
      status = CASE p_op WHEN 'freeze' THEN 'frozen' WHEN 'unfreeze' THEN 'active'
                         WHEN 'revoke' THEN 'revoked' WHEN 'burn' THEN 'burned' ELSE c.status END,
      revoke_reason = coalesce(b.reason, c.revoke_reason),
      approved_id = CASE WHEN p_op = 'unfreeze' THEN c.approved_id END
    FROM ins JOIN ddc_cb b ON b.ddc_id = ins.ddc_id
    WHERE c.ddc_id = ins.ddc_id;
  INSERT INTO journal (account_id, currency, delta, balance_after, reason, ddc_id)
    SELECT p_actor, b.currency, -b.amount,
           bal.amount_minor - sum(b.amount) OVER (PARTITION BY b.currency ORDER BY b.n), p_op,
           b.ddc_id
    FROM ddc_cb b JOIN balances bal ON bal.account_id = p_actor AND bal.currency = b.currency
    WHERE b.amount > 0 ORDER BY b.n;
  UPDATE balances bal SET amount_minor = bal.amount_minor - t.total, updated_at = now()
    FROM (SELECT currency, sum(amount) AS total FROM ddc_cb WHERE amount > 0 GROUP BY currency) t
    WHERE bal.account_id = p_actor AND bal.currency = t.currency;
END $$;

-- BSN-DDC's setURI: the issuer of a certificate minted without a URI (or the operator) sets it
-- once; an event records it. Refused when one is set (at mint or since) or the certificate is
-- revoked or burned. Not charged (no price for it).
CREATE FUNCTION ddc_cert_uri_set(p_role text, p_actor bigint, p_ddc bigint, p_uri text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c certificates := ddc_cert_lock(p_ddc);
BEGIN
  IF NOT (p_role = 'operator' OR c.issuer_id = p_actor) THEN
    PERFORM ddc_fail('forbidden', format('only the issuer of certificate %s or the operator sets '
                                         'its URI', p_ddc));
  END IF;
  PERFORM ddc_cert_movable(c, true);
  IF c.uri IS NOT NULL THEN
    PERFORM ddc_fail('uri_already_set', format('certificate %s already has its URI', p_ddc),
                     '{"field":"uri"}');
  END IF;
  PERFORM ddc_cert_event(c, 'uri_set', p_actor, jsonb_build_object('uri', p_uri));
  UPDATE certificates SET uri = p_uri WHERE ddc_id = p_ddc RETURNING * INTO c;
  RETURN ddc_cert_json(c);
END $$;
