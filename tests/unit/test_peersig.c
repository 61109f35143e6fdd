/* test_peersig.c: the ddc peer protocol's request signatures and statements: a header value made
 * here parses and verifies; every member and every signed input (method, path, body, callee,
 * time, key) changed fails; the time window's edges; malformed values; statements signed,
 * verified, tampered with and checked against another key; a signature made independently of
 * peersig.c over the documented bytes verifies. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "crypto/jcs.h"
#include "peer/peersig.h"
#include "unit.h"

static struct note_signer alice, bob;
static struct note_verifier alice_v, bob_v;

static const char body[] = "{\"type\":\"ddc.peer.packet/v1\",\"export_id\":7}";
#define NOW 1700000000

static void keys(void)
{
  uint8_t seed[32] = {1};
  CHECK(note_signer_init(&alice, "a.example/log", NOTE_ALG_ED25519, seed) == 0);
  seed[0] = 2;
  CHECK(note_signer_init(&bob, "b.example/log", NOTE_ALG_ED25519, seed) == 0);
  note_signer_public(&alice, &alice_v);
  note_signer_public(&bob, &bob_v);
}

static int verify_value(const char *value, const struct note_verifier *v, const char *method,
                        const char *path, const char *b, const char *callee, int64_t now)
{
  struct peersig_header h;
  if (peersig_parse(value, &h) != PEERSIG_OK) return PEERSIG_MALFORMED;
  return peersig_verify(&h, v, method, path, b, strlen(b), callee, now);
}

static void test_round_trip(void)
{
  char v[PEERSIG_VALUE_MAX], kid[9];
  int n = peersig_sign(&alice, "POST", "/v1/peer/imports", body, strlen(body), "b.example/log", NOW,
                       v, sizeof v);
  CHECK(n > 0 && (size_t)n == strlen(v));
  peersig_keyid_hex(alice.id, kid);
  CHECK(strncmp(v, "keyid=", 6) == 0 && strncmp(v + 6, kid, 8) == 0);
  CHECK(strstr(v, ",created=1700000000,sig=") != NULL);
  struct peersig_header h;
  CHECK(peersig_parse(v, &h) == PEERSIG_OK && h.keyid == alice.id && h.created == NOW);
  CHECK(verify_value(v, &alice_v, "POST", "/v1/peer/imports", body, "b.example/log", NOW) ==
        PEERSIG_OK);
  /* each signed input changed */
  CHECK(verify_value(v, &alice_v, "GET", "/v1/peer/imports", body, "b.example/log", NOW) ==
        PEERSIG_BAD);
  CHECK(verify_value(v, &alice_v, "POST", "/v1/peer/imports/x", body, "b.example/log", NOW) ==
        PEERSIG_BAD);
  CHECK(verify_value(v, &alice_v, "POST", "/v1/peer/imports", "{}", "b.example/log", NOW) ==
        PEERSIG_BAD);
  CHECK(verify_value(v, &alice_v, "POST", "/v1/peer/imports", body, "c.example/log", NOW) ==
        PEERSIG_BAD);
  /* another key, even one claiming the same key id */
  CHECK(verify_value(v, &bob_v, "POST", "/v1/peer/imports", body, "b.example/log", NOW) ==
        PEERSIG_BAD);
  struct note_verifier fake = bob_v;
  fake.id = alice.id;
  CHECK(verify_value(v, &fake, "POST", "/v1/peer/imports", body, "b.example/log", NOW) ==
        PEERSIG_BAD);
  /* an empty body signs the hash of nothing */
  n = peersig_sign(&alice, "POST", "/x/close", NULL, 0, "b.example/log", NOW, v, sizeof v);
  CHECK(n > 0 &&
        verify_value(v, &alice_v, "POST", "/x/close", "", "b.example/log", NOW) == PEERSIG_OK);
  CHECK(peersig_sign(&alice, "POST", "/", NULL, 0, "b", NOW, v, PEERSIG_VALUE_MAX - 1) == -1);
}

static void test_time_window(void)
{
  char v[PEERSIG_VALUE_MAX];
  peersig_sign(&alice, "POST", "/p", body, strlen(body), "b.example/log", NOW, v, sizeof v);
  CHECK(verify_value(v, &alice_v, "POST", "/p", body, "b.example/log", NOW + PEERSIG_MAX_SKEW) ==
        PEERSIG_OK);
  CHECK(verify_value(v, &alice_v, "POST", "/p", body, "b.example/log", NOW - PEERSIG_MAX_SKEW) ==
        PEERSIG_OK);
  CHECK(verify_value(v, &alice_v, "POST", "/p", body, "b.example/log",
                     NOW + PEERSIG_MAX_SKEW + 1) == PEERSIG_EXPIRED);
  CHECK(verify_value(v, &alice_v, "POST", "/p", body, "b.example/log",
                     NOW - PEERSIG_MAX_SKEW - 1) == PEERSIG_EXPIRED);
  /* a changed created time breaks the signature */
  char *c = strstr(v, "created=") + 8;
  c[9] = c[9] == '0' ? '1' : '0';
  CHECK(verify_value(v, &alice_v, "POST", "/p", body, "b.example/log", NOW) == PEERSIG_BAD);
}

static void test_malformed(void)
{
  struct peersig_header h;
  char good[PEERSIG_VALUE_MAX], bad[2 * PEERSIG_VALUE_MAX];
  peersig_sign(&alice, "POST", "/p", NULL, 0, "b", NOW, good, sizeof good);
  const char *sig = strstr(good, "sig=") + 4;
  const char *cases[] = {"",
                         "keyid=0a1b2c3d",
                         "keyid=0a1b2c3,created=1,sig=AA",
                         "keyid=0a1b2c3g,created=1,sig=AA",
                         "created=1,keyid=0a1b2c3d,sig=AA",
                         "keyid=0a1b2c3d,created=01,sig=AA",
                         "keyid=0a1b2c3d,created=-1,sig=AA",
                         "keyid=0a1b2c3d,created=1,sig=AA",
                         "keyid=0a1b2c3d,created=1,sig=",
                         NULL};
  for (int i = 0; cases[i]; i++)
    CHECK(peersig_parse(cases[i], &h) == PEERSIG_MALFORMED);
  snprintf(bad, sizeof bad, "keyid=0a1b2c3d,created=1,sig=%s=", sig); /* padded */
  CHECK(peersig_parse(bad, &h) == PEERSIG_MALFORMED);
  snprintf(bad, sizeof bad, "keyid=0a1b2c3d,created=1,sig=%s,x=1", sig);
  CHECK(peersig_parse(bad, &h) == PEERSIG_MALFORMED);
  snprintf(bad, sizeof bad, "keyid=0A1B2C3D,created=1,sig=%s", sig); /* hex in either case */
  CHECK(peersig_parse(bad, &h) == PEERSIG_OK && h.keyid == 0x0a1b2c3d && h.created == 1);
  CHECK(peersig_parse(NULL, &h) == PEERSIG_MALFORMED);
}

/* The documented bytes signed by libsodium directly verify through peersig_verify. */
static void test_documented_bytes(void)
{
  uint8_t hash[32], sig[64];
  char hex[65], msg[512], v[2 * PEERSIG_VALUE_MAX], b64[100];
  crypto_hash_sha256(hash, (const uint8_t *)body, strlen(body));
  for (int i = 0; i < 32; i++)
    sprintf(hex + 2 * i, "%02x", hash[i]);
  int n = snprintf(msg, sizeof msg,
                   "ddc-peer-request/v1\nPOST\n/v1/peer/imports\n%d\n%s\nb.example/log", NOW, hex);
  crypto_sign_detached(sig, NULL, (const uint8_t *)msg, (size_t)n, alice.sk);
  sodium_bin2base64(b64, sizeof b64, sig, 64, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  snprintf(v, sizeof v, "keyid=%08" PRIx32 ",created=%d,sig=%s", alice.id, NOW, b64);
  CHECK(verify_value(v, &alice_v, "POST", "/v1/peer/imports", body, "b.example/log", NOW) ==
        PEERSIG_OK);
}

static void test_statements(void)
{
  json_t *s = json_pack("{s:s, s:I, s:s, s:s}", "type", "ddc.peer.refusal/v1", "export_id",
                        (json_int_t)42, "source_keyid", "0a1b2c3d", "reason", "deadline_passed");
  CHECK(peersig_statement_sign(s, &bob) == 0);
  CHECK(json_is_string(json_object_get(s, "signature")));
  char vkey[NOTE_VKEY_MAX];
  note_verifier_format(&bob_v, vkey, sizeof vkey);
  CHECK(strcmp(json_string_value(json_object_get(s, "log_key")), vkey) == 0);
  CHECK(peersig_statement_verify(s, &bob_v) == PEERSIG_OK);
  CHECK(peersig_statement_verify(s, &alice_v) == PEERSIG_BAD);
  /* through its JCS text and back, as a peer receives it */
  size_t len;
  char *text = peersig_statement_text(s, &len);
  json_t *back = text ? jcs_load(text, len, NULL) : NULL;
  CHECK(back && peersig_statement_verify(back, &bob_v) == PEERSIG_OK);
  /* the documented bytes: tag and the JCS text without the signature */
  json_t *bare = json_copy(back);
  json_object_del(bare, "signature");
  char *jcs = jcs_canonicalize(bare, &len);
  char msg[1024];
  int n = snprintf(msg, sizeof msg, "ddc-peer-statement/v1\n%s", jcs);
  uint8_t sig[64];
  CHECK(sodium_base642bin(sig, 64, json_string_value(json_object_get(back, "signature")), 86, NULL,
                          &len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
  CHECK(crypto_sign_verify_detached(sig, (const uint8_t *)msg, (size_t)n, bob_v.pub) == 0);
  /* tampered members */
  json_object_set_new(back, "reason", json_string("recipient_unknown"));
  CHECK(peersig_statement_verify(back, &bob_v) == PEERSIG_BAD);
  json_object_set_new(back, "reason", json_string("deadline_passed"));
  CHECK(peersig_statement_verify(back, &bob_v) == PEERSIG_OK);
  json_object_set_new(back, "log_key", json_string("nonsense"));
  CHECK(peersig_statement_verify(back, &bob_v) == PEERSIG_MALFORMED);
  json_object_del(s, "signature");
  CHECK(peersig_statement_verify(s, &bob_v) == PEERSIG_MALFORMED);
  free(jcs);
  free(text);
  json_decref(bare);
  json_decref(back);
  json_decref(s);
}

static void test_vkey_id(void)
{
  char vkey[NOTE_VKEY_MAX];
  uint32_t id = 0;
  note_verifier_format(&alice_v, vkey, sizeof vkey);
  CHECK(peersig_vkey_id(vkey, &id) == 0 && id == alice.id);
  CHECK(peersig_vkey_id("a.example/log+00000000+AAAA", &id) == -1);
}

int main(void)
{
  if (sodium_init() < 0) return 1;
  keys();
  RUN(test_round_trip);
  RUN(test_time_window);
  RUN(test_malformed);
  RUN(test_documented_bytes);
  RUN(test_statements);
  RUN(test_vkey_id);
  note_signer_wipe(&alice);
  note_signer_wipe(&bob);
  return UNIT_END();
}
