/* anchorer.h: the chain thread. Every ddcd with DDC_CHAIN_RPC_URL runs one; the one holding the
 * anchorer lock (a PostgreSQL advisory lock on its own connection) works: every interval, if the
 * log grew, it anchors the newest checkpoint root on the chain, one transaction at a time. */
#ifndef DDC_ANCHORER_H
#define DDC_ANCHORER_H
#include <stdint.h>
#include "config.h"
#include "errors.h"

/* Starts the thread when the chain is configured (0 also when it is not), -1 on a bad setting
 * (reason logged). */
int anchorer_start(const struct config *c);
/* Stops it after the step in progress. */
void anchorer_stop(void);
/* GET /v1/chain/anchors: the anchors after the cursor (an anchor id), oldest first, with their
 * status, at most limit: {items, next_cursor} built in SQL (malloc'ed). Any HTTP thread. */
enum ddc_err anchorer_list(int64_t after, int limit, char **json);

#endif
