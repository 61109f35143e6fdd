/* billing.c: SQL for prices, balances, the journal and recharges (sql/functions/billing.sql). */
#include "db/billing.h"

const struct db_stmt db_billing_stmts[] = {
    {"prices_list", "SELECT ddc_prices_list($1, $2, $3, $4)"},
    {"price_set", "SELECT ddc_price_set($1, $2, $3, $4, $5, $6)"},
    {"price_delete", "SELECT ddc_price_delete($1, $2, $3, $4)"},
    {"recharge", "SELECT ddc_recharge($1, $2, $3, $4, $5, $6, $7)"},
    {"balance_get", "SELECT ddc_balance_get($1, $2, $3)"},
    {"journal_list", "SELECT ddc_journal_list($1, $2, $3, $4, $5, $6)"},
    {"statement", "SELECT ddc_statement($1, $2, $3, $4, $5, $6)"},
    {NULL, NULL},
};

enum ddc_err db_prices_list(const char *role, int64_t actor, int64_t actor_issuer, int64_t issuer,
                            char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_id(&p, actor_issuer);
  db_p_id(&p, issuer);
  return db_p_json("prices_list", &p, 1, json, NULL);
}

enum ddc_err db_price_set(const char *role, int64_t actor, const char *operation, int64_t issuer,
                          int64_t amount, const char *currency, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_str(&p, operation);
  db_p_id(&p, issuer);
  db_p_int(&p, amount);
  db_p_str(&p, currency);
  return db_p_json("price_set", &p, 0, json, NULL);
}

enum ddc_err db_price_delete(const char *role, int64_t actor, const char *operation, int64_t issuer,
                             char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_str(&p, operation);
  db_p_int(&p, issuer);
  return db_p_json("price_delete", &p, 0, json, NULL);
}

enum ddc_err db_recharge(const char *role, int64_t actor, int64_t actor_key, int64_t account,
                         int64_t amount, const char *currency, const char *reference, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, account);
  db_p_int(&p, amount);
  db_p_str(&p, currency);
  db_p_str(&p, reference);
  db_p_id(&p, actor_key);
  return db_p_json("recharge", &p, 0, json, NULL);
}

enum ddc_err db_balance_get(const char *role, int64_t actor, int64_t account, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, account);
  return db_p_json("balance_get", &p, 1, json, NULL);
}

enum ddc_err db_journal_list(const char *role, int64_t actor, int64_t account, const char *currency,
                             int64_t after, int limit, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, account);
  db_p_str(&p, currency);
  db_p_int(&p, after);
  db_p_int(&p, limit);
  return db_p_json("journal_list", &p, 1, json, NULL);
}

enum ddc_err db_statement(const char *role, int64_t actor, int64_t account, const char *currency,
                          const char *from, const char *to, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, account);
  db_p_str(&p, currency);
  db_p_str(&p, from);
  db_p_str(&p, to);
  return db_p_json("statement", &p, 1, json, NULL);
}
