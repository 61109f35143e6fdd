/* signkey.h: issuer signing keys (Ed25519). Secret keys exist in the clear only in ddcd's memory:
 * the database holds them sealed with the KEYS_SIGNING_KEYS subkey of the master key. */
#ifndef DDC_DOMAIN_SIGNKEY_H
#define DDC_DOMAIN_SIGNKEY_H
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

/* A new key for the issuer, which becomes its current key; *json is the key's public record. */
enum ddc_err signkey_rotate(const struct principal *who, int64_t issuer, char **json);
/* The issuer's first key, made only if it has no current key (concurrent first mints agree). */
enum ddc_err signkey_ensure(const struct principal *who, char **json);
enum ddc_err signkey_retire(const struct principal *who, int64_t issuer, int64_t key_id,
                            char **json);
enum ddc_err signkey_list(int64_t issuer, char **json);
/* Opens a sealed secret key into sk; 0 or -1. */
int signkey_open(const uint8_t *sealed, size_t len, uint8_t sk[crypto_sign_SECRETKEYBYTES]);

#endif
