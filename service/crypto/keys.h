/* keys.h: the master key (32 random bytes in a 0600 file) and the subkeys derived from it. */
#ifndef DDC_KEYS_H
#define DDC_KEYS_H
#include <stddef.h>
#include <stdint.h>

#define KEYS_MASTER_BYTES 32

/* Subkey purposes; each derives an independent key from the master key. */
enum keys_purpose {
  KEYS_APIKEY_HASH = 1,
  KEYS_SIGNING_KEYS = 2,
  KEYS_STORED_RESPONSES = 3,
  KEYS_LOG_KEY = 4,
  KEYS_WEBHOOK_SECRETS = 5
};

/* Reads the master key. Returns 0, or -1 with a reason in err. */
int keys_master_load(const char *path, uint8_t key[KEYS_MASTER_BYTES], char *err, size_t errlen);
/* Creates the master key file if absent (O_EXCL, mode 0600). 1 created, 0 existed, -1 error. */
int keys_master_create(const char *path, char *err, size_t errlen);
void keys_derive(const uint8_t master[KEYS_MASTER_BYTES], enum keys_purpose purpose,
                 uint8_t out[32]);
/* Keeps the master key for keys_seal/keys_open (call once at start-up). */
void keys_set_master(const uint8_t master[KEYS_MASTER_BYTES]);
/* nonce || secretbox(plain) under the purpose's subkey; malloc'ed, NULL on failure. */
uint8_t *keys_seal(enum keys_purpose purpose, const uint8_t *plain, size_t len, size_t *out_len);
/* The inverse; NULL when the box was tampered with or sealed under another key. */
uint8_t *keys_open(enum keys_purpose purpose, const uint8_t *box, size_t len, size_t *out_len);

#endif
