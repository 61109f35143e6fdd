/* sequencer.c: every anchor interval, if it holds the sequencer lock, the thread integrates
 * pending events in batches: in one transaction it takes up to SEQUENCER_BATCH_MAX of them in
 * event order as the next leaves, appends their hashes to the tiles, computes the new root and
 * stores a checkpoint signed as a C2SP note. A crash rolls the batch back whole. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bgthread.h"
#include "db/ledger.h"
#include "ledger/sequencer.h"
#include "ledger/tiles.h"
#include "ledger/verdictbuild.h"
#include "log.h"

static struct {
  struct bgthread bg;
  unsigned interval_ms;
  char origin[256];
  struct note_signer signer;
  uint8_t (*hashes)[MERKLE_HASH_SIZE];
  struct tiles_edge *edge;
  uint64_t session; /* the connection that took the sequencer lock this round (db_session) */
} seq = {.bg = BGTHREAD_INIT};

/* Signs the checkpoint of the edge's tree and stores it. */
static enum ddc_err sequencer_checkpoint(const uint8_t root[MERKLE_HASH_SIZE])
{
  char body[512];
  size_t len;
  int n = note_checkpoint_format(seq.origin, seq.edge->size, root, body, sizeof body);
  char *note = n > 0 ? note_sign(body, (size_t)n, &seq.signer, 1, &len) : NULL;
  if (!note) return DDC_ERR_INTERNAL;
  enum ddc_err e = db_checkpoint_put(seq.edge->size, root, note);
  free(note);
  return e;
}

/* One batch in one transaction; *n leaves integrated. */
static enum ddc_err sequencer_batch(int *n)
{
  uint64_t size;
  uint8_t root[MERKLE_HASH_SIZE];
  *n = 0;
  if (db_tx_begin() != 0) return DDC_ERR_DB_UNAVAILABLE;
  if (db_session() != seq.session) { /* a new connection: the lock went with the old one */
    db_tx_rollback();
    return DDC_ERR_DB_UNAVAILABLE;
  }
  enum ddc_err e = db_log_head(&size, root, NULL);
  if (e == DDC_ERR_OK) e = db_log_take(size, SEQUENCER_BATCH_MAX, seq.hashes, n);
  if (e == DDC_ERR_OK && *n == 0) {
    db_tx_rollback();
    return DDC_ERR_OK;
  }
  if (e == DDC_ERR_OK) e = tiles_load(seq.edge, size);
  if (e == DDC_ERR_OK)
    e = tiles_append(seq.edge, (const uint8_t(*)[MERKLE_HASH_SIZE])seq.hashes, *n);
  if (e == DDC_ERR_OK) e = tiles_store(seq.edge);
  if (e == DDC_ERR_OK && tiles_root(seq.edge, root) != 0) e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) e = sequencer_checkpoint(root);
  if (e == DDC_ERR_OK && db_tx_commit() != 0) e = DDC_ERR_DB_UNAVAILABLE;
  if (e != DDC_ERR_OK) {
    db_tx_rollback();
    *n = 0;
  } else
    verdictbuild_poke(); /* the new checkpoint's certificates get their verdicts */
  return e;
}

static void *sequencer_main(void *arg)
{
  (void)arg;
  int leading = 0;
  while (!bgthread_wait(&seq.bg, seq.interval_ms)) {
    int taken = 0, n = SEQUENCER_BATCH_MAX;
    db_reset();
    if (db_sequencer_lock(&taken) != DDC_ERR_OK || !taken) {
      leading = 0;
      continue;
    }
    seq.session = db_session();
    if (!leading) log_msg(LOG_INFO, "log: this ddcd sequences %s", seq.origin);
    leading = 1;
    /* a full batch means more may wait: go on, but look at the stop flag between batches */
    for (int i = 0; n == SEQUENCER_BATCH_MAX && i < 100 && !bgthread_stopping(&seq.bg); i++)
      if (sequencer_batch(&n) != DDC_ERR_OK) log_msg(LOG_WARN, "log: a batch failed; retrying");
  }
  return NULL;
}

int sequencer_start(const struct config *c, const struct note_signer *signer)
{
  seq.interval_ms = c->anchor_interval_ms;
  snprintf(seq.origin, sizeof seq.origin, "%s", c->log_origin);
  seq.signer = *signer;
  seq.hashes = malloc(sizeof *seq.hashes * SEQUENCER_BATCH_MAX);
  seq.edge = malloc(sizeof *seq.edge);
  if (!seq.hashes || !seq.edge || bgthread_start(&seq.bg, sequencer_main, NULL) != 0) {
    sequencer_stop();
    return -1;
  }
  return 0;
}

void sequencer_poke(void)
{
  bgthread_poke(&seq.bg);
}

void sequencer_stop(void)
{
  bgthread_stop(&seq.bg);
  free(seq.hashes);
  free(seq.edge);
  seq.hashes = NULL;
  seq.edge = NULL;
  note_signer_wipe(&seq.signer);
}
