/* runner.c: the batch runner (see runner.h). */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "batch/runner.h"
#include "bgthread.h"
#include "db/batches.h"
#include "db/status.h"
#include "domain/cert.h"
#include "domain/mintprep.h"
#include "ledger/sequencer.h"
#include "log.h"

struct runner_chunk;
struct runner_ctx;

/* A committing thread with a database connection of its own. Signed chunks are handed to the
 * lanes in turn; a lane COPYs its chunk at once, alongside the other lane, but runs
 * ddc_batch_commit and COMMIT only in the chunk's turn, after the chunk before it has committed,
 * and rolls back if that one failed: the resume point only moves forward over committed lines. */
struct runner_lane {
  pthread_t th;
  int started;
  struct runner_chunk *ch;      /* the chunk being committed; NULL when idle */
  struct runner_chunk *done_ch; /* the chunk whose outcome is not collected yet, or NULL */
  const struct runner_ctx *ctx;
  uint64_t turn;     /* ch's place in the order of commits */
  enum ddc_err e;    /* the outcome: DDC_ERR_OK, why the chunk failed, or ... */
  int after_failure; /* ... rolled back since a chunk before it failed */
};

static struct {
  struct bgthread bg;
  int signers;
  pthread_mutex_t mu; /* guards the lanes and what follows */
  pthread_cond_t cv;
  struct runner_lane lanes[RUNNER_LANES];
  uint64_t turn; /* the chunk that may commit next */
  int failed;    /* a chunk failed in this pipeline: later ones roll back */
  int quit;
} run = {.bg = BGTHREAD_INIT, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* What every row of a run shares. */
struct runner_ctx {
  int64_t batch_id, issuer, key_id;
  uint64_t session; /* the connection holding the batch's lock (db_session) */
  const char *kind;
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

/* One signing thread's share of a chunk, rows [from, to), and the COPY text it makes of them for
 * each table the chunk writes. */
struct runner_job {
  const struct runner_ctx *ctx;
  const struct db_batch_row *rows;
  const int64_t *ddc_ids, *event_ids;
  const int32_t *lists, *indexes; /* the rows' status-list entries */
  int from, to, taken;
  struct db_batch_buf out[DB_BATCH_TABLES];
  enum ddc_err e;
};

/* A chunk: its staged rows as read, and the jobs signing them (on threads until joined). */
struct runner_chunk {
  struct db_batch_rows rows;
  int n, final, k;
  int64_t first, last, *ddc_ids, *event_ids; /* lines (first, last] */
  int32_t *lists, *indexes;                  /* status-list entries, drawn with the ids */
  struct runner_job jobs[RUNNER_SIGNERS_MAX];
  pthread_t th[RUNNER_SIGNERS_MAX];
  int started[RUNNER_SIGNERS_MAX];
};

/* A staged row as a mint request: its metadata's JCS text as staged, or (rows staged before
 * metadata was kept canonical) *md, a new reference to it parsed. */
static int runner_request(const struct runner_ctx *c, const struct db_batch_row *s,
                          struct cert_mint_req *m, json_t **md)
{
  *md = s->metadata_jcs ? NULL : json_loads(s->metadata, 0, NULL);
  *m = (struct cert_mint_req){.kind = c->kind,
                              .owner_id = s->owner_id,
                              .metadata = *md,
                              .metadata_jcs = s->metadata_jcs ? s->metadata : NULL,
                              .content_hash = s->content_hash,
                              .uri = s->uri,
                              .valid_from = s->valid_from,
                              .valid_until = s->valid_until,
                              .external_ref = s->external_ref};
  return *md || s->metadata_jcs ? 0 : -1;
}

/* A row whose external_ref was found taken when it was read: an error line instead. */
static int runner_taken(struct runner_job *j, const struct db_batch_row *s)
{
  struct db_batch_error err = {.line = s->line,
                               .field = "external_ref",
                               .code = errors_info(DDC_ERR_EXTERNAL_REF_TAKEN)->code,
                               .message = "the external_ref was taken while the batch ran"};
  j->taken++;
  return db_batch_error_copy(&j->out[DB_BATCH_ERRORS], j->ctx->batch_id, &err);
}

static void *runner_sign(void *arg)
{
  struct runner_job *j = arg;
  const struct runner_ctx *c = j->ctx;
  for (int i = j->from; i < j->to && j->e == DDC_ERR_OK; i++) {
    const struct db_batch_row *s = &j->rows[i];
    if (s->taken) {
      if (runner_taken(j, s) != 0) j->e = DDC_ERR_INTERNAL;
      continue;
    }
    struct cert_mint_req m;
    struct cert_doc d;
    json_t *md;
    if (runner_request(c, s, &m, &md) != 0) {
      j->e = DDC_ERR_INTERNAL;
      break;
    }
    j->e = cert_document(c->issuer, j->ddc_ids[i], c->key_id, c->sk, &m, &d);
    d.row.status_list = j->lists[i];
    d.row.status_index = j->indexes[i];
    if (j->e == DDC_ERR_OK &&
        db_batch_mint_copy(j->out, c->batch_id, s->line, j->event_ids[i], &d.row) != 0)
      j->e = DDC_ERR_INTERNAL;
    cert_doc_free(&d);
    json_decref(md);
  }
  return NULL;
}

static void runner_chunk_free(struct runner_chunk *ch)
{
  for (int t = 0; t < ch->k; t++)
    for (int b = 0; b < DB_BATCH_TABLES; b++)
      db_batch_buf_free(&ch->jobs[t].out[b]);
  db_batch_rows_free(&ch->rows);
  free(ch->ddc_ids);
  free(ch->event_ids);
  free(ch->lists);
  free(ch->indexes);
  memset(ch, 0, sizeof *ch);
}

/* Reads the chunk after line next (marking rows already taken when check is set) and starts its
 * signing threads. */
static enum ddc_err runner_read(const struct runner_ctx *c, int64_t next, int check,
                                struct runner_chunk *ch)
{
  memset(ch, 0, sizeof *ch);
  enum ddc_err e =
      db_batch_rows_after(c->batch_id, next, RUNNER_CHUNK, check ? c->issuer : 0, &ch->rows);
  if (e != DDC_ERR_OK) return e;
  ch->n = ch->rows.n;
  ch->final = ch->n < RUNNER_CHUNK;
  ch->first = next;
  ch->last = ch->n ? ch->rows.row[ch->n - 1].line : next;
  ch->ddc_ids = malloc(sizeof *ch->ddc_ids * (size_t)(ch->n + 1));
  ch->event_ids = malloc(sizeof *ch->event_ids * (size_t)(ch->n + 1));
  ch->lists = malloc(sizeof *ch->lists * (size_t)(ch->n + 1));
  ch->indexes = malloc(sizeof *ch->indexes * (size_t)(ch->n + 1));
  if (!ch->ddc_ids || !ch->event_ids || !ch->lists || !ch->indexes) return DDC_ERR_INTERNAL;
  e = ch->n ? db_batch_ids(ch->n, ch->ddc_ids, ch->event_ids) : DDC_ERR_OK;
  /* drawn in a transaction of their own: the entries of rows that fail stay unused */
  if (e == DDC_ERR_OK && ch->n) e = db_status_reserve(c->issuer, ch->n, ch->lists, ch->indexes);
  if (e != DDC_ERR_OK) return e;
  ch->k = ch->n < 64 ? 1 : run.signers;
  for (int t = 0; t < ch->k; t++) {
    ch->jobs[t] = (struct runner_job){.ctx = c,
                                      .rows = ch->rows.row,
                                      .ddc_ids = ch->ddc_ids,
                                      .event_ids = ch->event_ids,
                                      .lists = ch->lists,
                                      .indexes = ch->indexes,
                                      .from = ch->n * t / ch->k,
                                      .to = ch->n * (t + 1) / ch->k};
    ch->started[t] = pthread_create(&ch->th[t], NULL, runner_sign, &ch->jobs[t]) == 0;
    if (!ch->started[t]) runner_sign(&ch->jobs[t]);
  }
  return DDC_ERR_OK;
}

/* Waits for the chunk's signing threads; the first error any of them met. */
static enum ddc_err runner_join(struct runner_chunk *ch)
{
  enum ddc_err e = DDC_ERR_OK;
  for (int t = 0; t < ch->k; t++) {
    if (ch->started[t]) pthread_join(ch->th[t], NULL);
    ch->started[t] = 0;
    if (ch->jobs[t].e != DDC_ERR_OK) e = ch->jobs[t].e;
  }
  return e;
}

/* Waits for the chunk's turn to commit; 0 if a chunk before it failed. */
static int runner_wait_turn(uint64_t turn)
{
  pthread_mutex_lock(&run.mu);
  while (run.turn != turn)
    pthread_cond_wait(&run.cv, &run.mu);
  int go = !run.failed;
  pthread_mutex_unlock(&run.mu);
  return go;
}

/* Ends the chunk's turn: the next one may commit, or must roll back if this one failed. */
static void runner_end_turn(int failed)
{
  pthread_mutex_lock(&run.mu);
  run.failed |= failed;
  run.turn++;
  pthread_cond_broadcast(&run.cv);
  pthread_mutex_unlock(&run.mu);
}

/* Commits a signed chunk in one transaction, in its turn; *after_failure when it rolled back
 * because a chunk before it had failed. */
static enum ddc_err runner_commit(const struct runner_ctx *c, const struct runner_chunk *ch,
                                  uint64_t turn, int *after_failure)
{
  struct db_copy_part parts[DB_BATCH_TABLES][RUNNER_SIGNERS_MAX];
  const struct db_copy_part *tables[DB_BATCH_TABLES];
  int64_t taken = 0;
  for (int b = 0; b < DB_BATCH_TABLES; b++) {
    for (int t = 0; t < ch->k; t++)
      parts[b][t] = (struct db_copy_part){ch->jobs[t].out[b].p, ch->jobs[t].out[b].len};
    tables[b] = parts[b];
  }
  for (int t = 0; t < ch->k; t++)
    taken += ch->jobs[t].taken;
  db_reset();
  enum ddc_err e = db_tx_begin() == 0 ? db_batch_copy_chunk(tables, ch->k) : DDC_ERR_DB_UNAVAILABLE;
  *after_failure = !runner_wait_turn(turn);
  if (e == DDC_ERR_OK && !*after_failure)
    e = db_batch_commit(c->batch_id, c->key_id, ch->first, ch->last, taken, ch->final);
  if (e == DDC_ERR_OK && !*after_failure && db_tx_commit() != 0) e = DDC_ERR_DB_UNAVAILABLE;
  if (e != DDC_ERR_OK || *after_failure) db_tx_rollback();
  if (*after_failure)
    log_msg(LOG_INFO, "batch %lld: lines %lld to %lld rolled back after the chunk before failed",
            (long long)c->batch_id, (long long)ch->first + 1, (long long)ch->last);
  runner_end_turn(e != DDC_ERR_OK || *after_failure);
  return e;
}

static void *runner_lane_main(void *arg)
{
  struct runner_lane *l = arg;
  pthread_mutex_lock(&run.mu);
  for (;;) {
    while (!l->ch && !run.quit)
      pthread_cond_wait(&run.cv, &run.mu);
    if (!l->ch) break;
    pthread_mutex_unlock(&run.mu);
    int after_failure = 0;
    enum ddc_err e = runner_commit(l->ctx, l->ch, l->turn, &after_failure);
    pthread_mutex_lock(&run.mu);
    l->e = e;
    l->after_failure = after_failure;
    l->ch = NULL;
    pthread_cond_broadcast(&run.cv);
  }
  pthread_mutex_unlock(&run.mu);
  return NULL;
}

/* How a pipeline stands: where the batch is committed up to, whether it is over, and the first
 * failure. */
struct runner_progress {
  int64_t next;
  int done;
  enum ddc_err e;
};

/* Waits until the lane is idle and takes the outcome of the chunk it committed, if any. */
static void runner_collect(struct runner_lane *l, struct runner_progress *pr)
{
  pthread_mutex_lock(&run.mu);
  while (l->ch)
    pthread_cond_wait(&run.cv, &run.mu);
  pthread_mutex_unlock(&run.mu);
  struct runner_chunk *ch = l->done_ch;
  if (!ch) return;
  l->done_ch = NULL;
  if (l->e == DDC_ERR_OK && !l->after_failure) {
    if (ch->last > pr->next) pr->next = ch->last;
    if (ch->final) pr->done = 1;
  } else if (l->e == DDC_ERR_BATCH_FINAL) {
    pr->done = 1;
  } else if (!l->after_failure && pr->e == DDC_ERR_OK) {
    pr->e = l->e;
  }
  runner_chunk_free(ch);
}

/* Hands a signed chunk to the lane (idle, collected) to commit in the given turn. */
static void runner_dispatch(struct runner_lane *l, const struct runner_ctx *c,
                            struct runner_chunk *ch, uint64_t turn)
{
  pthread_mutex_lock(&run.mu);
  l->ctx = c;
  l->turn = turn;
  l->done_ch = ch;
  l->ch = ch;
  pthread_cond_broadcast(&run.cv);
  pthread_mutex_unlock(&run.mu);
}

/* Runs the batch from line *next until it ends or a chunk fails: chunks are read and signed here
 * and committed by the lanes, two at a time. *next follows the commits; *done: the batch is over
 * (completed, or no longer running). check: mark rows already taken (after a conflict). */
static enum ddc_err runner_pipeline(const struct runner_ctx *c, int64_t *next, int check, int *done)
{
  struct runner_chunk chunks[RUNNER_LANES + 1];
  struct runner_progress pr = {.next = *next};
  pthread_mutex_lock(&run.mu);
  run.turn = 0;
  run.failed = 0;
  pthread_mutex_unlock(&run.mu);
  int64_t from = *next;
  for (uint64_t turn = 0; !bgthread_stopping(&run.bg); turn++) {
    struct runner_chunk *ch = &chunks[turn % (RUNNER_LANES + 1)];
    struct runner_lane *l = &run.lanes[turn % RUNNER_LANES];
    enum ddc_err e = runner_read(c, from, check, ch);
    enum ddc_err signed_ok = runner_join(ch);
    if (e == DDC_ERR_OK) e = signed_ok;
    if (e == DDC_ERR_OK && db_session() != c->session) e = DDC_ERR_DB_UNAVAILABLE; /* lock lost */
    runner_collect(l, &pr); /* the chunk two turns back */
    if (e != DDC_ERR_OK || pr.e != DDC_ERR_OK || pr.done) {
      if (pr.e == DDC_ERR_OK && !pr.done) pr.e = e;
      runner_chunk_free(ch);
      break;
    }
    runner_dispatch(l, c, ch, turn);
    from = ch->last;
    if (ch->final) break;
  }
  for (int i = 0; i < RUNNER_LANES; i++)
    runner_collect(&run.lanes[i], &pr);
  *next = pr.next;
  *done = pr.done;
  return pr.done ? DDC_ERR_OK : pr.e;
}

/* Runs a batch whose lock this thread holds, until it ends, fails five times in a row (the
 * database failing does not count: the batch is let go) or ddcd stops. */
static void runner_batch(int64_t batch_id)
{
  struct runner_ctx c = {.batch_id = batch_id, .session = db_session()};
  char kind[16];
  int64_t next;
  if (db_batch_info(batch_id, &c.issuer, kind, &next) != DDC_ERR_OK) return;
  c.kind = kind;
  struct principal who = {c.issuer, 0, 0, ROLE_ISSUER};
  log_msg(LOG_INFO, "batch %lld: running from line %lld", (long long)batch_id, (long long)next);
  int done = 0, failures = 0, check = 0;
  while (!done && !bgthread_stopping(&run.bg) && failures < 5) {
    int64_t before = next;
    enum ddc_err e = mintprep_key(&who, &c.key_id, c.sk);
    /* a connection replaced since the lock was taken (the database restarted) no longer holds it */
    if (e == DDC_ERR_OK && db_session() != c.session) e = DDC_ERR_DB_UNAVAILABLE;
    if (e == DDC_ERR_OK) e = runner_pipeline(&c, &next, check, &done);
    if (next != before) failures = 0;
    if (e == DDC_ERR_OK) continue;
    if (e == DDC_ERR_DB_UNAVAILABLE) {
      /* not the batch's fault: it is let go, and taken up again once the database answers (by
       * this ddcd or another: the lock may have gone with a lost connection) */
      log_msg(LOG_WARN, "batch %lld: the database failed at line %lld; the batch waits for it",
              (long long)batch_id, (long long)next);
      break;
    }
    failures++;
    if (e == DDC_ERR_SIGNING_KEY_RETIRED) { /* sign again with the new key */
      mintprep_forget_key(c.issuer);
    } else if (e == DDC_ERR_EXTERNAL_REF_TAKEN) { /* read again, marking taken rows */
      check = 1;
    } else {
      log_msg(LOG_WARN, "batch %lld: a chunk failed (%s); retrying", (long long)batch_id,
              errors_info(e)->code);
      sleep(1);
    }
    /* resume where the database says: a COMMIT whose answer was lost may have gone through */
    int64_t at;
    db_reset();
    if (db_batch_info(batch_id, &c.issuer, kind, &at) == DDC_ERR_OK) next = at;
  }
  sodium_memzero(c.sk, sizeof c.sk);
  if (failures >= 5) {
    log_msg(LOG_ERROR, "batch %lld: failed after line %lld", (long long)batch_id, (long long)next);
    db_batch_fail(batch_id, "the batch could not be written; see the service log");
  } else if (done) {
    log_msg(LOG_INFO, "batch %lld: finished", (long long)batch_id);
    sequencer_poke(); /* its last rows anchored now, not at the next interval */
  }
}

/* Fails the uploads that broke off, at most once every RUNNER_REAP_S seconds. */
static void runner_reap(void)
{
  static struct timespec last;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (last.tv_sec && now.tv_sec - last.tv_sec < RUNNER_REAP_S) return;
  last = now;
  int n = db_batch_reap();
  if (n > 0) log_msg(LOG_WARN, "batches: %d upload(s) that broke off marked failed", n);
}

static void *runner_main(void *arg)
{
  (void)arg;
  while (!bgthread_wait(&run.bg, 250)) {
    int64_t ids[32];
    int n = 0;
    db_reset();
    runner_reap();
    if (db_batch_running(ids, &n) != DDC_ERR_OK) continue;
    for (int i = 0; i < n && !bgthread_stopping(&run.bg); i++) {
      int taken = 0;
      if (db_batch_lock(ids[i], &taken) != DDC_ERR_OK || !taken) continue;
      uint64_t session = db_session();
      runner_batch(ids[i]);
      db_reset();
      if (db_session() == session) db_batch_unlock(ids[i]); /* else it went with its connection */
    }
  }
  return NULL;
}

int runner_start(void)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  run.signers = cpus < 1 ? 1 : cpus > RUNNER_SIGNERS_MAX ? RUNNER_SIGNERS_MAX : (int)cpus;
  run.quit = 0;
  for (int i = 0; i < RUNNER_LANES; i++) {
    struct runner_lane *l = &run.lanes[i];
    l->started = pthread_create(&l->th, NULL, runner_lane_main, l) == 0;
    if (!l->started) return -1;
  }
  return bgthread_start(&run.bg, runner_main, NULL);
}

void runner_poke(void)
{
  bgthread_poke(&run.bg);
}

void runner_stop(void)
{
  bgthread_stop(&run.bg); /* the runner waits for its lanes' chunks before it returns */
  pthread_mutex_lock(&run.mu);
  run.quit = 1;
  pthread_cond_broadcast(&run.cv);
  pthread_mutex_unlock(&run.mu);
  for (int i = 0; i < RUNNER_LANES; i++)
    if (run.lanes[i].started) pthread_join(run.lanes[i].th, NULL);
  memset(run.lanes, 0, sizeof run.lanes);
}
