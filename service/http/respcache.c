/* respcache.c: the public answer cache (see respcache.h): direct-mapped slots behind striped
 * locks (a key's set of RESPCACHE_WAYS slots under one); an entry holds its key, the generation it
 * was made in, its expiry and the body. A body is reference counted (the slot holds one, each
 * answer being sent one more), so that a hit takes a reference under the lock and nothing is
 * copied, and a replaced body is freed outside the lock by whoever drops its last reference. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "http/respcache.h"

#define RESPCACHE_LOCKS 64

struct respcache_body {
  atomic_uint refs;
  size_t len;
  char data[];
};

struct respcache_slot {
  char key[RESPCACHE_KEY_MAX + 1];
  uint64_t gen, expires_ms;
  struct respcache_body *body;
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
  return (size_t)(h % (RESPCACHE_SLOTS / RESPCACHE_WAYS));
}

/* Whether slot s holds a live entry (this generation, not expired) for key (NULL: any key). */
static int respcache_live(const struct respcache_slot *s, const char *key, uint64_t now)
{
  return s->body && s->gen == atomic_load(&respcache_gen) && s->expires_ms > now &&
         (!key || !strcmp(s->key, key));
}

void respcache_init(unsigned ttl_ms, unsigned settled_ms)
{
  respcache_ttl_ms = ttl_ms;
  respcache_settled_ms = settled_ms > ttl_ms ? settled_ms : ttl_ms;
  for (size_t i = 0; i < RESPCACHE_LOCKS; i++)
    pthread_mutex_init(&respcache_locks[i], NULL);
}

int respcache_get(const char *key, const char **body, size_t *len, void **ref)
{
  size_t i = respcache_index(key);
  struct respcache_slot *set = &respcache_slots[i * RESPCACHE_WAYS];
  struct respcache_body *b = NULL;
  if (!respcache_ttl_ms) return 0;
  uint64_t now = respcache_now_ms();
  pthread_mutex_lock(&respcache_locks[i % RESPCACHE_LOCKS]);
  for (int w = 0; w < RESPCACHE_WAYS && !b; w++)
    if (respcache_live(&set[w], key, now)) b = set[w].body, atomic_fetch_add(&b->refs, 1);
  pthread_mutex_unlock(&respcache_locks[i % RESPCACHE_LOCKS]);
  if (!b) return 0;
  *body = b->data;
  *len = b->len;
  *ref = b;
  return 1;
}

void respcache_release(void *ref)
{
  struct respcache_body *b = ref;
  if (b && atomic_fetch_sub(&b->refs, 1) == 1) free(b);
}

uint64_t respcache_generation(void)
{
  return atomic_load(&respcache_gen);
}

static void respcache_store(const char *key, uint64_t gen, const char *body, size_t len,
                            int settled)
{
  size_t i = respcache_index(key);
  struct respcache_slot *set = &respcache_slots[i * RESPCACHE_WAYS], *s = set;
  struct respcache_body *b =
      respcache_ttl_ms && strlen(key) <= RESPCACHE_KEY_MAX ? malloc(sizeof *b + len) : NULL;
  if (!b) return;
  atomic_init(&b->refs, 1); /* the slot's */
  b->len = len;
  memcpy(b->data, body, len);
  uint64_t now = respcache_now_ms();
  pthread_mutex_lock(&respcache_locks[i % RESPCACHE_LOCKS]);
  /* the key's own slot, else a free or dead one, else the one that would expire first */
  for (int w = 1; w < RESPCACHE_WAYS && (!s->body || strcmp(s->key, key)); w++) {
    struct respcache_slot *c = &set[w];
    if ((c->body && !strcmp(c->key, key)) ||
        (respcache_live(s, NULL, now) &&
         (!respcache_live(c, NULL, now) || c->expires_ms < s->expires_ms)))
      s = c;
  }
  struct respcache_body *old = s->body;
  size_t bytes = atomic_fetch_add(&respcache_bytes, len) + len - (old ? old->len : 0);
  if (old) atomic_fetch_sub(&respcache_bytes, old->len);
  unsigned ttl = settled && atomic_load(&respcache_heard) && bytes <= RESPCACHE_BYTES_MAX
                     ? respcache_settled_ms
                     : respcache_ttl_ms;
  strcpy(s->key, key);
  s->body = b;
  s->gen = gen;
  s->expires_ms = now + ttl;
  pthread_mutex_unlock(&respcache_locks[i % RESPCACHE_LOCKS]);
  respcache_release(old);
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
