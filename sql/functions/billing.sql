-- billing: fiat money. Prices per operation (a default and optional per-issuer overrides),
-- balances, the append-only journal and recharges, in integer minor units. Rule failures raise
-- SQLSTATE DD001 (ddc_fail): the whole statement rolls back, money included.
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- A rule failure: MESSAGE is the error registry code, DETAIL the human sentence, HINT a JSON
-- object of extra problem members (e.g. {"field":"to"} or the price and balance of a 402).
CREATE FUNCTION ddc_fail(p_code text, p_detail text, p_extra jsonb DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RAISE SQLSTATE 'DD001' USING MESSAGE = p_code, DETAIL = p_detail, HINT = p_extra::text;
END $$;

-- Rows of an append-only table are never changed or removed.
CREATE FUNCTION ddc_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;

-- base64url without padding, the form of keys and signatures in the API.
CREATE FUNCTION ddc_b64url(b bytea) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT translate(encode(b, 'base64'), E'+/=\n', '-_') $$;

CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only ();

-- STABLE like jsonb_build_object, so that the planner inlines it (an IMMUTABLE wrapper around a
-- STABLE call is run as a separate SQL function every time, about 15 us a call).
CREATE FUNCTION ddc_money(p_amount bigint, p_currency text) RETURNS jsonb
LANGUAGE sql STABLE AS
$$ SELECT jsonb_build_object('amount_minor', p_amount, 'currency', p_currency) $$;

CREATE FUNCTION ddc_price_json(p prices) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('operation', p.operation, 'issuer_id', p.issuer_id,
                            'amount_minor', p.amount_minor, 'currency', p.currency,
                            'updated_at', ddc_ts(p.updated_at))
$$;

-- The price of an operation for an issuer: its override, else its platform's (the floor the
-- operator set for the platform's issuers, a row whose issuer_id names the platform), else the
-- default. For a platform itself: its floor, else the default.
CREATE FUNCTION ddc_price(p_operation text, p_issuer bigint) RETURNS prices
LANGUAGE sql STABLE AS $$
  SELECT * FROM prices WHERE operation = p_operation
    AND (issuer_id = p_issuer OR issuer_id IS NULL
         OR issuer_id = (SELECT a.platform_id FROM accounts a WHERE a.id = p_issuer))
  ORDER BY issuer_id = p_issuer DESC NULLS LAST LIMIT 1
$$;

CREATE FUNCTION ddc_currency_check(p_currency text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM currencies WHERE code = p_currency) THEN
    PERFORM ddc_fail('invalid_field', format('%s is not an ISO 4217 currency this service keeps',
                                             p_currency), '{"field":"currency"}');
  END IF;
END $$;

-- Adds p_delta to a balance and writes its journal line; returns the balance after. A debit
-- larger than the balance raises insufficient_funds naming what was asked (as p_label: "price"
-- or "amount") and the balance.
CREATE FUNCTION ddc_balance_move(p_account bigint, p_currency text, p_delta bigint, p_reason text,
                                 p_reference text, p_ddc bigint, p_counterparty bigint,
                                 p_label text DEFAULT 'price')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_after bigint;
  v_have  bigint;
BEGIN
  IF p_delta > 0 THEN
    INSERT INTO balances AS b (account_id, currency, amount_minor)
      VALUES (p_account, p_currency, 0)
      ON CONFLICT (account_id, currency) DO UPDATE SET updated_at = now()
      RETURNING b.amount_minor INTO v_have;
    IF v_have + p_delta > 9007199254740992 THEN
      PERFORM ddc_fail('balance_limit', format('the balance would be %s %s, over 2^53 minor units',
                                               v_have + p_delta, p_currency));
    END IF;
    UPDATE balances SET amount_minor = amount_minor + p_delta
      WHERE account_id = p_account AND currency = p_currency RETURNING amount_minor INTO v_after;
  ELSE
    UPDATE balances SET amount_minor = amount_minor + p_delta, updated_at = now()
      WHERE account_id = p_account AND currency = p_currency AND amount_minor >= -p_delta
      RETURNING amount_minor INTO v_after;
    IF v_after IS NULL THEN
      SELECT amount_minor INTO v_have FROM balances
        WHERE account_id = p_account AND currency = p_currency;
      PERFORM ddc_fail('insufficient_funds',
        format('%s %s %s needed, the balance of account %s is %s %s', p_label, -p_delta,
               p_currency, p_account, coalesce(v_have, 0), p_currency),
        jsonb_build_object(p_label, ddc_money(-p_delta, p_currency),
                           'balance', ddc_money(coalesce(v_have, 0), p_currency)));
    END IF;
  END IF;
  INSERT INTO journal (account_id, currency, delta, balance_after, reason, reference, ddc_id,
                       counterparty_id)
    VALUES (p_account, p_currency, p_delta, v_after, p_reason, p_reference, p_ddc, p_counterparty);
  RETURN v_after;
END $$;

-- Charges the payer the price of an operation on a certificate of p_issuer. Call it last in a
-- write function: the payer's balance row stays locked only until the commit that follows.
-- Operators pay nothing. Returns what was charged.
CREATE FUNCTION ddc_charge(p_payer bigint, p_payer_role text, p_issuer bigint, p_operation text,
                           p_ddc bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_amount   bigint;
  v_currency text;
BEGIN
  SELECT amount_minor, currency INTO v_amount, v_currency FROM prices -- ddc_price, inlined
    WHERE operation = p_operation
      AND (issuer_id = p_issuer OR issuer_id IS NULL
           OR issuer_id = (SELECT a.platform_id FROM accounts a WHERE a.id = p_issuer))
    ORDER BY issuer_id = p_issuer DESC NULLS LAST LIMIT 1;
  IF p_payer_role = 'operator' OR v_amount = 0 THEN
    RETURN ddc_money(0, v_currency);
  END IF;
  PERFORM ddc_balance_move(p_payer, v_currency, -v_amount, p_operation, NULL, p_ddc, NULL);
  RETURN ddc_money(v_amount, v_currency);
END $$;

-- Prices an issuer pays: its overrides, else its platform's floor, else the defaults. Operators
-- may name any issuer or platform (or none: the defaults); platforms see their own floors (no
-- issuer_id) and their issuers'; issuers see their own; holders their issuer's.
CREATE FUNCTION ddc_prices_list(p_role text, p_actor bigint, p_actor_issuer bigint,
                                p_issuer bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_issuer bigint := CASE p_role WHEN 'operator' THEN p_issuer
                                 WHEN 'issuer' THEN coalesce(p_issuer, p_actor)
                                 WHEN 'platform' THEN coalesce(p_issuer, p_actor)
                                 ELSE coalesce(p_issuer, p_actor_issuer) END;
  v_platform boolean := EXISTS (SELECT 1 FROM accounts WHERE id = v_issuer AND role = 'platform');
BEGIN
  IF p_role = 'issuer' AND v_issuer <> p_actor OR p_role = 'holder' AND v_issuer <> p_actor_issuer
     OR p_role = 'platform' AND v_issuer <> p_actor AND NOT EXISTS (
          SELECT 1 FROM accounts WHERE id = v_issuer AND platform_id = p_actor AND role = 'issuer')
  THEN
    PERFORM ddc_fail('forbidden', 'prices of another issuer are not visible to this account',
                     '{"field":"issuer_id"}');
  END IF;
  RETURN jsonb_build_object('issuer_id', v_issuer, 'items', (
    SELECT jsonb_agg(ddc_price_json(p) || jsonb_build_object('source',
                     CASE WHEN p.issuer_id IS NULL THEN 'default'
                          WHEN p.issuer_id = v_issuer AND NOT v_platform THEN 'issuer'
                          ELSE 'platform' END)
                     ORDER BY o.n)
    FROM unnest(ARRAY['mint', 'transfer', 'approve', 'freeze', 'unfreeze', 'revoke', 'burn',
                      'batch_row', 'edition_mint', 'edition_transfer', 'edition_burn',
                      'edition_mint_more', 'export']) WITH ORDINALITY AS o(op, n), ddc_price(o.op, v_issuer) AS p));
END $$;

-- A platform may price only its own issuers, and not below its floor (ddc_price of the
-- platform: the floor the operator set for it, else the default), in the floor's currency.
CREATE FUNCTION ddc_price_platform_check(p_actor bigint, p_operation text, p_issuer bigint,
                                         p_amount bigint, p_currency text)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  f prices := ddc_price(p_operation, p_actor);
BEGIN
  IF p_issuer IS NULL OR NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_issuer
                                       AND platform_id = p_actor AND role = 'issuer') THEN
    PERFORM ddc_fail('forbidden', 'a platform sets the prices of its own issuers only',
                     '{"field":"issuer_id"}');
  END IF;
  IF p_currency IS DISTINCT FROM f.currency OR p_amount < f.amount_minor THEN
    PERFORM ddc_fail('price_below_floor',
      format('the floor for %s is %s %s; the price must be at least that, in %s', p_operation,
             f.amount_minor, f.currency, f.currency),
      jsonb_build_object('field', CASE WHEN p_currency IS DISTINCT FROM f.currency
                                       THEN 'currency' ELSE 'amount_minor' END,
                         'floor', ddc_money(f.amount_minor, f.currency)));
  END IF;
END $$;

-- Operators set the default (p_issuer NULL), an issuer's price or a platform's floor (p_issuer
-- names the platform); platforms their issuers' prices, within their floor.
CREATE FUNCTION ddc_price_set(p_role text, p_actor bigint, p_operation text, p_issuer bigint,
                              p_amount bigint, p_currency text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  p prices;
BEGIN
  PERFORM ddc_currency_check(p_currency);
  IF p_role = 'platform' THEN
    PERFORM ddc_price_platform_check(p_actor, p_operation, p_issuer, p_amount, p_currency);
  ELSIF p_role <> 'operator' THEN
    PERFORM ddc_fail('forbidden', 'only operators and platforms set prices');
  END IF;
  IF p_issuer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_issuer
                                            AND role IN ('issuer', 'platform')) THEN
    PERFORM ddc_fail('issuer_not_found', format('account %s is not an issuer or a platform',
                                                p_issuer), '{"field":"issuer_id"}');
  END IF;
  INSERT INTO prices AS x (operation, issuer_id, amount_minor, currency)
    VALUES (p_operation, p_issuer, p_amount, p_currency)
    ON CONFLICT (operation, issuer_id) DO UPDATE
      SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, updated_at = now()
    RETURNING * INTO p;
  RETURN ddc_price_json(p);
END $$;

-- Removes an issuer's override or a platform's floor (operators), or the override of a
-- platform's own issuer (that platform); the default price cannot be removed.
CREATE FUNCTION ddc_price_delete(p_role text, p_actor bigint, p_operation text, p_issuer bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  IF p_role = 'platform' AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_issuer
                                           AND platform_id = p_actor AND role = 'issuer')
     OR p_role NOT IN ('operator', 'platform') THEN
    PERFORM ddc_fail('forbidden', 'a platform removes the prices of its own issuers only',
                     '{"field":"issuer_id"}');
  END IF;
  DELETE FROM prices WHERE operation = p_operation AND issuer_id = p_issuer;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('issuer %s has no own price for %s', p_issuer,
                                         p_operation), '{"field":"issuer_id"}');
  END IF;
  RETURN ddc_price_json(ddc_price(p_operation, p_issuer));
END $$;

CREATE FUNCTION ddc_recharge_json(x recharges, p_replayed boolean) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', x.id, 'payer_id', x.payer_id, 'account_id', x.account_id,
                            'amount_minor', x.amount_minor, 'currency', x.currency,
                            'reference', x.reference, 'balance_after', x.balance_after,
                            'created_at', ddc_ts(x.created_at), 'replayed', p_replayed)
$$;

-- A recharge (the acting key p_key checked first). Operators credit issuers and platforms with
-- money paid from outside; platforms move money from their balance to one of their issuers, and
-- issuers to one of their holders (both journals, this transaction). The same (payer, reference) again returns the first
-- recharge ("replayed": true) if it asked the same, and recharge_reference_conflict otherwise.
CREATE FUNCTION ddc_recharge(p_role text, p_actor bigint, p_account bigint, p_amount bigint,
                             p_currency text, p_reference text, p_key bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  a accounts;
  x recharges;
BEGIN
  PERFORM ddc_actor_check(p_key);
  PERFORM ddc_currency_check(p_currency);
  SELECT * INTO a FROM accounts WHERE id = p_account;
  IF NOT FOUND THEN
    PERFORM ddc_account_missing(p_role, p_account);
  END IF;
  IF p_role = 'holder' OR p_role = 'issuer' AND coalesce(a.issuer_id <> p_actor, true) THEN
    PERFORM ddc_fail('forbidden', 'issuers recharge only their own holders');
  END IF;
  IF p_role = 'platform' AND (coalesce(a.platform_id <> p_actor, true) OR a.role <> 'issuer') THEN
    PERFORM ddc_fail('forbidden', 'platforms recharge only their own issuers');
  END IF;
  IF p_role = 'operator' AND a.role NOT IN ('issuer', 'platform') THEN
    PERFORM ddc_fail('wrong_account_role', format('account %s is a %s; operators recharge '
                                                  'issuers and platforms', p_account, a.role));
  END IF;
  INSERT INTO recharges (payer_id, account_id, amount_minor, currency, reference, balance_after)
    VALUES (p_actor, p_account, p_amount, p_currency, p_reference, 0)
    ON CONFLICT (payer_id, reference) DO NOTHING
    RETURNING * INTO x;
  IF x.id IS NULL THEN
    SELECT * INTO x FROM recharges WHERE payer_id = p_actor AND reference = p_reference;
    IF (x.account_id, x.amount_minor, x.currency) <> (p_account, p_amount, p_currency) THEN
      PERFORM ddc_fail('recharge_reference_conflict',
        format('reference %s was used for recharge %s of %s %s to account %s', p_reference, x.id,
               x.amount_minor, x.currency, x.account_id),
        jsonb_build_object('field', 'reference', 'recharge_id', x.id));
    END IF;
    RETURN ddc_recharge_json(x, true);
  END IF;
  IF p_role IN ('issuer', 'platform') THEN
    PERFORM ddc_balance_move(p_actor, p_currency, -p_amount, 'recharge_out', p_reference, NULL,
                             p_account, 'amount');
  END IF;
  x.balance_after := ddc_balance_move(p_account, p_currency, p_amount, 'recharge', p_reference,
                                      NULL, p_actor);
  UPDATE recharges SET balance_after = x.balance_after WHERE id = x.id;
  RETURN ddc_recharge_json(x, false);
END $$;

-- Who may read an account's money: who may see the account (ddc_account_may_see).
CREATE FUNCTION ddc_account_visible(p_role text, p_actor bigint, p_account bigint)
RETURNS void LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ddc_account_seen(p_role, p_actor, p_account,
                           'this account may not read that account''s money');
END $$;

CREATE FUNCTION ddc_balance_get(p_role text, p_actor bigint, p_account bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ddc_account_visible(p_role, p_actor, p_account);
  RETURN jsonb_build_object('account_id', p_account, 'balances', coalesce((
    SELECT jsonb_agg(jsonb_build_object('amount_minor', amount_minor, 'currency', currency,
                                        'updated_at', ddc_ts(updated_at)) ORDER BY currency)
    FROM balances WHERE account_id = p_account), '[]'));
END $$;

CREATE FUNCTION ddc_journal_json(j journal) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object('id', j.id, 'time', ddc_ts(j.created_at), 'currency', j.currency,
                            'delta', j.delta, 'balance_after', j.balance_after,
                            'reason', j.reason, 'reference', j.reference, 'ddc_id', j.ddc_id,
                            'counterparty_id', j.counterparty_id)
$$;

-- Journal lines after the cursor (an id), oldest first; next_cursor is null at the end.
CREATE FUNCTION ddc_journal_list(p_role text, p_actor bigint, p_account bigint, p_currency text,
                                 p_after bigint, p_limit integer)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_items jsonb;
  v_last  bigint;
  v_n     integer;
BEGIN
  PERFORM ddc_account_visible(p_role, p_actor, p_account);
  SELECT coalesce(jsonb_agg(ddc_journal_json(s.j) ORDER BY (s.j).id) FILTER (WHERE s.n <= p_limit),
                  '[]'),
         max((s.j).id) FILTER (WHERE s.n <= p_limit), count(*)
    INTO v_items, v_last, v_n
    FROM (SELECT x AS j, row_number() OVER (ORDER BY x.id) AS n FROM journal x
          WHERE x.account_id = p_account AND x.id > p_after
            AND (p_currency IS NULL OR x.currency = p_currency)
          ORDER BY x.id LIMIT p_limit + 1) s;
  RETURN jsonb_build_object('items', v_items,
                            'next_cursor', CASE WHEN v_n > p_limit THEN v_last::text END);
END $$;

-- A statement for [p_from, p_to): per currency the account has lines in (or p_currency), the
-- opening balance, the lines and the closing balance, oldest first.
CREATE FUNCTION ddc_statement(p_role text, p_actor bigint, p_account bigint, p_currency text,
                              p_from timestamptz, p_to timestamptz)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ddc_account_visible(p_role, p_actor, p_account);
  IF (SELECT count(*) FROM journal j WHERE j.account_id = p_account
        AND (p_currency IS NULL OR j.currency = p_currency)
        AND j.created_at >= p_from AND j.created_at < p_to) > 100000 THEN
    PERFORM ddc_fail('invalid_parameter', 'the statement would have over 100000 lines; '
                     'ask for a shorter period', '{"field":"from"}');
  END IF;
  RETURN coalesce((
    SELECT jsonb_agg(jsonb_build_object(
      'currency', c.code, 'exponent', c.exponent,
      'opening', coalesce((SELECT j.balance_after FROM journal j WHERE j.account_id = p_account
                             AND j.currency = c.code AND j.created_at < p_from
                           ORDER BY j.id DESC LIMIT 1), 0),
      'closing', coalesce((SELECT j.balance_after FROM journal j WHERE j.account_id = p_account
                             AND j.currency = c.code AND j.created_at < p_to
                           ORDER BY j.id DESC LIMIT 1), 0),
      'lines', coalesce((SELECT jsonb_agg(ddc_journal_json(j) ORDER BY j.id) FROM journal j
                         WHERE j.account_id = p_account AND j.currency = c.code
                           AND j.created_at >= p_from AND j.created_at < p_to), '[]'))
      ORDER BY c.code)
    FROM currencies c
    WHERE c.code = p_currency
       OR p_currency IS NULL AND c.code IN (SELECT DISTINCT j.currency FROM journal j
                                            WHERE j.account_id = p_account)), '[]');
END $$;

-- Expected refusals stay out of PostgreSQL's log. ddc_fail raises SQLSTATE DD001 for a rule a
-- request broke (not enough money, a frozen account, a taken external_ref...): an answer to a
-- client, which ddcd turns into a 4xx. PostgreSQL wrote each one to its log as an ERROR with its
-- detail, hint, PL/pgSQL context and the statement, about 1.4 KB a refusal, so that a client could
-- fill the log at the rate of its refusals. Raised under log_min_messages = fatal, a refusal is not
-- logged; every other error still is (the setting holds only while ddc_fail runs).
-- log_min_messages is a superuser setting: the role that migrates and serves must be a superuser
-- or have been granted it (GRANT SET ON PARAMETER log_min_messages TO <role>); without it the
-- refusals are logged as before, and migrate says so.
DO $$
BEGIN
  IF has_parameter_privilege('log_min_messages', 'SET') THEN
    ALTER FUNCTION ddc_fail SET log_min_messages = fatal;
  ELSE
    RAISE WARNING 'refusals will be written to the PostgreSQL log: role % may not set '
                  'log_min_messages (GRANT SET ON PARAMETER log_min_messages TO %)',
                  current_user, current_user;
  END IF;
END $$;
