/* test_vc.c: the status-bit decoder of verify/vc.c (vc_status_bit) and the status check of
 * vc_verdict over signed status lists. Bits are read as Bitstring Status List v1.0 says (index 0
 * is the first byte's most significant bit), from lists made here with gzip_encode and from the
 * specification's example list; refusals: no multibase "u", not GZIP, an index beyond the list or
 * negative, a list inflating past VC_LIST_MAX. Then a credential with two status entries judged
 * against lists signed (eddsa-jcs-2022) by a key of a DID document made here: clear, revoked,
 * suspended, a list signed by another key, a list of the wrong purpose, a missing list; and
 * whether a list is the publication a bundle names as logged. */
#include <sodium.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/dataint.h"
#include "crypto/gzip.h"
#include "crypto/jcs.h"
#include "unit.h"
#include "verify/vc.h"

#define ENTRIES 131072
#define ISSUER "did:web:ddc.example:issuers:7"
#define VM ISSUER "#3"
#define LIST_URL "https://ddc.example/v1/status/7/%s/0"

/* {credentialSubject: {encodedList: "u" + base64url(GZIP(bits[0..n)))}}. */
static json_t *list_of(const uint8_t *bits, size_t n)
{
  uint8_t *gz = malloc(GZIP_ENCODE_MAX(n));
  size_t gl = gzip_encode(bits, n, gz), cap = sodium_base64_encoded_len(gl, 7) + 1;
  char *enc = malloc(cap + 1);
  enc[0] = 'u';
  sodium_bin2base64(enc + 1, cap, gz, gl, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  json_t *l = json_pack("{s:{s:s}}", "credentialSubject", "encodedList", enc);
  free(gz);
  free(enc);
  return l;
}

static int bit_at(const json_t *l, long index)
{
  char why[200];
  return vc_status_bit(l, index, why, sizeof why);
}

static void test_bit_order(void)
{
  static uint8_t bits[ENTRIES / 8];
  memset(bits, 0, sizeof bits);
  bits[0] = 0x80;               /* index 0: the first byte's most significant bit */
  bits[1] = 0x01;               /* index 15: the second byte's least significant bit */
  bits[94567 / 8] |= 0x80 >> 7; /* 94567 % 8 == 7 */
  bits[sizeof bits - 1] = 0x01; /* the last index */
  json_t *l = list_of(bits, sizeof bits);
  CHECK(bit_at(l, 0) == 1);
  CHECK(bit_at(l, 1) == 0 && bit_at(l, 7) == 0 && bit_at(l, 8) == 0 && bit_at(l, 14) == 0);
  CHECK(bit_at(l, 15) == 1);
  CHECK(bit_at(l, 16) == 0);
  CHECK(bit_at(l, 94567) == 1);
  CHECK(bit_at(l, 94566) == 0 && bit_at(l, 94568) == 0);
  CHECK(bit_at(l, ENTRIES - 1) == 1);
  CHECK(bit_at(l, ENTRIES - 2) == 0);
  char why[200] = "";
  CHECK(vc_status_bit(l, ENTRIES, why, sizeof why) == -1);
  CHECK(strstr(why, "beyond the list's 131072 entries") != NULL);
  CHECK(bit_at(l, -1) == -1);
  json_decref(l);
}

/* The W3C specification's example: 16 KiB of zeros. */
static void test_spec_example(void)
{
  json_t *l = json_pack("{s:{s:s}}", "credentialSubject", "encodedList",
                        "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA");
  CHECK(bit_at(l, 0) == 0);
  CHECK(bit_at(l, 65536) == 0);
  CHECK(bit_at(l, ENTRIES - 1) == 0);
  CHECK(bit_at(l, ENTRIES) == -1);
  json_decref(l);
}

static void test_refusals(void)
{
  char why[200];
  json_t *l = json_pack("{s:{s:s}}", "credentialSubject", "encodedList",
                        "zH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA");
  CHECK(vc_status_bit(l, 0, why, sizeof why) == -1 && strstr(why, "multibase"));
  json_decref(l);
  l = json_pack("{s:{s:s}}", "credentialSubject", "encodedList", "uAAAAAAAAAAAAAAA");
  CHECK(vc_status_bit(l, 0, why, sizeof why) == -1 && strstr(why, "GZIP"));
  json_decref(l);
  l = json_pack("{s:{}}", "credentialSubject");
  CHECK(vc_status_bit(l, 0, why, sizeof why) == -1);
  json_decref(l);
  CHECK(vc_status_bit(json_null(), 0, why, sizeof why) == -1);
  /* a bomb: past VC_LIST_MAX inflated */
  size_t n = VC_LIST_MAX + 8;
  uint8_t *zeros = calloc(n, 1);
  l = list_of(zeros, n);
  CHECK(vc_status_bit(l, 0, why, sizeof why) == -1 && strstr(why, "GZIP"));
  json_decref(l);
  free(zeros);
}

/* --- the status check of vc_verdict over signed lists --- */

static uint8_t pk[32], sk[64], other_pk[32], other_sk[64];

static json_t *did_doc(void)
{
  char mk[DATAINT_MULTIKEY_MAX];
  dataint_multikey(pk, mk);
  return json_pack("{s:s, s:[{s:s, s:s, s:s, s:s}], s:[s]}", "id", ISSUER, "verificationMethod",
                   "id", VM, "type", "Multikey", "controller", ISSUER, "publicKeyMultibase", mk,
                   "assertionMethod", VM);
}

/* A BitstringStatusListCredential of purpose with index set (or none: -1), signed by key. */
static json_t *signed_list(const char *purpose, long set, const uint8_t *key)
{
  static uint8_t bits[ENTRIES / 8];
  char id[200];
  memset(bits, 0, sizeof bits);
  if (set >= 0) bits[set / 8] |= (uint8_t)(0x80 >> (set % 8));
  snprintf(id, sizeof id, LIST_URL, purpose);
  json_t *l = list_of(bits, sizeof bits);
  json_t *cs = json_object_get(l, "credentialSubject");
  json_object_set_new(cs, "type", json_string("BitstringStatusList"));
  json_object_set_new(cs, "statusPurpose", json_string(purpose));
  json_object_set_new(l, "id", json_string(id));
  json_object_set_new(l, "issuer", json_string(ISSUER));
  json_object_set_new(l, "type",
                      json_pack("[s, s]", "VerifiableCredential", "BitstringStatusListCredential"));
  json_t *s = dataint_sign(l, VM, "2026-01-01T00:00:00Z", key);
  json_decref(l);
  return s;
}

static json_t *credential(long index)
{
  char rev[200], sus[200], idx[16];
  snprintf(rev, sizeof rev, LIST_URL, "revocation");
  snprintf(sus, sizeof sus, LIST_URL, "suspension");
  snprintf(idx, sizeof idx, "%ld", index);
  json_t *c = json_pack(
      "{s:[s], s:s, s:{s:s}, s:{s:s}, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]}", "@context",
      "https://www.w3.org/ns/credentials/v2", "type", "VerifiableCredential", "issuer", "id",
      ISSUER, "credentialSubject", "code", "abc", "credentialStatus", "type",
      "BitstringStatusListEntry", "statusPurpose", "revocation", "statusListIndex", idx,
      "statusListCredential", rev, "type", "BitstringStatusListEntry", "statusPurpose",
      "suspension", "statusListIndex", idx, "statusListCredential", sus);
  json_t *s = dataint_sign(c, VM, "2026-01-01T00:00:00Z", sk);
  json_decref(c);
  return s;
}

/* The canonical text of a status_list_published event logging list (the SHA-256 of its JCS). */
static json_t *logged_event(const json_t *list)
{
  size_t len;
  char *text = jcs_canonicalize(list, &len), hex[65], canon[300];
  uint8_t h[32];
  crypto_hash_sha256(h, (const uint8_t *)text, len);
  codes_hex(h, 32, hex);
  snprintf(canon, sizeof canon,
           "{\"account\":7,\"data\":{\"list\":0,\"sha256\":\"%s\"},"
           "\"type\":\"status_list_published\",\"v\":\"ddc.event/v1\"}",
           hex);
  free(text);
  return json_string(canon);
}

/* vc_verdict of cred against doc and the lists a, b: its result, its status check's ok and
 * detail (into detail). */
static json_t *bundle_for_status; /* a bundle naming logged lists, or NULL */

static const char *judge(json_t *cred, json_t *doc, json_t *a, json_t *b, int *ok, char *detail)
{
  static char result[40];
  static const struct bundle_trust trust = {0};
  struct vc_inputs in = {
      .did_doc = doc, .lists = {a, b, NULL}, .bundle = bundle_for_status, .trust = &trust};
  json_t *v = vc_verdict(cred, &in), *c;
  size_t i;
  *ok = -1;
  json_array_foreach(json_object_get(v, "checks"), i, c)
  {
    if (strcmp(json_string_value(json_object_get(c, "name")), "status")) continue;
    *ok = json_is_true(json_object_get(c, "ok"));
    snprintf(detail, 600, "%s", json_string_value(json_object_get(c, "detail")));
  }
  snprintf(result, sizeof result, "%s", json_string_value(json_object_get(v, "result")));
  json_decref(v);
  return result;
}

static void test_verdict_status(void)
{
  const long index = 94567;
  char detail[600];
  int ok;
  json_t *doc = did_doc(), *cred = credential(index);
  json_t *rev0 = signed_list("revocation", -1, sk), *sus0 = signed_list("suspension", -1, sk);
  json_t *rev1 = signed_list("revocation", index, sk), *sus1 = signed_list("suspension", index, sk);
  json_t *near = signed_list("revocation", index + 1, sk);
  json_t *forged = signed_list("revocation", -1, other_sk);
  CHECK(cred && doc && rev0 && sus0 && rev1 && sus1 && near && forged);
  CHECK(!strcmp(judge(cred, doc, rev0, sus0, &ok, detail), "not_checked_in_log"));
  CHECK(ok == 1 && !strcmp(detail, "revocation: clear; suspension: clear"));
  CHECK(!strcmp(judge(cred, doc, rev1, sus0, &ok, detail), "revoked"));
  CHECK(ok == 1 && !strcmp(detail, "revocation: set; suspension: clear"));
  CHECK(!strcmp(judge(cred, doc, sus1, rev0, &ok, detail), "frozen")); /* any order */
  CHECK(!strcmp(judge(cred, doc, near, sus0, &ok, detail), "not_checked_in_log"));
  CHECK(ok == 1);
  CHECK(!strcmp(judge(cred, doc, forged, sus0, &ok, detail), "invalid"));
  CHECK(ok == 0 && strstr(detail, "revocation: ") && strstr(detail, "suspension: clear"));
  CHECK(!strcmp(judge(cred, doc, rev0, NULL, &ok, detail), "invalid"));
  CHECK(ok == 0 && strstr(detail, "no status list") != NULL);
  /* a suspension list served where the revocation list is named */
  json_object_set(sus0, "id", json_object_get(rev0, "id"));
  CHECK(!strcmp(judge(cred, doc, sus0, NULL, &ok, detail), "invalid"));
  CHECK(ok == 0 && strstr(detail, "is not for revocation") != NULL);
  /* a bundle naming the logged publications: the list served is, or is not, the logged one */
  json_decref(sus0);
  sus0 = signed_list("suspension", -1, sk);
  bundle_for_status =
      json_pack("{s:[{s:s, s:i, s:{s:o}}, {s:s, s:i, s:{s:o}}]}", "status_lists", "purpose",
                "revocation", "list", 0, "event", "canonical", logged_event(rev1), "purpose",
                "suspension", "list", 0, "event", "canonical", logged_event(rev0));
  judge(cred, doc, rev1, sus0, &ok, detail);
  CHECK(ok == 1);
  CHECK(!strcmp(detail, "revocation: set (the logged list); suspension: clear (not the logged "
                        "list: newer than the log's)"));
  json_decref(bundle_for_status);
  bundle_for_status = NULL;
  json_t *all[] = {doc, cred, rev0, sus0, rev1, sus1, near, forged};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    json_decref(all[i]);
}

int main(void)
{
  if (sodium_init() < 0) return 1;
  crypto_sign_keypair(pk, sk);
  crypto_sign_keypair(other_pk, other_sk);
  RUN(test_bit_order);
  RUN(test_spec_example);
  RUN(test_refusals);
  RUN(test_verdict_status);
  return UNIT_END();
}
