/* tilecache.c: the tile cache (see tilecache.h): direct-mapped slots, each behind its own
 * lock, allocated on first use. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "ledger/tilecache.h"

struct tilecache_slot {
  pthread_mutex_t mu;
  int used, level, width;
  uint64_t idx;
  uint8_t h[TILES_WIDTH][MERKLE_HASH_SIZE];
};

static struct tilecache_slot *tilecache_slots;
static pthread_once_t tilecache_once = PTHREAD_ONCE_INIT;

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
  uint64_t k = (idx * 0x9E3779B97F4A7C15ULL) ^ (uint64_t)level;
  return &tilecache_slots[(k >> 32) % TILECACHE_SLOTS];
}

int tilecache_get(int level, uint64_t idx, struct tiles_tile *t)
{
  struct tilecache_slot *s = tilecache_slot(level, idx);
  if (!s) return 0;
  pthread_mutex_lock(&s->mu);
  int hit = s->used && s->level == level && s->idx == idx;
  if (hit) {
    t->idx = idx;
    t->width = s->width;
    t->dirty = 0;
    memcpy(t->h, s->h, (size_t)s->width * MERKLE_HASH_SIZE);
  }
  pthread_mutex_unlock(&s->mu);
  return hit;
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
    memcpy(s->h, t->h, (size_t)t->width * MERKLE_HASH_SIZE);
  }
  pthread_mutex_unlock(&s->mu);
}
