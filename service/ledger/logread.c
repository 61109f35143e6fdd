/* logread.c: the public log's reads for the API: checkpoints chosen by the configured witnesses'
 * quorum, the witnesses' progress, tiles and entry bundles, from db/ledger.c and db/witness.c. */
#include <stdlib.h>
#include "db/ledger.h"
#include "db/reads.h"
#include "db/witness.h"
#include "ledger/logread.h"
#include "ledger/witness_client.h"

static enum ddc_err logread_checkpoint_read(void *arg)
{
  char **note = arg;
  const struct witness_set *ws = witness_client_set();
  struct db_checkpoint cp;
  *note = NULL;
  enum ddc_err e = db_checkpoint_for(-1, ws->vkeys, ws->n, (int)ws->quorum, &cp);
  if (e == DDC_ERR_NOT_FOUND) return errors_refuse(e, NULL, "the log has no checkpoint yet");
  if (e == DDC_ERR_OK) *note = cp.note;
  return e;
}

static enum ddc_err logread_witnesses_read(void *arg)
{
  json_t **out = arg;
  const struct witness_set *ws = witness_client_set();
  struct db_checkpoint cp = {0};
  uint64_t size = 0, at;
  uint8_t root[DB_HASH];
  *out = NULL;
  enum ddc_err e = db_log_head(&size, root, NULL);
  if (e == DDC_ERR_OK) e = db_checkpoint_for(-1, ws->vkeys, ws->n, (int)ws->quorum, &cp);
  if (e == DDC_ERR_NOT_FOUND) e = DDC_ERR_OK;
  json_t *list = json_array();
  for (size_t i = 0; e == DDC_ERR_OK && i < ws->n; i++)
    if ((e = db_witness_size(ws->vkeys[i], &at)) == DDC_ERR_OK)
      json_array_append_new(
          list, json_pack("{s:s, s:I}", "key", ws->vkeys[i], "cosigned_size", (json_int_t)at));
  free(cp.note);
  if (e != DDC_ERR_OK) {
    json_decref(list);
    return e;
  }
  *out = json_pack("{s:o, s:I, s:I, s:I, s:b}", "witnesses", list, "quorum", (json_int_t)ws->quorum,
                   "size", (json_int_t)size, "final_size", (json_int_t)(cp.final ? cp.size : 0),
                   "final", cp.final && cp.size == size);
  return *out ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

/* A tile or an entry bundle as a public read: which, and the answer. */
struct logread_piece {
  int level, width;
  uint64_t n;
  char **data;
  size_t *len;
};

static enum ddc_err logread_tile_read(void *arg)
{
  struct logread_piece *p = arg;
  int level = p->level, width = p->width;
  uint64_t n = p->n;
  char **data = p->data;
  size_t *len = p->len;
  uint8_t(*h)[DB_HASH] = malloc(DB_TILE_WIDTH * DB_HASH);
  int got = 0;
  enum ddc_err e = h ? db_tile_get(level, n, h, &got) : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK && got < width)
    e = errors_refuse(DDC_ERR_NOT_FOUND, NULL, "no such tile (yet)");
  if (e != DDC_ERR_OK) {
    free(h);
    h = NULL;
  }
  *data = (char *)h;
  *len = e == DDC_ERR_OK ? (size_t)width * DB_HASH : 0;
  return e;
}

static enum ddc_err logread_entries_read(void *arg)
{
  struct logread_piece *p = arg;
  int width = p->width, got = 0;
  uint64_t n = p->n;
  char **data = p->data;
  size_t *len = p->len;
  *data = NULL;
  *len = 0;
  enum ddc_err e = n <= UINT64_MAX / DB_TILE_WIDTH
                       ? db_log_entries(n * DB_TILE_WIDTH, width, data, len, &got)
                       : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK && got == width) return e;
  if (e == DDC_ERR_OK) {
    free(*data);
    *data = NULL;
    *len = 0;
  }
  if (e == DDC_ERR_OK || e == DDC_ERR_NOT_FOUND)
    e = errors_refuse(DDC_ERR_NOT_FOUND, NULL, "no such entry bundle (yet)");
  return e;
}

enum ddc_err logread_checkpoint(char **note)
{
  return db_public_read(logread_checkpoint_read, note);
}

enum ddc_err logread_witnesses(json_t **out)
{
  return db_public_read(logread_witnesses_read, out);
}

enum ddc_err logread_tile(int level, uint64_t n, int width, char **data, size_t *len)
{
  struct logread_piece p = {level, width, n, data, len};
  return db_public_read(logread_tile_read, &p);
}

enum ddc_err logread_entries(uint64_t n, int width, char **data, size_t *len)
{
  struct logread_piece p = {0, width, n, data, len};
  return db_public_read(logread_entries_read, &p);
}
