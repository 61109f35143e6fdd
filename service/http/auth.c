/* auth.c: "Authorization: Bearer ddc_<prefix>_<secret>". The key's prefix finds the stored keyed
 * hash (cached: see auth.h for how long), the presented key is hashed and compared in constant
 * time. Rate limits are taken from the key's bucket in the database, shared by every ddcd; the
 * cache entry remembers only until when the bucket said no. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "crypto/apikey.h"
#include "db/accounts.h"
#include "http/auth.h"

#define AUTH_BUCKETS 4096
#define AUTH_MAX_ENTRIES 100000

struct auth_entry {
  struct auth_entry *next;
  char prefix[APIKEY_PREFIX_LEN + 1];
  struct auth_row row;
  uint64_t checked_ns;       /* when row was read from the database; 0: stale */
  uint64_t refused_until_ns; /* the shared bucket has no token for the key before then */
};

static struct auth_entry *auth_table[AUTH_BUCKETS];
static size_t auth_entries;
static uint64_t auth_gen; /* bumped by every forget: a row read before one is not kept fresh */
static uint64_t auth_ttl_ns = AUTH_CACHE_FALLBACK_TTL_NS;
static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t auth_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static unsigned auth_bucket(const char *prefix)
{
  uint32_t h = 2166136261u;
  for (; *prefix; prefix++)
    h = (h ^ (uint8_t)*prefix) * 16777619u;
  return h % AUTH_BUCKETS;
}

static struct auth_entry **auth_find(const char *prefix)
{
  struct auth_entry **e = &auth_table[auth_bucket(prefix)];
  while (*e && strcmp((*e)->prefix, prefix) != 0)
    e = &(*e)->next;
  return e;
}

static void auth_clear(void)
{
  for (int b = 0; b < AUTH_BUCKETS; b++)
    while (auth_table[b]) {
      struct auth_entry *e = auth_table[b];
      auth_table[b] = e->next;
      free(e);
    }
  auth_entries = 0;
}

void auth_shutdown(void)
{
  pthread_mutex_lock(&auth_lock);
  auth_clear();
  pthread_mutex_unlock(&auth_lock);
}

/* The key's row from the cache or, when missing or stale, from the database. */
static enum ddc_err auth_row_get(const char *prefix, struct auth_row *row)
{
  uint64_t now = auth_now_ns();
  pthread_mutex_lock(&auth_lock);
  struct auth_entry *e = *auth_find(prefix);
  int fresh = e && e->checked_ns && now - e->checked_ns < auth_ttl_ns;
  if (fresh) *row = e->row;
  uint64_t gen = auth_gen;
  pthread_mutex_unlock(&auth_lock);
  if (fresh) return DDC_ERR_OK;

  enum ddc_err err = db_auth_lookup(prefix, row);
  if (err == DDC_ERR_DB_UNAVAILABLE) return err;
  pthread_mutex_lock(&auth_lock);
  struct auth_entry **slot = auth_find(prefix);
  if (err != DDC_ERR_OK && *slot) { /* revoked elsewhere */
    struct auth_entry *gone = *slot;
    *slot = gone->next;
    free(gone);
    auth_entries--;
  } else if (err == DDC_ERR_OK) {
    if (!*slot && auth_entries >= AUTH_MAX_ENTRIES) {
      auth_clear();
      slot = auth_find(prefix);
    }
    if (!*slot && (*slot = calloc(1, sizeof **slot))) {
      strcpy((*slot)->prefix, prefix);
      auth_entries++;
    }
    if (*slot) {
      (*slot)->row = *row;
      /* a change told meanwhile may be newer than what was read: use it once, keep it stale */
      (*slot)->checked_ns = gen == auth_gen ? now : 0;
    }
  }
  pthread_mutex_unlock(&auth_lock);
  return err == DDC_ERR_OK ? DDC_ERR_OK : DDC_ERR_UNAUTHORIZED;
}

/* The key's shared bucket (one round trip), unless it said no for a while that has not ended. */
static enum ddc_err auth_rate_take(const char *prefix, const struct auth_row *row,
                                   unsigned *retry_after)
{
  if (!row->rate_per_sec && !row->rate_per_day) return DDC_ERR_OK;
  uint64_t now = auth_now_ns(), until = 0;
  pthread_mutex_lock(&auth_lock);
  struct auth_entry *e = *auth_find(prefix);
  if (e) until = e->refused_until_ns;
  pthread_mutex_unlock(&auth_lock);
  int64_t wait_ms = 0;
  if (until > now)
    wait_ms = (int64_t)((until - now + 999999) / 1000000);
  else {
    enum ddc_err err = db_rate_take(row->key_id, row->rate_per_sec, row->rate_per_day, &wait_ms);
    if (err != DDC_ERR_OK) return err;
    if (wait_ms <= 0) return DDC_ERR_OK;
    pthread_mutex_lock(&auth_lock);
    if ((e = *auth_find(prefix))) e->refused_until_ns = now + (uint64_t)wait_ms * 1000000ULL;
    pthread_mutex_unlock(&auth_lock);
  }
  *retry_after = (unsigned)((wait_ms + 999) / 1000);
  return DDC_ERR_RATE_LIMITED;
}

/* A live key's account must be active and its bucket have a token; then who is the key's. */
static enum ddc_err auth_admit(const char *prefix, const struct auth_row *row,
                               struct principal *who, unsigned *retry_after)
{
  if (strcmp(row->status, "active") != 0) return DDC_ERR_ACCOUNT_FROZEN;
  enum ddc_err e = auth_rate_take(prefix, row, retry_after);
  if (e != DDC_ERR_OK) return e;
  who->account_id = row->account_id;
  who->issuer_id = row->issuer_id;
  who->key_id = row->key_id;
  if (role_parse(row->role, &who->role) != 0) return DDC_ERR_INTERNAL;
  return DDC_ERR_OK;
}

enum ddc_err auth_check(const char *authorization, struct principal *who, unsigned *retry_after)
{
  char prefix[APIKEY_PREFIX_LEN + 1];
  if (!authorization || strncasecmp(authorization, "Bearer ", 7) != 0) return DDC_ERR_UNAUTHORIZED;
  const char *key = authorization + 7;
  while (*key == ' ')
    key++;
  if (apikey_parse(key, prefix) != 0) return DDC_ERR_UNAUTHORIZED;
  struct auth_row row;
  enum ddc_err e = auth_row_get(prefix, &row);
  if (e != DDC_ERR_OK) return e;
  uint8_t hash[APIKEY_HASH_BYTES];
  apikey_hash(key, hash);
  if (crypto_verify_32(hash, row.hash) != 0) return DDC_ERR_UNAUTHORIZED;
  return auth_admit(prefix, &row, who, retry_after);
}

enum ddc_err auth_check_key(const char *prefix, int64_t key_id, struct principal *who,
                            unsigned *retry_after)
{
  struct auth_row row;
  enum ddc_err e = auth_row_get(prefix, &row);
  if (e != DDC_ERR_OK) return e;
  if (row.key_id != key_id) return DDC_ERR_UNAUTHORIZED;
  return auth_admit(prefix, &row, who, retry_after);
}

/* Marks entries stale: those of account_id or key_id, or with this prefix (NULL: none). */
static void auth_forget_where(int64_t account_id, int64_t key_id, const char *prefix)
{
  pthread_mutex_lock(&auth_lock);
  auth_gen++;
  if (prefix) {
    struct auth_entry *e = *auth_find(prefix);
    if (e) e->checked_ns = 0;
  } else {
    for (int b = 0; b < AUTH_BUCKETS; b++)
      for (struct auth_entry *e = auth_table[b]; e; e = e->next)
        if (e->row.account_id == account_id || e->row.key_id == key_id) e->checked_ns = 0;
  }
  pthread_mutex_unlock(&auth_lock);
}

void auth_forget_account(int64_t account_id)
{
  auth_forget_where(account_id, -1, NULL);
}

void auth_forget_key(int64_t key_id)
{
  auth_forget_where(-1, key_id, NULL);
}

void auth_forget_prefix(const char *prefix)
{
  auth_forget_where(-1, -1, prefix);
}

void auth_notified(int live)
{
  pthread_mutex_lock(&auth_lock);
  auth_gen++;
  auth_ttl_ns = live ? AUTH_CACHE_TTL_NS : AUTH_CACHE_FALLBACK_TTL_NS;
  if (live) /* changes may have gone untold while nobody listened: read every key again */
    for (int b = 0; b < AUTH_BUCKETS; b++)
      for (struct auth_entry *e = auth_table[b]; e; e = e->next)
        e->checked_ns = 0;
  pthread_mutex_unlock(&auth_lock);
}
