/* test_dataint.c: eddsa-jcs-2022 against the W3C vc-di-eddsa test vectors in
 * tests/vectors/eddsa-jcs-2022 (canonical forms, hashes, signature byte-exact, Multikey of the
 * vector key), and the refusals of dataint_verify; base58btc edge cases. Run from the repo root. */
#include <sodium.h>
#include <string.h>
#include "crypto/dataint.h"
#include "crypto/jcs.h"
#include "unit.h"

#define VEC "tests/vectors/eddsa-jcs-2022/"

static json_t *load(const char *name)
{
  json_t *v = json_load_file(name, 0, NULL);
  if (!v) fprintf(stderr, "  cannot read %s\n", name);
  return v;
}

/* The file's text without a trailing newline. */
static char *text(const char *name)
{
  char *t = unit_read_file(name, NULL);
  if (!t) return NULL;
  size_t n = strlen(t);
  while (n && (t[n - 1] == '\n' || t[n - 1] == '\r'))
    t[--n] = 0;
  return t;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
  sodium_bin2hex(out, 2 * n + 1, b, n);
}

/* The vector's key pair: the secret seed is z + base58btc(0x80 0x26 || seed). */
static void vector_keys(unsigned char pk[32], unsigned char sk[64])
{
  json_t *kp = load(VEC "keyPair.json");
  unsigned char raw[40], seed[32];
  const char *priv = json_string_value(json_object_get(kp, "privateKeyMultibase"));
  CHECK(priv && priv[0] == 'z');
  CHECK(dataint_base58_decode(priv + 1, raw, sizeof raw) == 34);
  CHECK(raw[0] == 0x80 && raw[1] == 0x26);
  memcpy(seed, raw + 2, 32);
  crypto_sign_seed_keypair(pk, sk, seed);
  char mk[DATAINT_MULTIKEY_MAX];
  dataint_multikey(pk, mk);
  CHECK(strcmp(mk, json_string_value(json_object_get(kp, "publicKeyMultibase"))) == 0);
  unsigned char back[32];
  CHECK(dataint_multikey_decode(mk, back) == 0 && memcmp(back, pk, 32) == 0);
  json_decref(kp);
}

static void test_vector_hashes(void)
{
  json_t *doc = load(VEC "unsigned.json"), *config = load(VEC "proofConfigJCS.json");
  char *canon_doc = jcs_canonicalize(doc, NULL), *canon_proof = jcs_canonicalize(config, NULL);
  char *want_doc = text(VEC "canonDocJCS.txt"), *want_proof = text(VEC "proofCanonJCS.txt");
  char *want_hash = text(VEC "combinedHashJCS.txt"), *want_doc_hash = text(VEC "docHashJCS.txt");
  CHECK(canon_doc && want_doc && strcmp(canon_doc, want_doc) == 0);
  CHECK(canon_proof && want_proof && strcmp(canon_proof, want_proof) == 0);
  unsigned char h[64];
  char got[129], got_doc[65];
  CHECK(dataint_hash_data(doc, config, h) == 0);
  hex(h, 64, got);
  hex(h + 32, 32, got_doc);
  CHECK(want_hash && strcmp(got, want_hash) == 0);
  CHECK(want_doc_hash && strcmp(got_doc, want_doc_hash) == 0);
  free(canon_doc), free(canon_proof), free(want_doc), free(want_proof), free(want_hash);
  free(want_doc_hash);
  json_decref(doc), json_decref(config);
}

static void test_vector_sign_and_verify(void)
{
  unsigned char pk[32], sk[64];
  vector_keys(pk, sk);
  json_t *doc = load(VEC "unsigned.json"), *want = load(VEC "signedJCS.json");
  json_t *config = load(VEC "proofConfigJCS.json");
  const char *vm = json_string_value(json_object_get(config, "verificationMethod"));
  const char *created = json_string_value(json_object_get(config, "created"));
  json_t *got = dataint_sign(doc, vm, created, sk);
  CHECK(got && json_equal(got, want));
  char *a = jcs_canonicalize(got, NULL), *b = jcs_canonicalize(want, NULL);
  CHECK(a && b && strcmp(a, b) == 0);
  char *sig58 = text(VEC "sigBTC58JCS.txt");
  const char *value =
      json_string_value(json_object_get(json_object_get(got, "proof"), "proofValue"));
  CHECK(sig58 && value && strcmp(value, sig58) == 0);
  char *sighex = text(VEC "sigHexJCS.txt");
  unsigned char sig[64];
  char sig_hex[129];
  CHECK(value && dataint_base58_decode(value + 1, sig, sizeof sig) == 64);
  hex(sig, 64, sig_hex);
  CHECK(sighex && strcmp(sig_hex, sighex) == 0);
  char why[200] = "";
  CHECK(dataint_verify(want, pk, why, sizeof why) == 0);
  CHECK(dataint_verify(got, pk, why, sizeof why) == 0);
  free(a), free(b), free(sig58), free(sighex);
  json_decref(doc), json_decref(want), json_decref(config), json_decref(got);
}

/* A changed byte anywhere, another key, another suite or a context that does not match: refused. */
static void test_verify_refusals(void)
{
  unsigned char pk[32], sk[64], other[32], other_sk[64];
  vector_keys(pk, sk);
  crypto_sign_keypair(other, other_sk);
  json_t *good = load(VEC "signedJCS.json");
  char why[200];
  CHECK(dataint_verify(good, other, why, sizeof why) == -1 && strstr(why, "signature"));
  json_t *v = json_deep_copy(good);
  json_object_set_new(json_object_get(v, "credentialSubject"), "alumniOf", json_string("X"));
  CHECK(dataint_verify(v, pk, why, sizeof why) == -1);
  json_decref(v);
  v = json_deep_copy(good);
  json_object_set_new(json_object_get(v, "proof"), "created", json_string("2023-02-24T23:36:39Z"));
  CHECK(dataint_verify(v, pk, why, sizeof why) == -1);
  json_decref(v);
  v = json_deep_copy(good);
  json_object_set_new(json_object_get(v, "proof"), "cryptosuite", json_string("eddsa-rdfc-2022"));
  CHECK(dataint_verify(v, pk, why, sizeof why) == -1 && strstr(why, "cryptosuite"));
  json_decref(v);
  v = json_deep_copy(good);
  json_array_remove(json_object_get(v, "@context"), 1);
  CHECK(dataint_verify(v, pk, why, sizeof why) == -1 && strstr(why, "@context"));
  json_decref(v);
  v = json_deep_copy(good);
  json_object_set_new(json_object_get(v, "proof"), "proofValue", json_string("z0OIl"));
  CHECK(dataint_verify(v, pk, why, sizeof why) == -1 && strstr(why, "proofValue"));
  json_decref(v);
  v = json_deep_copy(good);
  json_object_del(v, "proof");
  CHECK(dataint_verify(v, pk, why, sizeof why) == -1);
  CHECK(dataint_sign(good, "did:x#k", "2023-01-01T00:00:00Z", sk) == NULL); /* already signed */
  json_decref(v);
  json_decref(good);
}

static void test_base58(void)
{
  char out[64];
  unsigned char in[4] = {0, 0, 0, 1}, back[8];
  CHECK(dataint_base58_encode(in, 4, out, sizeof out) == 4 && strcmp(out, "1112") == 0);
  CHECK(dataint_base58_decode("1112", back, sizeof back) == 4 && memcmp(back, in, 4) == 0);
  CHECK(dataint_base58_encode(in, 0, out, sizeof out) == 0 && out[0] == 0);
  CHECK(dataint_base58_decode("0", back, sizeof back) == -1); /* not in the alphabet */
  CHECK(dataint_base58_decode("zzzzzzzzzzzzzzz", back, 4) == -1);
  unsigned char hello[] = "Hello World!";
  CHECK(dataint_base58_encode(hello, 12, out, sizeof out) > 0 &&
        strcmp(out, "2NEpo7TZRRrLZSi2U") == 0);
  CHECK(dataint_base58_encode(hello, 12, out, 5) == -1);
  unsigned char pk[32];
  CHECK(dataint_multikey_decode("z6Mk", pk) == -1);
  CHECK(dataint_multikey_decode("u6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2", pk) == -1);
  CHECK(dataint_multikey_decode(NULL, pk) == -1);
}

int main(void)
{
  if (sodium_init() < 0) return 1;
  RUN(test_vector_hashes);
  RUN(test_vector_sign_and_verify);
  RUN(test_verify_refusals);
  RUN(test_base58);
  return UNIT_END();
}
