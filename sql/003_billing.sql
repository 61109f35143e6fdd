-- 003_billing: fiat money. Currencies (ISO 4217 with their minor-unit exponent), prices per
-- operation (a default and optional per-issuer overrides), balances, the append-only journal and
-- recharges. Amounts are integer minor units, 0 <= amount <= 2^53 so that JSON readers stay exact.
-- Rule failures raise SQLSTATE DD001 (ddc_fail): the whole statement rolls back, money included.

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

CREATE TABLE currencies (
  code     text PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4)
);
INSERT INTO currencies (code, exponent) VALUES
  ('AED',2), ('AFN',2), ('ALL',2), ('AMD',2), ('ANG',2), ('AOA',2), ('ARS',2), ('AUD',2),
  ('AWG',2), ('AZN',2), ('BAM',2), ('BBD',2), ('BDT',2), ('BGN',2), ('BHD',3), ('BIF',0),
  ('BMD',2), ('BND',2), ('BOB',2), ('BOV',2), ('BRL',2), ('BSD',2), ('BTN',2), ('BWP',2),
  ('BYN',2), ('BZD',2), ('CAD',2), ('CDF',2), ('CHE',2), ('CHF',2), ('CHW',2), ('CLF',4),
  ('CLP',0), ('CNY',2), ('COP',2), ('COU',2), ('CRC',2), ('CUC',2), ('CUP',2), ('CVE',2),
  ('CZK',2), ('DJF',0), ('DKK',2), ('DOP',2), ('DZD',2), ('EGP',2), ('ERN',2), ('ETB',2),
  ('EUR',2), ('FJD',2), ('FKP',2), ('GBP',2), ('GEL',2), ('GHS',2), ('GIP',2), ('GMD',2),
  ('GNF',0), ('GTQ',2), ('GYD',2), ('HKD',2), ('HNL',2), ('HRK',2), ('HTG',2), ('HUF',2),
  ('IDR',2), ('ILS',2), ('INR',2), ('IQD',3), ('IRR',2), ('ISK',0), ('JMD',2), ('JOD',3),
  ('JPY',0), ('KES',2), ('KGS',2), ('KHR',2), ('KMF',0), ('KPW',2), ('KRW',0), ('KWD',3),
  ('KYD',2), ('KZT',2), ('LAK',2), ('LBP',2), ('LKR',2), ('LRD',2), ('LSL',2), ('LYD',3),
  ('MAD',2), ('MDL',2), ('MGA',2), ('MKD',2), ('MMK',2), ('MNT',2), ('MOP',2), ('MRU',2),
  ('MUR',2), ('MVR',2), ('MWK',2), ('MXN',2), ('MXV',2), ('MYR',2), ('MZN',2), ('NAD',2),
  ('NGN',2), ('NIO',2), ('NOK',2), ('NPR',2), ('NZD',2), ('OMR',3), ('PAB',2), ('PEN',2),
  ('PGK',2), ('PHP',2), ('PKR',2), ('PLN',2), ('PYG',0), ('QAR',2), ('RON',2), ('RSD',2),
  ('RUB',2), ('RWF',0), ('SAR',2), ('SBD',2), ('SCR',2), ('SDG',2), ('SEK',2), ('SGD',2),
  ('SHP',2), ('SLE',2), ('SLL',2), ('SOS',2), ('SRD',2), ('SSP',2), ('STN',2), ('SVC',2),
  ('SYP',2), ('SZL',2), ('THB',2), ('TJS',2), ('TMT',2), ('TND',3), ('TOP',2), ('TRY',2),
  ('TTD',2), ('TWD',2), ('TZS',2), ('UAH',2), ('UGX',0), ('USD',2), ('USN',2), ('UYI',0),
  ('UYU',2), ('UYW',4), ('UZS',2), ('VED',2), ('VES',2), ('VND',0), ('VUV',0), ('WST',2),
  ('XAF',0), ('XCD',2), ('XOF',0), ('XPF',0), ('YER',2), ('ZAR',2), ('ZMW',2), ('ZWL',2);

CREATE TABLE prices (
  operation    text NOT NULL CHECK (operation IN ('mint', 'transfer', 'approve', 'freeze',
                                                  'unfreeze', 'revoke', 'burn', 'batch_row')),
  issuer_id    bigint REFERENCES accounts (id), -- NULL: the default price
  amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 0 AND 9007199254740992),
  currency     text NOT NULL REFERENCES currencies (code),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (operation, issuer_id)
);
INSERT INTO prices (operation, amount_minor, currency) VALUES
  ('mint', 100, 'CNY'), ('transfer', 50, 'CNY'), ('approve', 10, 'CNY'), ('freeze', 10, 'CNY'),
  ('unfreeze', 10, 'CNY'), ('revoke', 10, 'CNY'), ('burn', 10, 'CNY'), ('batch_row', 80, 'CNY');

CREATE TABLE balances (
  account_id   bigint NOT NULL REFERENCES accounts (id),
  currency     text NOT NULL REFERENCES currencies (code),
  amount_minor bigint NOT NULL CHECK (amount_minor BETWEEN 0 AND 9007199254740992),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, currency)
);

-- One line per balance change. For one account, lines are written while its balance row is
-- locked, so their ids follow commit order and a cursor over ids never skips a line.
-- No foreign keys on this hot append-only table: each would take a KEY SHARE lock on the
-- referenced row (the same currency and issuer rows for every line, a MultiXact pile-up under
-- load); ddc_balance_move only writes lines for a balance row, which has them.
CREATE TABLE journal (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id      bigint NOT NULL,
  currency        text NOT NULL,
  delta           bigint NOT NULL CHECK (delta <> 0),
  balance_after   bigint NOT NULL CHECK (balance_after >= 0),
  reason          text NOT NULL,
  reference       text,
  ddc_id          bigint,
  counterparty_id bigint,
  -- the time of the write (under the balance lock), so time order and id order agree
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX journal_account_idx ON journal (account_id, id);
CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal
  FOR EACH ROW EXECUTE FUNCTION ddc_append_only();

-- Money coming in: from outside (operator -> issuer) or from an issuer to its own holder.
-- reference is the payer's payment id, unique per payer.
CREATE TABLE recharges (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payer_id      bigint NOT NULL REFERENCES accounts (id),
  account_id    bigint NOT NULL REFERENCES accounts (id),
  amount_minor  bigint NOT NULL CHECK (amount_minor BETWEEN 1 AND 9007199254740992),
  currency      text NOT NULL REFERENCES currencies (code),
  reference     text NOT NULL CHECK (length(reference) BETWEEN 1 AND 200),
  balance_after bigint NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (payer_id, reference)
);

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

-- The price of an operation for an issuer: its override, else the default.
CREATE FUNCTION ddc_price(p_operation text, p_issuer bigint) RETURNS prices
LANGUAGE sql STABLE AS $$
  SELECT * FROM prices WHERE operation = p_operation AND (issuer_id = p_issuer OR issuer_id IS NULL)
  ORDER BY issuer_id NULLS LAST LIMIT 1
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
    WHERE operation = p_operation AND (issuer_id = p_issuer OR issuer_id IS NULL)
    ORDER BY issuer_id NULLS LAST LIMIT 1;
  IF p_payer_role = 'operator' OR v_amount = 0 THEN
    RETURN ddc_money(0, v_currency);
  END IF;
  PERFORM ddc_balance_move(p_payer, v_currency, -v_amount, p_operation, NULL, p_ddc, NULL);
  RETURN ddc_money(v_amount, v_currency);
END $$;

-- Prices an issuer pays: its overrides, else the defaults. Operators may name any issuer (or
-- none: the defaults); issuers see their own; holders their issuer's.
CREATE FUNCTION ddc_prices_list(p_role text, p_actor bigint, p_actor_issuer bigint,
                                p_issuer bigint)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_issuer bigint := CASE p_role WHEN 'operator' THEN p_issuer
                                 WHEN 'issuer' THEN coalesce(p_issuer, p_actor)
                                 ELSE coalesce(p_issuer, p_actor_issuer) END;
BEGIN
  IF p_role = 'issuer' AND v_issuer <> p_actor OR p_role = 'holder' AND v_issuer <> p_actor_issuer
  THEN
    PERFORM ddc_fail('forbidden', 'prices of another issuer are not visible to this account',
                     '{"field":"issuer_id"}');
  END IF;
  RETURN jsonb_build_object('issuer_id', v_issuer, 'items', (
    SELECT jsonb_agg(ddc_price_json(p) || jsonb_build_object('source',
                     CASE WHEN p.issuer_id IS NULL THEN 'default' ELSE 'issuer' END)
                     ORDER BY o.n)
    FROM unnest(ARRAY['mint', 'transfer', 'approve', 'freeze', 'unfreeze', 'revoke', 'burn',
                      'batch_row']) WITH ORDINALITY AS o(op, n), ddc_price(o.op, v_issuer) AS p));
END $$;

CREATE FUNCTION ddc_price_set(p_operation text, p_issuer bigint, p_amount bigint, p_currency text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  p prices;
BEGIN
  PERFORM ddc_currency_check(p_currency);
  IF p_issuer IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM accounts WHERE id = p_issuer AND role = 'issuer') THEN
    PERFORM ddc_fail('issuer_not_found', format('account %s is not an issuer', p_issuer),
                     '{"field":"issuer_id"}');
  END IF;
  INSERT INTO prices AS x (operation, issuer_id, amount_minor, currency)
    VALUES (p_operation, p_issuer, p_amount, p_currency)
    ON CONFLICT (operation, issuer_id) DO UPDATE
      SET amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, updated_at = now()
    RETURNING * INTO p;
  RETURN ddc_price_json(p);
END $$;

-- Removes an issuer's override; the default price cannot be removed.
CREATE FUNCTION ddc_price_delete(p_operation text, p_issuer bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
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

-- A recharge. Operators credit issuers with money paid from outside; issuers move money from
-- their balance to one of their holders. The same (payer, reference) again returns the first
-- recharge ("replayed": true) if it asked the same, and recharge_reference_conflict otherwise.
CREATE FUNCTION ddc_recharge(p_role text, p_actor bigint, p_account bigint, p_amount bigint,
                             p_currency text, p_reference text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  a accounts;
  x recharges;
BEGIN
  PERFORM ddc_currency_check(p_currency);
  SELECT * INTO a FROM accounts WHERE id = p_account;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no account %s', p_account));
  END IF;
  IF p_role = 'holder' OR p_role = 'issuer' AND coalesce(a.issuer_id <> p_actor, true) THEN
    PERFORM ddc_fail('forbidden', 'issuers recharge only their own holders');
  END IF;
  IF p_role = 'operator' AND a.role <> 'issuer' THEN
    PERFORM ddc_fail('wrong_account_role', format('account %s is a %s; operators recharge issuers',
                                                  p_account, a.role));
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
  IF p_role = 'issuer' THEN
    PERFORM ddc_balance_move(p_actor, p_currency, -p_amount, 'recharge_out', p_reference, NULL,
                             p_account, 'amount');
  END IF;
  x.balance_after := ddc_balance_move(p_account, p_currency, p_amount, 'recharge', p_reference,
                                      NULL, p_actor);
  UPDATE recharges SET balance_after = x.balance_after WHERE id = x.id;
  RETURN ddc_recharge_json(x, false);
END $$;

-- Who may read an account's money: operators, the account itself, an issuer for its holders.
CREATE FUNCTION ddc_account_visible(p_role text, p_actor bigint, p_account bigint)
RETURNS void LANGUAGE plpgsql STABLE AS $$
DECLARE
  a accounts;
BEGIN
  SELECT * INTO a FROM accounts WHERE id = p_account;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no account %s', p_account));
  END IF;
  IF p_role <> 'operator' AND a.id <> p_actor
     AND NOT (p_role = 'issuer' AND coalesce(a.issuer_id = p_actor, false)) THEN
    PERFORM ddc_fail('forbidden', 'this account may not read that account''s money');
  END IF;
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
