/* batches.c: SQL of batch imports: one PL/pgSQL function per write (sql/functions/batches.sql),
 * COPY for staged and signed rows, keyset pages for the reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/batches.h"
#include "db/locks.h"

const struct db_stmt db_batches_stmts[] = {
    {"batch_open", "SELECT batch_id, existing, encode(body_sha256, 'hex')"
                   " FROM ddc_batch_open($1, $2, $3, $4, $5, $6)"},
    {"batch_seal", "SELECT ddc_batch_seal($1, decode($2, 'hex'), $3, $4)"},
    {"batch_start", "SELECT ddc_batch_start($1)"},
    {"batch_fail", "SELECT ddc_batch_fail($1, $2)"},
    {"batch_get", "SELECT ddc_batch_get($1, $2, $3)"},
    {"batch_cancel", "SELECT ddc_batch_cancel($1, $2, $3)"},
    {"batch_running", "SELECT id FROM batches WHERE state = 'running' ORDER BY id LIMIT 32"},
    {"batch_lock", "SELECT pg_try_advisory_lock(" DB_STR(
                       DB_LOCK_BATCH_RUN) ", ($1::bigint % 2147483647)::integer)"},
    {"batch_unlock", "SELECT pg_advisory_unlock(" DB_STR(
                         DB_LOCK_BATCH_RUN) ", ($1::bigint % 2147483647)::integer)"},
    {"batch_reap", "SELECT ddc_batch_reap()"},
    {"batch_info", "SELECT issuer_id, kind, next_line FROM batches WHERE id = $1"},
    {"batch_rows_after",
     "SELECT r.line, r.owner_id, r.external_ref, r.content_hash, r.uri, r.valid_from,"
     " r.valid_until, r.metadata, r.metadata_jcs, CASE WHEN $4::bigint = 0 THEN false ELSE EXISTS "
     "(SELECT 1"
     " FROM certificates c WHERE c.issuer_id = $4 AND c.external_ref = r.external_ref) END"
     " FROM batch_rows r WHERE r.batch_id = $1 AND r.line > $2 ORDER BY r.line LIMIT $3"},
    {"batch_ids", "SELECT nextval('ddc_id_seq'), nextval('events_id_seq')"
                  " FROM generate_series(1, $1)"},
    {"batch_commit", "SELECT ddc_batch_commit($1, $2, $3, $4, $5, $6)"},
    {"batch_errors_after", "SELECT line, field, code, message FROM batch_errors"
                           " WHERE batch_id = $1 AND line > $2 ORDER BY line LIMIT $3"},
    {"batch_minted_after",
     "SELECT m.line, c.external_ref, c.ddc_id, c.code, encode(c.cert_hash, 'hex')"
     " FROM batch_minted m JOIN certificates c ON c.ddc_id = m.ddc_id"
     " WHERE m.batch_id = $1 AND m.line > $2 ORDER BY m.line LIMIT $3"},
    {NULL, NULL},
};

enum ddc_err db_batch_open(PGconn *c, int64_t issuer, const char *kind, const char *mode,
                           int dry_run, const char *format, const char *key, int64_t *batch_id,
                           int *existing, char sha256_hex[65])
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  db_p_str(&p, kind);
  db_p_str(&p, mode);
  db_p_str(&p, dry_run ? "true" : "false");
  db_p_str(&p, format);
  db_p_str(&p, key);
  PGresult *r = db_exec_on(c, "batch_open", p.n, p.v);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    *batch_id = db_int64(r, 0, 0);
    *existing = strcmp(db_text(r, 0, 1), "t") == 0;
    db_copy(sha256_hex, 65, r, 0, 2);
  }
  PQclear(r);
  return e;
}

/* The COPY statement of each table a chunk writes, in the order they are written. */
static const char *const db_batch_copies[DB_BATCH_TABLES] = {
    [DB_BATCH_CERTS] = "COPY certificates (ddc_id, code, issuer_id, owner_id, kind, document,"
                       " cert_hash, signature, key_id, content_hash, uri, external_ref, valid_from,"
                       " valid_until, issued_at, last_event_hash) FROM STDIN",
    [DB_BATCH_EVENTS] = ("COPY events (id, ddc_id, type, actor_id, created_at, canonical,"
                         " event_hash) FROM STDIN"),
    [DB_BATCH_PENDING] = "COPY log_pending (event_id) FROM STDIN",
    [DB_BATCH_MINTED] = "COPY batch_minted (batch_id, line, ddc_id) FROM STDIN",
    [DB_BATCH_ERRORS] = "COPY batch_errors (batch_id, line, field, code, message) FROM STDIN",
};

enum ddc_err db_batch_rows_begin(PGconn *c)
{
  return db_copy_begin(c, "COPY batch_rows (batch_id, line, owner_id, external_ref, content_hash,"
                          " uri, valid_from, valid_until, metadata, metadata_jcs) FROM STDIN");
}

enum ddc_err db_batch_copy_errors(const char *data, size_t len)
{
  struct db_copy_part part = {data, len};
  return db_copy_in(db_batch_copies[DB_BATCH_ERRORS], &part, 1);
}

enum ddc_err db_batch_seal(int64_t batch_id, const uint8_t sha256[32], uint64_t bytes,
                           uint64_t rows, char **json)
{
  char hex[65];
  struct db_params p = {0};
  codes_hex(sha256, 32, hex);
  db_p_int(&p, batch_id);
  db_p_str(&p, hex);
  db_p_int(&p, (int64_t)bytes);
  db_p_int(&p, (int64_t)rows);
  return db_p_json("batch_seal", &p, 0, json, NULL);
}

enum ddc_err db_batch_start(int64_t batch_id, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  return db_p_json("batch_start", &p, 0, json, NULL);
}

enum ddc_err db_batch_fail(int64_t batch_id, const char *reason)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  db_p_str(&p, reason);
  PGresult *r = db_exec("batch_fail", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

static enum ddc_err db_batch_by(const char *stmt, const char *role, int64_t actor, int64_t batch_id,
                                char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, batch_id);
  return db_p_json(stmt, &p, strcmp(stmt, "batch_get") == 0, json, NULL);
}

enum ddc_err db_batch_get(const char *role, int64_t actor, int64_t batch_id, char **json)
{
  return db_batch_by("batch_get", role, actor, batch_id, json);
}

enum ddc_err db_batch_cancel(const char *role, int64_t actor, int64_t batch_id, char **json)
{
  return db_batch_by("batch_cancel", role, actor, batch_id, json);
}

int db_batch_reap(void)
{
  PGresult *r = db_exec("batch_reap", 0, NULL, 0);
  int n = r && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return n;
}

enum ddc_err db_batch_running(int64_t *ids, int *n)
{
  PGresult *r = db_exec("batch_running", 0, NULL, 1);
  *n = 0;
  if (!r) return db_failure();
  for (int i = 0; i < PQntuples(r) && i < 32; i++)
    ids[(*n)++] = db_int64(r, i, 0);
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_batch_lock(int64_t batch_id, int *taken)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  PGresult *r = db_exec("batch_lock", p.n, p.v, 0);
  db_p_free(&p);
  *taken = 0;
  if (!r) return db_failure();
  *taken = PQntuples(r) == 1 && strcmp(db_text(r, 0, 0), "t") == 0;
  PQclear(r);
  return DDC_ERR_OK;
}

void db_batch_unlock(int64_t batch_id)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  PQclear(db_exec("batch_unlock", p.n, p.v, 0));
  db_p_free(&p);
}

enum ddc_err db_batch_info(int64_t batch_id, int64_t *issuer, char kind[16], int64_t *next_line)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  PGresult *r = db_exec("batch_info", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) {
    *issuer = db_int64(r, 0, 0);
    db_copy(kind, 16, r, 0, 1);
    *next_line = db_int64(r, 0, 2);
  }
  PQclear(r);
  return e;
}

static PGresult *db_batch_page(const char *stmt, int64_t batch_id, int64_t line, int limit)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  db_p_int(&p, line);
  db_p_int(&p, limit);
  PGresult *r = db_exec(stmt, p.n, p.v, 1);
  db_p_free(&p);
  return r;
}

PGresult *db_batch_rows_after(int64_t batch_id, int64_t line, int limit, int64_t issuer)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  db_p_int(&p, line);
  db_p_int(&p, limit);
  db_p_int(&p, issuer);
  PGresult *r = db_exec("batch_rows_after", p.n, p.v, 1);
  db_p_free(&p);
  return r;
}

enum ddc_err db_batch_ids(int n, int64_t *ddc_ids, int64_t *event_ids)
{
  struct db_params p = {0};
  db_p_int(&p, n);
  PGresult *r = db_exec("batch_ids", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == n ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  for (int i = 0; e == DDC_ERR_OK && i < n; i++) {
    ddc_ids[i] = db_int64(r, i, 0);
    event_ids[i] = db_int64(r, i, 1);
  }
  PQclear(r);
  return e;
}

PGresult *db_batch_errors_after(int64_t batch_id, int64_t line, int limit)
{
  return db_batch_page("batch_errors_after", batch_id, line, limit);
}

PGresult *db_batch_minted_after(int64_t batch_id, int64_t line, int limit)
{
  return db_batch_page("batch_minted_after", batch_id, line, limit);
}

enum ddc_err db_batch_copy_chunk(const struct db_copy_part *tables[DB_BATCH_TABLES], int nparts)
{
  for (int t = 0; t < DB_BATCH_TABLES; t++) {
    size_t len = 0;
    for (int i = 0; i < nparts; i++)
      len += tables[t][i].len;
    enum ddc_err e = len ? db_copy_in(db_batch_copies[t], tables[t], nparts) : DDC_ERR_OK;
    if (e != DDC_ERR_OK) return e;
  }
  return DDC_ERR_OK;
}

enum ddc_err db_batch_commit(int64_t batch_id, int64_t key_id, int64_t first_line,
                             int64_t last_line, int64_t taken, int final)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  db_p_int(&p, key_id);
  db_p_int(&p, first_line);
  db_p_int(&p, last_line);
  db_p_int(&p, taken);
  db_p_str(&p, final ? "true" : "false");
  char *json = NULL;
  enum ddc_err e = db_p_json("batch_commit", &p, 0, &json, NULL);
  free(json);
  return e;
}
