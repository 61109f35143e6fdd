/* apikey.c: generating, parsing and hashing API keys. High-entropy secrets need no slow KDF:
 * a BLAKE2b hash keyed with a subkey of the master key is stored, never the key. */
#include <sodium.h>
#include <string.h>
#include "apikey.h"
#include "codes.h"

void apikey_generate(char key[APIKEY_LEN + 1], char prefix[APIKEY_PREFIX_LEN + 1])
{
  uint8_t p[6], s[32];
  randombytes_buf(p, sizeof p);
  randombytes_buf(s, sizeof s);
  codes_base32(p, sizeof p, prefix);
  memcpy(key, "ddc_", 4);
  memcpy(key + 4, prefix, APIKEY_PREFIX_LEN);
  key[4 + APIKEY_PREFIX_LEN] = '_';
  codes_base32(s, sizeof s, key + 5 + APIKEY_PREFIX_LEN);
  sodium_memzero(s, sizeof s);
}

int apikey_parse(const char *s, char prefix[APIKEY_PREFIX_LEN + 1])
{
  if (strlen(s) != APIKEY_LEN || memcmp(s, "ddc_", 4) != 0 || s[4 + APIKEY_PREFIX_LEN] != '_')
    return -1;
  char tmp[APIKEY_PREFIX_LEN + 1];
  memcpy(tmp, s + 4, APIKEY_PREFIX_LEN);
  tmp[APIKEY_PREFIX_LEN] = 0;
  if (!codes_is_base32(tmp, APIKEY_PREFIX_LEN) ||
      !codes_is_base32(s + 5 + APIKEY_PREFIX_LEN, APIKEY_SECRET_LEN))
    return -1;
  memcpy(prefix, tmp, sizeof tmp);
  return 0;
}

static uint8_t apikey_hashkey[32];

void apikey_set_hashkey(const uint8_t hashkey[32])
{
  memcpy(apikey_hashkey, hashkey, sizeof apikey_hashkey);
}

void apikey_hash(const char *key, uint8_t out[APIKEY_HASH_BYTES])
{
  crypto_generichash(out, APIKEY_HASH_BYTES, (const unsigned char *)key, strlen(key),
                     apikey_hashkey, sizeof apikey_hashkey);
}
