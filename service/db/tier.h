/* tier.h: database operations of the platform tier, batch operations, the event feed and the
 * write-once URI (sql/functions/platforms.sql, certbatch.sql, feed.sql). Each returns the JSON
 * its ddc_* function built (malloc'ed in *json) or the rule failure it raised. Any thread with a
 * database connection may call. */
#ifndef DDC_DB_TIER_H
#define DDC_DB_TIER_H
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_tier_stmts[];

/* from and to are RFC 3339 timestamps; currency may be NULL. */
enum ddc_err db_rollup(const char *role, int64_t actor, int64_t platform, const char *currency,
                       const char *from, const char *to, char **json);
/* items: the JSON array text of the checked items. actor_key: the acting key (0: none). */
enum ddc_err db_recharge_batch(const char *role, int64_t actor, int64_t actor_key,
                               const char *items, char **json);
enum ddc_err db_cert_batch(const char *role, int64_t actor, int64_t actor_key, const char *op,
                           const char *items, char **json);
enum ddc_err db_cert_uri_set(const char *role, int64_t actor, int64_t ddc, const char *uri,
                             char **json);
/* after -1: from the start; types: comma-separated, or NULL for all. */
enum ddc_err db_event_feed(const char *role, int64_t actor, int64_t after, int limit,
                           const char *types, char **json);

#endif
