/* authsync.c: the ddc_auth listener (see authsync.h). It waits on its connection's socket with
 * poll (a timeout, so that it notices a stop), and when the connection is lost it tells the auth
 * cache to fall back to its short time to live until it listens again (the answer cache likewise:
 * respcache_listening). */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "bgthread.h"
#include "db/pg.h"
#include "http/auth.h"
#include "http/authsync.h"
#include "http/respcache.h"
#include "log.h"

#define AUTHSYNC_POLL_MS 200

static struct bgthread authsync_bg = BGTHREAD_INIT;
static atomic_int authsync_live;
static atomic_uint_fast64_t authsync_connect_count, authsync_notify_count;

int authsync_up(void)
{
  return atomic_load(&authsync_live);
}

uint64_t authsync_connects(void)
{
  return atomic_load(&authsync_connect_count);
}

uint64_t authsync_notifications(void)
{
  return atomic_load(&authsync_notify_count);
}

void authsync_apply(const char *payload)
{
  if (strncmp(payload, "key:", 4) == 0)
    auth_forget_prefix(payload + 4);
  else if (strncmp(payload, "account:", 8) == 0)
    auth_forget_account(strtoll(payload + 8, NULL, 10));
  else if (strncmp(payload, "cert:", 5) == 0)
    respcache_invalidate();
  else
    auth_notified(1); /* unknown: forget every key row */
}

/* Applies notifications until the connection fails or the thread is told to stop. */
static void authsync_listen(PGconn *c)
{
  struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
  while (!bgthread_stopping(&authsync_bg)) {
    int n = poll(&p, 1, AUTHSYNC_POLL_MS);
    if (n < 0 && errno != EINTR) return;
    if (n > 0 && !PQconsumeInput(c)) return;
    PGnotify *nt;
    while ((nt = PQnotifies(c))) {
      atomic_fetch_add(&authsync_notify_count, 1);
      authsync_apply(nt->extra);
      PQfreemem(nt);
    }
    if (PQstatus(c) != CONNECTION_OK) return;
  }
}

static void *authsync_main(void *arg)
{
  (void)arg;
  unsigned retry_ms = AUTHSYNC_RETRY_MIN_MS;
  int failing = 0;
  while (!bgthread_stopping(&authsync_bg)) {
    PGconn *c = db_connect_listen("ddc_auth");
    if (c) {
      auth_notified(1); /* only after the LISTEN: what was missed before is read again */
      atomic_store(&authsync_live, 1);
      respcache_listening(1);
      atomic_fetch_add(&authsync_connect_count, 1);
      if (failing) log_msg(LOG_INFO, "auth: listening for revocations again");
      failing = 0;
      retry_ms = AUTHSYNC_RETRY_MIN_MS;
      authsync_listen(c);
      atomic_store(&authsync_live, 0);
      respcache_listening(0);
      auth_notified(0);
      PQfinish(c);
      if (bgthread_stopping(&authsync_bg)) break;
    }
    if (!failing)
      log_msg(LOG_WARN,
              "auth: not listening for revocations; cached keys live %llu ms until it "
              "is back (retrying with backoff)",
              (unsigned long long)(AUTH_CACHE_FALLBACK_TTL_NS / 1000000));
    failing = 1;
    if (bgthread_wait(&authsync_bg, retry_ms)) break;
    retry_ms = retry_ms * 2 > AUTHSYNC_RETRY_MAX_MS ? AUTHSYNC_RETRY_MAX_MS : retry_ms * 2;
  }
  return NULL;
}

int authsync_start(void)
{
  return bgthread_start(&authsync_bg, authsync_main, NULL);
}

void authsync_stop(void)
{
  bgthread_stop(&authsync_bg);
}
