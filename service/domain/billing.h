/* billing.h: prices, recharges, balances, the journal and statements. Money is integer minor
 * units of an ISO 4217 currency, 0..2^53. The rules (who pays, who may read) are enforced in
 * SQL in the same transaction as the money moves. */
#ifndef DDC_DOMAIN_BILLING_H
#define DDC_DOMAIN_BILLING_H
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

#define BILLING_AMOUNT_MAX 9007199254740992LL /* 2^53 */
#define BILLING_JOURNAL_MAX 500

/* 1 if op is an operation with a price. */
int billing_operation_known(const char *op);
enum ddc_err billing_prices(const struct principal *who, int64_t issuer, char **json);
enum ddc_err billing_price_set(const struct principal *who, const char *op, int64_t issuer,
                               int64_t amount, const char *currency, char **json);
enum ddc_err billing_price_delete(const struct principal *who, const char *op, int64_t issuer,
                                  char **json);
enum ddc_err billing_recharge(const struct principal *who, int64_t account, int64_t amount,
                              const char *currency, const char *reference, char **json);
enum ddc_err billing_balance(const struct principal *who, int64_t account, char **json);
enum ddc_err billing_journal(const struct principal *who, int64_t account, const char *currency,
                             int64_t after, int limit, char **json);
/* Per currency: opening balance, lines and closing balance in [from, to). */
enum ddc_err billing_statement(const struct principal *who, int64_t account, const char *currency,
                               const char *from, const char *to, char **json);

#endif
