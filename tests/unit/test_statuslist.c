/* test_statuslist.c: Bitstring Status List credentials (domain/statuslist.c): the encodedList is
 * "u" + unpadded base64url of a GZIP that inflates to the bits, bit 0 the most significant bit of
 * byte 0; the credential has the specification's shape, is its own JCS text, is the same bytes
 * for the same input, and its eddsa-jcs-2022 proof verifies with the key (and fails with
 * another, or once a bit changes). */
#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include "crypto/dataint.h"
#include "crypto/gzip.h"
#include "crypto/jcs.h"
#include "domain/statuslist.h"
#include "unit.h"

#define BYTES 16384

static uint8_t bits[BYTES];

/* The bits an encodedList holds, inflated into out; its length, or 0. */
static size_t decode(const char *encoded, uint8_t *out)
{
  static uint8_t gz[GZIP_ENCODE_MAX(BYTES)];
  size_t gz_len = 0, n = 0;
  if (encoded[0] != 'u' ||
      sodium_base642bin(gz, sizeof gz, encoded + 1, strlen(encoded + 1), NULL, &gz_len, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return 0;
  uint8_t *raw = gzip_decode(gz, gz_len, BYTES, &n);
  if (raw) memcpy(out, raw, n);
  free(raw);
  return raw ? n : 0;
}

static void test_encode(void)
{
  static uint8_t back[BYTES];
  memset(bits, 0, sizeof bits);
  bits[0] = 0x80;         /* entry 0 */
  bits[BYTES - 1] = 0x01; /* entry 131071 */
  char *e = statuslist_encode(bits, BYTES);
  CHECK(e && e[0] == 'u' &&
        strspn(e + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                      "0123456789-_") == strlen(e + 1));
  CHECK(e && strlen(e) < 200); /* two bits set: runs of zeros */
  CHECK(e && decode(e, back) == BYTES && memcmp(back, bits, BYTES) == 0);
  free(e);
}

static void test_credential(void)
{
  unsigned char pk[32], sk[64], pk2[32], sk2[64];
  crypto_sign_keypair(pk, sk);
  crypto_sign_keypair(pk2, sk2);
  memset(bits, 0, sizeof bits);
  bits[100] = 0x20; /* entry 802 */
  struct statuslist_info info = {"https://ddc.example/v1/status/7/suspension/0",
                                 "did:web:ddc.example:issuers:7", "did:web:ddc.example:issuers:7#3",
                                 "suspension", "2026-12-04T10:00:00.000000Z"};
  size_t len, len2;
  char *text = statuslist_credential(&info, bits, BYTES, sk, &len);
  char *again = statuslist_credential(&info, bits, BYTES, sk, &len2);
  CHECK(text && again && len == len2 && memcmp(text, again, len) == 0); /* deterministic */
  json_t *c = text ? jcs_load(text, len, NULL) : NULL;
  char *canon = c ? jcs_canonicalize(c, NULL) : NULL;
  CHECK(canon && strcmp(canon, text) == 0);
  json_t *s = json_object_get(c, "credentialSubject");
  CHECK(!strcmp(json_string_value(json_object_get(c, "id")), info.url));
  CHECK(!strcmp(json_string_value(json_object_get(c, "issuer")), info.issuer_did));
  CHECK(!strcmp(json_string_value(json_object_get(c, "validFrom")), info.valid_from));
  CHECK(!strcmp(json_string_value(json_array_get(json_object_get(c, "type"), 1)),
                "BitstringStatusListCredential"));
  CHECK(!strcmp(json_string_value(json_object_get(s, "id")),
                "https://ddc.example/v1/status/7/suspension/0#list"));
  CHECK(!strcmp(json_string_value(json_object_get(s, "type")), "BitstringStatusList"));
  CHECK(!strcmp(json_string_value(json_object_get(s, "statusPurpose")), "suspension"));
  json_t *proof = json_object_get(c, "proof");
  CHECK(!strcmp(json_string_value(json_object_get(proof, "verificationMethod")), info.vm));
  CHECK(!strcmp(json_string_value(json_object_get(proof, "created")), info.valid_from));
  static uint8_t back[BYTES];
  const char *encoded = json_string_value(json_object_get(s, "encodedList"));
  CHECK(encoded && decode(encoded, back) == BYTES && back[100] == 0x20);
  char why[200];
  CHECK(c && dataint_verify(c, pk, why, sizeof why) == 0);
  CHECK(c && dataint_verify(c, pk2, why, sizeof why) != 0);
  bits[100] = 0;
  char *other = statuslist_encode(bits, BYTES);
  json_object_set_new(s, "encodedList", json_string(other));
  CHECK(dataint_verify(c, pk, why, sizeof why) != 0); /* a changed list fails */
  free(other);
  free(canon);
  json_decref(c);
  free(text);
  free(again);
}

int main(void)
{
  if (sodium_init() < 0) return 1;
  RUN(test_encode);
  RUN(test_credential);
  return UNIT_END();
}
