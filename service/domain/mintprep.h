/* mintprep.h: what a mint needs before it can sign, without a database round trip in the common
 * case: the next ddc_id (a process-wide block drawn from ddc_id_seq, as PostgreSQL's own sequence
 * CACHE does per session) and the issuer's current signing key (opened once, kept per thread).
 * ddc_mint checks that the key is still the issuer's current one; if not, the caller forgets it
 * and signs again. */
#ifndef DDC_DOMAIN_MINTPREP_H
#define DDC_DOMAIN_MINTPREP_H
#include <sodium.h>
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

#define MINTPREP_ID_BLOCK 64 /* ddc_ids drawn at a time; a restart leaves at most this gap */

/* The next ddc_id: increasing within this process, unique across processes. */
enum ddc_err mintprep_id(int64_t *ddc);
/* The current key of who (an issuer), made on first use: its id and secret key. */
enum ddc_err mintprep_key(const struct principal *who, int64_t *key_id,
                          uint8_t sk[crypto_sign_SECRETKEYBYTES]);
/* Drops this thread's copy of the issuer's key (after signing_key_retired). */
void mintprep_forget_key(int64_t issuer);

#endif
