/* upload.c: the streamed batch upload (see upload.h). */
#include <jansson.h>
#include <sodium.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "batch/csv.h"
#include "batch/ndjson.h"
#include "batch/rows.h"
#include "batch/runner.h"
#include "batch/upload.h"
#include "crypto/codes.h"
#include "db/batches.h"
#include "log.h"

#define UPLOAD_ROWS_FLUSH (64 * 1024)        /* bytes of staged rows' COPY text sent at a time */
#define UPLOAD_ERRS_FLUSH (1024 * 1024)      /* bytes of errors' COPY text sent at a time */
#define UPLOAD_COPY_BYTES (16 * 1024 * 1024) /* a rows' COPY (one transaction) ends after ... */
#define UPLOAD_COPY_SECONDS 5                /* ... this much text or this long */

/* The uploads in progress in this process (each has a connection); 0: a free slot. An issuer's
 * own limit holds across processes: its slots are advisory locks (db_upload_slot). */
static struct {
  pthread_mutex_t mu;
  int64_t issuer[BATCH_UPLOADS_MAX];
} upload_slots = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* An upload has a database connection of its own: it holds the batch's upload lock and streams
 * the staged rows through COPYs that run while the body arrives (PostgreSQL takes them in on its
 * own core while this thread parses), so it must not be the thread's connection, which other
 * requests on the thread use in between. Each COPY is a transaction, ended after
 * UPLOAD_COPY_BYTES or UPLOAD_COPY_SECONDS, so that a slow upload never keeps a transaction open
 * for long (it would hold back vacuum everywhere). Errors and the sealing go through the
 * thread's connection. */
struct batch_upload {
  int slot; /* in upload_slots, or -1 */
  PGconn *conn;
  int copying;         /* a rows' COPY is open on conn ... */
  size_t copy_bytes;   /* ... with this much text sent ... */
  time_t copy_started; /* ... since then (CLOCK_MONOTONIC seconds) */
  struct principal who;
  struct batch_upload_opts o;
  char kind[16];
  int64_t batch_id;
  int existing, finished;
  char existing_sha[65];
  crypto_hash_sha256_state sha;
  uint64_t bytes, rows;
  struct csv_parser csv;
  struct ndjson_lines nd;
  struct batch_header header;
  int have_header;
  struct db_batch_buf rows_buf, errs_buf;
  enum ddc_err failed; /* the first failure; the rest of the body is only hashed */
};

static time_t upload_seconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec;
}

/* Ends the rows' COPY, if one is open: committed (ok) or given up. */
static enum ddc_err upload_copy_end(struct batch_upload *u, int ok)
{
  if (!u->copying) return DDC_ERR_OK;
  u->copying = 0;
  return db_copy_end(u->conn, ok);
}

/* Sends the staged rows' and the errors' COPY text once there is at least at_least bytes of it
 * (0: whatever there is). */
static enum ddc_err upload_flush(struct batch_upload *u, size_t rows_at_least, size_t errs_at_least)
{
  enum ddc_err e = DDC_ERR_OK;
  if (u->rows_buf.len && u->rows_buf.len >= rows_at_least) {
    if (!u->copying) {
      e = db_batch_rows_begin(u->conn);
      u->copying = e == DDC_ERR_OK;
      u->copy_bytes = 0;
      u->copy_started = upload_seconds();
    }
    if (e == DDC_ERR_OK) e = db_copy_put(u->conn, u->rows_buf.p, u->rows_buf.len);
    u->copy_bytes += u->rows_buf.len;
    u->rows_buf.len = 0;
    if (e == DDC_ERR_OK && u->copy_bytes >= UPLOAD_COPY_BYTES) e = upload_copy_end(u, 1);
  }
  if (e == DDC_ERR_OK && u->errs_buf.len && u->errs_buf.len >= errs_at_least) {
    e = db_batch_copy_errors(u->errs_buf.p, u->errs_buf.len);
    u->errs_buf.len = 0;
  }
  return e;
}

/* A parsed row or its error goes to the COPY buffers. */
static int upload_row(struct batch_upload *u, int bad, struct batch_row *row,
                      struct batch_error *err)
{
  struct db_batch_row staged;
  struct db_batch_error error;
  int rc = -1;
  u->rows++;
  if (bad == 0) {
    batch_row_staged(row, &staged);
    rc = db_batch_row_copy(&u->rows_buf, u->batch_id, &staged);
  } else if (bad == 1) {
    batch_error_staged(err, &error);
    rc = db_batch_error_copy(&u->errs_buf, u->batch_id, &error);
  }
  batch_row_free(row);
  enum ddc_err e = rc ? DDC_ERR_INTERNAL : upload_flush(u, UPLOAD_ROWS_FLUSH, UPLOAD_ERRS_FLUSH);
  if (e != DDC_ERR_OK) u->failed = e;
  return e != DDC_ERR_OK;
}

static int upload_csv_record(void *ctx, const struct csv_record *rec)
{
  struct batch_upload *u = ctx;
  struct batch_row row;
  struct batch_error err;
  if (!u->have_header) {
    char why[160];
    u->have_header = 1;
    if (batch_header_read(rec, &u->header, why, sizeof why) == 0) return 0;
    u->failed = errors_refuse(DDC_ERR_MALFORMED_ROW, "header", "%s", why);
    return 1;
  }
  int bad = batch_row_csv(&u->header, u->kind, rec, &row, &err);
  return upload_row(u, bad, &row, &err);
}

static int upload_ndjson_line(void *ctx, uint64_t line, const char *text, size_t len, int too_long)
{
  struct batch_upload *u = ctx;
  struct batch_row row;
  struct batch_error err;
  int bad = batch_row_ndjson(u->kind, line, text, len, too_long, &row, &err);
  return upload_row(u, bad, &row, &err);
}

/* A slot in this process for an upload of issuer's: its index, or -1 with the refusal (429) set. */
static int upload_slot_take(int64_t issuer)
{
  int at = -1;
  pthread_mutex_lock(&upload_slots.mu);
  for (int i = 0; i < BATCH_UPLOADS_MAX && at < 0; i++)
    if (!upload_slots.issuer[i]) at = i;
  if (at >= 0) upload_slots.issuer[at] = issuer;
  pthread_mutex_unlock(&upload_slots.mu);
  if (at < 0)
    errors_refuse(DDC_ERR_RATE_LIMITED, NULL,
                  "%d uploads are in progress on this server, the most it takes at once; retry "
                  "shortly",
                  BATCH_UPLOADS_MAX);
  return at;
}

/* One of the issuer's slots across every ddcd, held by the upload's connection until it closes. */
static enum ddc_err upload_issuer_slot(struct batch_upload *u)
{
  int taken = 0;
  enum ddc_err e = db_upload_slot(u->conn, u->who.account_id, BATCH_UPLOADS_PER_ISSUER, &taken);
  if (e == DDC_ERR_OK && !taken)
    e = errors_refuse(DDC_ERR_RATE_LIMITED, NULL,
                      "this issuer has %d uploads in progress, the most one issuer may have at "
                      "once; retry once one has ended",
                      BATCH_UPLOADS_PER_ISSUER);
  return e;
}

static void upload_slot_give(int slot)
{
  pthread_mutex_lock(&upload_slots.mu);
  upload_slots.issuer[slot] = 0;
  pthread_mutex_unlock(&upload_slots.mu);
}

enum ddc_err batch_upload_open(const struct principal *who, const struct batch_upload_opts *o,
                               struct batch_upload **out)
{
  struct batch_upload *u = calloc(1, sizeof *u);
  *out = u;
  if (!u) return DDC_ERR_INTERNAL;
  u->slot = upload_slot_take(who->account_id);
  if (u->slot < 0) return DDC_ERR_RATE_LIMITED;
  u->who = *who;
  u->o = *o;
  snprintf(u->kind, sizeof u->kind, "%s", o->kind);
  u->o.kind = u->kind;
  u->o.idempotency_key = NULL; /* only needed here */
  crypto_hash_sha256_init(&u->sha);
  if ((o->ndjson ? ndjson_init(&u->nd, BATCH_ROW_MAX, upload_ndjson_line, u)
                 : csv_init(&u->csv, BATCH_ROW_MAX, upload_csv_record, u)) != 0)
    return DDC_ERR_INTERNAL;
  u->conn = db_connect();
  if (!u->conn) return DDC_ERR_DB_UNAVAILABLE;
  enum ddc_err e = upload_issuer_slot(u);
  if (e != DDC_ERR_OK) return e;
  return db_batch_open(u->conn, who->account_id, o->kind, o->partial ? "partial" : "all_or_nothing",
                       o->dry_run, o->ndjson ? "ndjson" : "csv", o->idempotency_key, &u->batch_id,
                       &u->existing, u->existing_sha);
}

enum ddc_err batch_upload_feed(struct batch_upload *u, const char *data, size_t n)
{
  u->bytes += n;
  if (u->bytes > BATCH_BODY_MAX)
    return errors_refuse(DDC_ERR_BODY_TOO_LARGE, NULL, "a batch upload may be at most %llu bytes",
                         (unsigned long long)BATCH_BODY_MAX);
  crypto_hash_sha256_update(&u->sha, (const uint8_t *)data, n);
  if (u->existing || u->failed) return u->failed;
  int rc = u->o.ndjson ? ndjson_feed(&u->nd, data, n) : csv_feed(&u->csv, data, n);
  if (rc && !u->failed) u->failed = DDC_ERR_INTERNAL;
  if (!u->failed && u->copying && upload_seconds() - u->copy_started >= UPLOAD_COPY_SECONDS) {
    enum ddc_err e = upload_flush(u, 0, SIZE_MAX);
    if (e == DDC_ERR_OK) e = upload_copy_end(u, 1);
    if (e != DDC_ERR_OK) u->failed = e;
  }
  return u->failed;
}

/* An upload under an Idempotency-Key used before: the same body gives that batch back. */
static enum ddc_err upload_replay(struct batch_upload *u, const char *hex, char **json)
{
  if (u->existing_sha[0] && strcmp(hex, u->existing_sha) != 0)
    return errors_refuse(DDC_ERR_IDEMPOTENCY_KEY_REUSED, "Idempotency-Key",
                         "this Idempotency-Key was first used with a different body");
  return db_batch_get("issuer", u->who.account_id, u->batch_id, json);
}

/* Starts a sealed batch that is quoted and not a dry run; *json is replaced by the result. */
static enum ddc_err upload_start(char **json)
{
  json_t *b = json_loads(*json, 0, NULL);
  const char *state = json_string_value(json_object_get(b, "state"));
  int go = state && strcmp(state, "quoted") == 0 && !json_is_true(json_object_get(b, "dry_run"));
  int64_t id = json_integer_value(json_object_get(b, "batch_id"));
  json_decref(b);
  if (!go) return DDC_ERR_OK;
  char *started = NULL;
  enum ddc_err e = db_batch_start(id, &started);
  if (e != DDC_ERR_OK) return e;
  runner_poke();
  free(*json);
  *json = started;
  return DDC_ERR_OK;
}

enum ddc_err batch_upload_finish(struct batch_upload *u, char **json, int *existing)
{
  uint8_t sha[32];
  char hex[65];
  *json = NULL;
  *existing = u->existing;
  crypto_hash_sha256_final(&u->sha, sha);
  codes_hex(sha, 32, hex);
  if (u->existing) return upload_replay(u, hex, json);
  if (!u->failed && (u->o.ndjson ? ndjson_finish(&u->nd) : csv_finish(&u->csv)) && !u->failed)
    u->failed = DDC_ERR_INTERNAL;
  if (u->failed) return u->failed;
  if (u->rows == 0)
    return errors_refuse(DDC_ERR_MALFORMED_ROW, "body", "the upload holds no data rows");
  enum ddc_err e = upload_flush(u, 0, 0);
  enum ddc_err end = upload_copy_end(u, e == DDC_ERR_OK);
  if (e == DDC_ERR_OK) e = end;
  if (e == DDC_ERR_OK) e = db_batch_seal(u->batch_id, sha, u->bytes, u->rows, json);
  if (e != DDC_ERR_OK) return e;
  u->finished = 1;
  json_t *b = json_loads(*json, 0, NULL);
  *existing = json_is_true(json_object_get(b, "existing"));
  json_decref(b);
  return upload_start(json);
}

void batch_upload_free(struct batch_upload *u)
{
  if (!u) return;
  upload_copy_end(u, 0);
  if (u->batch_id && !u->existing && !u->finished)
    db_batch_fail(u->batch_id,
                  u->failed ? errors_info(u->failed)->title : "the upload did not finish");
  PQfinish(u->conn); /* releases the upload lock */
  if (u->slot >= 0) upload_slot_give(u->slot);
  if (u->o.ndjson)
    ndjson_free(&u->nd);
  else
    csv_free(&u->csv);
  batch_header_free(&u->header);
  db_batch_buf_free(&u->rows_buf);
  db_batch_buf_free(&u->errs_buf);
  free(u);
}
