/* addrlimit.c: a direct-mapped table of token buckets keyed by client address (see
 * addrlimit.h). Two addresses that share a slot reset each other's bucket, which errs on the
 * side of letting requests through; one address cannot exceed its rate. */
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "http/addrkey.h"
#include "http/addrlimit.h"
#include "http/ratelimit.h"
#include "http/reply.h"

#define ADDRLIMIT_SLOTS 4096
#define ADDRLIMIT_LOCKS 64 /* striped: slot i is behind lock i % ADDRLIMIT_LOCKS */

struct addrlimit_slot {
  uint8_t addr[ADDRKEY_LEN];
  struct ratelimit rl;
};

static struct addrlimit_slot addrlimit_slots[ADDRLIMIT_SLOTS];
static pthread_mutex_t addrlimit_mu[ADDRLIMIT_LOCKS];
static unsigned addrlimit_rate;

void addrlimit_init(unsigned per_sec)
{
  addrlimit_rate = per_sec;
  for (size_t i = 0; i < ADDRLIMIT_LOCKS; i++)
    pthread_mutex_init(&addrlimit_mu[i], NULL);
}

/* The client's address key: IPv4, or the /64 prefix of IPv6 (http/addrkey.h). */
static void addrlimit_key(struct req *r, uint8_t key[ADDRKEY_LEN])
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  addrkey_of(ci ? ci->client_addr : NULL, key);
}

int addrlimit_take(struct req *r)
{
  if (!addrlimit_rate) return 0;
  uint8_t key[ADDRKEY_LEN];
  addrlimit_key(r, key);
  uint32_t h = addrkey_hash(key);
  struct timespec mono;
  clock_gettime(CLOCK_MONOTONIC, &mono);
  uint64_t now_ns = (uint64_t)mono.tv_sec * 1000000000ULL + (uint64_t)mono.tv_nsec;
  unsigned retry = 0;
  pthread_mutex_t *mu = &addrlimit_mu[h % ADDRLIMIT_SLOTS % ADDRLIMIT_LOCKS];
  pthread_mutex_lock(mu);
  struct addrlimit_slot *s = &addrlimit_slots[h % ADDRLIMIT_SLOTS];
  if (memcmp(s->addr, key, ADDRKEY_LEN) != 0) {
    memset(s, 0, sizeof *s);
    memcpy(s->addr, key, ADDRKEY_LEN);
  }
  int ok = ratelimit_take(&s->rl, (int32_t)addrlimit_rate, 0, now_ns, time(NULL), &retry);
  pthread_mutex_unlock(mu);
  if (ok) return 0;
  r->retry_after = retry ? retry : 1;
  reply_problem(r, DDC_ERR_RATE_LIMITED, NULL, "at most %u public lookups a second per address",
                addrlimit_rate);
  return -1;
}
