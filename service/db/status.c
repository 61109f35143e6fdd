/* status.c: SQL of the status lists (sql/functions/status.sql). See status.h. */
#include <stdlib.h>
#include <string.h>
#include "db/status.h"

const char *const db_status_purposes[DB_STATUS_PURPOSES] = {"revocation", "suspension"};

const struct db_stmt db_status_stmts[] = {
    {"status_reserve", "SELECT o_list, o_index FROM ddc_status_reserve($1, $2)"},
    {"status_backfill", "SELECT ddc_status_backfill($1)"},
    {"status_dirty", "SELECT issuer_id, list FROM status_dirty ORDER BY issuer_id, list LIMIT $1"},
    {"status_issuer_lock", "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE"},
    {"status_lock", "WITH d AS (DELETE FROM status_dirty WHERE issuer_id = $1 AND list = $2)"
                    " SELECT 1 FROM status_lists WHERE issuer_id = $1 AND list = $2"
                    " FOR NO KEY UPDATE"},
    {"status_bits", "SELECT status_index, status FROM certificates"
                    " WHERE issuer_id = $1 AND status_list = $2"
                    " AND status NOT IN ('active', 'exporting')"},
    {"status_last", "SELECT purpose, encode(bits_sha256, 'hex') FROM status_published"
                    " WHERE issuer_id = $1 AND list = $2"},
    {"status_publish", "SELECT ddc_status_publish($1, $2, $3, $4, decode($5, 'hex'), $6)"},
    {"status_get", "SELECT p.credential, encode(p.sha256, 'hex') FROM status_lists l"
                   " LEFT JOIN status_published p ON p.issuer_id = l.issuer_id"
                   " AND p.list = l.list AND p.purpose = $3"
                   " WHERE l.issuer_id = $1 AND l.list = $2"},
    {"status_for_cert",
     "SELECT coalesce(jsonb_agg(jsonb_build_object('purpose', s.purpose, 'list', s.list,"
     " 'index', s.idx, 'canonical', s.canonical, 'leaf_index', s.leaf_index)), '[]')::text"
     " FROM certificates c, ddc_status_for_cert(c.ddc_id) s WHERE c.code = $1"},
    {NULL, NULL},
};

enum ddc_err db_status_reserve(int64_t issuer, int n, int32_t *lists, int32_t *indexes)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  db_p_int(&p, n);
  PGresult *r = db_exec("status_reserve", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == n ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  for (int i = 0; e == DDC_ERR_OK && i < n; i++) {
    lists[i] = (int32_t)db_int64(r, i, 0);
    indexes[i] = (int32_t)db_int64(r, i, 1);
  }
  PQclear(r);
  return e;
}

int db_status_backfill(int limit)
{
  struct db_params p = {0};
  db_p_int(&p, limit);
  PGresult *r = db_exec("status_backfill", p.n, p.v, 0);
  db_p_free(&p);
  int n = r && PQntuples(r) == 1 ? (int)db_int64(r, 0, 0) : -1;
  PQclear(r);
  return n;
}

enum ddc_err db_status_dirty(int64_t *issuers, int32_t *lists, int max, int *n)
{
  struct db_params p = {0};
  db_p_int(&p, max);
  PGresult *r = db_exec("status_dirty", p.n, p.v, 1);
  db_p_free(&p);
  *n = 0;
  if (!r) return db_failure();
  for (int i = 0; i < PQntuples(r) && i < max; i++) {
    issuers[i] = db_int64(r, i, 0);
    lists[i] = (int32_t)db_int64(r, i, 1);
    *n = i + 1;
  }
  PQclear(r);
  return DDC_ERR_OK;
}

/* Runs stmt on (issuer, list[, more]) and hands back its result (NULL: failed). */
static PGresult *db_status_exec(const char *stmt, int64_t issuer, int32_t list, const char *more)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  db_p_int(&p, list);
  if (more) db_p_str(&p, more);
  PGresult *r = db_exec(stmt, p.n, p.v, 0);
  db_p_free(&p);
  return r;
}

/* The issuer's account row comes first: ddc_status_publish logs an account event, which locks it
 * FOR UPDATE, while the issuer's own requests hold it FOR SHARE (their API key's check) when they
 * change a certificate's status and so mark its list dirty, which waits for this transaction's
 * delete of the dirty row. Locking the account before the dirty row keeps one order. */
enum ddc_err db_status_lock(int64_t issuer, int32_t list)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  PGresult *r = db_exec("status_issuer_lock", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  r = db_status_exec("status_lock", issuer, list, NULL);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  PQclear(r);
  return e;
}

enum ddc_err db_status_bits(int64_t issuer, int32_t list, uint8_t *bits[DB_STATUS_PURPOSES])
{
  PGresult *r = db_status_exec("status_bits", issuer, list, NULL);
  if (!r) return db_failure();
  enum ddc_err e = DDC_ERR_OK;
  for (int i = 0; i < PQntuples(r); i++) {
    int64_t idx = db_int64(r, i, 0);
    const char *status = db_text(r, i, 1);
    int purpose = strcmp(status, "frozen") == 0 ? 1 : 0; /* revoked, burned, moved: revocation */
    if (idx < 0 || idx >= DB_STATUS_LIST_SIZE) {
      e = DDC_ERR_INTERNAL;
      break;
    }
    bits[purpose][idx / 8] |= (uint8_t)(0x80u >> (idx % 8));
  }
  PQclear(r);
  return e;
}

enum ddc_err db_status_last(int64_t issuer, int32_t list, char hex[DB_STATUS_PURPOSES][65])
{
  PGresult *r = db_status_exec("status_last", issuer, list, NULL);
  if (!r) return db_failure();
  for (int k = 0; k < DB_STATUS_PURPOSES; k++)
    hex[k][0] = 0;
  for (int i = 0; i < PQntuples(r); i++)
    for (int k = 0; k < DB_STATUS_PURPOSES; k++)
      if (strcmp(db_text(r, i, 0), db_status_purposes[k]) == 0) db_copy(hex[k], 65, r, i, 1);
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_status_publish(int64_t issuer, int32_t list, const char *purpose,
                               const char *credential, const char *bits_sha256_hex,
                               const char *valid_from)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  db_p_int(&p, list);
  db_p_str(&p, purpose);
  db_p_str(&p, credential);
  db_p_str(&p, bits_sha256_hex);
  db_p_str(&p, valid_from);
  PGresult *r = db_exec("status_publish", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_status_get(int64_t issuer, int32_t list, const char *purpose, char **credential,
                           char sha256_hex[65], int *exists)
{
  PGresult *r = db_status_exec("status_get", issuer, list, purpose);
  *credential = NULL;
  *exists = 0;
  if (!r) return db_failure();
  enum ddc_err e = DDC_ERR_NOT_FOUND;
  if (PQntuples(r) == 1) {
    *exists = 1;
    if (!PQgetisnull(r, 0, 0)) {
      *credential = strdup(db_text(r, 0, 0));
      db_copy(sha256_hex, 65, r, 0, 1);
      e = *credential ? DDC_ERR_OK : DDC_ERR_INTERNAL;
    }
  }
  PQclear(r);
  return e;
}

enum ddc_err db_status_for_cert(const char *code, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, code);
  return db_p_json("status_for_cert", &p, 1, json, NULL);
}
