/* dataint.c: eddsa-jcs-2022 Data Integrity proofs (sign, verify, the hash data they share) and
 * the Multikey / base58btc encodings they are written in. */
#include "crypto/dataint.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto/jcs.h"

static const char b58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int dataint_base58_encode(const unsigned char *in, size_t len, char *out, size_t cap)
{
  size_t zeros = 0;
  while (zeros < len && in[zeros] == 0)
    zeros++;
  /* log(256) / log(58) < 1.38: digits of the number, least significant first */
  size_t room = (len - zeros) * 138 / 100 + 1, n = 0;
  unsigned char digits[256];
  if (room > sizeof digits) return -1;
  for (size_t i = zeros; i < len; i++) {
    unsigned carry = in[i];
    for (size_t j = 0; j < n; j++) {
      carry += (unsigned)digits[j] << 8;
      digits[j] = (unsigned char)(carry % 58);
      carry /= 58;
    }
    while (carry) {
      digits[n++] = (unsigned char)(carry % 58);
      carry /= 58;
    }
  }
  if (zeros + n + 1 > cap) return -1;
  size_t w = 0;
  for (size_t i = 0; i < zeros; i++)
    out[w++] = '1';
  while (n)
    out[w++] = b58_alphabet[digits[--n]];
  out[w] = 0;
  return (int)w;
}

int dataint_base58_decode(const char *in, unsigned char *out, size_t cap)
{
  size_t zeros = 0, n = 0, len = strlen(in);
  unsigned char bytes[256]; /* the number, least significant byte first */
  while (zeros < len && in[zeros] == '1')
    zeros++;
  for (size_t i = zeros; i < len; i++) {
    const char *p = in[i] ? strchr(b58_alphabet, in[i]) : NULL;
    if (!p) return -1;
    unsigned carry = (unsigned)(p - b58_alphabet);
    for (size_t j = 0; j < n; j++) {
      carry += (unsigned)bytes[j] * 58;
      bytes[j] = (unsigned char)(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      if (n == sizeof bytes) return -1;
      bytes[n++] = (unsigned char)(carry & 0xff);
      carry >>= 8;
    }
  }
  if (zeros + n > cap) return -1;
  memset(out, 0, zeros);
  for (size_t i = 0; i < n; i++)
    out[zeros + i] = bytes[n - 1 - i];
  return (int)(zeros + n);
}

void dataint_multikey(const unsigned char pk[32], char out[DATAINT_MULTIKEY_MAX])
{
  unsigned char raw[34] = {0xed, 0x01};
  memcpy(raw + 2, pk, 32);
  out[0] = 'z';
  dataint_base58_encode(raw, sizeof raw, out + 1, DATAINT_MULTIKEY_MAX - 1);
}

int dataint_multikey_decode(const char *multikey, unsigned char pk[32])
{
  unsigned char raw[40];
  if (!multikey || multikey[0] != 'z') return -1;
  if (dataint_base58_decode(multikey + 1, raw, sizeof raw) != 34) return -1;
  if (raw[0] != 0xed || raw[1] != 0x01) return -1;
  memcpy(pk, raw + 2, 32);
  return 0;
}

/* SHA-256 of the JCS form of v. */
static int hash_jcs(const json_t *v, unsigned char out[32])
{
  size_t len;
  char *text = jcs_canonicalize(v, &len);
  if (!text) return -1;
  crypto_hash_sha256(out, (const unsigned char *)text, len);
  free(text);
  return 0;
}

int dataint_hash_data(const json_t *document, const json_t *proof_config, unsigned char out[64])
{
  if (hash_jcs(proof_config, out) != 0) return -1;
  return hash_jcs(document, out + 32);
}

/* The proof options of a new proof over unsecured. */
static json_t *proof_config_new(const json_t *unsecured, const char *vm, const char *created)
{
  json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "DataIntegrityProof", "cryptosuite",
                        DATAINT_CRYPTOSUITE, "created", created, "verificationMethod", vm,
                        "proofPurpose", "assertionMethod");
  json_t *ctx = json_object_get(unsecured, "@context");
  if (p && ctx) json_object_set(p, "@context", ctx);
  return p;
}

json_t *dataint_sign(const json_t *unsecured, const char *vm, const char *created,
                     const unsigned char sk[64])
{
  if (!json_is_object(unsecured) || json_object_get(unsecured, "proof") || !vm || !created)
    return NULL;
  json_t *proof = proof_config_new(unsecured, vm, created);
  unsigned char hash[64], sig[64];
  char value[100] = "z";
  if (!proof || dataint_hash_data(unsecured, proof, hash) != 0) {
    json_decref(proof);
    return NULL;
  }
  crypto_sign_detached(sig, NULL, hash, sizeof hash, sk);
  dataint_base58_encode(sig, sizeof sig, value + 1, sizeof value - 1);
  json_object_set_new(proof, "proofValue", json_string(value));
  json_t *secured = json_deep_copy(unsecured);
  json_object_set_new(secured, "proof", proof);
  return secured;
}

#define FAIL(...)                                                                                  \
  do {                                                                                             \
    snprintf(why, whylen, __VA_ARGS__);                                                            \
    goto out;                                                                                      \
  } while (0)

/* Whether the proof's @context is the document's or a prefix of it (vc-di-eddsa, 3.3.2). */
static int context_matches(const json_t *doc_ctx, const json_t *proof_ctx)
{
  if (!proof_ctx) return 1;
  if (!doc_ctx) return 0;
  if (!json_is_array(proof_ctx) || !json_is_array(doc_ctx)) return json_equal(doc_ctx, proof_ctx);
  if (json_array_size(proof_ctx) > json_array_size(doc_ctx)) return 0;
  for (size_t i = 0; i < json_array_size(proof_ctx); i++)
    if (!json_equal(json_array_get(doc_ctx, i), json_array_get(proof_ctx, i))) return 0;
  return 1;
}

int dataint_verify(const json_t *secured, const unsigned char pk[32], char *why, size_t whylen)
{
  int rc = -1;
  json_t *doc = NULL, *config = NULL;
  const json_t *proof = json_object_get(secured, "proof");
  unsigned char hash[64], sig[64];
  if (!json_is_object(proof)) FAIL("the credential has no single proof object");
  if (strcmp(json_string_value(json_object_get(proof, "type")) ?: "", "DataIntegrityProof"))
    FAIL("the proof's type is not DataIntegrityProof");
  if (strcmp(json_string_value(json_object_get(proof, "cryptosuite")) ?: "", DATAINT_CRYPTOSUITE))
    FAIL("the proof's cryptosuite is not " DATAINT_CRYPTOSUITE);
  const char *value = json_string_value(json_object_get(proof, "proofValue"));
  if (!value || value[0] != 'z' || dataint_base58_decode(value + 1, sig, sizeof sig) != 64)
    FAIL("the proofValue is not z + base58btc of a 64-byte signature");
  if (!context_matches(json_object_get(secured, "@context"), json_object_get(proof, "@context")))
    FAIL("the proof's @context does not match the credential's");
  doc = json_deep_copy(secured);
  json_object_del(doc, "proof");
  config = json_deep_copy(proof);
  json_object_del(config, "proofValue");
  if (dataint_hash_data(doc, config, hash) != 0) FAIL("the credential cannot be canonicalized");
  if (crypto_sign_verify_detached(sig, hash, sizeof hash, pk) != 0)
    FAIL("the signature does not verify with the key");
  rc = 0;
out:
  json_decref(doc);
  json_decref(config);
  return rc;
}
