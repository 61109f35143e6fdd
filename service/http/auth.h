/* auth.h: API-key authentication with a short-lived in-memory cache and per-key rate limits. */
#ifndef DDC_AUTH_H
#define DDC_AUTH_H
#include "domain/account.h"
#include "errors.h"

#define AUTH_CACHE_TTL_NS (5ULL * 1000000000ULL)

void auth_shutdown(void);
/* Checks an Authorization header value. DDC_ERR_OK fills who; DDC_ERR_RATE_LIMITED sets
 * *retry_after; otherwise UNAUTHORIZED, ACCOUNT_FROZEN or DB_UNAVAILABLE. */
enum ddc_err auth_check(const char *authorization, struct principal *who, unsigned *retry_after);
/* Drops cached state after a change, so this process sees it at once (others within the TTL). */
void auth_forget_account(int64_t account_id);
void auth_forget_key(int64_t key_id);

#endif
