/* fuzz_dataint.c: eddsa-jcs-2022 proofs and base58btc from hostile bytes. Any credential must be
 * refused or accepted without a crash (and none is accepted under a key that signed nothing);
 * whatever base58-decodes encodes back to the same text. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/dataint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static unsigned char pk[32];
  static int ready;
  if (!ready) {
    unsigned char sk[64], seed[32] = {7};
    if (sodium_init() < 0) abort();
    crypto_sign_seed_keypair(pk, sk, seed);
    ready = 1;
  }
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  json_t *doc = json_loadb(text, size, JSON_REJECT_DUPLICATES, NULL);
  char why[200];
  if (doc && dataint_verify(doc, pk, why, sizeof why) == 0) abort(); /* nobody signed with it */
  json_decref(doc);
  unsigned char raw[128];
  int n = dataint_base58_decode(text, raw, sizeof raw);
  if (n >= 0) {
    char again[256];
    if (dataint_base58_encode(raw, (size_t)n, again, sizeof again) < 0 || strcmp(again, text))
      abort();
  }
  unsigned char key[32];
  dataint_multikey_decode(text, key);
  free(text);
  return 0;
}
