/* accounts.c: SQL for accounts and API keys: one ddc_* function per operation
 * (sql/functions/accounts.sql), which checks the rule, raises refusals (ddc_fail) and builds the
 * JSON answer; and the two reads authentication makes on every uncached key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/accounts.h"

const struct db_stmt db_accounts_stmts[] = {
    {"account_create", "SELECT ddc_account_create($1, $2, $3, $4, $5, $6)"},
    {"account_get", "SELECT ddc_account_get($1, $2, $3)"},
    {"account_list", "SELECT ddc_account_list($1, $2, $3, $4, $5)"},
    {"account_set_status", "SELECT ddc_account_set_status($1, $2, $3, $4)"},
    {"apikey_create", "SELECT ddc_api_key_create($1, $2, $3, $4, $5, $6, $7, $8, $9)"},
    {"apikey_list", "SELECT ddc_api_key_list($1, $2, $3, $4)"},
    {"apikey_revoke", "SELECT ddc_api_key_revoke($1, $2, $3)"},
    {"auth_lookup", "SELECT k.id, k.account_id, a.issuer_id, encode(k.hash, 'hex'),"
                    " k.rate_per_sec, k.rate_per_day, a.role, a.status"
                    " FROM api_keys k JOIN accounts a ON a.id = k.account_id"
                    " WHERE k.prefix = $1 AND k.revoked_at IS NULL"},
    {"rate_take", "SELECT ddc_rate_take($1, $2, $3)"},
    {NULL, NULL},
};

/* The caller's role and id, first in every statement here (id 0: the command line). */
static void db_p_actor(struct db_params *p, const char *role, int64_t actor)
{
  db_p_str(p, role);
  db_p_id(p, actor);
}

enum ddc_err db_account_create(const char *actor_role, int64_t actor, const char *role,
                               const char *name, int64_t issuer_id, int64_t platform_id,
                               char **json)
{
  struct db_params p = {0};
  db_p_actor(&p, actor_role, actor);
  db_p_str(&p, role);
  db_p_str(&p, name);
  db_p_id(&p, issuer_id);
  db_p_id(&p, platform_id);
  return db_p_json("account_create", &p, 0, json, NULL);
}

enum ddc_err db_account_get(const char *actor_role, int64_t actor, int64_t id, char **json)
{
  struct db_params p = {0};
  db_p_actor(&p, actor_role, actor);
  db_p_int(&p, id);
  return db_p_json("account_get", &p, 1, json, NULL);
}

enum ddc_err db_account_list(const char *actor_role, int64_t actor, const char *role, int64_t after,
                             int limit, char **json)
{
  struct db_params p = {0};
  db_p_actor(&p, actor_role, actor);
  db_p_str(&p, role);
  db_p_int(&p, after);
  db_p_int(&p, limit);
  return db_p_json("account_list", &p, 1, json, NULL);
}

enum ddc_err db_account_set_status(const char *actor_role, int64_t actor, int64_t target,
                                   const char *status, char **json)
{
  struct db_params p = {0};
  db_p_actor(&p, actor_role, actor);
  db_p_int(&p, target);
  db_p_str(&p, status);
  return db_p_json("account_set_status", &p, 0, json, NULL);
}

enum ddc_err db_apikey_create(const char *actor_role, int64_t actor, int64_t actor_key,
                              int64_t account_id, const char *name, const char *prefix,
                              const uint8_t hash[32], int32_t rps, int32_t rpd, char **json)
{
  struct db_params p = {0};
  db_p_actor(&p, actor_role, actor);
  db_p_int(&p, account_id);
  db_p_str(&p, name);
  db_p_str(&p, prefix);
  db_p_bytea(&p, hash, 32);
  db_p_id(&p, rps); /* 0: no limit */
  db_p_id(&p, rpd);
  db_p_id(&p, actor_key);
  PGresult *r = db_exec("apikey_create", p.n, p.v, 0);
  db_p_free(&p);
  *json = NULL;
  if (!r) return db_failure(); /* DB_UNAVAILABLE, a rule, or the acting key (ddc_actor_check) */
  enum ddc_err e = DDC_ERR_INTERNAL;
  if (PQntuples(r) == 1 && PQgetisnull(r, 0, 0))
    e = DDC_ERR_KEY_PREFIX_TAKEN;
  else if (PQntuples(r) == 1 && (*json = strdup(PQgetvalue(r, 0, 0))))
    e = DDC_ERR_OK;
  PQclear(r);
  return e;
}

enum ddc_err db_apikey_list(const char *actor_role, int64_t actor, int64_t account_id, int limit,
                            char **json)
{
  struct db_params p = {0};
  db_p_actor(&p, actor_role, actor);
  db_p_int(&p, account_id);
  db_p_int(&p, limit);
  return db_p_json("apikey_list", &p, 1, json, NULL);
}

enum ddc_err db_apikey_revoke(const char *actor_role, int64_t actor, int64_t key_id)
{
  struct db_params p = {0};
  db_p_actor(&p, actor_role, actor);
  db_p_int(&p, key_id);
  PGresult *r = db_exec("apikey_revoke", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_auth_lookup(const char *prefix, struct auth_row *out)
{
  const char *v[1] = {prefix};
  PGresult *r = db_exec("auth_lookup", 1, v, 1);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) {
    out->key_id = db_int64(r, 0, 0);
    out->account_id = db_int64(r, 0, 1);
    out->issuer_id = db_int64(r, 0, 2);
    if (codes_unhex(PQgetvalue(r, 0, 3), out->hash, 32) != 0) e = DDC_ERR_INTERNAL;
    out->rate_per_sec = (int32_t)db_int64(r, 0, 4);
    out->rate_per_day = (int32_t)db_int64(r, 0, 5);
    db_copy(out->role, sizeof out->role, r, 0, 6);
    db_copy(out->status, sizeof out->status, r, 0, 7);
  }
  PQclear(r);
  return e;
}

enum ddc_err db_rate_take(int64_t key_id, int32_t per_sec, int32_t per_day, int64_t *wait_ms)
{
  struct db_params p = {0};
  db_p_int(&p, key_id);
  db_p_id(&p, per_sec); /* 0: no limit */
  db_p_id(&p, per_day);
  PGresult *r = db_exec("rate_take", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  *wait_ms = e == DDC_ERR_OK ? db_int64(r, 0, 0) : 0;
  PQclear(r);
  return e;
}
