/* runner.c: the batch runner (see runner.h). */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "batch/rows.h"
#include "bgthread.h"
#include "batch/runner.h"
#include "crypto/codes.h"
#include "db/batches.h"
#include "db/certs.h"
#include "domain/cert.h"
#include "domain/mintprep.h"
#include "log.h"

static struct {
  struct bgthread bg;
  int signers;
} run = {.bg = BGTHREAD_INIT};

/* One signing thread's share of a chunk: rows [from, to) of the page. */
struct runner_job {
  const PGresult *rows;
  int from, to;
  const int64_t *ids;
  int64_t batch_id, issuer, key_id;
  const uint8_t *sk;
  const char *kind;
  struct batch_buf out;
  enum ddc_err e;
};

/* A staged row (columns of db_batch_rows_after) as a mint request; metadata is a new reference. */
static int runner_row(const PGresult *r, int i, struct batch_row *row)
{
  memset(row, 0, sizeof *row);
  row->owner_id = db_int64(r, i, 1);
  row->external_ref = PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2);
  row->content_hash = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3);
  row->uri = PQgetisnull(r, i, 4) ? NULL : PQgetvalue(r, i, 4);
  db_copy(row->valid_from, sizeof row->valid_from, r, i, 5);
  db_copy(row->valid_until, sizeof row->valid_until, r, i, 6);
  row->metadata = json_loads(PQgetvalue(r, i, 7), 0, NULL);
  return row->metadata ? 0 : -1;
}

/* Appends one signed row as a COPY line of batch_signed: the staged row's columns as read, then
 * what signing made. */
static int runner_copy(struct runner_job *j, int i, int64_t ddc_id, const struct cert_doc *d)
{
  char head[64], tail[64], hash[2 + 65] = "\\x", sig[2 + 129] = "\\x";
  snprintf(head, sizeof head, "%lld\t", (long long)j->batch_id);
  snprintf(tail, sizeof tail, "%lld\t", (long long)ddc_id);
  codes_hex(d->row.cert_hash, 32, hash + 2);
  codes_hex(d->row.signature, 64, sig + 2);
  int rc = batch_buf_add(&j->out, head, strlen(head));
  for (int c = 0; c < 7; c++)
    rc = rc || batch_copy_value(&j->out,
                                PQgetisnull(j->rows, i, c) ? NULL : PQgetvalue(j->rows, i, c), 0);
  return rc || batch_buf_add(&j->out, tail, strlen(tail)) ||
                 batch_copy_value(&j->out, d->code, 0) || batch_copy_value(&j->out, d->text, 0) ||
                 batch_copy_value(&j->out, hash, 0) || batch_copy_value(&j->out, sig, 0) ||
                 batch_copy_value(&j->out, d->issued, 1)
             ? -1
             : 0;
}

static void *runner_sign(void *arg)
{
  struct runner_job *j = arg;
  for (int i = j->from; i < j->to && j->e == DDC_ERR_OK; i++) {
    struct batch_row row;
    struct cert_mint_req m;
    struct cert_doc d;
    if (runner_row(j->rows, i, &row) != 0) {
      j->e = DDC_ERR_INTERNAL;
      break;
    }
    batch_row_request(&row, j->kind, &m);
    j->e = cert_document(j->issuer, j->ids[i], j->key_id, j->sk, &m, &d);
    if (j->e == DDC_ERR_OK && runner_copy(j, i, j->ids[i], &d) != 0) j->e = DDC_ERR_INTERNAL;
    cert_doc_free(&d);
    json_decref(row.metadata);
  }
  return NULL;
}

/* Signs a page of rows with several threads; *out gets the COPY text (the jobs' in order). */
static enum ddc_err runner_sign_all(const PGresult *rows, const int64_t *ids, int64_t batch_id,
                                    int64_t issuer, const char *kind, int64_t key_id,
                                    const uint8_t *sk, struct batch_buf *out)
{
  int n = PQntuples(rows), k = run.signers;
  struct runner_job jobs[RUNNER_SIGNERS_MAX];
  pthread_t th[RUNNER_SIGNERS_MAX];
  int started[RUNNER_SIGNERS_MAX] = {0};
  enum ddc_err e = DDC_ERR_OK;
  for (int t = 0; t < k; t++) {
    jobs[t] = (struct runner_job){
        rows, n * t / k, n * (t + 1) / k, ids, batch_id, issuer, key_id, sk, kind, {0}, DDC_ERR_OK};
    started[t] = t > 0 && pthread_create(&th[t], NULL, runner_sign, &jobs[t]) == 0;
    if (t > 0 && !started[t]) runner_sign(&jobs[t]);
  }
  runner_sign(&jobs[0]);
  for (int t = 0; t < k; t++) {
    if (started[t]) pthread_join(th[t], NULL);
    if (jobs[t].e != DDC_ERR_OK) e = jobs[t].e;
    if (e == DDC_ERR_OK && jobs[t].out.len &&
        batch_buf_add(out, jobs[t].out.p, jobs[t].out.len) != 0)
      e = DDC_ERR_INTERNAL;
    batch_buf_free(&jobs[t].out);
  }
  return e;
}

/* Signs and commits the next chunk after *next. *done: the batch is over (completed, or no
 * longer running). */
static enum ddc_err runner_chunk(int64_t batch_id, const struct principal *who, const char *kind,
                                 int64_t *next, int *done)
{
  PGresult *rows = db_batch_rows_after(batch_id, *next, RUNNER_CHUNK);
  if (!rows) return db_failure();
  int n = PQntuples(rows);
  int64_t *ids = malloc(sizeof *ids * (size_t)(n ? n : 1)), key_id = 0;
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  struct batch_buf out = {0};
  enum ddc_err e = ids ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK && n) e = db_ddc_ids(n, ids);
  if (e == DDC_ERR_OK) e = mintprep_key(who, &key_id, sk);
  if (e == DDC_ERR_OK && n)
    e = runner_sign_all(rows, ids, batch_id, who->account_id, kind, key_id, sk, &out);
  sodium_memzero(sk, sizeof sk);
  int64_t last = n ? db_int64(rows, n - 1, 0) : *next;
  int final = n < RUNNER_CHUNK;
  PQclear(rows);
  free(ids);
  char *json = NULL;
  if (e == DDC_ERR_OK) e = db_tx_begin() == 0 ? DDC_ERR_OK : DDC_ERR_DB_UNAVAILABLE;
  if (e == DDC_ERR_OK) {
    e = db_batch_chunk(batch_id, out.p, out.len, key_id, last, final, &json);
    if (e == DDC_ERR_OK && db_tx_commit() != 0) e = DDC_ERR_DB_UNAVAILABLE;
    if (e != DDC_ERR_OK) db_tx_rollback();
  }
  batch_buf_free(&out);
  free(json);
  if (e == DDC_ERR_SIGNING_KEY_RETIRED) mintprep_forget_key(who->account_id);
  if (e == DDC_ERR_BATCH_FINAL) *done = 1;
  if (e != DDC_ERR_OK) return e;
  *next = last;
  *done = final;
  return DDC_ERR_OK;
}

/* Runs a batch whose lock this thread holds, until it ends, fails too often or ddcd stops. */
static void runner_batch(int64_t batch_id)
{
  int64_t issuer, next;
  char kind[16];
  if (db_batch_info(batch_id, &issuer, kind, &next) != DDC_ERR_OK) return;
  struct principal who = {issuer, 0, 0, ROLE_ISSUER};
  log_msg(LOG_INFO, "batch %lld: running from line %lld", (long long)batch_id, (long long)next);
  int done = 0, failures = 0;
  while (!done && !bgthread_stopping(&run.bg) && failures < 5) {
    enum ddc_err e = runner_chunk(batch_id, &who, kind, &next, &done);
    if (e == DDC_ERR_OK || e == DDC_ERR_SIGNING_KEY_RETIRED || e == DDC_ERR_BATCH_FINAL) continue;
    failures++;
    log_msg(LOG_WARN, "batch %lld: a chunk failed (%s); retrying", (long long)batch_id,
            errors_info(e)->code);
    sleep(1);
  }
  if (failures >= 5) {
    log_msg(LOG_ERROR, "batch %lld: failed after line %lld", (long long)batch_id, (long long)next);
    db_batch_fail(batch_id, "the batch could not be written; see the service log");
  } else if (done) {
    log_msg(LOG_INFO, "batch %lld: finished", (long long)batch_id);
  }
}

static void *runner_main(void *arg)
{
  (void)arg;
  while (!bgthread_wait(&run.bg, 250)) {
    int64_t ids[32];
    int n = 0;
    db_reset();
    if (db_batch_running(ids, &n) != DDC_ERR_OK) continue;
    for (int i = 0; i < n && !bgthread_stopping(&run.bg); i++) {
      int taken = 0;
      if (db_batch_lock(ids[i], &taken) != DDC_ERR_OK || !taken) continue;
      runner_batch(ids[i]);
      db_reset();
      db_batch_unlock(ids[i]);
    }
  }
  return NULL;
}

int runner_start(void)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  run.signers = cpus < 1 ? 1 : cpus > RUNNER_SIGNERS_MAX ? RUNNER_SIGNERS_MAX : (int)cpus;
  return bgthread_start(&run.bg, runner_main, NULL);
}

void runner_stop(void)
{
  bgthread_stop(&run.bg);
}
