/* tilecache.h: a process-wide cache of full tiles (256 hashes). A full tile never changes (the
 * log only grows, and a trigger keeps stored tiles from shrinking or changing), so a cached one is
 * never stale; proofs then read only the partial tiles of the right edge from the database. */
#ifndef DDC_TILECACHE_H
#define DDC_TILECACHE_H
#include <stdint.h>
#include "ledger/tiles.h"

#define TILECACHE_SLOTS 2048 /* direct-mapped; 2048 x 8 KiB = 16 MiB at most */

/* Copies the full tile (level, idx) into t and returns 1 if cached, else 0. */
int tilecache_get(int level, uint64_t idx, struct tiles_tile *t);
/* Remembers t if it is full. */
void tilecache_put(int level, const struct tiles_tile *t);

#endif
