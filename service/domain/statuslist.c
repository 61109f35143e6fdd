/* statuslist.c: Bitstring Status List credentials (see statuslist.h). */
#include "domain/statuslist.h"
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include "crypto/dataint.h"
#include "crypto/gzip.h"
#include "crypto/jcs.h"

char *statuslist_encode(const uint8_t *bits, size_t n)
{
  uint8_t *gz = malloc(GZIP_ENCODE_MAX(n));
  if (!gz) return NULL;
  size_t len = gzip_encode(bits, n, gz);
  size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) + 1;
  char *out = malloc(cap);
  if (out) {
    out[0] = 'u';
    sodium_bin2base64(out + 1, cap - 1, gz, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  }
  free(gz);
  return out;
}

/* The unsigned credential. */
static json_t *statuslist_unsigned(const struct statuslist_info *info, const char *encoded)
{
  char subject[1100];
  if ((size_t)snprintf(subject, sizeof subject, "%s#list", info->url) >= sizeof subject)
    return NULL;
  return json_pack("{s:[s], s:s, s:[s,s], s:s, s:s, s:{s:s, s:s, s:s, s:s}}", "@context",
                   "https://www.w3.org/ns/credentials/v2", "id", info->url, "type",
                   "VerifiableCredential", "BitstringStatusListCredential", "issuer",
                   info->issuer_did, "validFrom", info->valid_from, "credentialSubject", "id",
                   subject, "type", "BitstringStatusList", "statusPurpose", info->purpose,
                   "encodedList", encoded);
}

char *statuslist_credential(const struct statuslist_info *info, const uint8_t *bits, size_t n,
                            const unsigned char sk[64], size_t *len)
{
  char *encoded = statuslist_encode(bits, n), *text = NULL;
  json_t *doc = encoded ? statuslist_unsigned(info, encoded) : NULL;
  json_t *signed_doc = doc ? dataint_sign(doc, info->vm, info->valid_from, sk) : NULL;
  if (signed_doc) text = jcs_canonicalize(signed_doc, len);
  json_decref(signed_doc);
  json_decref(doc);
  free(encoded);
  return text;
}
