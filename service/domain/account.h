/* account.h: accounts and API keys: the caller (principal), the roles, and one function per
 * operation. Who may do what is decided in SQL (sql/functions/accounts.sql); here only what must
 * be C: the request's shape, drawing and hashing a new key. Answers are JSON text built in SQL
 * (malloc'ed in *json). Any thread with a database connection may call. */
#ifndef DDC_DOMAIN_ACCOUNT_H
#define DDC_DOMAIN_ACCOUNT_H
#include <stdint.h>
#include "crypto/apikey.h"
#include "errors.h"

/* A platform (BSN-DDC's middle tier) is made by the operator and makes issuers under it. */
enum role { ROLE_OPERATOR = 1, ROLE_ISSUER = 2, ROLE_HOLDER = 4, ROLE_PLATFORM = 8 };
#define ROLE_ANY (ROLE_OPERATOR | ROLE_ISSUER | ROLE_HOLDER | ROLE_PLATFORM)

/* The authenticated caller (account_id 0 with ROLE_OPERATOR: the command line, `ddcd init`). */
struct principal {
  int64_t account_id;
  int64_t issuer_id; /* a holder's issuer; 0 otherwise */
  int64_t key_id;
  enum role role;
};

#define ACCOUNT_LIST_MAX 200
#define APIKEY_LIST_MAX 200

const char *role_name(enum role r);
int role_parse(const char *s, enum role *out);

/* role: "operator", "platform", "issuer" or "holder"; issuer_id 0: none (an issuer's holder: the
 * issuer); platform_id 0: none (a platform's issuer: the platform). Refused with the field named:
 * a role that is none of those, a holder without issuer_id (unless an issuer creates it), another
 * account with one, platform_id on anything but an issuer. */
enum ddc_err account_create(const struct principal *who, const char *role, const char *name,
                            int64_t issuer_id, int64_t platform_id, char **json);
enum ddc_err account_get(const struct principal *who, int64_t id, char **json);
/* {items, next_cursor}; role NULL means any role. */
enum ddc_err account_list(const struct principal *who, const char *role, int64_t after, int limit,
                          char **json);
enum ddc_err account_set_frozen(const struct principal *who, int64_t id, int frozen, char **json);

/* Creates a key: key receives the full secret, and *json the new key with the secret as member
 * "key", the one answer that ever shows it (wipe both). rps/rpd 0: no limit. */
enum ddc_err apikey_create(const struct principal *who, int64_t account_id, const char *name,
                           int32_t rps, int32_t rpd, char key[APIKEY_LEN + 1], char **json);
/* {items}: the account's keys, newest first, without secrets. */
enum ddc_err apikey_list(const struct principal *who, int64_t account_id, char **json);
enum ddc_err apikey_revoke(const struct principal *who, int64_t key_id);

#endif
