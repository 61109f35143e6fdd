-- 014_auth_sync: a revoked key, a frozen account or a changed certificate status is told to every
-- ddcd at commit, on the channel ddc_auth (payloads 'key:<prefix>', 'account:<id>',
-- 'cert:<ddc_id>'), so each drops its cached copy; writes that make credentials or move money
-- re-check the acting key under a row lock in their own transaction; per-key rate limits are one
-- shared bucket per key for all processes (rate_buckets).

-- NOTIFY from triggers: whatever changes the row (the functions, or SQL by hand) tells everyone,
-- and only once the change is committed.
CREATE FUNCTION ddc_notify_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ddc_auth', 'key:' || OLD.prefix);
  RETURN NULL;
END $$;

CREATE FUNCTION ddc_notify_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ddc_auth', 'account:' || OLD.id);
  RETURN NULL;
END $$;

CREATE FUNCTION ddc_notify_cert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ddc_auth', 'cert:' || OLD.ddc_id);
  RETURN NULL;
END $$;

-- Keys are never updated but to revoke them; accounts and certificates only on a status change
-- (accounts.last_event_hash and certificate transfers are frequent and change nothing cached).
CREATE TRIGGER api_keys_notify AFTER UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION ddc_notify_key();
CREATE TRIGGER accounts_notify AFTER UPDATE OF status ON accounts
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ddc_notify_account();
CREATE TRIGGER accounts_notify_delete AFTER DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION ddc_notify_account();
CREATE TRIGGER certificates_notify AFTER UPDATE OF status ON certificates
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ddc_notify_cert();

-- The acting API key is still live and its account active, checked under FOR SHARE locks held to
-- the commit: a revocation or freeze in flight either commits first (and is seen here) or waits
-- for this transaction. NULL: no key (the command line, `ddcd init`). Same codes as the auth layer.
CREATE FUNCTION ddc_actor_check(p_key bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_revoked timestamptz;
  v_status  text;
BEGIN
  IF p_key IS NULL THEN
    RETURN;
  END IF;
  SELECT k.revoked_at, a.status INTO v_revoked, v_status
    FROM api_keys k JOIN accounts a ON a.id = k.account_id
    WHERE k.id = p_key FOR SHARE OF k, a;
  IF NOT FOUND OR v_revoked IS NOT NULL THEN
    PERFORM ddc_fail('unauthorized', 'the API key of this request has been revoked');
  END IF;
  IF v_status <> 'active' THEN
    PERFORM ddc_fail('account_frozen', 'the account of this API key is frozen');
  END IF;
END $$;

-- The writes that make a credential or move money, now with the acting key (p_key) checked first.
DROP FUNCTION ddc_api_key_create(text, bigint, bigint, text, text, bytea, integer, integer);
CREATE FUNCTION ddc_api_key_create(p_actor_role text, p_actor bigint, p_account bigint,
                                   p_name text, p_prefix text, p_hash bytea, p_rps integer,
                                   p_rpd integer, p_key bigint)
RETURNS TABLE (outcome text, id bigint, account_id bigint, name text, prefix text,
               rate_per_sec integer, rate_per_day integer, created_at text, revoked_at text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  a accounts;
  v_id bigint;
BEGIN
  PERFORM ddc_actor_check(p_key);
  SELECT * INTO a FROM accounts WHERE accounts.id = p_account;
  IF NOT FOUND THEN
    outcome := 'not_found'; RETURN NEXT; RETURN;
  END IF;
  IF p_actor_role <> 'operator'
     AND NOT (p_actor_role = 'issuer' AND (a.id = p_actor OR coalesce(a.issuer_id = p_actor, false))) THEN
    outcome := 'forbidden'; RETURN NEXT; RETURN;
  END IF;
  INSERT INTO api_keys (account_id, name, prefix, hash, rate_per_sec, rate_per_day)
    VALUES (p_account, p_name, p_prefix, p_hash, p_rps, p_rpd)
    ON CONFLICT (prefix) DO NOTHING
    RETURNING api_keys.id INTO v_id;
  IF v_id IS NULL THEN
    outcome := 'key_prefix_taken'; RETURN NEXT; RETURN;
  END IF;
  RETURN QUERY SELECT 'ok'::text, v.* FROM api_key_v v WHERE v.id = v_id;
END $$;

DROP FUNCTION ddc_recharge(text, bigint, bigint, bigint, text, text);
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

DROP FUNCTION ddc_holder_key_set(bigint, bigint, bytea);
CREATE FUNCTION ddc_holder_key_set(p_actor bigint, p_account bigint, p_public bytea, p_key bigint)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  a accounts;
  h holder_keys;
BEGIN
  PERFORM ddc_actor_check(p_key);
  SELECT * INTO a FROM accounts WHERE id = p_account;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no account %s', p_account));
  END IF;
  IF p_actor <> p_account THEN
    PERFORM ddc_fail('forbidden', 'only the holder itself registers its key');
  END IF;
  IF a.role <> 'holder' THEN
    PERFORM ddc_fail('wrong_account_role', format('account %s is a %s, not a holder', a.id,
                                                  a.role));
  END IF;
  INSERT INTO holder_keys AS x (account_id, public_key) VALUES (p_account, p_public)
    ON CONFLICT (account_id) DO UPDATE
      SET public_key = EXCLUDED.public_key, version = x.version + 1, updated_at = now()
    RETURNING * INTO h;
  -- A new key starts a new regime of consent: approvals given before it (possibly by the issuer
  -- that kept the account) no longer let anyone move the holder's certificates unsigned.
  DELETE FROM operator_approvals WHERE owner_id = p_account;
  UPDATE certificates SET approved_id = NULL WHERE owner_id = p_account AND approved_id IS NOT NULL;
  PERFORM ddc_account_event(p_account, 'holder_key_set', p_actor, jsonb_build_object(
    'publicKey', ddc_b64url(h.public_key), 'version', h.version));
  RETURN ddc_holder_key_json(h);
END $$;

-- Per-key rate limits shared by every ddcd: a token bucket per second (burst: one second's
-- worth) and a count per UTC day, kept in micro-tokens. UNLOGGED: no WAL and no flush per request;
-- a crash of PostgreSQL empties it, which refills every bucket (and restarts the day's counts).
CREATE UNLOGGED TABLE rate_buckets (
  key_id    bigint PRIMARY KEY,
  tokens    bigint NOT NULL, -- micro-tokens
  at        timestamptz NOT NULL,
  day       date NOT NULL,
  day_count integer NOT NULL
);

-- Takes one request's worth for key p_key. 0: allowed; otherwise the milliseconds until it would
-- be (to the next UTC midnight for the daily count). Time is the database's clock, read under the
-- row lock, so every process sees one order.
CREATE FUNCTION ddc_rate_take(p_key bigint, p_per_sec integer, p_per_day integer)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  b       rate_buckets;
  v_cap   bigint := coalesce(p_per_sec, 0)::bigint * 1000000;
  v_now   timestamptz;
  v_today date;
  v_us    bigint;
BEGIN
  INSERT INTO rate_buckets (key_id, tokens, at, day, day_count)
    VALUES (p_key, v_cap, clock_timestamp(), (clock_timestamp() AT TIME ZONE 'UTC')::date, 0)
    ON CONFLICT (key_id) DO NOTHING;
  SELECT * INTO b FROM rate_buckets WHERE key_id = p_key FOR UPDATE;
  v_now := clock_timestamp();
  v_today := (v_now AT TIME ZONE 'UTC')::date;
  IF b.day <> v_today THEN
    b.day := v_today;
    b.day_count := 0;
  END IF;
  IF p_per_day IS NOT NULL AND b.day_count >= p_per_day THEN
    RETURN ceil(extract(epoch FROM (v_today + 1)::timestamp - (v_now AT TIME ZONE 'UTC')) * 1000);
  END IF;
  IF p_per_sec IS NOT NULL THEN
    v_us := least(greatest(floor(extract(epoch FROM v_now - b.at) * 1000000), 0), 1000000);
    b.tokens := least(b.tokens + v_us * p_per_sec, v_cap);
    b.at := greatest(v_now, b.at); -- a clock going back earns nothing
    IF b.tokens < 1000000 THEN
      UPDATE rate_buckets SET tokens = b.tokens, at = b.at, day = b.day, day_count = b.day_count
        WHERE key_id = p_key;
      RETURN greatest(ceil((1000000 - b.tokens)::numeric / p_per_sec / 1000), 1);
    END IF;
    b.tokens := b.tokens - 1000000;
  END IF;
  UPDATE rate_buckets SET tokens = b.tokens, at = b.at, day = b.day, day_count = b.day_count + 1
    WHERE key_id = p_key;
  RETURN 0;
END $$;
