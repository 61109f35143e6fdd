/* accounts.c: SQL for accounts and API keys. Writes call one PL/pgSQL function each
 * (sql/functions/accounts.sql); reads are single prepared SELECTs. */
#include <stdio.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/accounts.h"

#define ACCOUNT_COLS "id, role, name, issuer_id, status, created_at, updated_at"
#define APIKEY_COLS                                                                                \
  "id, account_id, name, prefix, rate_per_sec, rate_per_day, created_at, revoked_at"

const struct db_stmt db_accounts_stmts[] = {
    {"account_create", "SELECT * FROM ddc_account_create($1, $2, $3)"},
    {"account_get", "SELECT 'ok', " ACCOUNT_COLS " FROM account_v WHERE id = $1"},
    {"account_list", "SELECT 'ok', " ACCOUNT_COLS " FROM account_v"
                     " WHERE ($1::text IS NULL OR role = $1)"
                     " AND ($2::bigint IS NULL OR issuer_id = $2 OR id = $2)"
                     " AND ($3::bigint IS NULL OR id = $3)"
                     " AND id > $4 ORDER BY id LIMIT $5"},
    {"account_set_status", "SELECT * FROM ddc_account_set_status($1, $2, $3, $4)"},
    {"apikey_create", "SELECT * FROM ddc_api_key_create($1, $2, $3, $4, $5, $6, $7, $8, $9)"},
    {"apikey_list", "SELECT a.id, a.role, a.name, a.issuer_id, a.status, a.created_at,"
                    " a.updated_at, k.id, k.account_id, k.name, k.prefix, k.rate_per_sec,"
                    " k.rate_per_day, k.created_at, k.revoked_at"
                    " FROM account_v a LEFT JOIN api_key_v k ON k.account_id = a.id"
                    " WHERE a.id = $1 ORDER BY k.id DESC LIMIT $2"},
    {"apikey_revoke", "SELECT * FROM ddc_api_key_revoke($1, $2, $3)"},
    {"auth_lookup", "SELECT k.id, k.account_id, a.issuer_id, encode(k.hash, 'hex'),"
                    " k.rate_per_sec, k.rate_per_day, a.role, a.status"
                    " FROM api_keys k JOIN accounts a ON a.id = k.account_id"
                    " WHERE k.prefix = $1 AND k.revoked_at IS NULL"},
    {"rate_take", "SELECT ddc_rate_take($1, $2, $3)"},
    {NULL, NULL},
};

static void db_i64(char *buf, size_t cap, int64_t v, const char **slot)
{
  snprintf(buf, cap, "%lld", (long long)v);
  *slot = v ? buf : NULL; /* 0 means NULL */
}

static void account_from(const PGresult *r, int row, int col, struct account_row *a)
{
  a->id = db_int64(r, row, col);
  db_copy(a->role, sizeof a->role, r, row, col + 1);
  db_copy(a->name, sizeof a->name, r, row, col + 2);
  a->issuer_id = db_int64(r, row, col + 3);
  db_copy(a->status, sizeof a->status, r, row, col + 4);
  db_copy(a->created_at, sizeof a->created_at, r, row, col + 5);
  db_copy(a->updated_at, sizeof a->updated_at, r, row, col + 6);
}

static void apikey_from(const PGresult *r, int row, int col, struct apikey_row *k)
{
  k->id = db_int64(r, row, col);
  k->account_id = db_int64(r, row, col + 1);
  db_copy(k->name, sizeof k->name, r, row, col + 2);
  db_copy(k->prefix, sizeof k->prefix, r, row, col + 3);
  k->rate_per_sec = (int32_t)db_int64(r, row, col + 4);
  k->rate_per_day = (int32_t)db_int64(r, row, col + 5);
  db_copy(k->created_at, sizeof k->created_at, r, row, col + 6);
  db_copy(k->revoked_at, sizeof k->revoked_at, r, row, col + 7);
}

/* Runs a statement whose first column is an outcome word and whose row follows it. */
static enum ddc_err db_account_call(const char *stmt, int n, const char *const *v, int read_only,
                                    struct account_row *out)
{
  PGresult *r = db_exec(stmt, n, v, read_only);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  enum ddc_err e = PQntuples(r) == 0 ? DDC_ERR_NOT_FOUND : db_outcome(PQgetvalue(r, 0, 0));
  if (e == DDC_ERR_OK) account_from(r, 0, 1, out);
  PQclear(r);
  return e;
}

enum ddc_err db_account_create(const char *role, const char *name, int64_t issuer_id,
                               struct account_row *out)
{
  char b[24];
  const char *v[3] = {role, name, NULL};
  db_i64(b, sizeof b, issuer_id, &v[2]);
  return db_account_call("account_create", 3, v, 0, out);
}

enum ddc_err db_account_get(int64_t id, struct account_row *out)
{
  char b[24];
  const char *v[1];
  db_i64(b, sizeof b, id, &v[0]);
  return db_account_call("account_get", 1, v, 1, out);
}

enum ddc_err db_account_list(const char *role, int64_t scope_issuer, int64_t scope_self,
                             int64_t after, int limit, struct account_row *out, int *n)
{
  char b1[24], b2[24], b3[24], b4[24];
  const char *v[5] = {role};
  db_i64(b1, sizeof b1, scope_issuer, &v[1]);
  db_i64(b2, sizeof b2, scope_self, &v[2]);
  snprintf(b3, sizeof b3, "%lld", (long long)after);
  snprintf(b4, sizeof b4, "%d", limit);
  v[3] = b3;
  v[4] = b4;
  PGresult *r = db_exec("account_list", 5, v, 1);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  *n = PQntuples(r) < limit ? PQntuples(r) : limit;
  for (int i = 0; i < *n; i++)
    account_from(r, i, 1, &out[i]);
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_account_set_status(const char *actor_role, int64_t actor, int64_t target,
                                   const char *status, struct account_row *out)
{
  char b1[24], b2[24];
  const char *v[4] = {actor_role, NULL, NULL, status};
  db_i64(b1, sizeof b1, actor, &v[1]);
  db_i64(b2, sizeof b2, target, &v[2]);
  return db_account_call("account_set_status", 4, v, 0, out);
}

enum ddc_err db_apikey_create(const char *actor_role, int64_t actor, int64_t actor_key,
                              int64_t account_id, const char *name, const char *prefix,
                              const uint8_t hash[32], int32_t rps, int32_t rpd,
                              struct apikey_row *out)
{
  char b1[24], b2[24], b3[24], b4[24], b5[24], hx[2 + 64 + 1] = "\\x";
  const char *v[9] = {actor_role, NULL, NULL, name, prefix, hx, NULL, NULL, NULL};
  db_i64(b1, sizeof b1, actor, &v[1]);
  db_i64(b2, sizeof b2, account_id, &v[2]);
  codes_hex(hash, 32, hx + 2);
  db_i64(b3, sizeof b3, rps, &v[6]);
  db_i64(b4, sizeof b4, rpd, &v[7]);
  db_i64(b5, sizeof b5, actor_key, &v[8]);
  PGresult *r = db_exec("apikey_create", 9, v, 0);
  if (!r) return db_failure(); /* DB_UNAVAILABLE, or the acting key refused (ddc_actor_check) */
  enum ddc_err e = PQntuples(r) == 0 ? DDC_ERR_INTERNAL : db_outcome(PQgetvalue(r, 0, 0));
  if (e == DDC_ERR_OK) apikey_from(r, 0, 1, out);
  PQclear(r);
  return e;
}

enum ddc_err db_apikey_list(int64_t account_id, struct account_row *owner, struct apikey_row *out,
                            int max, int *n)
{
  char b1[24], b2[24];
  const char *v[2];
  db_i64(b1, sizeof b1, account_id, &v[0]);
  snprintf(b2, sizeof b2, "%d", max);
  v[1] = b2;
  PGresult *r = db_exec("apikey_list", 2, v, 1);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  int rows = PQntuples(r);
  enum ddc_err e = rows == 0 ? DDC_ERR_NOT_FOUND : DDC_ERR_OK;
  *n = 0;
  if (rows > 0) account_from(r, 0, 0, owner);
  for (int i = 0; i < rows && *n < max; i++)
    if (!PQgetisnull(r, i, 7)) apikey_from(r, i, 7, &out[(*n)++]);
  PQclear(r);
  return e;
}

enum ddc_err db_apikey_revoke(const char *actor_role, int64_t actor, int64_t key_id,
                              int64_t *account_id)
{
  char b1[24], b2[24];
  const char *v[3] = {actor_role};
  db_i64(b1, sizeof b1, actor, &v[1]);
  db_i64(b2, sizeof b2, key_id, &v[2]);
  PGresult *r = db_exec("apikey_revoke", 3, v, 0);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  enum ddc_err e = PQntuples(r) == 0 ? DDC_ERR_INTERNAL : db_outcome(PQgetvalue(r, 0, 0));
  *account_id = db_int64(r, 0, 1);
  PQclear(r);
  return e;
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
  char b1[24], b2[24], b3[24];
  const char *v[3];
  db_i64(b1, sizeof b1, key_id, &v[0]);
  db_i64(b2, sizeof b2, per_sec, &v[1]);
  db_i64(b3, sizeof b3, per_day, &v[2]);
  PGresult *r = db_exec("rate_take", 3, v, 0);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  *wait_ms = e == DDC_ERR_OK ? db_int64(r, 0, 0) : 0;
  PQclear(r);
  return e;
}
