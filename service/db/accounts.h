/* accounts.h: database operations on accounts and API keys (one function per operation). */
#ifndef DDC_DB_ACCOUNTS_H
#define DDC_DB_ACCOUNTS_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

#define DB_NAME_MAX 801 /* 200 characters of up to 4 bytes, and the NUL */

struct account_row {
  int64_t id;
  char role[12];
  char name[DB_NAME_MAX];
  int64_t issuer_id; /* 0 when none */
  char status[8];
  char created_at[32];
  char updated_at[32];
};

struct apikey_row {
  int64_t id;
  int64_t account_id;
  char name[DB_NAME_MAX];
  char prefix[16];
  int32_t rate_per_sec; /* 0 when unlimited */
  int32_t rate_per_day;
  char created_at[32];
  char revoked_at[32]; /* "" when live */
};

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

enum ddc_err db_account_create(const char *role, const char *name, int64_t issuer_id,
                               struct account_row *out);
enum ddc_err db_account_get(int64_t id, struct account_row *out);
/* Accounts with id > after, in id order. role may be NULL; scope_issuer (0: all) keeps the
 * issuer and its holders; scope_self (0: all) keeps one account. */
enum ddc_err db_account_list(const char *role, int64_t scope_issuer, int64_t scope_self,
                             int64_t after, int limit, struct account_row *out, int *n);
enum ddc_err db_account_set_status(const char *actor_role, int64_t actor, int64_t target,
                                   const char *status, struct account_row *out);
/* actor_key: the API key the actor acts with (0: none, the command line); refused with
 * UNAUTHORIZED or ACCOUNT_FROZEN if it is no longer live, checked in the same transaction. */
enum ddc_err db_apikey_create(const char *actor_role, int64_t actor, int64_t actor_key,
                              int64_t account_id, const char *name, const char *prefix,
                              const uint8_t hash[32], int32_t rps, int32_t rpd,
                              struct apikey_row *out);
/* The account (for the permission check) and up to max of its keys, newest first. */
enum ddc_err db_apikey_list(int64_t account_id, struct account_row *owner, struct apikey_row *out,
                            int max, int *n);
enum ddc_err db_apikey_revoke(const char *actor_role, int64_t actor, int64_t key_id,
                              int64_t *account_id);
/* DDC_ERR_NOT_FOUND when no live key has this prefix. */
enum ddc_err db_auth_lookup(const char *prefix, struct auth_row *out);
/* Takes one request from the key's shared rate-limit bucket (sql/functions/accounts.sql); per_sec
 * and per_day 0: no limit. *wait_ms 0: allowed; else how long until it would be. */
enum ddc_err db_rate_take(int64_t key_id, int32_t per_sec, int32_t per_day, int64_t *wait_ms);

#endif
