/* billing.c: the money operations, passed to their PL/pgSQL functions with the caller. */
#include <string.h>
#include "db/billing.h"
#include "domain/billing.h"

int billing_operation_known(const char *op)
{
  static const char *const ops[] = {
      "mint",  "transfer",  "approve",      "freeze",           "unfreeze",     "revoke",
      "burn",  "batch_row", "edition_mint", "edition_transfer", "edition_burn", "edition_mint_more",
      "export"};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp(ops[i], op) == 0) return 1;
  return 0;
}

enum ddc_err billing_prices(const struct principal *who, int64_t issuer, char **json)
{
  return db_prices_list(role_name(who->role), who->account_id, who->issuer_id, issuer, json);
}

enum ddc_err billing_price_set(const struct principal *who, const char *op, int64_t issuer,
                               int64_t amount, const char *currency, char **json)
{
  *json = NULL;
  if (who->role != ROLE_OPERATOR && who->role != ROLE_PLATFORM) return DDC_ERR_FORBIDDEN;
  return db_price_set(role_name(who->role), who->account_id, op, issuer, amount, currency, json);
}

enum ddc_err billing_price_delete(const struct principal *who, const char *op, int64_t issuer,
                                  char **json)
{
  *json = NULL;
  if (who->role != ROLE_OPERATOR && who->role != ROLE_PLATFORM) return DDC_ERR_FORBIDDEN;
  return db_price_delete(role_name(who->role), who->account_id, op, issuer, json);
}

enum ddc_err billing_recharge(const struct principal *who, int64_t account, int64_t amount,
                              const char *currency, const char *reference, char **json)
{
  return db_recharge(role_name(who->role), who->account_id, who->key_id, account, amount, currency,
                     reference, json);
}

enum ddc_err billing_balance(const struct principal *who, int64_t account, char **json)
{
  return db_balance_get(role_name(who->role), who->account_id, account, json);
}

enum ddc_err billing_journal(const struct principal *who, int64_t account, const char *currency,
                             int64_t after, int limit, char **json)
{
  return db_journal_list(role_name(who->role), who->account_id, account, currency, after, limit,
                         json);
}

enum ddc_err billing_statement(const struct principal *who, int64_t account, const char *currency,
                               const char *from, const char *to, char **json)
{
  return db_statement(role_name(who->role), who->account_id, account, currency, from, to, json);
}
