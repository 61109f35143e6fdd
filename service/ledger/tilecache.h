/* tilecache.h: a process-wide cache of tiles with the hashes of their inner subtrees. A stored
 * tile only ever grows at its end (a trigger keeps its hashes from changing), so a cached tile is
 * a true prefix of the stored one forever: a reader takes a subtree's hash from it when the tile
 * holds that whole subtree, and reads the tile again (and caches the longer one) when it does
 * not. Each cached tile keeps every complete inner node (levels 0..8 of its own tree), made once
 * when it is cached, so that a proof takes each hash it needs by lookup rather than hashing up to
 * 255 hashes per tile again. Any thread. */
#ifndef DDC_TILECACHE_H
#define DDC_TILECACHE_H
#include <stdint.h>
#include "ledger/tiles.h"

#define TILECACHE_SLOTS 2048 /* direct-mapped; 2048 x 16 KiB = 32 MiB at most */

/* The hash of the complete subtree of 2^k hashes from position pos (a multiple of 2^k) of the
 * cached tile (level, idx) into out, and 1; 0 when that tile is not cached or too short. */
int tilecache_subtree(int level, uint64_t idx, int k, uint64_t pos, uint8_t out[MERKLE_HASH_SIZE]);
/* Remembers t with its inner nodes (unless the slot holds a longer copy of the same tile). */
void tilecache_put(int level, const struct tiles_tile *t);

#endif
