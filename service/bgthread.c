/* bgthread.c: background threads with a stop flag, a timed wait and a poke (see bgthread.h). */
#include <time.h>
#include "bgthread.h"

int bgthread_start(struct bgthread *t, void *(*fn)(void *), void *arg)
{
  t->stop = 0;
  t->poked = 0;
  if (pthread_create(&t->thread, NULL, fn, arg) != 0) return -1;
  t->running = 1;
  return 0;
}

int bgthread_wait(struct bgthread *t, unsigned ms)
{
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&t->mu);
  while (!t->stop && !t->poked && pthread_cond_timedwait(&t->cv, &t->mu, &until) == 0)
    ;
  t->poked = 0;
  int stop = t->stop;
  pthread_mutex_unlock(&t->mu);
  return stop;
}

void bgthread_poke(struct bgthread *t)
{
  pthread_mutex_lock(&t->mu);
  t->poked = 1;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
}

int bgthread_stopping(struct bgthread *t)
{
  pthread_mutex_lock(&t->mu);
  int stop = t->stop;
  pthread_mutex_unlock(&t->mu);
  return stop;
}

void bgthread_stop(struct bgthread *t)
{
  if (!t->running) return;
  pthread_mutex_lock(&t->mu);
  t->stop = 1;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  t->running = 0;
}
