/* signkey.c: making, sealing and opening issuer signing keys; rules live in ddc_key_add and
 * ddc_key_retire (only operators and the issuer itself manage its keys). */
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "db/certs.h"
#include "domain/signkey.h"

static enum ddc_err signkey_add(const struct principal *who, int64_t issuer, int if_none,
                                char **json)
{
  uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  size_t sealed_len;
  crypto_sign_keypair(pk, sk);
  uint8_t *sealed = keys_seal(KEYS_SIGNING_KEYS, sk, sizeof sk, &sealed_len);
  sodium_memzero(sk, sizeof sk);
  *json = NULL;
  if (!sealed) return DDC_ERR_INTERNAL;
  enum ddc_err e = db_key_add(role_name(who->role), who->account_id, issuer, pk, sealed, sealed_len,
                              if_none, json);
  free(sealed);
  return e;
}

enum ddc_err signkey_rotate(const struct principal *who, int64_t issuer, char **json)
{
  return signkey_add(who, issuer, 0, json);
}

enum ddc_err signkey_ensure(const struct principal *who, char **json)
{
  return signkey_add(who, who->account_id, 1, json);
}

enum ddc_err signkey_retire(const struct principal *who, int64_t issuer, int64_t key_id,
                            char **json)
{
  return db_key_retire(role_name(who->role), who->account_id, issuer, key_id, json);
}

enum ddc_err signkey_list(int64_t issuer, char **json)
{
  return db_keys_list(issuer, json);
}

int signkey_open(const uint8_t *sealed, size_t len, uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
  size_t n;
  uint8_t *plain = keys_open(KEYS_SIGNING_KEYS, sealed, len, &n);
  int ok = plain && n == crypto_sign_SECRETKEYBYTES;
  if (ok) memcpy(sk, plain, n);
  if (plain) sodium_memzero(plain, n);
  free(plain);
  return ok ? 0 : -1;
}
