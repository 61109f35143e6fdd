/* statuspub.h: the status-list publisher. Every ddcd runs its thread: each anchor interval (or
 * at once when poked after a status change here) it gives certificates minted before status
 * lists their entries, then publishes the lists marked dirty: for each purpose whose bits
 * changed, a new signed BitstringStatusListCredential, stored for every ddcd to serve the same
 * bytes and logged (status_list_published). Two ddcds never publish one list at once: its row is
 * locked while it is published. */
#ifndef DDC_STATUSPUB_H
#define DDC_STATUSPUB_H
#include <stdint.h>
#include "config.h"
#include "errors.h"

/* Starts the thread; the lists' URLs start with base (DDC_PUBLIC_URL, else the address the
 * server listens on: so start it once the server is bound). 0 or -1. */
int statuspub_start(const struct config *c, const char *base);
/* Wakes it: a status changed. */
void statuspub_poke(void);
void statuspub_stop(void);
/* Publishes the list now if it never was or its bits changed, on the calling thread's
 * connection (its own transaction). DDC_ERR_NOT_FOUND when the issuer has no such list;
 * DDC_ERR_SHUTTING_DOWN before statuspub_start (no URL to write yet). */
enum ddc_err statuspub_publish(int64_t issuer, int32_t list);
/* The URL of a list: <base>/v1/status/<issuer>/<purpose>/<list>. */
void statuspub_url(int64_t issuer, const char *purpose, int32_t list, char *out, size_t cap);

#endif
