-- 022_console_sessions: the issuer's console signs in with an API key and then works through a
-- server-side session, one row each, so that any ddcd can serve any request. The cookie's token
-- is stored only as its SHA-256; a session ends at expires_at (the absolute timeout), after the
-- idle timeout since seen_at, when it is signed out (the row is deleted) or when its key is
-- revoked or deleted. Failed sign-ins are counted per client address and per key prefix in a
-- fixed window (UNLOGGED: a crash of PostgreSQL forgets them, as it does the rate buckets).
CREATE TABLE console_sessions (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  key_id     bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  seen_at    timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_key_idx ON console_sessions (key_id);
CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at);

CREATE UNLOGGED TABLE signin_failures (
  subject  text PRIMARY KEY, -- 'addr:<client address>' or 'prefix:<API key prefix>'
  since    timestamptz NOT NULL,
  failures integer NOT NULL
);
