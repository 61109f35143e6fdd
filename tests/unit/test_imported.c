/* test_imported.c: the verdict on an imported certificate's bundle (verify/imported.c). Two logs
 * are made here, each with its own Ed25519 log key: A's holds the issuer's key_added, the mint
 * and the export_started naming B's log key; B's holds an unrelated event and the imported event
 * naming that export. B's bundle carries A's in imported_from. It verifies (valid, provenance,
 * B's code and ddc_id, the issuer as A's bundle shows it), also under a pinned source key; then
 * each tamper fails: either document altered, the export naming another destination, the imported
 * event naming another export or source certificate or source key, a source log re-made under
 * another key, the source's inclusion proof or checkpoint altered, the source bundle not ending
 * with the export, an imported event without imported_from, another pinned source key. Last,
 * the bundles of a certificate two real deployments moved (tests/vectors/ddcd). */
#include <sodium.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "unit.h"
#include "verify/bundle.h"
#include "verify/imported.h"
#include "verify/merkle.h"
#include "verify/note.h"

#define SRC_CODE "aaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DST_CODE "bbbbbbbbbbbbbbbbbbbbbbbbbb"
#define TIME "2026-12-04T10:00:00.000000Z"

/* A log made here: its key and up to 8 leaves (event canonical texts). */
struct tlog {
  struct note_signer key;
  char vkey[NOTE_VKEY_MAX];
  char *leaves[8];
  size_t n;
};

static void tlog_init(struct tlog *l, const char *name, uint8_t seed_byte)
{
  uint8_t seed[32];
  struct note_verifier v;
  memset(seed, seed_byte, sizeof seed);
  memset(l, 0, sizeof *l);
  CHECK(note_signer_init(&l->key, name, NOTE_ALG_ED25519, seed) == 0);
  note_signer_public(&l->key, &v);
  CHECK(note_verifier_format(&v, l->vkey, sizeof l->vkey) > 0);
}

static void tlog_free(struct tlog *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->leaves[i]);
  note_signer_wipe(&l->key);
}

/* The hash of a complete subtree: ctx is the log. */
static int tlog_subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
  struct tlog *l = ctx;
  uint8_t leaves[8][MERKLE_HASH_SIZE];
  size_t n = (size_t)1 << level, first = (size_t)index * n;
  if (first + n > l->n) return -1;
  for (size_t i = 0; i < n; i++)
    merkle_leaf_hash((const uint8_t *)l->leaves[first + i], strlen(l->leaves[first + i]),
                     leaves[i]);
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])leaves, n, out);
  return 0;
}

/* Appends an event to the log; returns it as a bundle carries it (inclusion added by tlog_prove).
 */
static json_t *tlog_event(struct tlog *l, const char *type, json_t *ddc_id, json_t *account,
                          const char *prev, json_t *data)
{
  json_t *c = json_pack("{s:s, s:s, s:o, s:o, s:i, s:s, s:s?, s:o}", "v", "ddc.event/v1", "type",
                        type, "ddcId", ddc_id, "account", account, "actor", 2, "time", TIME, "prev",
                        prev, "data", data);
  char *text = jcs_canonicalize(c, NULL), hash[65];
  uint8_t h[32];
  crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
  codes_hex(h, 32, hash);
  json_t *e = json_pack("{s:s, s:s, s:s, s:I}", "type", type, "canonical", text, "event_hash", hash,
                        "leaf_index", (json_int_t)l->n);
  l->leaves[l->n++] = text;
  json_decref(c);
  return e;
}

/* Adds to the event its inclusion proof in the log's current tree. */
static void tlog_prove(struct tlog *l, json_t *e)
{
  uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
  size_t n = 0;
  char b64[64];
  json_t *p = json_array();
  CHECK(merkle_inclusion_proof(tlog_subtree, l,
                               (uint64_t)json_integer_value(json_object_get(e, "leaf_index")), l->n,
                               proof, &n) == 0);
  for (size_t i = 0; i < n; i++)
    json_array_append_new(p, json_string(sodium_bin2base64(b64, sizeof b64, proof[i], 32,
                                                           sodium_base64_VARIANT_ORIGINAL)));
  json_object_set_new(e, "inclusion",
                      json_pack("{s:I, s:o}", "size", (json_int_t)l->n, "proof", p));
}

/* The log's checkpoint, signed by its key. */
static json_t *tlog_checkpoint(struct tlog *l)
{
  uint8_t root[32];
  char body[256];
  size_t n;
  CHECK(merkle_tree_root(tlog_subtree, l, l->n, root) == 0);
  CHECK(note_checkpoint_format(l->key.name, l->n, root, body, sizeof body) > 0);
  char *note = note_sign(body, strlen(body), &l->key, 1, &n);
  json_t *s = json_string(note);
  free(note);
  return s;
}

static const char *hash_of(json_t *e)
{
  return json_string_value(json_object_get(e, "event_hash"));
}

/* What a case changes when it makes the two bundles. */
struct tamper {
  int export_elsewhere;  /* the export names another destination log key */
  int wrong_export_hash; /* the imported event names another export event */
  int wrong_source_code; /* the imported event names another source certificate */
  int wrong_source_key;  /* the imported event names another source log key */
  int mint_first;        /* B's first event is a mint, not imported */
  int no_export;         /* A's log has no export_started */
};

/* The document, its hash, the issuer's signature, the certificate's public view. */
static json_t *make_cert(const char *code, int ddc_id, const char *doc, const uint8_t sk[64],
                         const char *status)
{
  uint8_t sig[64], h[32];
  char s64[100], hash[65];
  crypto_sign_detached(sig, NULL, (const uint8_t *)doc, strlen(doc), sk);
  sodium_bin2base64(s64, sizeof s64, sig, 64, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  crypto_hash_sha256(h, (const uint8_t *)doc, strlen(doc));
  codes_hex(h, 32, hash);
  return json_pack("{s:s, s:i, s:i, s:i, s:s, s:n, s:n, s:n, s:n, s:s, s:s, s:s, s:s}", "code",
                   code, "ddc_id", ddc_id, "key_id", 1, "issuer_id", 2, "kind", "generic",
                   "content_hash", "uri", "valid_from", "valid_until", "issued_at", TIME,
                   "cert_hash", hash, "signature", s64, "status", status);
}

static char *make_doc(void)
{
  json_t *d = json_pack("{s:s, s:n, s:i, s:s, s:i, s:i, s:s, s:{s:s}, s:s, s:n, s:n, s:n}", "code",
                        SRC_CODE, "contentHash", "ddcId", 1, "issuedAt", TIME, "issuer", 2, "keyId",
                        1, "kind", "generic", "metadata", "title", "Spring Dawn", "type",
                        "ddc.certificate/v1", "uri", "validFrom", "validUntil");
  char *text = jcs_canonicalize(d, NULL);
  json_decref(d);
  return text;
}

/* A's bundle of the certificate it exports to log b (the destination key dest). */
static json_t *make_source(struct tlog *a, const char *doc, const char *dest,
                           const struct tamper *t, const uint8_t pk[32], const uint8_t sk[64])
{
  char pub[64], doc_hash[65];
  uint8_t h[32];
  sodium_bin2base64(pub, sizeof pub, pk, 32, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  crypto_hash_sha256(h, (const uint8_t *)doc, strlen(doc));
  codes_hex(h, 32, doc_hash);
  json_t *key_event = tlog_event(a, "key_added", json_null(), json_integer(2), NULL,
                                 json_pack("{s:i, s:s, s:s, s:s}", "keyId", 1, "algorithm",
                                           "Ed25519", "publicKey", pub, "validFrom", TIME));
  json_t *mint = tlog_event(a, "mint", json_integer(1), json_null(), NULL,
                            json_pack("{s:s, s:i, s:i, s:i, s:s}", "certHash", doc_hash, "issuer",
                                      2, "keyId", 1, "owner", 5, "kind", "generic"));
  json_t *events = json_pack("[o]", mint);
  if (!t->no_export)
    json_array_append_new(
        events,
        tlog_event(a, "export_started", json_integer(1), json_null(), hash_of(mint),
                   json_pack("{s:i, s:s, s:s, s:i, s:s}", "exportId", 9, "peer", "b", "peerLogKey",
                             dest, "to", 12, "deadline", "2026-12-04T10:10:00Z")));
  tlog_prove(a, key_event);
  size_t i;
  json_t *e;
  json_array_foreach(events, i, e) tlog_prove(a, e);
  return json_pack("{s:s, s:s, s:o, s:{s:i, s:s}, s:{s:i, s:s, s:s, s:n, s:o}, s:o, s:o, s:s, "
                   "s:[], s:i}",
                   "type", "ddc.bundle/v1", "document", doc, "certificate",
                   make_cert(SRC_CODE, 1, doc, sk, t->no_export ? "active" : "exporting"), "issuer",
                   "id", 2, "name", "Demo Copyright Office", "signing_key", "key_id", 1,
                   "public_key", pub, "valid_from", TIME, "retired_at", "key_event", key_event,
                   "events", events, "checkpoint", tlog_checkpoint(a), "log_key", a->vkey,
                   "witnesses", "witness_quorum", 0);
}

/* B's bundle of the certificate it imported from inner (A's bundle under the key src). */
static json_t *make_dest(struct tlog *b, json_t *inner, const char *src, const struct tamper *t,
                         const uint8_t sk[64])
{
  const char *doc = json_string_value(json_object_get(inner, "document"));
  json_t *ie = json_object_get(inner, "events");
  json_t *last = json_array_get(ie, json_array_size(ie) - 1);
  json_t *cert = make_cert(DST_CODE, 7, doc, sk, "active");
  /* as ddcd keeps it: under its pin's own issuer account, with no key of its own */
  json_object_set_new(cert, "issuer_id", json_integer(30));
  json_object_set_new(cert, "key_id", json_null());
  json_decref(tlog_event(b, "account_created", json_null(), json_integer(12), NULL,
                         json_pack("{s:s}", "name", "holder")));
  json_t *first = tlog_event(
      b, t->mint_first ? "mint" : "imported", json_integer(7), json_null(), NULL,
      json_pack("{s:i, s:s, s:s, s:s, s:i, s:O, s:s}", "exportId", 9, "peer", "a", "peerLogKey",
                t->wrong_source_key ? b->vkey : src, "sourceCode",
                t->wrong_source_code ? DST_CODE : SRC_CODE, "sourceDdcId", 1, "certHash",
                json_object_get(cert, "cert_hash"), "exportEventHash",
                t->wrong_export_hash ? json_string_value(json_object_get(cert, "cert_hash"))
                                     : hash_of(last)));
  tlog_prove(b, first);
  return json_pack("{s:s, s:s, s:o, s:{s:i, s:s}, s:O, s:[o], s:o, s:s, s:[], s:i, "
                   "s:{s:s, s:s, s:i, s:s, s:[], s:n, s:O}}",
                   "type", "ddc.bundle/v1", "document", doc, "certificate", cert, "issuer", "id",
                   30, "name", "a", "signing_key", json_object_get(inner, "signing_key"), "events",
                   first, "checkpoint", tlog_checkpoint(b), "log_key", b->vkey, "witnesses",
                   "witness_quorum", 0, "imported_from", "peer", "a", "code", SRC_CODE, "ddc_id", 1,
                   "log_key", src, "witness_keys", "quorum", "bundle", inner);
}

/* The issuer key, A's and B's logs (and a third key, an impostor's), fixed for every case. */
static uint8_t issuer_pk[32], issuer_sk[64];

/* B's bundle of a transfer made under the tamper t; A's log signed by a_seed's key. */
static json_t *make_pair(const struct tamper *t, uint8_t a_seed, const char *named_src)
{
  struct tlog a, b;
  tlog_init(&a, "a.example/log", a_seed);
  tlog_init(&b, "b.example/log", 2);
  char *doc = make_doc();
  const char *dest = t->export_elsewhere ? a.vkey : b.vkey;
  json_t *inner = make_source(&a, doc, dest, t, issuer_pk, issuer_sk);
  json_t *outer = make_dest(&b, inner, named_src ? named_src : a.vkey, t, issuer_sk);
  json_decref(inner);
  free(doc);
  tlog_free(&a);
  tlog_free(&b);
  return outer;
}

static const char *a_vkey(uint8_t seed)
{
  static char out[NOTE_VKEY_MAX];
  struct tlog a;
  tlog_init(&a, "a.example/log", seed);
  memcpy(out, a.vkey, sizeof out);
  tlog_free(&a);
  return out;
}

/* The verdict's check by name: 1 ok, 0 failed, -1 absent. */
static int check_of(json_t *v, const char *name)
{
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(v, "checks"), i,
                     c) if (!strcmp(json_string_value(json_object_get(c, "name")),
                                    name)) return json_is_true(json_object_get(c, "ok"));
  return -1;
}

static const char *result_of(json_t *v)
{
  const char *r = json_string_value(json_object_get(v, "result"));
  return r ? r : "";
}

static json_t *judge(json_t *b, const struct bundle_trust *peer)
{
  struct bundle_trust t = {.peer = peer};
  return bundle_verdict(b, &t);
}

static void test_valid(void)
{
  json_t *b = make_pair(&(struct tamper){0}, 1, NULL), *v = judge(b, NULL);
  size_t i;
  json_t *c;
  CHECK(!strcmp(result_of(v), "valid"));
  json_array_foreach(json_object_get(v, "checks"), i, c)
  {
    if (!json_is_true(json_object_get(c, "ok")))
      fprintf(stderr, "  failed: %s\n", json_string_value(json_object_get(c, "name")));
    CHECK(json_is_true(json_object_get(c, "ok")));
  }
  CHECK(check_of(v, "imported_source") == 1);
  CHECK(check_of(v, "key_valid_at_issue") == -1); /* in A's log: the source verdict's */
  json_t *from = json_object_get(v, "imported_from"), *cert = json_object_get(v, "certificate");
  CHECK(!strcmp(json_string_value(json_object_get(from, "peer")), "a"));
  CHECK(!strcmp(json_string_value(json_object_get(from, "code")), SRC_CODE));
  CHECK(json_integer_value(json_object_get(from, "ddc_id")) == 1);
  CHECK(!strcmp(json_string_value(json_object_get(cert, "code")), DST_CODE));
  CHECK(json_integer_value(json_object_get(cert, "ddc_id")) == 7);
  CHECK(!strcmp(json_string_value(json_object_get(cert, "status")), "active"));
  CHECK(json_is_true(json_object_get(v, "final")));
  CHECK(json_integer_value(json_object_get(json_object_get(v, "issuer"), "id")) == 2);
  CHECK(!strcmp(json_string_value(json_object_get(json_object_get(v, "issuer"), "name")),
                "Demo Copyright Office")); /* as the source's bundle names its issuer */
  CHECK(json_integer_value(json_object_get(cert, "issuer_id")) == 2);
  json_decref(v);
  json_decref(b);
}

/* The caller pins A's key (valid) or another (imported_source fails). */
static void test_pinned_source(void)
{
  json_t *b = make_pair(&(struct tamper){0}, 1, NULL);
  struct note_verifier k;
  struct bundle_trust peer = {.log = &k};
  CHECK(note_verifier_parse(&k, a_vkey(1)) == 0);
  json_t *v = judge(b, &peer);
  CHECK(!strcmp(result_of(v), "valid"));
  json_decref(v);
  CHECK(note_verifier_parse(&k, a_vkey(3)) == 0);
  v = judge(b, &peer);
  CHECK(!strcmp(result_of(v), "invalid") && check_of(v, "imported_source") == 0);
  json_decref(v);
  json_decref(b);
}

/* Each way of making the pair wrong fails imported_source (or the event chain). */
static void test_tampered_pairs(void)
{
  static const struct tamper cases[] = {
      {.export_elsewhere = 1}, {.wrong_export_hash = 1}, {.wrong_source_code = 1},
      {.wrong_source_key = 1}, {.mint_first = 1},        {.no_export = 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *b = make_pair(&cases[i], 1, NULL), *v = judge(b, NULL);
    CHECK(!strcmp(result_of(v), "invalid"));
    CHECK(check_of(v, "imported_source") == 0);
    if (strcmp(result_of(v), "invalid")) fprintf(stderr, "  case %zu passed\n", i);
    json_decref(v);
    json_decref(b);
  }
  /* a source log re-made under an impostor's key, named as the source in imported_from: B's
   * imported event names the real source key */
  json_t *b = make_pair(&(struct tamper){0}, 3, a_vkey(1)), *v;
  json_object_set_new(json_object_get(b, "imported_from"), "log_key", json_string(a_vkey(3)));
  v = judge(b, NULL);
  CHECK(!strcmp(result_of(v), "invalid") && check_of(v, "imported_source") == 0);
  json_decref(v);
  json_decref(b);
}

/* Alters a string member of o by flipping one character at position at (from the end if < 0). */
static void flip(json_t *o, const char *k, long at)
{
  char *s = strdup(json_string_value(json_object_get(o, k)));
  size_t n = strlen(s), i = at < 0 ? n + (size_t)at : (size_t)at;
  s[i] = s[i] == 'A' ? 'B' : 'A';
  json_object_set_new(o, k, json_string(s));
  free(s);
}

static void expect_invalid(json_t *b, const char *check)
{
  json_t *v = judge(b, NULL);
  CHECK(!strcmp(result_of(v), "invalid"));
  if (check) CHECK(check_of(v, check) == 0);
  json_decref(v);
  json_decref(b);
}

/* Altered bundles: the documents, the source's proof and checkpoint, B's ddc_id, no
 * imported_from, a source bundle cut before its export. */
static void test_tampered_bundles(void)
{
  const struct tamper none = {0};
  json_t *b = make_pair(&none, 1, NULL);
  json_t *inner = json_object_get(json_object_get(b, "imported_from"), "bundle");
  flip(inner, "document", 20); /* the source's document (its signature then fails there) */
  expect_invalid(b, "imported_source");

  b = make_pair(&none, 1, NULL);
  json_t *doc = jcs_load(json_string_value(json_object_get(b, "document")),
                         strlen(json_string_value(json_object_get(b, "document"))), NULL);
  json_object_set_new(json_object_get(doc, "metadata"), "title", json_string("Autumn Dusk"));
  char *text = jcs_canonicalize(doc, NULL);
  json_object_set_new(b, "document", json_string(text)); /* B's document, not the source's */
  free(text);
  json_decref(doc);
  expect_invalid(b, "imported_source");

  b = make_pair(&none, 1, NULL);
  inner = json_object_get(json_object_get(b, "imported_from"), "bundle");
  json_t *mint = json_array_get(json_object_get(inner, "events"), 0);
  json_t *proof = json_object_get(json_object_get(mint, "inclusion"), "proof");
  char *p0 = strdup(json_string_value(json_array_get(proof, 0)));
  p0[0] = p0[0] == 'A' ? 'B' : 'A';
  json_array_set_new(proof, 0, json_string(p0)); /* the source's inclusion proof of its mint */
  free(p0);
  expect_invalid(b, "imported_source");

  b = make_pair(&none, 1, NULL);
  flip(json_object_get(json_object_get(b, "imported_from"), "bundle"), "checkpoint", -5);
  expect_invalid(b, "imported_source");

  b = make_pair(&none, 1, NULL);
  json_object_set_new(json_object_get(b, "certificate"), "ddc_id", json_integer(8));
  expect_invalid(b, "event_chain");

  b = make_pair(&none, 1, NULL);
  json_object_del(b, "imported_from"); /* an imported event with no source: not a mint */
  expect_invalid(b, "event_chain");

  b = make_pair(&none, 1, NULL);
  inner = json_object_get(json_object_get(b, "imported_from"), "bundle");
  json_array_remove(json_object_get(inner, "events"), 1);
  json_object_set_new(json_object_get(inner, "certificate"), "status", json_string("active"));
  expect_invalid(b, "imported_source");
}

/* A file's contents without the trailing newline (a key file), or "". */
static char *key_file(const char *path)
{
  char *k = unit_read_file(path, NULL);
  if (!k) return strdup("");
  k[strcspn(k, "\n")] = 0;
  return k;
}

/* Bundles made by two real deployments (tests/vectors/ddcd): B's verifies under B's key with A's
 * pinned; with B's key as the source's, with the source's document or events altered, it does
 * not; A's says moved, to B's code. */
static void test_real_deployments(void)
{
  char *a = key_file("tests/vectors/ddcd/a.logkey"), *bk = key_file("tests/vectors/ddcd/b.logkey");
  json_t *b = json_load_file("tests/vectors/ddcd/imported.json", 0, NULL);
  json_t *m = json_load_file("tests/vectors/ddcd/moved.json", 0, NULL);
  struct note_verifier ka, kb;
  CHECK(b && m && note_verifier_parse(&ka, a) == 0 && note_verifier_parse(&kb, bk) == 0);
  struct bundle_trust peer = {.log = &ka}, t = {.log = &kb, .peer = &peer};
  json_t *v = bundle_verdict(b, &t);
  CHECK(!strcmp(result_of(v), "valid") && check_of(v, "imported_source") == 1);
  json_t *from = json_object_get(v, "imported_from");
  CHECK(json_equal(json_object_get(from, "code"),
                   json_object_get(json_object_get(m, "certificate"), "code")));
  json_decref(v);
  peer.log = &kb;
  v = bundle_verdict(b, &t);
  CHECK(!strcmp(result_of(v), "invalid") && check_of(v, "imported_source") == 0);
  json_decref(v);
  peer.log = &ka;
  json_t *inner = json_object_get(json_object_get(b, "imported_from"), "bundle");
  json_t *last = json_array_get(json_object_get(inner, "events"), 1);
  flip(last, "canonical", 30); /* an event of the source's log altered */
  v = bundle_verdict(b, &t);
  CHECK(!strcmp(result_of(v), "invalid") && check_of(v, "imported_source") == 0);
  json_decref(v);
  struct bundle_trust ta = {.log = &ka};
  v = bundle_verdict(m, &ta);
  CHECK(!strcmp(result_of(v), "moved"));
  CHECK(json_equal(json_object_get(json_object_get(v, "moved_to"), "code"),
                   json_object_get(json_object_get(b, "certificate"), "code")));
  json_decref(v);
  json_decref(b);
  json_decref(m);
  free(a);
  free(bk);
}

int main(void)
{
  if (sodium_init() < 0) return 1;
  uint8_t seed[32];
  memset(seed, 7, sizeof seed);
  crypto_sign_seed_keypair(issuer_pk, issuer_sk, seed);
  RUN(test_valid);
  RUN(test_pinned_source);
  RUN(test_tampered_pairs);
  RUN(test_tampered_bundles);
  RUN(test_real_deployments);
  return UNIT_END();
}
