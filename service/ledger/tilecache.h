/* tilecache.h: a process-wide cache of tiles. A stored tile only ever grows at its end (a trigger
 * keeps its hashes from changing), so a cached tile is a true prefix of the stored one forever:
 * a reader uses it when it holds the hashes a proof needs, and reads the tile again (and caches
 * the longer one) when it does not. */
#ifndef DDC_TILECACHE_H
#define DDC_TILECACHE_H
#include <stdint.h>
#include "ledger/tiles.h"

#define TILECACHE_SLOTS 2048 /* direct-mapped; 2048 x 8 KiB = 16 MiB at most */

/* Copies the cached tile (level, idx), full or not, into t and returns 1, else 0. */
int tilecache_get(int level, uint64_t idx, struct tiles_tile *t);
/* Remembers t (unless the slot holds a longer copy of the same tile). */
void tilecache_put(int level, const struct tiles_tile *t);

#endif
