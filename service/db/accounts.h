/* accounts.h: database operations on accounts and API keys (one function per operation). */
#ifndef DDC_DB_ACCOUNTS_H
#define DDC_DB_ACCOUNTS_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

/* What authentication needs to know about a live key. */
struct auth_row {
  int64_t key_id;
  int64_t account_id;
  int64_t issuer_id;
  uint8_t hash[32];
  int32_t rate_per_sec;
  int32_t rate_per_day;
  char role[12];
  char status[8];
};

extern const struct db_stmt db_accounts_stmts[];

/* Accounts and API keys, one ddc_* function each: refusals come back as the registry code (its
 * detail recorded), answers as JSON built in SQL (malloc'ed in *json). actor_role and actor are
 * the caller's; actor 0 with "operator": the command line. */
enum ddc_err db_account_create(const char *actor_role, int64_t actor, const char *role,
                               const char *name, int64_t issuer_id, int64_t platform_id,
                               char **json);
enum ddc_err db_account_get(const char *actor_role, int64_t actor, int64_t id, char **json);
/* {items, next_cursor}: accounts with id > after the caller may see, in id order; role may be
 * NULL (any). */
enum ddc_err db_account_list(const char *actor_role, int64_t actor, const char *role, int64_t after,
                             int limit, char **json);
enum ddc_err db_account_set_status(const char *actor_role, int64_t actor, int64_t target,
                                   const char *status, char **json);
/* actor_key: the API key the actor acts with (0: none, the command line); refused with
 * UNAUTHORIZED or ACCOUNT_FROZEN if it is no longer live, checked in the same transaction.
 * KEY_PREFIX_TAKEN: draw another prefix. */
enum ddc_err db_apikey_create(const char *actor_role, int64_t actor, int64_t actor_key,
                              int64_t account_id, const char *name, const char *prefix,
                              const uint8_t hash[32], int32_t rps, int32_t rpd, char **json);
/* {items}: up to limit of the account's keys, newest first. */
enum ddc_err db_apikey_list(const char *actor_role, int64_t actor, int64_t account_id, int limit,
                            char **json);
enum ddc_err db_apikey_revoke(const char *actor_role, int64_t actor, int64_t key_id);
/* DDC_ERR_NOT_FOUND when no live key has this prefix. */
enum ddc_err db_auth_lookup(const char *prefix, struct auth_row *out);
/* Takes one request from the key's shared rate-limit bucket (sql/functions/accounts.sql); per_sec
 * and per_day 0: no limit. *wait_ms 0: allowed; else how long until it would be. */
enum ddc_err db_rate_take(int64_t key_id, int32_t per_sec, int32_t per_day, int64_t *wait_ms);

#endif
