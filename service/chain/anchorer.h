/* anchorer.h: the chain threads, one per configured chain (DDC_CHAINS_FILE, or the DDC_CHAIN_*
 * settings as one chain named "default"). Every ddcd runs them; for each chain, the one holding
 * that chain's anchorer lock (a PostgreSQL advisory lock keyed by its name, on the thread's own
 * connection) works: every interval, if the log grew, it anchors the newest checkpoint root on the
 * chain, one transaction at a time. Chains never wait for each other. */
#ifndef DDC_ANCHORER_H
#define DDC_ANCHORER_H
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "errors.h"

/* Remembers the configured chains for the calls below (anchorer_start does it too). Once, before
 * serving. */
void anchorer_init(const struct config *c);
/* Starts a thread per chain (none when no chain is configured); -1 on a bad setting (a chain
 * without its contract; reason logged). */
int anchorer_start(const struct config *c);
/* Stops them after the step in progress. */
void anchorer_stop(void);
/* Any thread, once started: whether a chain of that name is configured, and the configured
 * chains' names and registry contracts (40 hex digits, "" none), in configuration order. */
int anchorer_chain_known(const char *name);
void anchorer_chains(const char *const **names, const char *const **contracts, unsigned *n);
/* GET /v1/chain/anchors: the anchors (of the chain named chain; NULL: all) after the cursor (an
 * anchor id), oldest first, with their status, at most limit: {items, next_cursor} built in SQL
 * (malloc'ed). Any HTTP thread. */
enum ddc_err anchorer_list(const char *chain, int64_t after, int limit, char **json);
/* GET /v1/chain/status: {chains: [{name, chain_id, head_block, anchored_size, lag_s, last_error,
 * checked_at}]} of the configured chains, as their anchorers (in whichever ddcd) last saw them. */
enum ddc_err anchorer_status(char **json, size_t *len);

#endif
