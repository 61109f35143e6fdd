/* ledger.c: SQL for the log (sql/functions/ledger.sql). Hashes travel as hex. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/ledger.h"
#include "db/locks.h"

const struct db_stmt db_ledger_stmts[] = {
    {"log_head", "SELECT size, encode(root, 'hex'), note FROM log_checkpoints ORDER BY size DESC"
                 " LIMIT 1"},
    {"log_take", "SELECT leaf_index, encode(leaf_hash, 'hex') FROM ddc_log_take($1, $2)"},
    {"tile_get", "SELECT encode(hashes, 'hex') FROM log_tiles WHERE level = $1 AND idx = $2"},
    {"tile_put",
     "INSERT INTO log_tiles AS t (level, idx, hashes) VALUES ($1, $2, decode($3, 'hex'))"
     " ON CONFLICT (level, idx) DO UPDATE SET hashes = EXCLUDED.hashes"
     " WHERE length(EXCLUDED.hashes) > length(t.hashes)"},
    {"checkpoint_put", "INSERT INTO log_checkpoints (size, root, note)"
                       " VALUES ($1, decode($2, 'hex'), $3)"},
    {"checkpoint_root", "SELECT encode(root, 'hex') FROM log_checkpoints WHERE size = $1"},
    {"log_key_get", "SELECT name, encode(public_key, 'hex'), sealed_secret FROM log_keys"
                    " WHERE id = 1"},
    {"log_key_put", "INSERT INTO log_keys (id, name, public_key, sealed_secret)"
                    " VALUES (1, $1, decode($2, 'hex'), $3) ON CONFLICT (id) DO NOTHING"},
    {"sequencer_lock", DB_LOCK_WORKER_SQL(DB_LOCK_WORKER_SEQUENCER)},
    {"public_bundle",
     "SELECT cert, document, issuer, signing_key, events, status_lists, cp_size, cp_root, cp_note,"
     " cp_final FROM ddc_public_bundle($1, ARRAY(SELECT jsonb_array_elements_text($2::jsonb)),"
     " $3)"},
    {"public_by_content", "SELECT ddc_public_by_content(decode($1, 'hex'))"},
    {"verdict_get", "SELECT body FROM ddc_verdict_get($1, $2)"},
    {"verdict_todo", "SELECT code, cert, document, issuer, signing_key, events"
                     " FROM ddc_verdict_todo($1, $2, $3)"},
    {"verdict_cursor", "SELECT built_size FROM verdict_builder FOR UPDATE"},
    {"verdict_cursor_set", "UPDATE verdict_builder SET built_size = $1"},
    {"verdict_lock", DB_LOCK_WORKER_SQL(DB_LOCK_WORKER_VERDICTS)},
    {"verdicts_put", "SELECT ddc_verdicts_put($1::jsonb, $2::text[])"},
    {"verdict_put", "SELECT ddc_verdict_put($1, decode($2, 'hex'), $3, $4, $5, $6, $7)"},
    {"bundle_kept_get", "SELECT body FROM ddc_bundle_kept_get($1, $2)"},
    {"bundles_keep", "SELECT ddc_bundles_keep($1::jsonb, $2::text[])"},
    {"log_entries", "SELECT e.canonical FROM log_leaves l JOIN events e ON e.id = l.event_id"
                    " WHERE l.leaf_index >= $1 AND l.leaf_index < $1 + $2 ORDER BY l.leaf_index"},
    {"cert_code", "SELECT cert ->> 'code' FROM ddc_cert_get($1, $2, $3)"},
    {"cert_head", "SELECT encode(c.last_event_hash, 'hex'),"
                  " (SELECT count(*) FROM events e WHERE e.ddc_id = c.ddc_id)"
                  " FROM certificates c WHERE c.code = $1"},
    {NULL, NULL},
};

static int db_hash_from(const PGresult *r, int row, int col, uint8_t out[DB_HASH])
{
  const char *hex = PQgetvalue(r, row, col);
  return strlen(hex) == 2 * DB_HASH && codes_unhex(hex, out, DB_HASH) == 0 ? 0 : -1;
}

enum ddc_err db_log_head(uint64_t *size, uint8_t root[DB_HASH], char **note)
{
  PGresult *r = db_exec("log_head", 0, NULL, 1);
  if (note) *note = NULL;
  if (!r) return db_failure();
  enum ddc_err e = DDC_ERR_OK;
  *size = 0;
  if (PQntuples(r) == 1) {
    *size = (uint64_t)db_int64(r, 0, 0);
    if (db_hash_from(r, 0, 1, root) != 0) e = DDC_ERR_INTERNAL;
    if (e == DDC_ERR_OK && note && !(*note = strdup(PQgetvalue(r, 0, 2)))) e = DDC_ERR_INTERNAL;
  }
  PQclear(r);
  return e;
}

enum ddc_err db_log_take(uint64_t size, int limit, uint8_t (*hashes)[DB_HASH], int *n)
{
  struct db_params p = {0};
  db_p_int(&p, (int64_t)size);
  db_p_int(&p, limit);
  PGresult *r = db_exec("log_take", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) <= limit ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  *n = 0;
  for (int i = 0; e == DDC_ERR_OK && i < PQntuples(r); i++) {
    if ((uint64_t)db_int64(r, i, 0) != size + (uint64_t)i || db_hash_from(r, i, 1, hashes[i]))
      e = DDC_ERR_INTERNAL;
    else
      *n = i + 1;
  }
  PQclear(r);
  return e;
}

enum ddc_err db_tile_get(int level, uint64_t idx, uint8_t (*out)[DB_HASH], int *width)
{
  struct db_params p = {0};
  db_p_int(&p, level);
  db_p_int(&p, (int64_t)idx);
  PGresult *r = db_exec("tile_get", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = DDC_ERR_OK;
  *width = 0;
  if (PQntuples(r) == 1) {
    const char *hex = PQgetvalue(r, 0, 0);
    size_t len = strlen(hex) / 2;
    if (len % DB_HASH || len > DB_TILE_WIDTH * DB_HASH || codes_unhex(hex, out[0], len))
      e = DDC_ERR_INTERNAL;
    else
      *width = (int)(len / DB_HASH);
  }
  PQclear(r);
  return e;
}

enum ddc_err db_tile_put(int level, uint64_t idx, const uint8_t (*hashes)[DB_HASH], int width)
{
  char *hex = malloc((size_t)width * DB_HASH * 2 + 1);
  if (!hex) return DDC_ERR_INTERNAL;
  codes_hex(hashes[0], (size_t)width * DB_HASH, hex);
  struct db_params p = {0};
  db_p_int(&p, level);
  db_p_int(&p, (int64_t)idx);
  db_p_str(&p, hex);
  PGresult *r = db_exec("tile_put", p.n, p.v, 0);
  db_p_free(&p);
  free(hex);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_checkpoint_put(uint64_t size, const uint8_t root[DB_HASH], const char *note)
{
  char hex[2 * DB_HASH + 1];
  codes_hex(root, DB_HASH, hex);
  struct db_params p = {0};
  db_p_int(&p, (int64_t)size);
  db_p_str(&p, hex);
  db_p_str(&p, note);
  PGresult *r = db_exec("checkpoint_put", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_checkpoint_root(uint64_t size, uint8_t root[DB_HASH])
{
  struct db_params p = {0};
  db_p_int(&p, (int64_t)size);
  PGresult *r = db_exec("checkpoint_root", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK && db_hash_from(r, 0, 0, root) != 0) e = DDC_ERR_INTERNAL;
  PQclear(r);
  return e;
}

enum ddc_err db_log_key_get(char *name, size_t name_cap, uint8_t public_key[32], uint8_t **sealed,
                            size_t *sealed_len)
{
  PGresult *r = db_exec("log_key_get", 0, NULL, 1);
  *sealed = NULL;
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) {
    db_copy(name, name_cap, r, 0, 0);
    *sealed = db_bytea_result(r, 0, 2, sealed_len);
    if (!*sealed || codes_unhex(PQgetvalue(r, 0, 1), public_key, 32) != 0) e = DDC_ERR_INTERNAL;
  }
  PQclear(r);
  return e;
}

enum ddc_err db_log_key_put(const char *name, const uint8_t public_key[32], const uint8_t *sealed,
                            size_t sealed_len)
{
  char hex[65];
  codes_hex(public_key, 32, hex);
  struct db_params p = {0};
  db_p_str(&p, name);
  db_p_str(&p, hex);
  db_p_bytea(&p, sealed, sealed_len);
  PGresult *r = db_exec("log_key_put", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_sequencer_lock(int *taken)
{
  return db_bool("sequencer_lock", taken);
}

/* The checkpoint columns from col on (size, root hex, note, final; size NULL: none) into cp. */
static enum ddc_err db_public_cp(PGresult *r, int col, struct db_checkpoint *cp)
{
  memset(cp, 0, sizeof *cp);
  if (PQgetisnull(r, 0, col)) return DDC_ERR_OK;
  const char *hex = PQgetvalue(r, 0, col + 1);
  cp->size = (uint64_t)db_int64(r, 0, col);
  cp->final = strcmp(PQgetvalue(r, 0, col + 3), "t") == 0;
  if (strlen(hex) != 64 || codes_unhex(hex, cp->root, 32) != 0 ||
      !(cp->note = strdup(PQgetvalue(r, 0, col + 2))))
    return DDC_ERR_INTERNAL;
  return DDC_ERR_OK;
}

enum ddc_err db_public_bundle(const char *code, const char *const *witnesses, size_t n, int quorum,
                              struct db_public_cert *out)
{
  char *keys = db_witness_list(witnesses, n);
  memset(out, 0, sizeof *out);
  if (!keys) return DDC_ERR_INTERNAL;
  struct db_params p = {0};
  db_p_str(&p, code);
  db_p_str(&p, keys);
  db_p_int(&p, quorum);
  PGresult *r = db_exec("public_bundle", p.n, p.v, 1);
  db_p_free(&p);
  free(keys);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  char **cols[] = {&out->cert,        &out->document, &out->issuer,
                   &out->signing_key, &out->events,   &out->status_lists};
  for (int i = 0; e == DDC_ERR_OK && i < 6; i++)
    if (!(*cols[i] = strdup(db_text(r, 0, i)))) e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) e = db_public_cp(r, 6, &out->cp);
  out->cp_read = e == DDC_ERR_OK;
  PQclear(r);
  if (e != DDC_ERR_OK) db_public_cert_free(out);
  return e;
}

void db_public_cert_free(struct db_public_cert *p)
{
  free(p->cert);
  free(p->document);
  free(p->issuer);
  free(p->signing_key);
  free(p->events);
  free(p->status_lists);
  free(p->cp.note);
  memset(p, 0, sizeof *p);
}

enum ddc_err db_public_by_content(const uint8_t hash[DB_HASH], char **json)
{
  char hex[2 * DB_HASH + 1];
  codes_hex(hash, DB_HASH, hex);
  const char *v[1] = {hex};
  return db_json("public_by_content", 1, v, 1, json, NULL);
}

enum ddc_err db_log_entries(uint64_t start, int count, char **bundle, size_t *len, int *n)
{
  struct db_params p = {0};
  db_p_int(&p, (int64_t)start);
  db_p_int(&p, count);
  PGresult *r = db_exec("log_entries", p.n, p.v, 1);
  db_p_free(&p);
  *bundle = NULL;
  *len = 0;
  *n = 0;
  if (!r) return db_failure();
  size_t total = 0;
  for (int i = 0; i < PQntuples(r); i++)
    total += 2 + (size_t)PQgetlength(r, i, 0);
  enum ddc_err e = (*bundle = malloc(total ? total : 1)) ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  for (int i = 0; e == DDC_ERR_OK && i < PQntuples(r); i++) {
    size_t l = (size_t)PQgetlength(r, i, 0);
    if (l > 0xffff) { /* an entry bundle cannot hold it; events are far smaller */
      e = DDC_ERR_INTERNAL;
      break;
    }
    (*bundle)[(*len)++] = (char)(l >> 8);
    (*bundle)[(*len)++] = (char)(l & 0xff);
    memcpy(*bundle + *len, PQgetvalue(r, i, 0), l);
    *len += l;
    *n = i + 1;
  }
  PQclear(r);
  if (e != DDC_ERR_OK) {
    free(*bundle);
    *bundle = NULL;
  }
  return e;
}

enum ddc_err db_cert_code(const char *role, int64_t actor, int64_t ddc, char code[27])
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, ddc);
  PGresult *r = db_exec("cert_code", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) db_copy(code, 27, r, 0, 0);
  PQclear(r);
  return e;
}

enum ddc_err db_cert_head(const char *code, char last_event_hash[65], int64_t *events)
{
  const char *v[1] = {code};
  PGresult *r = db_exec("cert_head", 1, v, 1);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) {
    db_copy(last_event_hash, 65, r, 0, 0);
    *events = db_int64(r, 0, 1);
  }
  PQclear(r);
  return e;
}

/* The one text column of a one-row-or-none result: a malloc'ed copy and its length, NOT_FOUND on
 * no row. */
static enum ddc_err db_one_text(PGresult *r, char **body, size_t *len)
{
  enum ddc_err e = DDC_ERR_NOT_FOUND;
  *body = NULL;
  if (PQntuples(r) == 1) {
    *len = (size_t)PQgetlength(r, 0, 0);
    *body = malloc(*len + 1);
    e = *body ? DDC_ERR_OK : DDC_ERR_INTERNAL;
    if (*body) memcpy(*body, PQgetvalue(r, 0, 0), *len + 1);
  }
  PQclear(r);
  return e;
}

/* A kept text by code and trust (verdict_get, bundle_kept_get), as db_one_text gives it. */
static enum ddc_err db_kept_text(const char *stmt, const char *code, const char *trust, char **body,
                                 size_t *len)
{
  const char *v[2] = {code, trust};
  PGresult *r = db_exec(stmt, 2, v, 1);
  *body = NULL;
  return r ? db_one_text(r, body, len) : db_failure();
}

enum ddc_err db_verdict_get(const char *code, const char *trust, char **body, size_t *len)
{
  return db_kept_text("verdict_get", code, trust, body, len);
}

enum ddc_err db_bundle_kept_get(const char *code, const char *trust, char **body, size_t *len)
{
  return db_kept_text("bundle_kept_get", code, trust, body, len);
}

int db_rows_add(struct db_rows *r, json_t *item, char *text)
{
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 64;
    char **t = realloc(r->texts, cap * sizeof *t);
    if (t) r->texts = t, r->cap = cap;
  }
  if (!r->items) r->items = json_array();
  if (!item || !text || r->n == r->cap || !r->items) {
    json_decref(item);
    free(text);
    return -1;
  }
  if (json_array_append_new(r->items, item) != 0) { /* item is freed */
    free(text);
    return -1;
  }
  r->texts[r->n++] = text;
  return 0;
}

void db_rows_clear(struct db_rows *r)
{
  for (size_t i = 0; i < r->n; i++)
    free(r->texts[i]);
  free(r->texts);
  json_decref(r->items);
  *r = (struct db_rows){0};
}

static void db_put_be32(char *p, uint32_t v)
{
  p[0] = (char)(v >> 24), p[1] = (char)(v >> 16), p[2] = (char)(v >> 8), p[3] = (char)v;
}

/* The rows' texts as a one-dimensional text[] in PostgreSQL's binary array format (array_recv):
 * dimensions, has-nulls, element type (text, 25), the dimension's length and lower bound, then
 * each element's length and bytes; malloc'ed, NULL when it would not fit an int. */
static char *db_rows_array(const struct db_rows *r, int *len)
{
  size_t total = 20;
  for (size_t i = 0; i < r->n; i++)
    total += 4 + strlen(r->texts[i]);
  char *a = total <= INT32_MAX ? malloc(total) : NULL, *p = a;
  if (!a) return NULL;
  db_put_be32(p, 1), db_put_be32(p + 4, 0), db_put_be32(p + 8, 25);
  db_put_be32(p + 12, (uint32_t)r->n), db_put_be32(p + 16, 1);
  p += 20;
  for (size_t i = 0; i < r->n; i++) {
    size_t l = strlen(r->texts[i]);
    db_put_be32(p, (uint32_t)l);
    memcpy(p + 4, r->texts[i], l);
    p += 4 + l;
  }
  *len = (int)total;
  return a;
}

/* Runs stmt with $1 the rows' items (JSON) and $2 their texts (a binary text[]). */
static enum ddc_err db_rows_exec(const char *stmt, const struct db_rows *r)
{
  int alen = 0;
  char *items = json_dumps(r->items, JSON_COMPACT), *array = db_rows_array(r, &alen);
  enum ddc_err e = items && array ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    const char *v[2] = {items, array};
    const int lengths[2] = {0, alen}, formats[2] = {0, 1};
    PGresult *res = db_exec_params(stmt, 2, v, lengths, formats, 0);
    e = res ? DDC_ERR_OK : db_failure();
    PQclear(res);
  }
  free(items);
  free(array);
  return e;
}

enum ddc_err db_bundles_keep(const struct db_rows *r)
{
  return r->n ? db_rows_exec("bundles_keep", r) : DDC_ERR_OK;
}

enum ddc_err db_verdict_put(const struct db_verdict *v)
{
  struct db_params p = {0};
  db_p_str(&p, v->code);
  db_p_str(&p, v->event_hash);
  db_p_str(&p, v->trust);
  db_p_int(&p, v->anchor_size);
  db_p_str(&p, v->key_retired ? "true" : "false");
  db_p_str(&p, *v->fresh_until ? v->fresh_until : NULL);
  db_p_str(&p, v->body);
  PGresult *r = db_exec("verdict_put", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err
db_verdict_todo(uint64_t from, uint64_t to, const char *trust,
                void (*fn)(const char *code, const struct db_public_cert *p, void *arg), void *arg)
{
  struct db_params q = {0};
  db_p_int(&q, (int64_t)from);
  db_p_int(&q, (int64_t)to);
  db_p_str(&q, trust);
  PGresult *r = db_exec("verdict_todo", q.n, q.v, 1);
  db_p_free(&q);
  if (!r) return db_failure();
  for (int i = 0; i < PQntuples(r); i++) {
    struct db_public_cert p = {.cert = (char *)db_text(r, i, 1),
                               .document = (char *)db_text(r, i, 2),
                               .issuer = (char *)db_text(r, i, 3),
                               .signing_key = (char *)db_text(r, i, 4),
                               .events = (char *)db_text(r, i, 5)};
    fn(db_text(r, i, 0), &p, arg);
  }
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_verdict_cursor(uint64_t *size)
{
  PGresult *r = db_exec("verdict_cursor", 0, NULL, 1);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) *size = (uint64_t)db_int64(r, 0, 0);
  PQclear(r);
  return e;
}

enum ddc_err db_verdict_cursor_set(uint64_t size)
{
  struct db_params p = {0};
  db_p_int(&p, (int64_t)size);
  PGresult *r = db_exec("verdict_cursor_set", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_verdict_lock(int *taken)
{
  return db_bool("verdict_lock", taken);
}

enum ddc_err db_verdicts_put(const struct db_rows *r)
{
  return r->n ? db_rows_exec("verdicts_put", r) : DDC_ERR_OK;
}
