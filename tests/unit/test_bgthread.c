/* test_bgthread.c: a background thread's wait ends when it is poked or told to stop, and a poke
 * that comes while the thread is busy is not lost: its next wait returns at once. */
#include <time.h>
#include "bgthread.h"
#include "unit.h"

static struct bgthread t = BGTHREAD_INIT;
static int rounds; /* waits that ended without a stop */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rounds_seen(void)
{
  pthread_mutex_lock(&mu);
  int n = rounds;
  pthread_mutex_unlock(&mu);
  return n;
}

/* Waits a minute at a time: every round that ends before that was ended by a poke. */
static void *waiter(void *arg)
{
  (void)arg;
  while (!bgthread_wait(&t, 60000)) {
    pthread_mutex_lock(&mu);
    rounds++;
    pthread_mutex_unlock(&mu);
  }
  return NULL;
}

/* Waits up to 20 s for the waiter to have ended n rounds; 1 if it has. */
static int until_rounds(int n)
{
  for (double t0 = now(); now() - t0 < 20;) {
    if (rounds_seen() >= n) return 1;
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  return 0;
}

static void test_poke(void)
{
  CHECK(bgthread_start(&t, waiter, NULL) == 0);
  double t0 = now();
  bgthread_poke(&t);
  CHECK(until_rounds(1));
  bgthread_poke(&t);
  CHECK(until_rounds(2));
  CHECK(now() - t0 < 30); /* not ended by the minute's timeout */
  bgthread_stop(&t);
  CHECK(rounds_seen() == 2);
}

/* A poke with nobody waiting makes the next wait return at once, and only that one. */
static void test_poke_before_wait(void)
{
  struct bgthread b = BGTHREAD_INIT;
  bgthread_poke(&b);
  double t0 = now();
  CHECK(bgthread_wait(&b, 60000) == 0);
  CHECK(now() - t0 < 30);
  t0 = now();
  CHECK(bgthread_wait(&b, 50) == 0); /* the poke was used up: this one times out */
  CHECK(now() - t0 >= 0.03);
}

int main(void)
{
  RUN(test_poke);
  RUN(test_poke_before_wait);
  return UNIT_END();
}
