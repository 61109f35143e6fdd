/* tilecache.c: the tile cache (see tilecache.h): direct-mapped slots, each behind its own lock,
 * allocated on first use. A slot holds the tile's inner tree level by level: its width hashes
 * (level 0), then the complete nodes of level 1 (pairs), ..., up to the tile's root (level 8). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ledger/tilecache.h"
#include "verify/merkle.h"

#define TILECACHE_NODES (2 * TILES_WIDTH - 1)
#define TILECACHE_DEPTH 8 /* 2^8 = TILES_WIDTH */

struct tilecache_slot {
  pthread_mutex_t mu;
  int used, level, width;
  uint64_t idx;
  uint8_t n[TILECACHE_NODES][MERKLE_HASH_SIZE];
};

static struct tilecache_slot *tilecache_slots;
static pthread_once_t tilecache_once = PTHREAD_ONCE_INIT;

/* Where the nodes of inner level k begin: 256 + 128 + ... before it. */
static size_t tilecache_off(int k)
{
  return 2 * TILES_WIDTH - (2 * TILES_WIDTH >> k);
}

static void tilecache_init(void)
{
  tilecache_slots = calloc(TILECACHE_SLOTS, sizeof *tilecache_slots);
  for (size_t i = 0; tilecache_slots && i < TILECACHE_SLOTS; i++)
    pthread_mutex_init(&tilecache_slots[i].mu, NULL);
}

static struct tilecache_slot *tilecache_slot(int level, uint64_t idx)
{
  pthread_once(&tilecache_once, tilecache_init);
  if (!tilecache_slots) return NULL;
  /* the level mixed in before the multiply: tile 0 of every level must not share one slot */
  uint64_t k = (idx * TILES_LEVELS + (uint64_t)level) * 0x9E3779B97F4A7C15ULL;
  return &tilecache_slots[(k >> 32) % TILECACHE_SLOTS];
}

int tilecache_subtree(int level, uint64_t idx, int k, uint64_t pos, uint8_t out[MERKLE_HASH_SIZE])
{
  struct tilecache_slot *s = k >= 0 && k <= TILECACHE_DEPTH ? tilecache_slot(level, idx) : NULL;
  if (!s) return 0;
  pthread_mutex_lock(&s->mu);
  int hit = s->used && s->level == level && s->idx == idx && pos % ((uint64_t)1 << k) == 0 &&
            pos + ((uint64_t)1 << k) <= (uint64_t)s->width;
  if (hit) memcpy(out, s->n[tilecache_off(k) + (pos >> k)], MERKLE_HASH_SIZE);
  pthread_mutex_unlock(&s->mu);
  return hit;
}

/* The complete nodes of levels 1..8 from the width hashes at level 0. */
static void tilecache_inner(uint8_t (*n)[MERKLE_HASH_SIZE], int width)
{
  for (int k = 1; k <= TILECACHE_DEPTH; k++) {
    uint8_t(*below)[MERKLE_HASH_SIZE] = n + tilecache_off(k - 1);
    uint8_t(*here)[MERKLE_HASH_SIZE] = n + tilecache_off(k);
    for (int j = 0; (j + 1) << k <= width; j++)
      merkle_node_hash(below[2 * j], below[2 * j + 1], here[j]);
  }
}

void tilecache_put(int level, const struct tiles_tile *t)
{
  struct tilecache_slot *s = t->width > 0 ? tilecache_slot(level, t->idx) : NULL;
  if (!s) return;
  pthread_mutex_lock(&s->mu);
  if (!s->used || s->level != level || s->idx != t->idx || s->width < t->width) {
    s->used = 1;
    s->level = level;
    s->idx = t->idx;
    s->width = t->width;
    memcpy(s->n, t->h, (size_t)t->width * MERKLE_HASH_SIZE);
    tilecache_inner(s->n, t->width);
  }
  pthread_mutex_unlock(&s->mu);
}
