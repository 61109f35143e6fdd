/* bgthread.h: a background thread that sleeps between rounds, can be woken early, and stops on
 * request: the one start/wait/poke/stop shape the sequencer, witness client, batch runner and chain
 * anchorer share. */
#ifndef DDC_BGTHREAD_H
#define DDC_BGTHREAD_H
#include <pthread.h>

struct bgthread {
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop, running;
  int poked; /* woken before its time: the next wait returns at once */
};
#define BGTHREAD_INIT                                                                              \
  {                                                                                                \
    .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER                                \
  }

/* Starts fn(arg) on a new thread. 0 or -1. */
int bgthread_start(struct bgthread *t, void *(*fn)(void *), void *arg);
/* Sleeps up to ms milliseconds (less when poked or told to stop); 1 when told to stop. */
int bgthread_wait(struct bgthread *t, unsigned ms);
/* Wakes the thread from its wait, or makes its next wait return at once: work is waiting. */
void bgthread_poke(struct bgthread *t);
/* 1 once told to stop. */
int bgthread_stopping(struct bgthread *t);
/* Tells the thread to stop and waits for it (nothing when it is not running). */
void bgthread_stop(struct bgthread *t);

#endif
