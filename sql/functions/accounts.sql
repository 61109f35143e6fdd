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

-- The public shapes of an account and an API key: the answers are to_json of a row of these
-- (compact, in the views' column order).
CREATE VIEW account_v AS
  SELECT id, role, name, issuer_id, status, ddc_ts(created_at) AS created_at,
         ddc_ts(updated_at) AS updated_at, platform_id
  FROM accounts;

CREATE VIEW api_key_v AS
  SELECT id, account_id, name, prefix, rate_per_sec, rate_per_day, ddc_ts(created_at) AS created_at,
         ddc_ts(revoked_at) AS revoked_at
  FROM api_keys;

-- Who may see account (p_id, of issuer p_issuer): operators, the account itself, an issuer its
-- own holders, a platform its issuers and their holders (accounts.platform_id). The one rule for
-- reading accounts, listing them, their keys and their money.
CREATE FUNCTION ddc_account_may_see(p_role text, p_actor bigint, p_id bigint, p_issuer bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_role = 'operator' OR p_id = p_actor
         OR (p_role = 'issuer' AND coalesce(p_issuer = p_actor, false))
         OR (p_role = 'platform' AND EXISTS (SELECT 1 FROM accounts x
                                             WHERE x.id = p_id AND x.platform_id = p_actor))
$$;

-- A platform is told 403 for an account it may not see whether or not it exists: it learns
-- nothing of other platforms' accounts. Everyone else gets 404 for a missing one.
CREATE FUNCTION ddc_account_missing(p_role text, p_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_role = 'platform' THEN
    PERFORM ddc_fail('forbidden', format('account %s is not one of this platform''s', p_id));
  END IF;
  PERFORM ddc_fail('not_found', format('no account %s', p_id));
END $$;

-- The account p_id for a caller who may see it; p_forbidden is the refusal's sentence.
CREATE FUNCTION ddc_account_seen(p_role text, p_actor bigint, p_id bigint, p_forbidden text)
RETURNS accounts LANGUAGE plpgsql STABLE AS $$
DECLARE
  a accounts;
BEGIN
  SELECT * INTO a FROM accounts WHERE id = p_id;
  IF NOT FOUND THEN
    PERFORM ddc_account_missing(p_role, p_id);
  END IF;
  IF NOT ddc_account_may_see(p_role, p_actor, a.id, a.issuer_id) THEN
    PERFORM ddc_fail('forbidden', p_forbidden);
  END IF;
  RETURN a;
END $$;

-- A new account. Operators create any (p_actor NULL: the command line, `ddcd init`), an issuer
-- under platform p_platform if given; platforms only issuers, which are theirs; issuers only
-- holders of their own (p_issuer NULL or the issuer itself); holders none. A holder sits under
-- its issuer's platform. The request's shape (a holder has an issuer, no one else does; only an
-- issuer has a platform_id) was checked by the caller.
CREATE FUNCTION ddc_account_create(p_actor_role text, p_actor bigint, p_role text, p_name text,
                                   p_issuer bigint, p_platform bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  IF p_actor_role = 'holder' THEN
    PERFORM ddc_fail('forbidden', 'holders do not create accounts', '{"field":"role"}');
  END IF;
  IF p_actor_role = 'platform' THEN
    IF p_role <> 'issuer' OR coalesce(p_platform <> p_actor, false) THEN
      PERFORM ddc_fail('forbidden', 'a platform creates issuers of its own only',
                       CASE WHEN p_role <> 'issuer' THEN '{"field":"role"}'
                            ELSE '{"field":"platform_id"}' END::jsonb);
    END IF;
    p_platform := p_actor;
  ELSIF p_platform IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.id = p_platform AND x.role = 'platform')
  THEN
    PERFORM ddc_fail('wrong_account_role', format('account %s is not a platform', p_platform),
                     '{"field":"platform_id"}');
  END IF;
  IF p_actor_role = 'issuer' THEN
    IF p_role <> 'holder' OR coalesce(p_issuer <> p_actor, false) THEN
      PERFORM ddc_fail('forbidden', 'an issuer may only create holders of its own',
                       '{"field":"role"}');
    END IF;
    p_issuer := p_actor;
  END IF;
  IF p_issuer IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.id = p_issuer AND x.role = 'issuer') THEN
    PERFORM ddc_fail('issuer_not_found', 'issuer_id does not name an issuer account',
                     '{"field":"issuer_id"}');
  END IF;
  IF p_role = 'holder' THEN
    SELECT x.platform_id INTO p_platform FROM accounts x WHERE x.id = p_issuer;
  END IF;
  INSERT INTO accounts (role, name, issuer_id, platform_id)
    VALUES (p_role, p_name, p_issuer, p_platform)
    RETURNING id INTO v_id;
  RETURN (SELECT to_json(v) FROM account_v v WHERE v.id = v_id);
END $$;

-- One read of the view, not ddc_account_seen and then the view: GET /v1/accounts/{id} is the
-- read the bench measures against a bare primary-key select.
CREATE FUNCTION ddc_account_get(p_role text, p_actor bigint, p_id bigint)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  v account_v;
BEGIN
  SELECT * INTO v FROM account_v x WHERE x.id = p_id;
  IF NOT FOUND THEN
    PERFORM ddc_account_missing(p_role, p_id);
  END IF;
  IF NOT ddc_account_may_see(p_role, p_actor, v.id, v.issuer_id) THEN
    PERFORM ddc_fail('forbidden', 'this account may not see that account');
  END IF;
  RETURN to_json(v);
END $$;

-- Accounts after the cursor (an id) that the caller may see, in id order, of one role or all
-- (p_filter NULL); next_cursor is null at the end.
CREATE FUNCTION ddc_account_list(p_role text, p_actor bigint, p_filter text, p_after bigint,
                                 p_limit integer)
RETURNS json LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_items text;
  v_last  bigint;
  v_n     integer;
BEGIN
  SELECT '[' || coalesce(string_agg(to_json(s.a)::text, ',' ORDER BY (s.a).id)
                          FILTER (WHERE s.n <= p_limit), '') || ']',
         max((s.a).id) FILTER (WHERE s.n <= p_limit), count(*)
    INTO v_items, v_last, v_n
    FROM (SELECT x AS a, row_number() OVER (ORDER BY x.id) AS n FROM account_v x
          WHERE x.id > p_after AND (p_filter IS NULL OR x.role = p_filter)
            AND ddc_account_may_see(p_role, p_actor, x.id, x.issuer_id)
          ORDER BY x.id LIMIT p_limit + 1) s;
  RETURN format('{"items":%s,"next_cursor":%s}', v_items,
                coalesce(to_json(CASE WHEN v_n > p_limit THEN v_last::text END)::text, 'null'))::json;
END $$;

-- Freeze or unfreeze: operators any non-operator account, platforms their issuers and their
-- holders, issuers their own holders.
CREATE FUNCTION ddc_account_set_status(p_actor_role text, p_actor bigint, p_target bigint,
                                       p_status text)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  a accounts;
BEGIN
  IF p_actor_role = 'holder' THEN
    PERFORM ddc_fail('forbidden', 'holders do not freeze accounts');
  END IF;
  SELECT * INTO a FROM accounts WHERE id = p_target FOR UPDATE;
  IF NOT FOUND THEN
    PERFORM ddc_account_missing(p_actor_role, p_target);
  END IF;
  IF p_actor_role = 'platform' AND coalesce(a.platform_id <> p_actor, true) THEN
    PERFORM ddc_fail('forbidden', format('account %s is not one of this platform''s', p_target));
  END IF;
  -- coalesce: a NULL here would make the whole test NULL, and IF NULL lets the caller through
  IF p_actor_role NOT IN ('operator', 'platform')
     AND NOT (a.role = 'holder' AND coalesce(a.issuer_id = p_actor, false)) THEN
    PERFORM ddc_fail('forbidden', 'an issuer freezes only holders of its own');
  END IF;
  IF a.role = 'operator' THEN
    PERFORM ddc_fail('operator_not_freezable', 'operator accounts are never frozen');
  END IF;
  IF a.status <> p_status THEN
    UPDATE accounts SET status = p_status, updated_at = now() WHERE id = p_target;
  END IF;
  RETURN (SELECT to_json(v) FROM account_v v WHERE v.id = p_target);
END $$;

-- A new API key: operators for anyone, platforms for themselves, their issuers and their holders,
-- issuers for themselves and their holders. The acting key
-- (p_key) is checked first (ddc_actor_check). NULL when the prefix is taken: the caller draws
-- another (not a raise, which would abort an Idempotency-Key transaction around the call).
CREATE FUNCTION ddc_api_key_create(p_actor_role text, p_actor bigint, p_account bigint,
                                   p_name text, p_prefix text, p_hash bytea, p_rps integer,
                                   p_rpd integer, p_key bigint)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
BEGIN
  PERFORM ddc_actor_check(p_key);
  IF p_actor_role = 'holder' THEN
    PERFORM ddc_fail('forbidden', 'holders do not create API keys');
  END IF;
  PERFORM ddc_account_seen(p_actor_role, p_actor, p_account,
                           'an issuer creates keys for itself and its own holders only');
  INSERT INTO api_keys (account_id, name, prefix, hash, rate_per_sec, rate_per_day)
    VALUES (p_account, p_name, p_prefix, p_hash, p_rps, p_rpd)
    ON CONFLICT (prefix) DO NOTHING
    RETURNING id INTO v_id;
  RETURN (SELECT to_json(v) FROM api_key_v v WHERE v.id = v_id); -- NULL: prefix taken
END $$;

-- The keys of an account the caller may see, newest first, secrets never (only hashes are kept).
CREATE FUNCTION ddc_api_key_list(p_role text, p_actor bigint, p_account bigint, p_limit integer)
RETURNS json LANGUAGE plpgsql STABLE AS $$
BEGIN
  PERFORM ddc_account_seen(p_role, p_actor, p_account,
                           'this account may not see that account''s keys');
  RETURN format('{"items":[%s]}', coalesce((
    SELECT string_agg(to_json(s.k)::text, ',' ORDER BY (s.k).id DESC)
    FROM (SELECT x AS k FROM api_key_v x WHERE x.account_id = p_account
          ORDER BY x.id DESC LIMIT p_limit) s), ''))::json;
END $$;

-- Revoke a key: operators any, issuers their own and their holders', holders their own.
CREATE FUNCTION ddc_api_key_revoke(p_actor_role text, p_actor bigint, p_key bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  k api_keys;
  a accounts;
BEGIN
  SELECT * INTO k FROM api_keys WHERE id = p_key AND revoked_at IS NULL FOR UPDATE;
  IF NOT FOUND AND p_actor_role = 'platform' THEN
    PERFORM ddc_fail('forbidden', format('API key %s is not one of this platform''s', p_key));
  END IF;
  IF NOT FOUND THEN
    PERFORM ddc_fail('not_found', format('no live API key %s', p_key));
  END IF;
  SELECT * INTO a FROM accounts WHERE id = k.account_id;
  IF NOT ddc_account_may_see(p_actor_role, p_actor, a.id, a.issuer_id) THEN
    PERFORM ddc_fail('forbidden', 'this account may not revoke that key');
  END IF;
  UPDATE api_keys SET revoked_at = now() WHERE id = p_key;
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

-- Something every kept verdict may depend on changed (a signing key retired, a chain anchor
-- confirmed): every process drops its cached verdicts.
CREATE FUNCTION ddc_notify_verdicts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ddc_auth', 'cert:' || TG_TABLE_NAME);
  RETURN NULL;
END $$;

-- Keys are never updated but to revoke them; accounts only on a status change
-- (accounts.last_event_hash is frequent and changes nothing cached); certificates on any event
-- (a new event changes the verdict: its status, or an event not in the log yet), which a mint,
-- an INSERT, does not fire.
CREATE TRIGGER api_keys_notify AFTER UPDATE OR DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION ddc_notify_key ();

CREATE TRIGGER accounts_notify AFTER UPDATE OF status ON accounts
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION ddc_notify_account ();

CREATE TRIGGER accounts_notify_delete AFTER DELETE ON accounts
  FOR EACH ROW EXECUTE FUNCTION ddc_notify_account ();

CREATE TRIGGER certificates_notify AFTER UPDATE OF status, last_event_hash ON certificates
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                     OR OLD.last_event_hash IS DISTINCT FROM NEW.last_event_hash)
  EXECUTE FUNCTION ddc_notify_cert ();

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
