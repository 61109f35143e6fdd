/* park.c: parked streaming connections and the ticker that resumes them (see park.h). */
#include <pthread.h>
#include <time.h>
#include "http/park.h"

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t ticker;
  struct park_slot *list;
  int running, closed;
} park = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

uint64_t park_now_ns(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Resumes and unlinks the parked connections due by now (all of them when now is UINT64_MAX).
 * Called with park.mu held. */
static void park_resume_due(uint64_t now)
{
  for (struct park_slot **p = &park.list; *p;) {
    struct park_slot *s = *p;
    if (s->wake_ns > now) {
      p = &s->next;
      continue;
    }
    *p = s->next;
    s->next = NULL;
    s->parked = 0;
    MHD_resume_connection(s->conn);
  }
}

static void *park_ticker(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&park.mu);
  while (!park.closed) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += PARK_TICK_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_cond_timedwait(&park.cv, &park.mu, &until);
    park_resume_due(park_now_ns());
  }
  pthread_mutex_unlock(&park.mu);
  return NULL;
}

int park_start(void)
{
  park.closed = 0;
  park.running = pthread_create(&park.ticker, NULL, park_ticker, NULL) == 0;
  return park.running ? 0 : -1;
}

void park_stop(void)
{
  pthread_mutex_lock(&park.mu);
  park.closed = 1;
  park_resume_due(UINT64_MAX);
  pthread_cond_broadcast(&park.cv);
  pthread_mutex_unlock(&park.mu);
  if (park.running) pthread_join(park.ticker, NULL);
  park.running = 0;
}

int park_until(struct park_slot *s, struct MHD_Connection *conn, uint64_t wake_ns)
{
  pthread_mutex_lock(&park.mu);
  int ok = !park.closed && !s->parked;
  if (ok) {
    MHD_suspend_connection(conn); /* before the ticker can see it: one resume per suspension */
    s->conn = conn;
    s->wake_ns = wake_ns;
    s->parked = 1;
    s->next = park.list;
    park.list = s;
  }
  pthread_mutex_unlock(&park.mu);
  return ok ? 0 : -1;
}

void park_forget(struct park_slot *s)
{
  pthread_mutex_lock(&park.mu);
  for (struct park_slot **p = &park.list; *p; p = &(*p)->next)
    if (*p == s) {
      *p = s->next;
      s->parked = 0;
      break;
    }
  pthread_mutex_unlock(&park.mu);
}
