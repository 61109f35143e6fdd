/* tiles.h: the right edge of the log as C2SP tlog-tiles (tile (L, N) holds up to 256 hashes of
 * the complete subtrees of 2^(8L) leaves numbered N*256 on), and appending leaves to it: the
 * sequencer loads the edge, appends a batch, computes the new root and stores the tiles that
 * changed. Proofs read tiles through a tiles_reader, O(log n) tiles per proof. */
#ifndef DDC_TILES_H
#define DDC_TILES_H
#include <stdint.h>
#include "errors.h"
#include "verify/merkle.h"

#define TILES_WIDTH 256
#define TILES_LEVELS 8 /* 256^8 = 2^64 leaves */

struct tiles_tile {
  uint64_t idx;
  int width;
  int dirty;
  uint8_t h[TILES_WIDTH][MERKLE_HASH_SIZE];
};

struct tiles_edge {
  uint64_t size;
  struct tiles_tile t[TILES_LEVELS];
};

/* Loads the edge of the log of size leaves from the stored tiles. */
enum ddc_err tiles_load(struct tiles_edge *e, uint64_t size);
/* Appends n leaf hashes; tiles that fill up are stored at once (inside the caller's
 * transaction), the rest when tiles_store runs. */
enum ddc_err tiles_append(struct tiles_edge *e, const uint8_t (*leaves)[MERKLE_HASH_SIZE], int n);
/* Stores the edge's partial tiles that changed. */
enum ddc_err tiles_store(struct tiles_edge *e);
/* The root of the tree the edge describes. */
int tiles_root(struct tiles_edge *e, uint8_t root[MERKLE_HASH_SIZE]);

/* A merkle_subtree_fn over the stored tiles, caching the last tile read per level. */
struct tiles_reader {
  struct tiles_tile t[TILES_LEVELS];
  int loaded[TILES_LEVELS];
  enum ddc_err err;
};
int tiles_read_subtree(void *reader, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE]);

#endif
