-- 002_idempotency: stored responses for Idempotency-Key, and ddc_ts made inlinable.

-- ddc_ts was declared IMMUTABLE over a STABLE to_char, which stops the planner from inlining it:
-- it was parsed and planned again for every row. STABLE lets it inline.
CREATE OR REPLACE FUNCTION ddc_ts(t timestamptz) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

-- Stored responses of requests that carried an Idempotency-Key (sealed: they may hold secrets).
CREATE TABLE idempotency (
  account_id   bigint NOT NULL REFERENCES accounts (id),
  key          text NOT NULL,
  request_hash bytea NOT NULL,
  status       integer,
  response     bytea,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);

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
