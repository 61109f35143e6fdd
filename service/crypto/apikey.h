/* apikey.h: API key format "ddc_<prefix>_<secret>" and its keyed BLAKE2b hash. */
#ifndef DDC_APIKEY_H
#define DDC_APIKEY_H
#include <stddef.h>
#include <stdint.h>

#define APIKEY_PREFIX_LEN 10 /* base32 of 6 random bytes: the public lookup handle */
#define APIKEY_SECRET_LEN 52 /* base32 of 32 random bytes */
#define APIKEY_LEN (4 + APIKEY_PREFIX_LEN + 1 + APIKEY_SECRET_LEN)
#define APIKEY_HASH_BYTES 32

/* Writes a fresh key (APIKEY_LEN chars + NUL) and its prefix (APIKEY_PREFIX_LEN + NUL). */
void apikey_generate(char key[APIKEY_LEN + 1], char prefix[APIKEY_PREFIX_LEN + 1]);
/* 0 and the prefix if s has the shape of a key, -1 otherwise. */
int apikey_parse(const char *s, char prefix[APIKEY_PREFIX_LEN + 1]);
/* Sets the hashing key (a subkey of the master key); call once at start-up. */
void apikey_set_hashkey(const uint8_t hashkey[32]);
/* Keyed BLAKE2b-256 of the whole key string. */
void apikey_hash(const char *key, uint8_t out[APIKEY_HASH_BYTES]);

#endif
