/* billing.h: database operations on prices, balances, the journal and recharges. Each returns
 * the JSON the PL/pgSQL function built (malloc'ed in *json) or the rule failure it raised. */
#ifndef DDC_DB_BILLING_H
#define DDC_DB_BILLING_H
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_billing_stmts[];

/* issuer 0: the caller's own issuer (operators: the defaults). */
enum ddc_err db_prices_list(const char *role, int64_t actor, int64_t actor_issuer, int64_t issuer,
                            char **json);
/* issuer 0: the default price; a platform's id: its floor. role and actor: the caller's (an
 * operator, or a platform pricing its own issuers within its floor). */
enum ddc_err db_price_set(const char *role, int64_t actor, const char *operation, int64_t issuer,
                          int64_t amount, const char *currency, char **json);
enum ddc_err db_price_delete(const char *role, int64_t actor, const char *operation, int64_t issuer,
                             char **json);
/* actor_key: the key the actor acts with (0: none); refused (UNAUTHORIZED, ACCOUNT_FROZEN) in the
 * same transaction if it is no longer live. */
enum ddc_err db_recharge(const char *role, int64_t actor, int64_t actor_key, int64_t account,
                         int64_t amount, const char *currency, const char *reference, char **json);
enum ddc_err db_balance_get(const char *role, int64_t actor, int64_t account, char **json);
/* currency may be NULL (all). */
enum ddc_err db_journal_list(const char *role, int64_t actor, int64_t account, const char *currency,
                             int64_t after, int limit, char **json);
/* from and to are RFC 3339 timestamps; currency may be NULL. */
enum ddc_err db_statement(const char *role, int64_t actor, int64_t account, const char *currency,
                          const char *from, const char *to, char **json);

#endif
