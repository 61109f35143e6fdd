/* respcache.h: a short-lived cache of public GET answers (the verification of a certificate by
 * its code, and its settled proof bundle), kept per process. An entry lives DDC_VERIFY_CACHE_MS
 * (default 1000; 0 turns the cache off) and dies at once when this process commits any write (every
 * 2xx answer to an authenticated method other than GET/HEAD), so a client never reads a verdict
 * older than its own last write here; a certificate event (other than its mint), a key retirement
 * or a confirmed chain anchor through another ddcd process drops every entry when its notification
 * arrives (http/authsync.c). A settled bundle, which only such an event can change, may live up to
 * DDC_SETTLED_CACHE_MS instead, while this process listens for those notifications (it drops every
 * entry when it starts or stops listening) and the cached bodies stay under RESPCACHE_BYTES_MAX. */
#ifndef DDC_RESPCACHE_H
#define DDC_RESPCACHE_H
#include <stddef.h>
#include <stdint.h>

#define RESPCACHE_SLOTS 16384 /* verdicts and bundles of a hot set, in sets of RESPCACHE_WAYS */
/* a key may sit in any slot of its set: the few keys of a hot set that hash alike do not keep
 * evicting each other */
#define RESPCACHE_WAYS 4
#define RESPCACHE_KEY_MAX 64
#define RESPCACHE_BYTES_MAX (64u << 20) /* bodies past this are kept for ttl_ms only */

/* ttl_ms: every entry's life (0: no cache); settled_ms: a settled entry's upper bound (0: ttl_ms).
 */
void respcache_init(unsigned ttl_ms, unsigned settled_ms);
/* On a hit, 1 with the cached body for key in *body and *len, not copied: shared, and kept alive
 * by the reference in *ref until respcache_release(ref) (reply_shared's release), however soon
 * the entry is replaced or forgotten; 0 on a miss. */
int respcache_get(const char *key, const char **body, size_t *len, void **ref);
/* Drops a reference respcache_get gave. */
void respcache_release(void *ref);
/* The generation now: take it before computing an answer, and cache it with that generation, so
 * that a write committed meanwhile voids it. */
uint64_t respcache_generation(void);
/* Caches a copy of body[0..len) for key (a key longer than RESPCACHE_KEY_MAX is not cached). */
void respcache_put(const char *key, uint64_t gen, const char *body, size_t len);
/* respcache_put for an answer only a dropping event can change: kept up to settled_ms while
 * listening and under the byte bound, else as respcache_put. */
void respcache_put_settled(const char *key, uint64_t gen, const char *body, size_t len);
/* Whether this process now hears every dropping event (http/authsync.c, its listener thread);
 * forgets every entry, since events may have been missed. */
void respcache_listening(int on);
/* Forgets every entry (a write was committed). */
void respcache_invalidate(void);

#endif
