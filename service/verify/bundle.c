/* bundle.c: the verdict on a proof bundle: every check runs on the bundle alone (and the keys the
 * caller trusts), with no database and no network, so that anyone can check a bundle offline
 * (ddcd verify) and ddcd itself checks one sent in the same way. The web page's verify.js mirrors
 * these checks in the browser. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "timefmt.h"
#include "verify/bundle.h"
#include "verify/chainproof.h"
#include "verify/imported.h"
#include "verify/merkle.h"

static void bundle_check(json_t *checks, const char *name, int ok, const char *detail)
{
  json_array_append_new(checks,
                        json_pack("{s:s, s:b, s:s}", "name", name, "ok", ok, "detail", detail));
}

static const char *bundle_str(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* A signed JCS text of the bundle (the document, an event's canonical text) as JSON: numbers as the
 * doubles JCS wrote, so that none fails to load (see jcs_load). NULL when it is not JSON. */
static json_t *bundle_load_signed(const char *text)
{
  return jcs_load(text, strlen(text), NULL);
}

static int bundle_sha256_is(const char *text, const char *hex)
{
  uint8_t h[32];
  char got[65];
  crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
  codes_hex(h, 32, got);
  return strcmp(got, hex) == 0;
}

/* The document's fields as the certificate shows them (document name, certificate name). */
static const char *const bundle_fields[][2] = {
    {"code", "code"},
    {"ddcId", "ddc_id"},
    {"keyId", "key_id"},
    {"issuer", "issuer_id"},
    {"kind", "kind"},
    {"contentHash", "content_hash"},
    {"uri", "uri"},
    {"validFrom", "valid_from"},
    {"validUntil", "valid_until"},
    {"issuedAt", "issued_at"},
};

static json_t *bundle_canon(json_t *event);

/* 1 if an event of the bundle sets the write-once URI (uri_set, for a document signed without
 * one) to uri: the URI is then the log's word, not the issuer's signature's. */
static int bundle_uri_logged(json_t *events, json_t *uri)
{
  size_t i;
  json_t *e;
  int found = 0;
  json_array_foreach(events, i, e)
  {
    json_t *c = bundle_canon(e);
    const char *type = json_string_value(json_object_get(c, "type"));
    found |= type && !strcmp(type, "uri_set") && json_is_string(uri) &&
             json_equal(json_object_get(json_object_get(c, "data"), "uri"), uri);
    json_decref(c);
  }
  return found;
}

/* The issuer's signature: the document hashes to cert_hash, every field the certificate shows
 * is the document's (a URI set after the mint: the one its logged event names), and the signing
 * key signed it. */
static void bundle_check_signature(json_t *checks, const char *doc, json_t *d, json_t *cert,
                                   json_t *key, json_t *events)
{
  uint8_t sig[64], pub[32];
  bundle_check(checks, "document_hash", bundle_sha256_is(doc, bundle_str(cert, "cert_hash")),
               "SHA-256 of the document is cert_hash");
  int same = json_is_object(d);
  for (size_t i = 0; same && i < sizeof bundle_fields / sizeof bundle_fields[0]; i++) {
    json_t *a = json_object_get(d, bundle_fields[i][0]),
           *b = json_object_get(cert, bundle_fields[i][1]);
    same = a && b &&
           (json_equal(a, b) || (!strcmp(bundle_fields[i][0], "uri") && json_is_null(a) &&
                                 bundle_uri_logged(events, b)));
  }
  same = same && json_equal(json_object_get(d, "keyId"), json_object_get(key, "key_id"));
  bundle_check(checks, "document_names_certificate", same,
               "every field the certificate shows is the signed document's");
  int ok = codes_unbase64url(bundle_str(cert, "signature"), sig, 64) == 0 &&
           codes_unbase64url(bundle_str(key, "public_key"), pub, 32) == 0 &&
           crypto_sign_verify_detached(sig, (const uint8_t *)doc, strlen(doc), pub) == 0;
  bundle_check(checks, "issuer_signature", ok, "Ed25519 by the signing key over the document");
}

/* An event's signed content: its canonical text parsed, or NULL. */
static json_t *bundle_canon(json_t *event)
{
  json_t *c = bundle_load_signed(bundle_str(event, "canonical"));
  if (json_is_object(c) && !strcmp(bundle_str(c, "v"), "ddc.event/v1")) return c;
  json_decref(c);
  return NULL;
}

/* The key is the one its logged key_added event names (and its retirement, if any, is logged).
 * Returns 1 when both events match. */
static int bundle_check_key(json_t *checks, json_t *d, json_t *key)
{
  json_t *add = bundle_canon(json_object_get(key, "key_event"));
  json_t *ret = bundle_canon(json_object_get(key, "retired_event"));
  json_t *ad = json_object_get(add, "data"), *rd = json_object_get(ret, "data");
  int ok = add && !strcmp(bundle_str(add, "type"), "key_added") &&
           json_equal(json_object_get(add, "account"), json_object_get(d, "issuer")) &&
           json_equal(json_object_get(ad, "keyId"), json_object_get(d, "keyId")) &&
           !strcmp(bundle_str(ad, "publicKey"), bundle_str(key, "public_key")) &&
           !strcmp(bundle_str(ad, "validFrom"), bundle_str(key, "valid_from"));
  const char *retired = bundle_str(key, "retired_at");
  ok = ok &&
       (*retired ? ret && !strcmp(bundle_str(ret, "type"), "key_retired") &&
                       json_equal(json_object_get(ret, "account"), json_object_get(d, "issuer")) &&
                       json_equal(json_object_get(rd, "keyId"), json_object_get(d, "keyId")) &&
                       !strcmp(bundle_str(rd, "retiredAt"), retired)
                 : !ret);
  bundle_check(checks, "key_events_match", ok,
               "the signing key is the one its logged key_added event names, and its retirement "
               "is logged if it retired");
  json_decref(add);
  json_decref(ret);
  return ok;
}

/* The events, read from their signed canonical text only: each hashes to its event_hash, names
 * this certificate (ddc_id), links to the one before, and the first mints this document (or,
 * of an imported certificate, imports it). Returns the status they lead to, or NULL. */
static const char *bundle_check_events(json_t *checks, json_t *events, const char *doc,
                                       json_t *ddc_id, int imported)
{
  static const char *const moves[][2] = {
      {"mint", "active"},
      {"imported", "active"},
      {"freeze", "frozen"},
      {"unfreeze", "active"},
      {"revoke", "revoked"},
      {"burn", "burned"},
      {"transfer", NULL},
      {"approve", NULL},
      {"uri_set", NULL},
      {"edition_transfer", NULL},
      {"edition_burn", NULL},
      {"mint_more", NULL},
      /* cross-operator transfer, the source side (docs/transfer.md) */
      {"export_started", "exporting"},
      {"export_completed", "moved"},
      {"export_refused", "active"},
      {"export_cancelled", "active"}};
  char prev[65] = "", doc_hash[65];
  uint8_t h[32];
  const char *status = NULL;
  int ok = json_array_size(events) > 0;
  size_t i;
  json_t *e;
  crypto_hash_sha256(h, (const uint8_t *)doc, strlen(doc));
  codes_hex(h, 32, doc_hash);
  json_array_foreach(events, i, e)
  {
    json_t *c = bundle_canon(e);
    const char *canon = bundle_str(e, "canonical"), *type = bundle_str(c, "type");
    json_t *cprev = json_object_get(c, "prev");
    ok = ok && c && json_equal(json_object_get(c, "ddcId"), ddc_id) &&
         (i == 0 ? json_is_null(cprev)
                 : !strcmp(json_string_value(cprev) ? json_string_value(cprev) : "", prev)) &&
         bundle_sha256_is(canon, bundle_str(e, "event_hash"));
    if (i == 0)
      ok = ok && !strcmp(type, imported ? "imported" : "mint") &&
           !strcmp(bundle_str(json_object_get(c, "data"), "certHash"), doc_hash);
    int known = 0;
    for (size_t m = 0; m < sizeof moves / sizeof moves[0]; m++)
      if (!strcmp(type, moves[m][0]) && (i == 0 || strcmp(type, "imported") != 0)) {
        known = 1;
        if (moves[m][1]) status = moves[m][1];
      }
    ok = ok && known;
    crypto_hash_sha256(h, (const uint8_t *)canon, strlen(canon));
    codes_hex(h, 32, prev);
    json_decref(c);
  }
  bundle_check(checks, "event_chain", ok,
               imported ? "each event's signed text names this certificate and links to the one "
                          "before, from the import of this document"
                        : "each event's signed text names this certificate and links to the one "
                          "before, from the mint of this document");
  return ok ? status : NULL;
}

/* Where a moved certificate went, as its last event, export_completed, says: {peer, code, url}
 * (the destination's), or NULL. */
static json_t *bundle_moved_to(json_t *events)
{
  json_t *c = bundle_canon(json_array_get(events, json_array_size(events) - 1));
  json_t *x = json_object_get(c, "data"), *m = NULL;
  if (c && !strcmp(bundle_str(c, "type"), "export_completed"))
    m = json_pack("{s:O?, s:O?, s:O?}", "peer", json_object_get(x, "peer"), "code",
                  json_object_get(x, "code"), "url", json_object_get(x, "url"));
  json_decref(c);
  return m;
}

/* Leaf index of an event whose inclusion the bundle carries, or -1. */
static int64_t bundle_leaf(json_t *event)
{
  json_t *li = json_object_get(event, "leaf_index");
  return json_is_integer(json_object_get(json_object_get(event, "inclusion"), "size")) &&
                 json_is_integer(li)
             ? (int64_t)json_integer_value(li)
             : -1;
}

/* The key was valid when the certificate was minted, by the order of the log: its key_added
 * before the mint, its key_retired (if any) after. Unanchored events: checked later. */
static void bundle_check_key_order(json_t *checks, json_t *key, json_t *events)
{
  int64_t add = bundle_leaf(json_object_get(key, "key_event"));
  int64_t mint = bundle_leaf(json_array_get(events, 0));
  json_t *ret = json_object_get(key, "retired_event");
  int64_t gone = json_is_object(ret) ? bundle_leaf(ret) : INT64_MAX;
  int anchored = add >= 0 && mint >= 0 && gone >= 0;
  bundle_check(checks, "key_valid_at_issue", !anchored || (add < mint && mint < gone),
               anchored ? "the log shows the key added before the mint and not retired before it"
                        : "checked once the events are in the log");
}
int bundle_in_log(json_t *event, uint64_t size, const uint8_t root[32])
{
  json_t *inc = json_object_get(event, "inclusion"), *li = json_object_get(event, "leaf_index");
  if (!json_is_object(inc) || !json_is_integer(li)) return 0;
  if ((uint64_t)json_integer_value(json_object_get(inc, "size")) != size) return -1;
  json_t *proof = json_object_get(inc, "proof"), *p;
  size_t n = json_array_size(proof), i;
  uint8_t hashes[MERKLE_MAX_PROOF][32], leaf[32];
  struct merkle_span spans[MERKLE_MAX_PROOF];
  if (n > MERKLE_MAX_PROOF) return -1;
  json_array_foreach(proof, i, p)
  {
    const char *s = json_string_value(p);
    long len = s ? codes_unbase64(s, strlen(s), hashes[i], 32) : -1;
    if (len < 0) return -1;
    spans[i] = (struct merkle_span){hashes[i], (size_t)len};
  }
  const char *canon = bundle_str(event, "canonical");
  merkle_leaf_hash((const uint8_t *)canon, strlen(canon), leaf);
  return merkle_verify_inclusion(MERKLE_SPAN(leaf), (uint64_t)json_integer_value(li), size, spans,
                                 n, (struct merkle_span){root, 32}) == 0
             ? 1
             : -1;
}

int bundle_event_in_log(json_t *event, uint64_t size, const uint8_t root[32])
{
  return bundle_in_log(event, size, root);
}

/* The checkpoint carries a cosignature by at least the quorum of the trusted witnesses (any
 * cosignature by one of them was verified already). 1, or 0: not final yet. */
static int bundle_check_witnesses(json_t *checks, const struct bundle_trust *t,
                                  const struct note_check *seen)
{
  unsigned n = 0;
  char detail[160];
  if (!t->n_witnesses) return 1;
  for (size_t i = 0; i < t->n_witnesses; i++)
    n += seen[1 + i].valid != 0;
  snprintf(detail, sizeof detail,
           "%u of %zu trusted witnesses cosigned the checkpoint (quorum %u)%s", n, t->n_witnesses,
           t->quorum, n >= t->quorum ? "" : ": not final yet");
  bundle_check(checks, "witness_cosignatures", 1, detail);
  return n >= t->quorum;
}

void bundle_memo_free(struct bundle_memo *m)
{
  free(m->note);
  m->note = NULL;
}

/* Whether every event (and the key's) is in the checkpoint's tree: 1 all, 0 some not yet, -1 a
 * proof fails. */
static int bundle_events_in(json_t *b, const struct note_checkpoint *cp)
{
  int worst = 1, in;
  size_t i;
  json_t *e, *key = json_object_get(b, "signing_key");
  json_array_foreach(json_object_get(b, "events"), i, e)
  {
    in = bundle_in_log(e, cp->size, cp->root);
    worst = in < worst ? in : worst;
  }
  if (imported_from(b)) key = NULL; /* an imported certificate's key is in the source's log */
  in = !key ? 1 : bundle_in_log(json_object_get(key, "key_event"), cp->size, cp->root);
  worst = in < worst ? in : worst;
  if (key && json_is_object(json_object_get(key, "retired_event"))) {
    in = bundle_in_log(json_object_get(key, "retired_event"), cp->size, cp->root);
    worst = in < worst ? in : worst;
  }
  json_array_foreach(json_object_get(b, "status_lists"), i, e)
  {
    in = bundle_in_log(json_object_get(e, "event"), cp->size, cp->root);
    worst = in < worst ? in : worst;
  }
  return worst;
}

/* Each status list the bundle names (when it names any) is the issuer's status_list_published
 * event of that list and purpose; what the event says (the sha256 of the list's credential) is
 * for the verifier to compare with the list it fetches. */
static void bundle_check_status_lists(json_t *checks, json_t *b, json_t *d)
{
  json_t *lists = json_object_get(b, "status_lists"), *s;
  size_t i;
  int ok = 1;
  if (!json_array_size(lists)) return;
  json_array_foreach(lists, i, s)
  {
    json_t *ev = bundle_canon(json_object_get(s, "event")), *data = json_object_get(ev, "data");
    ok &= json_is_object(ev) && !strcmp(bundle_str(ev, "type"), "status_list_published") &&
          json_is_integer(json_object_get(ev, "account")) &&
          json_equal(json_object_get(ev, "account"), json_object_get(d, "issuer")) &&
          json_equal(json_object_get(data, "list"), json_object_get(s, "list")) &&
          json_equal(json_object_get(data, "purpose"), json_object_get(s, "purpose")) &&
          json_integer_value(json_object_get(s, "index")) >= 0 &&
          json_integer_value(json_object_get(s, "index")) < 131072;
    json_decref(ev);
  }
  bundle_check(checks, "status_lists_logged", ok,
               "each status list named is the issuer's logged publication of it");
}

/* The checkpoint is signed by the log key (and cosigned by the quorum of witnesses); every event
 * (and the key's) is in its tree. Returns 1 when all are anchored in a final checkpoint, 0 when
 * not yet, -1 when a check failed; *cp is the checkpoint when *signed_cp was set. */
static int bundle_check_log(json_t *checks, json_t *b, const struct bundle_trust *t,
                            struct note_checkpoint *cp, int *signed_cp)
{
  struct note_verifier known[1 + BUNDLE_WITNESSES_MAX];
  struct note_check seen[1 + BUNDLE_WITNESSES_MAX] = {0};
  const char *note = bundle_str(b, "checkpoint");
  size_t text_len = 0,
         n = 1 + (t->n_witnesses < BUNDLE_WITNESSES_MAX ? t->n_witnesses : BUNDLE_WITNESSES_MAX);
  int have_log = t->log ? (known[0] = *t->log, 1)
                        : note_verifier_parse(&known[0], bundle_str(b, "log_key")) == 0;
  if (!*note) {
    bundle_check(checks, "checkpoint_signature", 1, "the log has no checkpoint yet");
    return 0;
  }
  if (t->n_witnesses) memcpy(known + 1, t->witnesses, (n - 1) * sizeof *known);
  struct bundle_memo *m = t->memo;
  int ok;
  if (m && m->note && !strcmp(m->note, note)) {
    ok = m->ok, text_len = m->text_len, *cp = m->cp;
    memcpy(seen, m->seen, sizeof seen);
  } else {
    const char *text = note;
    if (m) bundle_memo_free(m), m->note = strdup(note), text = m->note ? m->note : note;
    ok = have_log && note_verify(text, strlen(text), known, n, seen, &text_len) >= 1 &&
         seen[0].valid && note_checkpoint_parse(text, text_len, cp) == 0;
    if (m && m->note) {
      m->ok = ok, m->text_len = text_len, m->cp = *cp;
      memcpy(m->seen, seen, sizeof seen);
    }
  }
  bundle_check(checks, "checkpoint_signature", ok,
               t->n_witnesses ? "the checkpoint is signed by the log key, and every cosignature"
                                " by a trusted witness verifies"
                              : "the checkpoint is signed by the log key");
  if (!ok) return -1;
  *signed_cp = 1;
  int final = bundle_check_witnesses(checks, t, seen), worst = bundle_events_in(b, cp);
  bundle_check(checks, "events_in_log", worst >= 0,
               worst > 0    ? "every event and the key's are in the checkpoint's tree"
               : worst == 0 ? "some events are not in the log yet"
                            : "an inclusion proof does not verify");
  if (!chainproof_check(checks, b, cp)) return -1;
  return worst > 0 && !final ? 0 : worst;
}

/* The issuer's newest profile_set event, when the bundle carries one (issuer.profile_event): its
 * signed text hashes to its event_hash, is the document's issuer's, and is in the checkpoint's
 * tree. Returns the profile it logs ({name, url, logo_url, domain, domain_checked_at}) once it is
 * in the tree, else NULL (a failed check when it is altered or its proof fails); *pending: it is
 * not in the tree yet (the verdict is not settled until it is, as for any event). */
static json_t *bundle_check_profile(json_t *checks, json_t *b, json_t *d,
                                    const struct note_checkpoint *cp, int *pending)
{
  json_t *e = json_object_get(json_object_get(b, "issuer"), "profile_event"), *c, *p = NULL;
  if (!json_is_object(e)) return NULL;
  c = bundle_canon(e);
  int ok = c && !strcmp(bundle_str(c, "type"), "profile_set") &&
           json_equal(json_object_get(c, "account"), json_object_get(d, "issuer")) &&
           bundle_sha256_is(bundle_str(e, "canonical"), bundle_str(e, "event_hash"));
  int in = ok && cp ? bundle_in_log(e, cp->size, cp->root) : 0;
  *pending = ok && in == 0;
  bundle_check(checks, "issuer_profile", ok && in >= 0,
               !ok       ? "the issuer's profile event is altered or not the issuer's"
               : in > 0  ? "the issuer's profile is its logged profile_set event"
               : in == 0 ? "the issuer's profile event is not in the log yet: not shown"
                         : "the inclusion proof of the issuer's profile event does not verify");
  json_t *x = json_object_get(c, "data");
  if (ok && in > 0)
    p = json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?}", "name", json_object_get(x, "name"), "url",
                  json_object_get(x, "url"), "logo_url", json_object_get(x, "logoUrl"), "domain",
                  json_object_get(x, "domain"), "domain_checked_at",
                  json_object_get(x, "domainCheckedAt"));
  json_decref(c);
  return p;
}

/* The certificate as the signed document and the events show it (never the bundle's unsigned
 * copy). */
static json_t *bundle_signed_view(const char *doc, json_t *d, const char *status)
{
  uint8_t h[32];
  char hex[65];
  crypto_hash_sha256(h, (const uint8_t *)doc, strlen(doc));
  codes_hex(h, 32, hex);
  json_t *v = json_pack("{s:s, s:s?}", "cert_hash", hex, "status", status);
  for (size_t i = 0; v && i < sizeof bundle_fields / sizeof bundle_fields[0]; i++) {
    json_t *x = json_object_get(d, bundle_fields[i][0]);
    json_object_set(v, bundle_fields[i][1], x ? x : json_null());
  }
  if (v)
    json_object_set(v, "metadata",
                    json_object_get(d, "metadata") ? json_object_get(d, "metadata") : json_null());
  return v;
}

/* Adds n units (a double from a signed text: exact up to 2^53) to account's entry of bal. */
static void bundle_units(json_t *bal, json_t *account, double n)
{
  char key[32];
  if (!json_is_number(account)) return;
  snprintf(key, sizeof key, "%.0f", json_number_value(account));
  json_t *have = json_object_get(bal, key);
  json_object_set_new(bal, key, json_real((have ? json_number_value(have) : 0) + n));
}

json_t *bundle_edition(json_t *b)
{
  json_t *d = bundle_load_signed(bundle_str(b, "document")), *events = json_object_get(b, "events");
  if (!d || strcmp(bundle_str(d, "standard"), "ddc-1155") != 0) {
    json_decref(d);
    return NULL;
  }
  json_t *bal = json_object(), *e, *items = json_array();
  double supply = 0, burned = 0;
  int64_t logged = -1;
  size_t i;
  json_array_foreach(events, i, e)
  {
    json_t *c = bundle_canon(e), *data = json_object_get(c, "data");
    const char *type = bundle_str(c, "type");
    double n =
        json_number_value(json_object_get(data, !strcmp(type, "mint") ? "supply" : "amount"));
    int64_t leaf = bundle_leaf(e);
    if (leaf < 0 || !c) { /* the logged events are a prefix of the chain: stop at the first not */
      json_decref(c);
      break;
    }
    logged = leaf;
    if (!strcmp(type, "mint") || !strcmp(type, "mint_more")) {
      supply += n;
      bundle_units(bal, json_object_get(data, !strcmp(type, "mint") ? "owner" : "to"), n);
    } else if (!strcmp(type, "edition_transfer")) {
      bundle_units(bal, json_object_get(data, "from"), -n);
      bundle_units(bal, json_object_get(data, "to"), n);
    } else if (!strcmp(type, "edition_burn")) {
      burned += n;
      bundle_units(bal, json_object_get(data, "from"), -n);
    }
    json_decref(c);
  }
  const char *k;
  json_t *v;
  json_object_foreach(bal, k, v) if (json_number_value(v) != 0)
      json_array_append_new(items, json_pack("{s:I, s:I}", "account_id", (json_int_t)atoll(k),
                                             "amount", (json_int_t)json_number_value(v)));
  json_decref(bal);
  json_decref(d);
  return json_pack("{s:s, s:I, s:I, s:o, s:o}", "standard", "ddc-1155", "supply",
                   (json_int_t)supply, "burned", (json_int_t)burned, "balances", items,
                   "as_of_leaf", logged >= 0 ? json_integer(logged) : json_null());
}

/* The verdict's result: invalid when a check failed, else the status, else whether the events
 * are settled and the document's validity period holds now. */
static const char *bundle_result(json_t *checks, const char *status, int anchored, json_t *d)
{
  int failed = 0;
  size_t i;
  json_t *c;
  json_array_foreach(checks, i, c) failed |= !json_is_true(json_object_get(c, "ok"));
  char now[TIMEFMT_LEN + 1];
  timefmt_format(timefmt_now(), now);
  const char *until = bundle_str(d, "validUntil"), *from = bundle_str(d, "validFrom");
  return failed                             ? "invalid"
         : strcmp(status, "active")         ? status
         : anchored <= 0                    ? "not_yet_anchored"
         : *until && strcmp(now, until) > 0 ? "expired"
         : *from && strcmp(now, from) < 0   ? "not_yet_valid"
                                            : "valid";
}

/* The issuer as the verdict shows it: the signed id, the bundle's name for that id (not signed),
 * the logged profile when proven; of an imported certificate, as the source's verdict (iv)
 * shows it. */
static json_t *bundle_issuer(json_t *b, json_t *d, json_t *profile, json_t *iv)
{
  if (iv) return json_deep_copy(json_object_get(iv, "issuer"));
  json_t *issuer = json_pack("{s:O?}", "id", json_object_get(d, "issuer"));
  json_t *bi = json_object_get(b, "issuer");
  if (issuer && json_equal(json_object_get(bi, "id"), json_object_get(d, "issuer")))
    json_object_set(issuer, "name", json_object_get(bi, "name"));
  if (issuer && profile) json_object_set(issuer, "profile", profile);
  return issuer;
}

/* The certificate's view; an imported one goes by this log's code and ddc_id (the events name
 * it), and the verdict names its source. */
static json_t *bundle_view(json_t *v, json_t *b, const char *doc, json_t *d, const char *status)
{
  json_t *view = bundle_signed_view(doc, d, status), *cert = json_object_get(b, "certificate");
  if (imported_from(b) && view) {
    json_t *first = bundle_canon(json_array_get(json_object_get(b, "events"), 0));
    json_object_set(view, "code",
                    json_is_string(json_object_get(cert, "code")) ? json_object_get(cert, "code")
                                                                  : json_null());
    json_object_set(view, "ddc_id",
                    json_object_get(first, "ddcId") ? json_object_get(first, "ddcId")
                                                    : json_null());
    json_decref(first);
    json_object_set_new(v, "imported_from", imported_provenance(b));
  }
  json_object_set_new(v, "certificate", view ? view : json_null());
  return v;
}

json_t *bundle_verdict(json_t *b, const struct bundle_trust *trust)
{
  json_t *checks = json_array(), *cert = json_object_get(b, "certificate");
  json_t *events = json_object_get(b, "events"), *from = imported_from(b);
  json_t *key = from ? imported_signing_key(b) : json_object_get(b, "signing_key");
  json_t *iv = from ? imported_source_verdict(b, trust) : NULL;
  json_t *named = from ? imported_named(cert, b) : json_incref(cert);
  const char *doc = bundle_str(b, "document");
  json_t *d = bundle_load_signed(doc);
  bundle_check_signature(checks, doc, d, named, key, from ? imported_events(b) : events);
  json_decref(named);
  bundle_check_key(checks, d, key);
  const char *status = bundle_check_events(
      checks, events, doc, from ? json_object_get(cert, "ddc_id") : json_object_get(d, "ddcId"),
      from != NULL);
  bundle_check(checks, "status_matches_events",
               status && !strcmp(status, bundle_str(cert, "status")),
               "the status shown is the one the events lead to");
  if (from)
    imported_check(checks, b, iv, trust); /* the key's log order: checked in the source's log */
  else
    bundle_check_key_order(checks, key, events);
  bundle_check_status_lists(checks, b, d);
  struct note_checkpoint cp;
  int signed_cp = 0, anchored = bundle_check_log(checks, b, trust, &cp, &signed_cp);
  int pending = 0;
  json_t *profile =
      from ? NULL : bundle_check_profile(checks, b, d, signed_cp ? &cp : NULL, &pending);
  if (pending && anchored > 0) anchored = 0; /* settled once the issuer's profile is logged too */
  const char *result = bundle_result(checks, status, anchored, d);
  json_t *issuer = bundle_issuer(b, d, profile, iv);
  json_decref(profile);
  json_decref(iv);
  json_t *v = json_pack("{s:s, s:b, s:n, s:o, s:o}", "result", result, "final", anchored > 0,
                        "certificate", "issuer", issuer ? issuer : json_object(), "checks", checks);
  if (v) bundle_view(v, b, doc, d, status);
  int failed = !strcmp(result, "invalid");
  json_t *edition = !failed && v ? bundle_edition(b) : NULL;
  if (edition) json_object_set_new(v, "edition", edition);
  json_t *moved = !failed && !strcmp(status, "moved") ? bundle_moved_to(events) : NULL;
  if (v && moved) json_object_set_new(v, "moved_to", moved);
  json_decref(d);
  return v;
}
