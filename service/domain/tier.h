/* tier.h: the platform tier's roll-up statement and batch recharges, batch operations on
 * certificates, the event feed and the write-once URI. The rules are decided in SQL, in one
 * transaction each (sql/functions/platforms.sql, certbatch.sql, feed.sql); here the shapes that
 * are C's. Answers are JSON text built in SQL (malloc'ed in *json). Any thread with a database
 * connection may call. */
#ifndef DDC_DOMAIN_TIER_H
#define DDC_DOMAIN_TIER_H
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

#define TIER_BATCH_MAX 10000 /* items of one batch */
#define TIER_FEED_MAX 1000   /* events of one page of the feed */
#define TIER_FEED_TYPES_MAX 512

/* The roll-up statement of a platform for [from, to) (RFC 3339); currency may be NULL. */
enum ddc_err tier_rollup(const struct principal *who, int64_t platform, const char *currency,
                         const char *from, const char *to, char **json);
/* items: the JSON array text of 1..TIER_BATCH_MAX checked items. DDC_ERR_BATCH_REFUSED: nothing
 * was applied and *json is {"items": [the refused items], "refused": n}. */
enum ddc_err tier_recharge_batch(const struct principal *who, const char *items, char **json);
/* op: transfer, burn, freeze, unfreeze or revoke (1 if known: tier_batch_op_known). The same
 * answers as tier_recharge_batch. */
int tier_batch_op_known(const char *op);
enum ddc_err tier_cert_batch(const struct principal *who, const char *op, const char *items,
                             char **json);
/* Sets a certificate's URI once (cert_uri_ok checked here, the field named). */
enum ddc_err tier_uri_set(const struct principal *who, int64_t ddc, const char *uri, char **json);
/* A page of the event feed after leaf index after (-1: the start); types: comma-separated event
 * types (NULL: all), checked here. */
enum ddc_err tier_events(const struct principal *who, int64_t after, int limit, const char *types,
                         char **json);

#endif
