/* sign.c: webhook secrets and Standard Webhooks signatures (see sign.h). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "webhook/sign.h"

#define WEBHOOK_SECRET_PREFIX "whsec_"

void webhook_secret_text(const uint8_t *key, size_t len, char out[WEBHOOK_SECRET_TEXT])
{
  size_t pre = strlen(WEBHOOK_SECRET_PREFIX);
  memcpy(out, WEBHOOK_SECRET_PREFIX, pre);
  sodium_bin2base64(out + pre, WEBHOOK_SECRET_TEXT - pre, key, len, sodium_base64_VARIANT_ORIGINAL);
}

int webhook_secret_parse(const char *text, uint8_t key[WEBHOOK_SECRET_MAX], size_t *len)
{
  size_t pre = strlen(WEBHOOK_SECRET_PREFIX), n = strlen(text);
  const char *end;
  if (n <= pre || strncmp(text, WEBHOOK_SECRET_PREFIX, pre) != 0) return -1;
  if (sodium_base642bin(key, WEBHOOK_SECRET_MAX, text + pre, n - pre, NULL, len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      *end != 0)
    return -1;
  return *len >= WEBHOOK_SECRET_MIN ? 0 : -1;
}

void webhook_sign(const uint8_t *key, size_t key_len, const char *id, int64_t ts, const char *body,
                  size_t body_len, char out[WEBHOOK_SIG_TEXT])
{
  crypto_auth_hmacsha256_state st;
  uint8_t mac[crypto_auth_hmacsha256_BYTES];
  char stamp[32];
  int sl = snprintf(stamp, sizeof stamp, ".%lld.", (long long)ts);
  crypto_auth_hmacsha256_init(&st, key, key_len);
  crypto_auth_hmacsha256_update(&st, (const uint8_t *)id, strlen(id));
  crypto_auth_hmacsha256_update(&st, (const uint8_t *)stamp, (size_t)sl);
  crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, body_len);
  crypto_auth_hmacsha256_final(&st, mac);
  memcpy(out, "v1,", 3);
  sodium_bin2base64(out + 3, WEBHOOK_SIG_TEXT - 3, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
  sodium_memzero(&st, sizeof st);
}
