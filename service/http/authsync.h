/* authsync.h: keeps this process's caches in step with writes committed through any ddcd: one
 * thread with a connection of its own LISTENs on the channel ddc_auth (sql/functions/accounts.sql)
 * and drops the cached API-key rows a revocation or freeze names, and the cached verdicts when a
 * certificate's status changes. Started and stopped by main; the getters may be called from any
 * thread. */
#ifndef DDC_AUTHSYNC_H
#define DDC_AUTHSYNC_H
#include <stdint.h>

#define AUTHSYNC_RETRY_MIN_MS 1000 /* the first reconnection, doubled up to the max */
#define AUTHSYNC_RETRY_MAX_MS 10000

int authsync_start(void);
void authsync_stop(void);
/* 1 while the LISTEN is in place. */
int authsync_up(void);
/* Successful LISTENs, and notifications received, since the start. */
uint64_t authsync_connects(void);
uint64_t authsync_notifications(void);
/* Applies one notification's payload: "key:<prefix>", "account:<id>", "cert:<ddc_id>"; anything
 * else drops every cached key row. */
void authsync_apply(const char *payload);

#endif
