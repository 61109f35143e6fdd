/* auth.h: API-key authentication with a short-lived in-memory cache and per-key rate limits shared
 * by every ddcd on the database. Any thread may call. */
#ifndef DDC_AUTH_H
#define DDC_AUTH_H
#include "domain/account.h"
#include "errors.h"

/* How long a key's row is trusted: while this process hears the database's notifications of
 * revocations and freezes (service/http/authsync.c), AUTH_CACHE_TTL_NS, a bound for a listener
 * whose loss is not noticed; while it does not, AUTH_CACHE_FALLBACK_TTL_NS. */
#define AUTH_CACHE_TTL_NS (5ULL * 1000000000ULL)
#define AUTH_CACHE_FALLBACK_TTL_NS (500ULL * 1000000ULL)

void auth_shutdown(void);
/* Checks an Authorization header value. DDC_ERR_OK fills who; DDC_ERR_RATE_LIMITED sets
 * *retry_after; otherwise UNAUTHORIZED, ACCOUNT_FROZEN or DB_UNAVAILABLE. */
enum ddc_err auth_check(const char *authorization, struct principal *who, unsigned *retry_after);
/* The key a console session was made from (http/session.c found the session live), by its
 * prefix and id: the same checks as auth_check but the secret's, which the session stands for. */
enum ddc_err auth_check_key(const char *prefix, int64_t key_id, struct principal *who,
                            unsigned *retry_after);
/* Drop cached state after a change (made here, or told by a notification), so that the next
 * request reads it from the database. */
void auth_forget_account(int64_t account_id);
void auth_forget_key(int64_t key_id);
void auth_forget_prefix(const char *prefix);
/* live 1: notifications are heard from now on (every cached row is read again, then kept up to
 * AUTH_CACHE_TTL_NS); 0: they are not (rows kept up to AUTH_CACHE_FALLBACK_TTL_NS). */
void auth_notified(int live);

#endif
