-- 001_foundation: accounts and API keys, and one PL/pgSQL function per write operation.
-- Functions return an outcome word ('ok', 'not_found', 'forbidden', ...) and the affected row,
-- so each request is one round trip and the rule is checked under the row lock.

CREATE FUNCTION ddc_ts(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

CREATE TABLE accounts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  role       text NOT NULL CHECK (role IN ('operator', 'issuer', 'holder')),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  issuer_id  bigint REFERENCES accounts (id),
  status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'frozen')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((role = 'holder') = (issuer_id IS NOT NULL))
);
CREATE INDEX accounts_issuer_idx ON accounts (issuer_id, id);
CREATE INDEX accounts_role_idx ON accounts (role, id);

CREATE TABLE api_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id   bigint NOT NULL REFERENCES accounts (id),
  name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  prefix       text NOT NULL UNIQUE,
  hash         bytea NOT NULL CHECK (length(hash) = 32),
  rate_per_sec integer CHECK (rate_per_sec > 0),
  rate_per_day integer CHECK (rate_per_day > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz
);
CREATE INDEX api_keys_account_idx ON api_keys (account_id, id);

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

-- A new API key: operators for anyone, issuers for themselves and their holders.
-- 'key_prefix_taken' asks the caller to draw another prefix.
CREATE FUNCTION ddc_api_key_create(p_actor_role text, p_actor bigint, p_account bigint,
                                   p_name text, p_prefix text, p_hash bytea, p_rps integer,
                                   p_rpd integer)
RETURNS TABLE (outcome text, id bigint, account_id bigint, name text, prefix text,
               rate_per_sec integer, rate_per_day integer, created_at text, revoked_at text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  a accounts;
  v_id bigint;
BEGIN
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
