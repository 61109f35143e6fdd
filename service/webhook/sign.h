/* sign.h: webhook secrets and signatures as the Standard Webhooks spec writes them: a secret is
 * "whsec_" + base64 of its bytes; webhook-signature is "v1," + base64 of HMAC-SHA256 over
 * "<webhook-id>.<webhook-timestamp>.<body>". Pure functions, any thread. */
#ifndef DDC_WEBHOOK_SIGN_H
#define DDC_WEBHOOK_SIGN_H
#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_SECRET_BYTES 32 /* what ddcd draws */
#define WEBHOOK_SECRET_MIN 24   /* what a caller may bring: 24 to 64 bytes */
#define WEBHOOK_SECRET_MAX 64
#define WEBHOOK_SECRET_TEXT 96 /* "whsec_" + base64 of 64 bytes + NUL, with room */
#define WEBHOOK_SIG_TEXT 48    /* "v1," + 44 base64 characters + NUL */

/* "whsec_" + base64 (with padding) of key[0..len), len at most WEBHOOK_SECRET_MAX. */
void webhook_secret_text(const uint8_t *key, size_t len, char out[WEBHOOK_SECRET_TEXT]);
/* The bytes of a "whsec_..." secret of WEBHOOK_SECRET_MIN to WEBHOOK_SECRET_MAX bytes. 0 or -1. */
int webhook_secret_parse(const char *text, uint8_t key[WEBHOOK_SECRET_MAX], size_t *len);
/* The webhook-signature value for a message id, a Unix timestamp and a body. */
void webhook_sign(const uint8_t *key, size_t key_len, const char *id, int64_t ts, const char *body,
                  size_t body_len, char out[WEBHOOK_SIG_TEXT]);

#endif
