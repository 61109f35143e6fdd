/* account.h: who may do what with accounts and API keys (rules only; no HTTP, no SQL). */
#ifndef DDC_DOMAIN_ACCOUNT_H
#define DDC_DOMAIN_ACCOUNT_H
#include <stdint.h>
#include "crypto/apikey.h"
#include "db/accounts.h"
#include "errors.h"

enum role { ROLE_OPERATOR = 1, ROLE_ISSUER = 2, ROLE_HOLDER = 4 };
#define ROLE_ANY (ROLE_OPERATOR | ROLE_ISSUER | ROLE_HOLDER)

/* The authenticated caller. */
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

enum ddc_err account_create(const struct principal *who, enum role role, const char *name,
                            int64_t issuer_id, struct account_row *out);
enum ddc_err account_get(const struct principal *who, int64_t id, struct account_row *out);
/* role_filter 0 means any role. */
enum ddc_err account_list(const struct principal *who, enum role role_filter, int64_t after,
                          int limit, struct account_row *out, int *n);
enum ddc_err account_set_frozen(const struct principal *who, int64_t id, int frozen,
                                struct account_row *out);

/* Creates a key; key receives the full secret, shown to the caller once. rps/rpd 0: no limit. */
enum ddc_err apikey_create(const struct principal *who, int64_t account_id, const char *name,
                           int32_t rps, int32_t rpd, struct apikey_row *out,
                           char key[APIKEY_LEN + 1]);
enum ddc_err apikey_list(const struct principal *who, int64_t account_id, struct apikey_row *out,
                         int max, int *n);
enum ddc_err apikey_revoke(const struct principal *who, int64_t key_id, int64_t *account_id);

#endif
