/* worker.h: the webhook delivery thread. Every ddcd runs one; each round it claims due outbox
 * rows in a transaction (FOR UPDATE SKIP LOCKED, so many processes share the work and a process
 * that dies releases its rows), sends them at once with libcurl (timeouts bound a slow receiver;
 * no API thread waits on a delivery), records each attempt and commits. */
#ifndef DDC_WEBHOOK_WORKER_H
#define DDC_WEBHOOK_WORKER_H
#include "config.h"

#define WEBHOOK_CLAIM_MAX 64     /* deliveries in flight at once per process */
#define WEBHOOK_TIMEOUT_MS 10000 /* a whole attempt */
#define WEBHOOK_CONNECT_MS 3000  /* its connection */
#define WEBHOOK_IDLE_MS 200      /* the wait between rounds that found nothing due */

/* Keeps the settings (webhook_settings) and starts the thread; 0 or -1. */
int webhook_worker_start(const struct config *c);
/* Stops it; deliveries in flight are dropped (their rows are due again at once). */
void webhook_worker_stop(void);
/* The webhook settings, for the API threads (set before they start). */
const struct config_webhook *webhook_settings(void);
/* The wait before attempt attempts + 1 after attempts failed ones (1 s, 2 s, 4 s, ... up to
 * max_s), spread by jitter in [0, 1): from 0.75 to 1.25 times that. */
double webhook_backoff_s(int attempts, unsigned max_s, double jitter);

#endif
