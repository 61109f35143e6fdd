/* profile.h: an issuer's profile (web page, logo) and the domain it claims: setting them, and
 * checking a claim by fetching https://<domain>/.well-known/did.json, which must list the issuer's
 * keys as ddcd's domain DID document does. Each change is logged (profile_set account event) by
 * ddc_profile_write. Any thread with a database connection may call, after profile_init. */
#ifndef DDC_DOMAIN_PROFILE_H
#define DDC_DOMAIN_PROFILE_H
#include <stdint.h>
#include "config.h"
#include "domain/account.h"
#include "errors.h"

#define PROFILE_FETCH_MAX (64 * 1024) /* bytes of a domain's DID document */
#define PROFILE_FETCH_TIMEOUT_MS 5000

/* Keeps the trust roots and resolve override for the checks (call once at start-up). */
void profile_init(const struct config_domain *d);
/* A host name, optionally with :port (1 when it is one); lowercased in place. */
int profile_domain_valid(char *domain);
enum ddc_err profile_set(const struct principal *who, int64_t issuer, const char *url,
                         const char *logo_url, char **json);
enum ddc_err profile_set_domain(const struct principal *who, int64_t issuer, const char *domain,
                                char **json);
/* Fetches and compares the claimed domain's DID document; on a match records the check time. */
enum ddc_err profile_check_domain(const struct principal *who, const char *base, int64_t issuer,
                                  char **json);

#endif
