/* sessions.c: SQL for the console's sessions and failed sign-ins: one ddc_* function each
 * (sql/functions/sessions.sql). */
#include <stdio.h>
#include <string.h>
#include "db/sessions.h"

const struct db_stmt db_sessions_stmts[] = {
    {"session_create", "SELECT to_char(ddc_session_create($1, $2, $3) AT TIME ZONE 'UTC',"
                       " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"},
    {"session_touch", "SELECT key_id, prefix, to_char(expires_at AT TIME ZONE 'UTC',"
                      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ddc_session_touch($1, $2)"},
    {"session_delete", "SELECT ddc_session_delete($1)"},
    {"signin_wait", "SELECT ddc_signin_wait($1, $2, $3)"},
    {"signin_failed", "SELECT ddc_signin_failed($1, $2)"},
    {NULL, NULL},
};

enum ddc_err db_session_create(const uint8_t hash[DB_SESSION_HASH_BYTES], int64_t key_id,
                               unsigned max_s, char *expires, size_t cap)
{
  struct db_params p = {0};
  db_p_bytea(&p, hash, DB_SESSION_HASH_BYTES);
  db_p_int(&p, key_id);
  db_p_int(&p, max_s);
  PGresult *r = db_exec("session_create", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) db_copy(expires, cap, r, 0, 0);
  PQclear(r);
  return e;
}

enum ddc_err db_session_touch(const uint8_t hash[DB_SESSION_HASH_BYTES], unsigned idle_s,
                              int64_t *key_id, char *prefix, size_t prefix_cap, char *expires,
                              size_t expires_cap)
{
  struct db_params p = {0};
  db_p_bytea(&p, hash, DB_SESSION_HASH_BYTES);
  db_p_int(&p, idle_s);
  PGresult *r = db_exec("session_touch", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_UNAUTHORIZED;
  if (e == DDC_ERR_OK) {
    *key_id = db_int64(r, 0, 0);
    db_copy(prefix, prefix_cap, r, 0, 1);
    db_copy(expires, expires_cap, r, 0, 2);
  }
  PQclear(r);
  return e;
}

enum ddc_err db_session_delete(const uint8_t hash[DB_SESSION_HASH_BYTES])
{
  struct db_params p = {0};
  db_p_bytea(&p, hash, DB_SESSION_HASH_BYTES);
  PGresult *r = db_exec("session_delete", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_signin_wait(const char *subjects, unsigned limit, unsigned window_s,
                            int64_t *wait_ms)
{
  struct db_params p = {0};
  db_p_str(&p, subjects);
  db_p_int(&p, limit);
  db_p_int(&p, window_s);
  PGresult *r = db_exec("signin_wait", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  *wait_ms = e == DDC_ERR_OK ? db_int64(r, 0, 0) : 0;
  PQclear(r);
  return e;
}

enum ddc_err db_signin_failed(const char *subjects, unsigned window_s)
{
  struct db_params p = {0};
  db_p_str(&p, subjects);
  db_p_int(&p, window_s);
  PGresult *r = db_exec("signin_failed", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}
