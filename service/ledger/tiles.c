/* tiles.c: appending to the tile edge and reading subtree hashes from tiles (see tiles.h). The
 * hash of a complete subtree at level 8L + k (k < 8) is the root of 2^k consecutive hashes of one
 * level-L tile, all inside one tile because 2^k divides 256. */
#include <string.h>
#include "db/ledger.h"
#include "ledger/tilecache.h"
#include "ledger/tiles.h"

enum ddc_err tiles_load(struct tiles_edge *e, uint64_t size)
{
  memset(e, 0, sizeof *e);
  e->size = size;
  for (int level = 0; level < TILES_LEVELS; level++) {
    uint64_t count = level * 8 < 64 ? size >> (8 * level) : 0; /* hashes at tree level 8L */
    struct tiles_tile *t = &e->t[level];
    t->idx = count / TILES_WIDTH;
    int want = (int)(count % TILES_WIDTH), got = 0;
    if (!want) continue;
    enum ddc_err err = db_tile_get(level, t->idx, t->h, &got);
    if (err != DDC_ERR_OK) return err;
    if (got < want) return DDC_ERR_INTERNAL; /* a tile never shrinks below its log */
    t->width = want;
  }
  return DDC_ERR_OK;
}

/* Adds one hash at tree level 8*level; a tile that fills up is stored and carried upwards. */
static enum ddc_err tiles_push(struct tiles_edge *e, int level, const uint8_t h[MERKLE_HASH_SIZE])
{
  struct tiles_tile *t = &e->t[level];
  memcpy(t->h[t->width++], h, MERKLE_HASH_SIZE);
  t->dirty = 1;
  if (t->width < TILES_WIDTH) return DDC_ERR_OK;
  enum ddc_err err =
      db_tile_put(level, t->idx, (const uint8_t(*)[MERKLE_HASH_SIZE])t->h, TILES_WIDTH);
  if (err != DDC_ERR_OK) return err;
  uint8_t up[MERKLE_HASH_SIZE];
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])t->h, TILES_WIDTH, up);
  t->idx++;
  t->width = 0;
  t->dirty = 0;
  return level + 1 < TILES_LEVELS ? tiles_push(e, level + 1, up) : DDC_ERR_INTERNAL;
}

enum ddc_err tiles_append(struct tiles_edge *e, const uint8_t (*leaves)[MERKLE_HASH_SIZE], int n)
{
  for (int i = 0; i < n; i++) {
    enum ddc_err err = tiles_push(e, 0, leaves[i]);
    if (err != DDC_ERR_OK) return err;
    e->size++;
  }
  return DDC_ERR_OK;
}

enum ddc_err tiles_store(struct tiles_edge *e)
{
  for (int level = 0; level < TILES_LEVELS; level++) {
    struct tiles_tile *t = &e->t[level];
    if (!t->dirty || !t->width) continue;
    enum ddc_err err =
        db_tile_put(level, t->idx, (const uint8_t(*)[MERKLE_HASH_SIZE])t->h, t->width);
    if (err != DDC_ERR_OK) return err;
    t->dirty = 0;
  }
  return DDC_ERR_OK;
}

/* The subtree hash from tile t (hashes at tree level 8L): 2^k of them from position start. */
static int tiles_subtree_in(const struct tiles_tile *t, int k, uint64_t start,
                            uint8_t out[MERKLE_HASH_SIZE])
{
  uint64_t pos = start - t->idx * TILES_WIDTH, n = (uint64_t)1 << k;
  if (start < t->idx * TILES_WIDTH || pos + n > (uint64_t)t->width) return -1;
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])t->h[pos], n, out);
  return 0;
}

static int tiles_edge_subtree(void *edge, unsigned level, uint64_t index,
                              uint8_t out[MERKLE_HASH_SIZE])
{
  struct tiles_edge *e = edge;
  int k = (int)(level % 8);
  return tiles_subtree_in(&e->t[level / 8], k, index << k, out);
}

int tiles_root(struct tiles_edge *e, uint8_t root[MERKLE_HASH_SIZE])
{
  return merkle_tree_root(tiles_edge_subtree, e, e->size, root);
}

int tiles_read_subtree(void *reader, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
  struct tiles_reader *r = reader;
  unsigned L = level / 8;
  int k = (int)(level % 8);
  uint64_t start = index << k, idx = start / TILES_WIDTH;
  struct tiles_tile *t = &r->t[L];
  if (L >= TILES_LEVELS) return -1;
  if (tilecache_subtree((int)L, idx, k, start % TILES_WIDTH, out)) return 0;
  if (r->loaded[L] && t->idx == idx && tiles_subtree_in(t, k, start, out) == 0) return 0;
  /* not cached, or cached shorter than this subtree needs: read it as stored now */
  t->idx = idx;
  r->err = db_tile_get((int)L, idx, t->h, &t->width);
  r->loaded[L] = r->err == DDC_ERR_OK;
  if (!r->loaded[L]) return -1;
  tilecache_put((int)L, t);
  if (tilecache_subtree((int)L, idx, k, start % TILES_WIDTH, out)) return 0;
  return tiles_subtree_in(t, k, start, out);
}
