/* verdictbuild.c: the verdict builder (see verdictbuild.h). Each step, in one transaction, takes
 * the leaves [built_size, S) of the newest final checkpoint of S leaves (up to VERDICTBUILD_STEP
 * of them), reads every certificate with an event among them in one query, builds its bundle
 * against that checkpoint (proofs from the tile cache) and judges it as verdict_public would:
 * the checkpoint's signatures are checked once (bundle_memo), each document's signature and
 * inclusion proofs per certificate. What is final and not invalid is kept, VERDICTBUILD_CHUNK
 * verdicts in one statement (a round trip per verdict cost more than the verdict), and so is every
 * settled bundle (ledger/bundlekeep.h), in another; then built_size moves to the step's end. A
 * failed step is rolled back whole and tried again. */
#include <stdlib.h>
#include <string.h>
#include "bgthread.h"
#include "db/ledger.h"
#include "db/witness.h"
#include "ledger/bundle.h"
#include "ledger/bundlekeep.h"
#include "ledger/verdict.h"
#include "ledger/verdictbuild.h"
#include "ledger/witness_client.h"
#include "log.h"

static struct {
  struct bgthread bg;
  unsigned interval_ms;
  uint64_t session; /* the connection that took the builder's lock this round */
  struct bundle_memo memo;
} vb = {.bg = BGTHREAD_INIT};

struct verdictbuild_step {
  const char *trust;
  const struct db_checkpoint *cp;
  struct db_rows kept;    /* the verdicts to keep, stored a chunk at a time */
  struct db_rows bundles; /* the settled bundles to keep, likewise */
  size_t seen, made;
  enum ddc_err e; /* the first store that failed fails the step */
};

/* Stores the verdicts and bundles gathered so far, in one statement each, and forgets them. */
static void verdictbuild_store(struct verdictbuild_step *s)
{
  s->made += s->kept.n;
  if (s->e == DDC_ERR_OK) s->e = db_verdicts_put(&s->kept);
  if (s->e == DDC_ERR_OK) s->e = db_bundles_keep(&s->bundles);
  db_rows_clear(&s->kept);
  db_rows_clear(&s->bundles);
}

static void verdictbuild_one(const char *code, const struct db_public_cert *p, void *arg)
{
  struct verdictbuild_step *s = arg;
  json_t *b;
  char *text = NULL;
  size_t len;
  int settled = 0, judged;
  s->seen++;
  if (s->e != DDC_ERR_OK || bundle_from(p, s->cp, &b, &settled) != DDC_ERR_OK) return;
  if (settled) bundlekeep_add(&s->bundles, code, s->trust, b, NULL);
  verdict_from_bundle(code, s->trust, b, &vb.memo, &s->kept, &text, &len, &judged);
  free(text);
  json_decref(b);
  if (s->bundles.n >= VERDICTBUILD_CHUNK || s->kept.n >= VERDICTBUILD_CHUNK) verdictbuild_store(s);
}

/* One step; *more: leaves of the final checkpoint remain after it. */
static enum ddc_err verdictbuild_step(const char *trust, int *more)
{
  const struct witness_set *ws = witness_client_set();
  struct db_checkpoint cp = {0};
  uint64_t from = 0;
  *more = 0;
  if (db_tx_begin() != 0) return DDC_ERR_DB_UNAVAILABLE;
  if (db_session() != vb.session) { /* a new connection: the lock went with the old one */
    db_tx_rollback();
    return DDC_ERR_DB_UNAVAILABLE;
  }
  enum ddc_err e = db_verdict_cursor(&from);
  if (e == DDC_ERR_OK) e = db_checkpoint_for(-1, ws->vkeys, ws->n, (int)ws->quorum, &cp);
  if (e == DDC_ERR_NOT_FOUND || (e == DDC_ERR_OK && (!cp.final || cp.size <= from))) {
    db_tx_rollback();
    free(cp.note);
    return DDC_ERR_OK;
  }
  uint64_t to = cp.size - from > VERDICTBUILD_STEP ? from + VERDICTBUILD_STEP : cp.size;
  struct verdictbuild_step s = {.trust = trust, .cp = &cp};
  if (e == DDC_ERR_OK) e = db_verdict_todo(from, to, trust, verdictbuild_one, &s);
  verdictbuild_store(&s);
  if (e == DDC_ERR_OK) e = s.e;
  if (e == DDC_ERR_OK) e = db_verdict_cursor_set(to);
  if (e == DDC_ERR_OK && db_tx_commit() != 0) e = DDC_ERR_DB_UNAVAILABLE;
  if (e != DDC_ERR_OK)
    db_tx_rollback();
  else {
    *more = to < cp.size;
    log_msg(LOG_DEBUG, "verdicts: leaves [%llu, %llu): %zu certificates, %zu verdicts kept",
            (unsigned long long)from, (unsigned long long)to, s.seen, s.made);
  }
  free(cp.note);
  return e;
}

static void *verdictbuild_main(void *arg)
{
  (void)arg;
  char trust[33];
  while (!bgthread_wait(&vb.bg, vb.interval_ms)) {
    int taken = 0, more = 1;
    db_reset();
    if (verdict_trust(trust) != DDC_ERR_OK || db_verdict_lock(&taken) != DDC_ERR_OK || !taken)
      continue;
    vb.session = db_session();
    /* go on while the checkpoint has leaves left, looking at the stop flag between steps */
    while (more && !bgthread_stopping(&vb.bg))
      if (verdictbuild_step(trust, &more) != DDC_ERR_OK) {
        log_msg(LOG_WARN, "verdicts: a step failed; retrying");
        break;
      }
  }
  bundle_memo_free(&vb.memo);
  return NULL;
}

int verdictbuild_start(const struct config *c)
{
  vb.interval_ms = c->anchor_interval_ms;
  return bgthread_start(&vb.bg, verdictbuild_main, NULL);
}

void verdictbuild_poke(void)
{
  bgthread_poke(&vb.bg);
}

void verdictbuild_stop(void)
{
  bgthread_stop(&vb.bg);
}
