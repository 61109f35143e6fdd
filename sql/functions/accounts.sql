-- accounts: accounts and API keys, Idempotency-Key claims, the ddc_auth notifications (triggers)
-- and the shared rate-limit buckets, and the timestamp format every module uses. One PL/pgSQL
-- function per write operation: functions return an outcome word ('ok', 'not_found',
-- 'forbidden', ...) and the affected row, so each request is one round trip and the rule is
-- checked under the row lock. A revoked key, a frozen account or a changed certificate status is
-- told to every ddcd at commit on the channel ddc_auth ('key:<prefix>', 'account:<id>',
-- 'cert:<ddc_id>'); writes that make credentials or move money re-check the acting key under a
-- row lock in their own transaction (ddc_actor_check).
-- Loaded whole by `ddcd migrate`, after the files listed before it in ORDER (sql/README.md).

-- A timestamp as the API writes it (UTC, microseconds). STABLE like to_char: declared IMMUTABLE
-- over a STABLE call, the planner would not inline it and would plan it again for every row.
CREATE FUNCTION ddc_ts(t timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- The public shapes, rendered by the db module.
CREATE VIEW account_v AS
  SELECT id, role, name, issuer_id, status, ddc_ts(created_at) AS created_at,
         ddc_ts(updated_at) AS updated_at
  FROM accounts;

CREATE VIEW api_key_v AS
  SELECT id, account_id, name, prefix, rate_per_sec, rate_per_day, ddc_ts(created_at) AS created_at,
         ddc_ts(revoked_at) AS revoked_at
  FROM api_keys;

CREATE FUNCTION ddc_account_create(p_role text, p_name text, p_issuer bigint)
RETURNS TABLE (outcome text, id bigint, role text, name text, issuer_id bigint, status text,
               created_at text, updated_at text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_id bigint;
BEGIN
  IF p_issuer IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = p_issuer AND a.role = 'issuer') THEN
    outcome := 'issuer_not_found';
    RETURN NEXT;
    RETURN;
  END IF;
  INSERT INTO accounts (role, name, issuer_id) VALUES (p_role, p_name, p_issuer)
    RETURNING accounts.id INTO v_id;
  RETURN QUERY SELECT 'ok'::text, v.* FROM account_v v WHERE v.id = v_id;
END $$;

-- Freeze or unfreeze: operators any non-operator account, issuers their own holders.
CREATE FUNCTION ddc_account_set_status(p_actor_role text, p_actor bigint, p_target bigint,
                                       p_status text)
RETURNS TABLE (outcome text, id bigint, role text, name text, issuer_id bigint, status text,
               created_at text, updated_at text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  a accounts;
BEGIN
  SELECT * INTO a FROM accounts WHERE accounts.id = p_target FOR UPDATE;
  IF NOT FOUND THEN
    outcome := 'not_found'; RETURN NEXT; RETURN;
  END IF;
  -- coalesce: a NULL here would make the whole test NULL, and IF NULL lets the caller through
  IF p_actor_role <> 'operator'
     AND NOT (p_actor_role = 'issuer' AND a.role = 'holder' AND coalesce(a.issuer_id = p_actor, false)) THEN
    outcome := 'forbidden'; RETURN NEXT; RETURN;
  END IF;
  IF a.role = 'operator' THEN
    outcome := 'operator_not_freezable'; RETURN NEXT; RETURN;
  END IF;
  IF a.status <> p_status THEN
    UPDATE accounts SET status = p_status, updated_at = now() WHERE accounts.id = p_target;
  END IF;
  RETURN QUERY SELECT 'ok'::text, v.* FROM account_v v WHERE v.id = p_target;
END $$;

-- A new API key: operators for anyone, issuers for themselves and their holders. The acting key
-- (p_key) is checked first (ddc_actor_check). 'key_prefix_taken' asks the caller to draw another
-- prefix.
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

-- Revoke a key: operators any, issuers their own and their holders', holders their own.
CREATE FUNCTION ddc_api_key_revoke(p_actor_role text, p_actor bigint, p_key bigint)
RETURNS TABLE (outcome text, account_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  k api_keys;
  a accounts;
BEGIN
  SELECT * INTO k FROM api_keys WHERE api_keys.id = p_key AND revoked_at IS NULL FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_found'::text, NULL::bigint; RETURN;
  END IF;
  SELECT * INTO a FROM accounts WHERE accounts.id = k.account_id;
  IF p_actor_role <> 'operator' AND a.id <> p_actor
     AND NOT (p_actor_role = 'issuer' AND coalesce(a.issuer_id = p_actor, false)) THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::bigint; RETURN;
  END IF;
  UPDATE api_keys SET revoked_at = now() WHERE api_keys.id = p_key;
  RETURN QUERY SELECT 'ok'::text, k.account_id;
END $$;

-- Idempotency-Key: claims the key inside the caller's transaction. 'new': go on and store the
-- response before COMMIT; 'replay': the stored response; 'mismatch': the key came with another
-- request. A concurrent claim of the same key waits for the first transaction to end.
CREATE FUNCTION ddc_idem_claim(p_account bigint, p_key text, p_hash bytea)
RETURNS TABLE (outcome text, status integer, response bytea)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  INSERT INTO idempotency (account_id, key, request_hash) VALUES (p_account, p_key, p_hash)
    ON CONFLICT DO NOTHING;
  IF FOUND THEN
    RETURN QUERY SELECT 'new'::text, NULL::integer, NULL::bytea;
    RETURN;
  END IF;
  RETURN QUERY SELECT CASE WHEN i.request_hash = p_hash THEN 'replay' ELSE 'mismatch' END,
                      i.status, i.response
    FROM idempotency i WHERE i.account_id = p_account AND i.key = p_key;
END $$;

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
  FOR EACH ROW EXECUTE FUNCTION ddc_notify_key ();

CREATE TRIGGER accounts_notify AFTER UPDATE OF status ON accounts
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ddc_notify_account ();

CREATE TRIGGER accounts_notify_delete AFTER DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION ddc_notify_account ();

CREATE TRIGGER certificates_notify AFTER UPDATE OF status ON certificates
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ddc_notify_cert ();

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
