-- sessions.sql: the console's sessions (sql/schema/022_console_sessions.sql) and the count of
-- failed sign-ins. The caller (service/http/session.c) has checked the API key a session is
-- made from; a session then stands for that key while the key is live.

-- A new session of key p_key that ends after p_max_s seconds at most; sessions past their end
-- are deleted on the way. Returns the end.
CREATE FUNCTION ddc_session_create(p_hash bytea, p_key bigint, p_max_s integer)
RETURNS timestamptz LANGUAGE plpgsql AS $$
DECLARE
  v_end timestamptz := now() + make_interval(secs => p_max_s);
BEGIN
  DELETE FROM console_sessions WHERE expires_at < now();
  INSERT INTO console_sessions (token_hash, key_id, expires_at) VALUES (p_hash, p_key, v_end);
  RETURN v_end;
END $$;

-- The live key of the session whose token hashes to p_hash, and the session's end, if it has not
-- ended and was seen within p_idle_s seconds (then it is seen now); no row otherwise.
CREATE FUNCTION ddc_session_touch(p_hash bytea, p_idle_s integer)
RETURNS TABLE (key_id bigint, prefix text, expires_at timestamptz) LANGUAGE sql AS $$
  WITH s AS (
    UPDATE console_sessions SET seen_at = now()
      WHERE token_hash = p_hash AND expires_at > now()
        AND seen_at > now() - make_interval(secs => p_idle_s)
      RETURNING console_sessions.key_id, console_sessions.expires_at)
  SELECT k.id, k.prefix, s.expires_at FROM s JOIN api_keys k ON k.id = s.key_id
    WHERE k.revoked_at IS NULL
$$;

-- Signs out: the session is gone for every ddcd. true when there was one.
CREATE FUNCTION ddc_session_delete(p_hash bytea)
RETURNS boolean LANGUAGE sql AS $$
  WITH d AS (DELETE FROM console_sessions WHERE token_hash = p_hash RETURNING 1)
  SELECT count(*) > 0 FROM d
$$;

-- Milliseconds until a sign-in may be tried again by the subjects named (0: now): one that
-- failed p_limit times within the window that began at its first failure waits for its end.
CREATE FUNCTION ddc_signin_wait(p_subjects text[], p_limit integer, p_window_s integer)
RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce(max(ceil(extract(epoch FROM
           f.since + make_interval(secs => p_window_s) - clock_timestamp()) * 1000)), 0)::bigint
    FROM signin_failures f
    WHERE f.subject = ANY (p_subjects) AND f.failures >= p_limit
      AND f.since + make_interval(secs => p_window_s) > clock_timestamp()
$$;

-- Counts a failed sign-in against each subject named; a window that has ended starts again.
CREATE FUNCTION ddc_signin_failed(p_subjects text[], p_window_s integer)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO signin_failures AS f (subject, since, failures)
    SELECT s, clock_timestamp(), 1 FROM unnest(p_subjects) s
    ON CONFLICT (subject) DO UPDATE SET
      since = CASE WHEN f.since + make_interval(secs => p_window_s) <= clock_timestamp()
                   THEN clock_timestamp() ELSE f.since END,
      failures = CASE WHEN f.since + make_interval(secs => p_window_s) <= clock_timestamp()
                      THEN 1 ELSE f.failures + 1 END
$$;
