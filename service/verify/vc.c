/* vc.c: the verdict on a W3C Verifiable Credential of a ddcd certificate; see vc.h. */
#include "verify/vc.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/dataint.h"
#include "crypto/gzip.h"
#include "crypto/jcs.h"

static const char *vc_s(const json_t *o, const char *name)
{
  return json_string_value(json_object_get(o, name));
}

static void vc_check(json_t *checks, const char *name, int ok, const char *detail)
{
  json_array_append_new(checks,
                        json_pack("{s:s, s:b, s:s}", "name", name, "ok", ok, "detail", detail));
}

/* The issuer's id: issuer as a string or issuer.id. */
static const char *vc_issuer(const json_t *cred)
{
  const json_t *i = json_object_get(cred, "issuer");
  return json_is_string(i) ? json_string_value(i) : vc_s(i, "id");
}

/* The key of verification method vm in the DID document, when the document is the issuer's and
 * lists vm as an assertion method: 0, or -1 with why. */
static int vc_key(const json_t *doc, const char *issuer, const char *vm, uint8_t pk[32], char *why,
                  size_t whylen)
{
  size_t n = issuer ? strlen(issuer) : 0, i;
  const json_t *m, *a;
  int listed = 0;
  if (!issuer || !vm || strncmp(vm, issuer, n) || vm[n] != '#') {
    snprintf(why, whylen, "the verification method is not one of the issuer's DID");
    return -1;
  }
  if (!vc_s(doc, "id") || strcmp(vc_s(doc, "id"), issuer)) {
    snprintf(why, whylen, "the DID document is not %s's", issuer);
    return -1;
  }
  json_array_foreach(json_object_get(doc, "assertionMethod"), i, a) listed |=
      json_is_string(a) && !strcmp(json_string_value(a), vm);
  json_array_foreach(json_object_get(doc, "verificationMethod"), i, m)
  {
    if (!vc_s(m, "id") || strcmp(vc_s(m, "id"), vm)) continue;
    if (!listed || !vc_s(m, "publicKeyMultibase") || strcmp(vc_s(m, "type"), "Multikey") ||
        dataint_multikey_decode(vc_s(m, "publicKeyMultibase"), pk) != 0)
      break;
    return 0;
  }
  snprintf(why, whylen, "the DID document has no Multikey assertion method %s", vm);
  return -1;
}

/* Checks a credential's (or status list's) proof against the issuer's DID document. */
static int vc_proof_ok(const json_t *cred, const json_t *doc, uint8_t pk[32], char *why,
                       size_t whylen)
{
  const char *vm = vc_s(json_object_get(cred, "proof"), "verificationMethod");
  if (vc_key(doc, vc_issuer(cred), vm, pk, why, whylen) != 0) return 0;
  if (dataint_verify(cred, pk, why, whylen) != 0) return 0;
  snprintf(why, whylen, "eddsa-jcs-2022 by %s", vm);
  return 1;
}

int vc_status_bit(const json_t *list_cred, long index, char *why, size_t whylen)
{
  const char *enc = vc_s(json_object_get(list_cred, "credentialSubject"), "encodedList");
  size_t n = enc ? strlen(enc) : 0, raw_len, bits_len;
  uint8_t *raw = n > 1 ? malloc(n) : NULL, *bits = NULL;
  int bit = -1;
  if (!raw || enc[0] != 'u' ||
      sodium_base642bin(raw, n, enc + 1, n - 1, NULL, &raw_len, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    snprintf(why, whylen, "encodedList is not multibase base64url");
  else if (!(bits = gzip_decode(raw, raw_len, VC_LIST_MAX, &bits_len)))
    snprintf(why, whylen, "encodedList is not a GZIP file");
  else if (index < 0 || (size_t)index / 8 >= bits_len)
    snprintf(why, whylen, "index %ld is beyond the list's %zu entries", index, bits_len * 8);
  else
    bit = bits[index / 8] >> (7 - index % 8) & 1;
  free(raw);
  free(bits);
  return bit;
}

/* Whether list is the publication of its purpose and number that the bundle names as logged
 * (status_lists[].event, a status_list_published event holding the SHA-256 of the list's JCS
 * text): " (the logged list)", " (not the logged list: newer than the log's)", or "" when the
 * bundle names none. */
static const char *vc_list_logged(const json_t *list, const char *purpose, const json_t *bundle)
{
  const char *id = vc_s(list, "id"), *slash = id ? strrchr(id, '/') : NULL, *want = NULL;
  long long n = slash ? strtoll(slash + 1, NULL, 10) : -1;
  size_t i, len;
  const json_t *s;
  json_t *ev = NULL;
  json_array_foreach(json_object_get(bundle, "status_lists"), i, s)
  {
    const char *canon = vc_s(json_object_get(s, "event"), "canonical");
    if (!canon || !vc_s(s, "purpose") || strcmp(vc_s(s, "purpose"), purpose) ||
        json_integer_value(json_object_get(s, "list")) != n)
      continue;
    ev = jcs_load(canon, strlen(canon), NULL);
    want = vc_s(json_object_get(ev, "data"), "sha256");
    break;
  }
  char *text = want ? jcs_canonicalize(list, &len) : NULL, got[65] = "";
  uint8_t h[32];
  if (text) {
    crypto_hash_sha256(h, (const uint8_t *)text, len);
    codes_hex(h, 32, got);
  }
  const char *r = !want                ? ""
                  : !strcmp(got, want) ? " (the logged list)"
                                       : " (not the logged list: newer than the log's)";
  free(text);
  json_decref(ev);
  return r;
}

/* One status entry against the given lists: its bit (0 or 1), or -1 with why; *logged says how
 * the list compares with the bundle's logged one (vc_list_logged). */
static int vc_entry(const json_t *e, const struct vc_inputs *in, char *why, size_t whylen,
                    const char **logged)
{
  const char *list_id = vc_s(e, "statusListCredential"), *idx = vc_s(e, "statusListIndex");
  uint8_t pk[32];
  for (int i = 0; i < 4 && in->lists[i]; i++) {
    const json_t *l = in->lists[i];
    if (!list_id || !vc_s(l, "id") || strcmp(vc_s(l, "id"), list_id)) continue;
    const char *purpose = vc_s(json_object_get(l, "credentialSubject"), "statusPurpose");
    if (!purpose || !vc_s(e, "statusPurpose") || strcmp(purpose, vc_s(e, "statusPurpose"))) {
      snprintf(why, whylen, "the list %s is not for %s", list_id, vc_s(e, "statusPurpose"));
      return -1;
    }
    if (!vc_proof_ok(l, in->did_doc, pk, why, whylen)) return -1;
    *logged = vc_list_logged(l, purpose, in->bundle);
    char *end;
    long index = idx ? strtol(idx, &end, 10) : -1;
    if (!idx || *end || !*idx) index = -1;
    return vc_status_bit(l, index, why, whylen);
  }
  snprintf(why, whylen, "no status list %s was given", list_id ? list_id : "(unnamed)");
  return -1;
}

/* The status check: each entry's bit; *status set to revoked or frozen by a set bit. */
static void vc_status(json_t *checks, const json_t *cred, const struct vc_inputs *in,
                      const char **status)
{
  char why[300] = "no status entries", detail[600] = "";
  size_t i;
  const json_t *e;
  int ok = 1;
  json_array_foreach(json_object_get(cred, "credentialStatus"), i, e)
  {
    const char *purpose = vc_s(e, "statusPurpose"), *logged = "";
    int bit = vc_entry(e, in, why, sizeof why, &logged);
    if (bit < 0) ok = 0;
    if (bit == 1) *status = purpose && !strcmp(purpose, "revocation") ? "revoked" : "frozen";
    size_t n = strlen(detail);
    snprintf(detail + n, sizeof detail - n, "%s%s: %s%s", n ? "; " : "", purpose ? purpose : "?",
             bit < 0 ? why
             : bit   ? "set"
                     : "clear",
             bit < 0 ? "" : logged);
  }
  vc_check(checks, "status", ok, detail[0] ? detail : why);
}

/* A named check's ok in a bundle verdict. */
static int vc_bundle_ok(const json_t *verdict, const char *name)
{
  size_t i;
  const json_t *c;
  json_array_foreach(
      json_object_get(verdict, "checks"), i,
      c) if (!strcmp(vc_s(c, "name"), name)) return json_is_true(json_object_get(c, "ok"));
  return 0;
}

/* The evidence's DdcDocument digest equals u + base64url(multihash sha2-256(document)). */
static int vc_digest_ok(const json_t *cred, const char *document)
{
  uint8_t mh[34] = {0x12, 0x20};
  char want[64] = "u";
  size_t i;
  const json_t *ev;
  if (!document) return 0;
  crypto_hash_sha256(mh + 2, (const uint8_t *)document, strlen(document));
  sodium_bin2base64(want + 1, sizeof want - 1, mh, sizeof mh,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  json_array_foreach(json_object_get(cred, "evidence"), i,
                     ev) if (vc_s(ev, "digestMultibase") &&
                             !strcmp(vc_s(ev, "digestMultibase"), want)) return 1;
  return 0;
}

/* key_in_log, document_in_log and anchored from the bundle and its verdict. */
static void vc_log_checks(json_t *checks, const json_t *cred, const uint8_t pk[32],
                          const json_t *bundle, const json_t *bv)
{
  const json_t *sk = json_object_get(bundle, "signing_key");
  const char *b64 = vc_s(sk, "public_key");
  uint8_t bpk[32];
  size_t n = 0;
  int same = b64 &&
             sodium_base642bin(bpk, 32, b64, strlen(b64), NULL, &n, NULL,
                               sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
             n == 32 && !memcmp(bpk, pk, 32);
  int key_ok = same && vc_bundle_ok(bv, "key_valid_at_issue") &&
               vc_bundle_ok(bv, "key_events_match") && vc_bundle_ok(bv, "issuer_signature");
  vc_check(checks, "key_in_log", key_ok,
           !same    ? "the bundle's signing key is not the credential's"
           : key_ok ? "the key was the issuer's at issuance, by the log"
                    : "the log does not show the key valid at issuance");
  const char *code = vc_s(json_object_get(cred, "credentialSubject"), "code");
  const json_t *cert = json_object_get(bv, "certificate");
  int doc_ok = vc_digest_ok(cred, vc_s(bundle, "document")) && code && vc_s(cert, "code") &&
               !strcmp(code, vc_s(cert, "code")) && vc_bundle_ok(bv, "document_hash") &&
               vc_bundle_ok(bv, "events_in_log");
  vc_check(checks, "document_in_log", doc_ok,
           doc_ok ? "the evidence's digest is the logged document"
                  : "the evidence does not name the bundle's logged document");
  const char *r = vc_s(bv, "result");
  int anchored = r && strcmp(r, "not_yet_anchored") && vc_bundle_ok(bv, "checkpoint_signature");
  vc_check(checks, "anchored", anchored,
           anchored ? "in a signed checkpoint" : "not yet in a final checkpoint");
}

json_t *vc_verdict(const json_t *cred, const struct vc_inputs *in)
{
  json_t *checks = json_array(), *bv = in->bundle_verdict ? json_incref(in->bundle_verdict) : NULL;
  char why[300];
  uint8_t pk[32] = {0};
  const char *status = NULL, *vm = vc_s(json_object_get(cred, "proof"), "verificationMethod");
  int proof = vc_proof_ok(cred, in->did_doc, pk, why, sizeof why);
  vc_check(checks, "proof", proof, why);
  if (in->bundle && !bv) bv = bundle_verdict(in->bundle, in->trust);
  if (bv) vc_log_checks(checks, cred, pk, in->bundle, bv);
  if (in->lists[0])
    vc_status(checks, cred, in, &status);
  else if (bv)
    vc_check(checks, "status", vc_bundle_ok(bv, "status_matches_events"),
             "from the certificate's logged events");
  int failed = 0;
  size_t i;
  const json_t *c;
  json_array_foreach(checks, i, c) failed |=
      !json_is_true(json_object_get(c, "ok")) && strcmp(vc_s(c, "name"), "anchored");
  const char *result = failed   ? "invalid"
                       : status ? status
                       : bv     ? vc_s(bv, "result")
                                : "not_checked_in_log";
  json_t *v = json_pack("{s:s, s:o, s:{s:s?, s:s?, s:s?}}", "result", result, "checks", checks,
                        "credential", "id", vc_s(cred, "id"), "issuer", vc_issuer(cred),
                        "verification_method", vm);
  json_t *profile = json_object_get(json_object_get(bv, "issuer"), "profile");
  if (v && profile) json_object_set(v, "issuer_profile", profile); /* logged, in the tree */
  json_decref(bv);
  return v;
}
