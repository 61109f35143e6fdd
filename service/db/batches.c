/* batches.c: SQL of batch imports: one PL/pgSQL function per write (sql/functions/batches.sql),
 * COPY for staged and signed rows (their text is encoded here), keyset pages for the reports
 * (decoded here). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/batches.h"
#include "db/locks.h"

const struct db_stmt db_batches_stmts[] = {
    {"batch_open", "SELECT batch_id, existing, encode(body_sha256, 'hex')"
                   " FROM ddc_batch_open($1, $2, $3, $4, $5, $6)"},
    {"upload_slot", DB_LOCK_UPLOAD_SLOT_SQL},
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

enum ddc_err db_upload_slot(PGconn *c, int64_t issuer, int slots, int *taken)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  db_p_int(&p, slots);
  PGresult *r = db_exec_on(c, "upload_slot", p.n, p.v);
  db_p_free(&p);
  if (!r) return db_failure();
  *taken = PQntuples(r) == 1;
  PQclear(r);
  return DDC_ERR_OK;
}

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

int db_batch_buf_add(struct db_batch_buf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) return -1;
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
  return 0;
}

void db_batch_buf_free(struct db_batch_buf *b)
{
  free(b->p);
  memset(b, 0, sizeof *b);
}

int db_batch_copy_value(struct db_batch_buf *b, const char *s, int last)
{
  if (s)
    for (;;) {
      size_t n = strcspn(s, "\\\n\r\t"); /* a run of bytes that need no escape */
      if (db_batch_buf_add(b, s, n)) return -1;
      s += n;
      if (!*s) break;
      char esc[2] = {'\\', *s == '\\' ? '\\' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : 't'};
      if (db_batch_buf_add(b, esc, 2)) return -1;
      s++;
    }
  else if (db_batch_buf_add(b, "\\N", 2))
    return -1;
  return db_batch_buf_add(b, last ? "\n" : "\t", 1);
}

int db_batch_copy_int(struct db_batch_buf *b, int64_t v, int last)
{
  char s[24], *p = s + sizeof s;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  *--p = last ? '\n' : '\t';
  do
    *--p = (char)('0' + u % 10);
  while (u /= 10);
  if (v < 0) *--p = '-';
  return db_batch_buf_add(b, p, (size_t)(s + sizeof s - p));
}

/* An id, or \N for 0. */
static int db_batch_copy_id(struct db_batch_buf *b, int64_t v, int last)
{
  return v ? db_batch_copy_int(b, v, last) : db_batch_copy_value(b, NULL, last);
}

/* A bytea in hex form (at most 64 bytes), or \N for NULL. */
static int db_batch_copy_bytes(struct db_batch_buf *b, const uint8_t *p, size_t n, int last)
{
  char hex[2 + 2 * 64 + 1] = "\\x";
  if (p) codes_hex(p, n, hex + 2);
  return db_batch_copy_value(b, p ? hex : NULL, last);
}

int db_batch_row_copy(struct db_batch_buf *b, int64_t batch_id, const struct db_batch_row *row)
{
  int rc =
      !row->metadata || db_batch_copy_int(b, batch_id, 0) || db_batch_copy_int(b, row->line, 0) ||
      db_batch_copy_id(b, row->owner_id, 0) || db_batch_copy_value(b, row->external_ref, 0) ||
      db_batch_copy_value(b, row->content_hash, 0) || db_batch_copy_value(b, row->uri, 0) ||
      db_batch_copy_value(b, row->valid_from, 0) || db_batch_copy_value(b, row->valid_until, 0) ||
      db_batch_copy_value(b, row->metadata, 0) || db_batch_copy_value(b, "t", 1);
  return rc ? -1 : 0;
}

int db_batch_error_copy(struct db_batch_buf *b, int64_t batch_id, const struct db_batch_error *e)
{
  return db_batch_copy_int(b, batch_id, 0) || db_batch_copy_int(b, e->line, 0) ||
                 db_batch_copy_value(b, e->field, 0) || db_batch_copy_value(b, e->code, 0) ||
                 db_batch_copy_value(b, e->message, 1)
             ? -1
             : 0;
}

int db_batch_mint_copy(struct db_batch_buf out[DB_BATCH_TABLES], int64_t batch_id, int64_t line,
                       int64_t event_id, const struct db_mint_row *m)
{
  struct db_batch_buf *cb = &out[DB_BATCH_CERTS], *eb = &out[DB_BATCH_EVENTS],
                      *mb = &out[DB_BATCH_MINTED];
  int rc = db_batch_copy_int(cb, m->ddc_id, 0) || db_batch_copy_value(cb, m->code, 0) ||
           db_batch_copy_int(cb, m->issuer, 0) ||
           db_batch_copy_int(cb, m->owner ? m->owner : m->issuer, 0) ||
           db_batch_copy_value(cb, m->kind, 0) || db_batch_copy_value(cb, m->document, 0) ||
           db_batch_copy_bytes(cb, m->cert_hash, 32, 0) ||
           db_batch_copy_bytes(cb, m->signature, 64, 0) || db_batch_copy_int(cb, m->key_id, 0) ||
           db_batch_copy_bytes(cb, m->has_content_hash ? m->content_hash : NULL, 32, 0) ||
           db_batch_copy_value(cb, m->uri, 0) || db_batch_copy_value(cb, m->external_ref, 0) ||
           db_batch_copy_value(cb, m->valid_from, 0) ||
           db_batch_copy_value(cb, m->valid_until, 0) || db_batch_copy_value(cb, m->issued_at, 0) ||
           db_batch_copy_bytes(cb, m->event_hash, 32, 0) ||
           db_batch_copy_int(cb, m->status_list, 0) || db_batch_copy_int(cb, m->status_index, 1);
  rc = rc || db_batch_copy_int(eb, event_id, 0) || db_batch_copy_int(eb, m->ddc_id, 0) ||
       db_batch_copy_value(eb, "mint", 0) || db_batch_copy_int(eb, m->issuer, 0) ||
       db_batch_copy_value(eb, m->issued_at, 0) || db_batch_copy_value(eb, m->event, 0) ||
       db_batch_copy_bytes(eb, m->event_hash, 32, 1);
  rc = rc || db_batch_copy_int(&out[DB_BATCH_PENDING], event_id, 1);
  rc = rc || db_batch_copy_int(mb, batch_id, 0) || db_batch_copy_int(mb, line, 0) ||
       db_batch_copy_int(mb, m->ddc_id, 1);
  return rc ? -1 : 0;
}

/* The COPY statement of each table a chunk writes, in the order they are written. */
static const char *const db_batch_copies[DB_BATCH_TABLES] = {
    [DB_BATCH_CERTS] = "COPY certificates (ddc_id, code, issuer_id, owner_id, kind, document,"
                       " cert_hash, signature, key_id, content_hash, uri, external_ref, valid_from,"
                       " valid_until, issued_at, last_event_hash, status_list, status_index)"
                       " FROM STDIN",
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

/* A text column, NULL when it is NULL. */
static const char *db_batch_text(const PGresult *r, int row, int col)
{
  return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static int db_batch_true(const PGresult *r, int row, int col)
{
  return strcmp(db_text(r, row, col), "t") == 0;
}

enum ddc_err db_batch_rows_after(int64_t batch_id, int64_t line, int limit, int64_t issuer,
                                 struct db_batch_rows *rows)
{
  struct db_params p = {0};
  db_p_int(&p, batch_id);
  db_p_int(&p, line);
  db_p_int(&p, limit);
  db_p_int(&p, issuer);
  memset(rows, 0, sizeof *rows);
  PGresult *r = rows->res = db_exec("batch_rows_after", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  int n = PQntuples(r);
  rows->row = calloc((size_t)n + 1, sizeof *rows->row);
  if (!rows->row) return DDC_ERR_INTERNAL;
  for (int i = 0; i < n; i++)
    rows->row[i] = (struct db_batch_row){.line = db_int64(r, i, 0),
                                         .owner_id = db_int64(r, i, 1),
                                         .external_ref = db_batch_text(r, i, 2),
                                         .content_hash = db_batch_text(r, i, 3),
                                         .uri = db_batch_text(r, i, 4),
                                         .valid_from = db_batch_text(r, i, 5),
                                         .valid_until = db_batch_text(r, i, 6),
                                         .metadata = db_text(r, i, 7),
                                         .metadata_jcs = db_batch_true(r, i, 8),
                                         .taken = db_batch_true(r, i, 9)};
  rows->n = n;
  return DDC_ERR_OK;
}

void db_batch_rows_free(struct db_batch_rows *rows)
{
  PQclear(rows->res);
  free(rows->row);
  memset(rows, 0, sizeof *rows);
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

int db_batch_errors_after(int64_t batch_id, int64_t line, int limit,
                          int (*cb)(void *cls, const struct db_batch_error *e), void *cls)
{
  PGresult *r = db_batch_page("batch_errors_after", batch_id, line, limit);
  if (!r) return -1;
  int n = PQntuples(r), rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    struct db_batch_error e = {.line = db_int64(r, i, 0),
                               .field = db_text(r, i, 1),
                               .code = db_text(r, i, 2),
                               .message = db_text(r, i, 3)};
    rc = cb(cls, &e);
  }
  PQclear(r);
  return rc ? -1 : n;
}

int db_batch_minted_after(int64_t batch_id, int64_t line, int limit,
                          int (*cb)(void *cls, const struct db_batch_minted *m), void *cls)
{
  PGresult *r = db_batch_page("batch_minted_after", batch_id, line, limit);
  if (!r) return -1;
  int n = PQntuples(r), rc = 0;
  for (int i = 0; i < n && rc == 0; i++) {
    struct db_batch_minted m = {.line = db_int64(r, i, 0),
                                .external_ref = db_batch_text(r, i, 1),
                                .ddc_id = db_int64(r, i, 2),
                                .code = db_text(r, i, 3),
                                .cert_hash = db_text(r, i, 4)};
    rc = cb(cls, &m);
  }
  PQclear(r);
  return rc ? -1 : n;
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
