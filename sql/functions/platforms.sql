-- platforms: the platform tier's money beyond single recharges (sql/functions/billing.sql): the
-- roll-up statement of a platform and everything under it, and batches of recharges, all or
-- nothing, set-based (one statement per step, not one call per item).
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- The roll-up of platform p_platform for [p_from, p_to): per currency, every account under it
-- (the platform, its issuers and their holders) with its opening and closing balance and the
-- period's credits and debits, and the totals: money in from outside (the operator's
-- recharges), money moved inside (platform -> issuer -> holder, which cancels out) and money
-- charged (net of batch reservations released), so that
-- closing = opening + external_in - charged, to the minor unit. The operator and the platform.
CREATE FUNCTION ddc_rollup(p_role text, p_actor bigint, p_platform bigint, p_currency text,
                           p_from timestamptz, p_to timestamptz)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  a accounts := ddc_account_seen(p_role, p_actor, p_platform,
                                 'only the operator and the platform itself read its roll-up');
BEGIN
  IF p_role NOT IN ('operator', 'platform') THEN
    PERFORM ddc_fail('forbidden', 'only the operator and the platform itself read its roll-up');
  END IF;
  IF a.role <> 'platform' THEN
    PERFORM ddc_fail('wrong_account_role', format('account %s is a %s, not a platform', a.id,
                                                  a.role));
  END IF;
  RETURN jsonb_build_object('platform_id', p_platform, 'from', ddc_ts(p_from), 'to', ddc_ts(p_to),
                            'currencies', coalesce((
    WITH grp AS (SELECT x.id, x.role FROM accounts x
                 WHERE x.id = p_platform OR x.platform_id = p_platform),
    cur AS (SELECT c.code, c.exponent FROM currencies c
            WHERE c.code = p_currency
               OR p_currency IS NULL AND c.code IN (SELECT DISTINCT j.currency FROM journal j
                                                    WHERE j.account_id IN (SELECT id FROM grp))),
    acc AS (
      SELECT cur.code, cur.exponent, g.id, g.role,
        coalesce((SELECT j.balance_after FROM journal j WHERE j.account_id = g.id
                    AND j.currency = cur.code AND j.created_at < p_from
                  ORDER BY j.id DESC LIMIT 1), 0) AS opening,
        coalesce((SELECT j.balance_after FROM journal j WHERE j.account_id = g.id
                    AND j.currency = cur.code AND j.created_at < p_to
                  ORDER BY j.id DESC LIMIT 1), 0) AS closing, s.*
      FROM cur CROSS JOIN grp g CROSS JOIN LATERAL (
        SELECT coalesce(sum(j.delta) FILTER (WHERE j.delta > 0), 0) AS credits,
               coalesce(-sum(j.delta) FILTER (WHERE j.delta < 0), 0) AS debits,
               coalesce(sum(j.delta) FILTER (WHERE j.reason = 'recharge' AND j.counterparty_id
                                             NOT IN (SELECT id FROM grp)), 0) AS external_in,
               coalesce(sum(j.delta) FILTER (WHERE j.reason = 'recharge' AND j.counterparty_id
                                             IN (SELECT id FROM grp)), 0) AS internal,
               coalesce(-sum(j.delta) FILTER (WHERE j.reason NOT IN ('recharge',
                                                                     'recharge_out')), 0) AS charged
        FROM journal j WHERE j.account_id = g.id AND j.currency = cur.code
          AND j.created_at >= p_from AND j.created_at < p_to) s)
    SELECT jsonb_agg(jsonb_build_object(
      'currency', t.code, 'exponent', t.exponent,
      'opening', t.opening, 'external_in', t.external_in, 'internal', t.internal,
      'charged', t.charged, 'closing', t.closing, 'accounts', t.accounts) ORDER BY t.code)
    FROM (SELECT acc.code, acc.exponent, sum(acc.opening) AS opening,
                 sum(acc.external_in) AS external_in, sum(acc.internal) AS internal,
                 sum(acc.charged) AS charged, sum(acc.closing) AS closing,
                 jsonb_agg(jsonb_build_object('account_id', acc.id, 'role', acc.role,
                                              'opening', acc.opening, 'credits', acc.credits,
                                              'debits', acc.debits, 'charged', acc.charged,
                                              'closing', acc.closing) ORDER BY acc.id)
                   FILTER (WHERE acc.opening <> 0 OR acc.closing <> 0 OR acc.credits <> 0
                                 OR acc.debits <> 0) AS accounts
          FROM acc GROUP BY acc.code, acc.exponent) t), '[]'));
END $$;

-- A batch of recharges by p_actor (an operator, or a platform recharging its own issuers), all
-- or nothing. p_items: [{account_id, amount_minor, currency, reference}] (shapes checked by
-- ddcd). Every item is judged first; any refused item refuses the batch, answered as
-- {"refused": n, "items": [...]} with nothing written (ddcd makes it a 422). An item whose
-- reference the payer already used for the same recharge is "replayed", as a single recharge
-- would be. Then the payer's debit (a platform's: one journal line per item, 402 with the total
-- when short) and the credits, each balance row locked once, in account order.
CREATE FUNCTION ddc_recharge_batch(p_role text, p_actor bigint, p_key bigint, p_items jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_refused jsonb;
  v_short record;
BEGIN
  PERFORM ddc_actor_check(p_key);
  IF p_role NOT IN ('operator', 'platform') THEN
    PERFORM ddc_fail('forbidden', 'only operators and platforms recharge in batches');
  END IF;
  CREATE TEMP TABLE IF NOT EXISTS ddc_rb (n bigint, account_id bigint, amount bigint,
    currency text, reference text, recharge_id bigint, replayed boolean, balance_after bigint,
    code text, detail text, field text) ON COMMIT DROP;
  TRUNCATE ddc_rb;
  INSERT INTO ddc_rb (n, account_id, amount, currency, reference)
    SELECT x.n, x.account_id, x.amount_minor, x.currency, x.reference
    FROM ROWS FROM (jsonb_to_recordset(p_items) AS (account_id bigint, amount_minor bigint,
                                                    currency text, reference text))
         WITH ORDINALITY AS x(account_id, amount_minor, currency, reference, n);
  -- the verdicts, in the single recharge's order of checks
  UPDATE ddc_rb b SET code = v.code, detail = v.detail, field = v.field FROM (
    SELECT i.n, CASE
      WHEN i.dup > 1 THEN 'invalid_field'
      WHEN c.code IS NULL THEN 'invalid_field'
      WHEN a.id IS NULL AND p_role = 'operator' THEN 'not_found'
      WHEN p_role = 'platform' AND (a.id IS NULL OR a.platform_id IS DISTINCT FROM p_actor
                                   OR a.role <> 'issuer') THEN 'forbidden'
      WHEN p_role = 'operator' AND a.role NOT IN ('issuer', 'platform') THEN 'wrong_account_role'
      WHEN r.id IS NOT NULL AND (r.account_id, r.amount_minor, r.currency)
                                <> (i.account_id, i.amount, i.currency)
        THEN 'recharge_reference_conflict' END AS code,
      CASE
      WHEN i.dup > 1 THEN format('reference %s is on more than one item', i.reference)
      WHEN c.code IS NULL THEN format('%s is not an ISO 4217 currency this service keeps',
                                      i.currency)
      WHEN a.id IS NULL AND p_role = 'operator' THEN format('no account %s', i.account_id)
      WHEN p_role = 'platform' AND (a.id IS NULL OR a.platform_id IS DISTINCT FROM p_actor
                                   OR a.role <> 'issuer') THEN 'platforms recharge only their own issuers'
      WHEN p_role = 'operator' AND a.role NOT IN ('issuer', 'platform') THEN
        format('account %s is a %s; operators recharge issuers and platforms', a.id, a.role)
      ELSE format('reference %s was used for recharge %s', i.reference, r.id) END AS detail,
      CASE WHEN i.dup > 1 OR r.id IS NOT NULL THEN 'reference'
           WHEN c.code IS NULL THEN 'currency' ELSE 'account_id' END AS field
    FROM (SELECT z.*, count(*) OVER (PARTITION BY z.reference) AS dup FROM ddc_rb z) i
    LEFT JOIN currencies c ON c.code = i.currency
    LEFT JOIN accounts a ON a.id = i.account_id
    LEFT JOIN recharges r ON r.payer_id = p_actor AND r.reference = i.reference) v
  WHERE b.n = v.n AND v.code IS NOT NULL;
  SELECT jsonb_agg(jsonb_build_object('index', n - 1, 'code', code, 'detail', detail,
                                      'field', format('items[%s].%s', n - 1, field)) ORDER BY n)
    INTO v_refused FROM ddc_rb WHERE code IS NOT NULL;
  IF v_refused IS NOT NULL THEN
    RETURN jsonb_build_object('refused', jsonb_array_length(v_refused), 'items', v_refused);
  END IF;
  UPDATE ddc_rb b SET recharge_id = r.id, replayed = true, balance_after = r.balance_after
    FROM recharges r WHERE r.payer_id = p_actor AND r.reference = b.reference;
  -- the payer's money first (a platform's; the operator's comes from outside)
  IF p_role = 'platform' THEN
    INSERT INTO balances (account_id, currency, amount_minor)
      SELECT DISTINCT p_actor, currency, 0 FROM ddc_rb WHERE replayed IS NULL
      ON CONFLICT DO NOTHING;
    SELECT t.currency, t.total, l.amount_minor AS have INTO v_short
      FROM (SELECT currency, sum(amount) AS total FROM ddc_rb WHERE replayed IS NULL
            GROUP BY currency) t
      JOIN LATERAL (SELECT amount_minor FROM balances WHERE account_id = p_actor
                      AND currency = t.currency FOR UPDATE) l ON true
      ORDER BY (t.total > l.amount_minor) DESC, t.currency LIMIT 1;
    IF v_short.total > v_short.have THEN
      PERFORM ddc_fail('insufficient_funds',
        format('amount %s %s needed for the batch, the balance of account %s is %s %s',
               v_short.total, v_short.currency, p_actor, v_short.have, v_short.currency),
        jsonb_build_object('amount', ddc_money(v_short.total::bigint, v_short.currency),
                           'balance', ddc_money(v_short.have, v_short.currency)));
    END IF;
    PERFORM ddc_batch_journal(p_actor, 'recharge_out');
  END IF;
  PERFORM ddc_recharge_batch_credit(p_actor);
  RETURN jsonb_build_object('count', (SELECT count(*) FROM ddc_rb),
    'replayed', (SELECT count(*) FROM ddc_rb WHERE replayed),
    'items', (SELECT jsonb_agg(jsonb_build_object('index', b.n - 1, 'id', b.recharge_id,
                'account_id', b.account_id, 'amount_minor', b.amount, 'currency', b.currency,
                'reference', b.reference, 'balance_after', b.balance_after,
                'replayed', b.replayed) ORDER BY b.n) FROM ddc_rb b));
END $$;

-- The payer's debit for the new items of ddc_rb: one journal line per item, in item order,
-- each with the balance after it; the balance rows are locked by the caller.
CREATE FUNCTION ddc_batch_journal(p_actor bigint, p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  WITH l AS (
    SELECT b.n, b.currency, b.amount, b.reference, b.account_id,
           bal.amount_minor - sum(b.amount) OVER (PARTITION BY b.currency ORDER BY b.n) AS after
    FROM ddc_rb b JOIN balances bal ON bal.account_id = p_actor AND bal.currency = b.currency
    WHERE b.replayed IS NULL),
  j AS (INSERT INTO journal (account_id, currency, delta, balance_after, reason, reference,
                             counterparty_id)
        SELECT p_actor, l.currency, -l.amount, l.after, p_reason, l.reference, l.account_id
        FROM l ORDER BY l.n)
  UPDATE balances bal SET amount_minor = bal.amount_minor - t.total, updated_at = now()
    FROM (SELECT currency, sum(amount) AS total FROM ddc_rb WHERE replayed IS NULL
          GROUP BY currency) t
    WHERE bal.account_id = p_actor AND bal.currency = t.currency;
END $$;

-- The credits of the new items of ddc_rb: the recharge rows, each payee's balance row locked
-- once in account order, one journal line per item with its balance after.
CREATE FUNCTION ddc_recharge_batch_credit(p_actor bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_over record;
BEGIN
  INSERT INTO balances (account_id, currency, amount_minor)
    SELECT DISTINCT account_id, currency, 0 FROM ddc_rb WHERE replayed IS NULL
    ON CONFLICT DO NOTHING;
  PERFORM 1 FROM balances bal
    WHERE (bal.account_id, bal.currency) IN (SELECT account_id, currency FROM ddc_rb
                                              WHERE replayed IS NULL)
    ORDER BY bal.account_id, bal.currency FOR UPDATE;
  UPDATE ddc_rb b SET balance_after = l.after, replayed = false FROM (
    SELECT z.n, bal.amount_minor + sum(z.amount) OVER (PARTITION BY z.account_id, z.currency
                                                       ORDER BY z.n) AS after
    FROM ddc_rb z JOIN balances bal ON bal.account_id = z.account_id
                                   AND bal.currency = z.currency
    WHERE z.replayed IS NULL) l
  WHERE b.n = l.n;
  SELECT * INTO v_over FROM ddc_rb WHERE replayed = false AND balance_after > 9007199254740992
    ORDER BY n LIMIT 1;
  IF FOUND THEN
    PERFORM ddc_fail('balance_limit', format('the balance of account %s would be %s %s, over '
                     '2^53 minor units', v_over.account_id, v_over.balance_after, v_over.currency),
                     jsonb_build_object('field', format('items[%s].amount_minor', v_over.n - 1)));
  END IF;
  WITH r AS (INSERT INTO recharges (payer_id, account_id, amount_minor, currency, reference,
                                    balance_after)
             SELECT p_actor, account_id, amount, currency, reference, balance_after
             FROM ddc_rb WHERE replayed = false ORDER BY n
             RETURNING id, reference)
  UPDATE ddc_rb b SET recharge_id = r.id FROM r WHERE b.reference = r.reference;
  INSERT INTO journal (account_id, currency, delta, balance_after, reason, reference,
                       counterparty_id)
    SELECT account_id, currency, amount, balance_after, 'recharge', reference, p_actor
    FROM ddc_rb WHERE replayed = false ORDER BY n;
  UPDATE balances bal SET amount_minor = bal.amount_minor + t.total, updated_at = now()
    FROM (SELECT account_id, currency, sum(amount) AS total FROM ddc_rb WHERE replayed = false
          GROUP BY account_id, currency) t
    WHERE bal.account_id = t.account_id AND bal.currency = t.currency;
END $$;
