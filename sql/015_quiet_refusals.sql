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
    ALTER FUNCTION ddc_fail(text, text, jsonb) SET log_min_messages = fatal;
  ELSE
    RAISE WARNING 'refusals will be written to the PostgreSQL log: role % may not set '
                  'log_min_messages (GRANT SET ON PARAMETER log_min_messages TO %)',
                  current_user, current_user;
  END IF;
END $$;
