/* respcache.h: a short-lived cache of public GET answers (the verification of a certificate by
 * its code), kept per process. An entry lives DDC_VERIFY_CACHE_MS (default 1000; 0 turns the
 * cache off) and dies at once when this process commits any write (every 2xx answer to an
 * authenticated method other than GET/HEAD), so a client never reads a verdict older than its own
 * last write here; a certificate event (other than its mint), a key retirement or a confirmed
 * chain anchor through another ddcd process drops every entry when its notification arrives
 * (http/authsync.c). */
#ifndef DDC_RESPCACHE_H
#define DDC_RESPCACHE_H
#include <stddef.h>
#include <stdint.h>

#define RESPCACHE_SLOTS 4096 /* direct-mapped by key */
#define RESPCACHE_KEY_MAX 64

void respcache_init(unsigned ttl_ms);
/* A malloc'ed copy of the cached body for key in *body (and its length), or 0 on a miss. */
int respcache_get(const char *key, char **body, size_t *len);
/* The generation now: take it before computing an answer, and cache it with that generation, so
 * that a write committed meanwhile voids it. */
uint64_t respcache_generation(void);
/* Caches a copy of body[0..len) for key (a key longer than RESPCACHE_KEY_MAX is not cached). */
void respcache_put(const char *key, uint64_t gen, const char *body, size_t len);
/* Forgets every entry (a write was committed). */
void respcache_invalidate(void);

#endif
