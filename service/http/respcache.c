/* respcache.c: the public answer cache (see respcache.h): direct-mapped slots behind striped
 * locks; an entry holds its key, the generation it was made in, its expiry and the body. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "http/respcache.h"

#define RESPCACHE_LOCKS 64

struct respcache_slot {
  char key[RESPCACHE_KEY_MAX + 1];
  uint64_t gen, expires_ms;
  char *body;
  size_t len;
};

static struct respcache_slot respcache_slots[RESPCACHE_SLOTS];
static pthread_mutex_t respcache_locks[RESPCACHE_LOCKS];
static atomic_uint_fast64_t respcache_gen = 1;
static atomic_size_t respcache_bytes; /* of every slot's body */
static atomic_int respcache_heard;    /* listening for the dropping events */
static unsigned respcache_ttl_ms, respcache_settled_ms;

static uint64_t respcache_now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static size_t respcache_index(const char *key)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 1099511628211ULL;
  return (size_t)(h % RESPCACHE_SLOTS);
}

void respcache_init(unsigned ttl_ms, unsigned settled_ms)
{
  respcache_ttl_ms = ttl_ms;
  respcache_settled_ms = settled_ms > ttl_ms ? settled_ms : ttl_ms;
  for (size_t i = 0; i < RESPCACHE_LOCKS; i++)
    pthread_mutex_init(&respcache_locks[i], NULL);
}

int respcache_get(const char *key, char **body, size_t *len)
{
  size_t i = respcache_index(key);
  struct respcache_slot *s = &respcache_slots[i];
  int hit = 0;
  if (!respcache_ttl_ms) return 0;
  pthread_mutex_lock(&respcache_locks[i % RESPCACHE_LOCKS]);
  if (s->body && s->gen == atomic_load(&respcache_gen) && s->expires_ms > respcache_now_ms() &&
      !strcmp(s->key, key) && (*body = malloc(s->len))) {
    memcpy(*body, s->body, s->len);
    *len = s->len;
    hit = 1;
  }
  pthread_mutex_unlock(&respcache_locks[i % RESPCACHE_LOCKS]);
  return hit;
}

uint64_t respcache_generation(void)
{
  return atomic_load(&respcache_gen);
}

static void respcache_store(const char *key, uint64_t gen, const char *body, size_t len,
                            int settled)
{
  size_t i = respcache_index(key);
  struct respcache_slot *s = &respcache_slots[i];
  char *copy = respcache_ttl_ms && strlen(key) <= RESPCACHE_KEY_MAX ? malloc(len) : NULL;
  if (!copy) return;
  memcpy(copy, body, len);
  pthread_mutex_lock(&respcache_locks[i % RESPCACHE_LOCKS]);
  size_t bytes = atomic_fetch_add(&respcache_bytes, len) + len - (s->body ? s->len : 0);
  if (s->body) atomic_fetch_sub(&respcache_bytes, s->len);
  unsigned ttl = settled && atomic_load(&respcache_heard) && bytes <= RESPCACHE_BYTES_MAX
                     ? respcache_settled_ms
                     : respcache_ttl_ms;
  free(s->body);
  strcpy(s->key, key);
  s->body = copy;
  s->len = len;
  s->gen = gen;
  s->expires_ms = respcache_now_ms() + ttl;
  pthread_mutex_unlock(&respcache_locks[i % RESPCACHE_LOCKS]);
}

void respcache_put(const char *key, uint64_t gen, const char *body, size_t len)
{
  respcache_store(key, gen, body, len, 0);
}

void respcache_put_settled(const char *key, uint64_t gen, const char *body, size_t len)
{
  respcache_store(key, gen, body, len, 1);
}

void respcache_listening(int on)
{
  atomic_store(&respcache_heard, on);
  respcache_invalidate();
}

void respcache_invalidate(void)
{
  atomic_fetch_add(&respcache_gen, 1);
}
