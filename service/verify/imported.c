/* imported.c: the checks of an imported certificate's bundle (see imported.h). The source's
 * bundle is judged as any bundle is, under the source's log key; then the two logs are tied
 * together: the source's last event exports this certificate to this log, and this log's first
 * event imports exactly that export of exactly that document. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "verify/imported.h"

static const char *imported_str(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* An event's signed content, or NULL. */
static json_t *imported_canon(json_t *event)
{
  const char *text = imported_str(event, "canonical");
  json_t *c = jcs_load(text, strlen(text), NULL);
  if (json_is_object(c) && !strcmp(imported_str(c, "v"), "ddc.event/v1")) return c;
  json_decref(c);
  return NULL;
}

static void imported_sha256(const char *text, char hex[65])
{
  uint8_t h[32];
  crypto_hash_sha256(h, (const uint8_t *)text, strlen(text));
  codes_hex(h, 32, hex);
}

json_t *imported_from(json_t *b)
{
  json_t *f = json_object_get(b, "imported_from");
  return json_is_object(f) ? f : NULL;
}

static json_t *imported_inner(json_t *b)
{
  json_t *inner = json_object_get(imported_from(b), "bundle");
  return json_is_object(inner) ? inner : NULL;
}

/* A witness key as imported_from lists it: the verifier key, alone or after the witness's URL. */
static int imported_witness(struct note_verifier *w, json_t *entry)
{
  const char *s = json_string_value(entry), *sp = s ? strrchr(s, ' ') : NULL;
  if (!s) s = imported_str(entry, "vkey");
  return note_verifier_parse(w, sp ? sp + 1 : s) == 0 && w->alg == NOTE_ALG_COSIGNATURE ? 0 : -1;
}

/* The source's trust as imported_from states it (log_key, witness_keys, quorum: a majority when
 * absent). 0, or -1 when a key does not parse. */
static int imported_trust(json_t *from, struct bundle_trust *t, struct note_verifier *log,
                          struct note_verifier *w)
{
  json_t *keys = json_object_get(from, "witness_keys"), *k;
  size_t i;
  if (note_verifier_parse(log, imported_str(from, "log_key")) != 0 ||
      log->alg != NOTE_ALG_ED25519 || json_array_size(keys) > BUNDLE_WITNESSES_MAX)
    return -1;
  t->log = log, t->witnesses = w, t->n_witnesses = json_array_size(keys);
  json_array_foreach(keys, i, k) if (imported_witness(&w[i], k) != 0) return -1;
  json_int_t q = json_integer_value(json_object_get(from, "quorum"));
  t->quorum =
      q > 0 && (size_t)q <= t->n_witnesses ? (unsigned)q : (unsigned)(t->n_witnesses / 2 + 1);
  return 0;
}

json_t *imported_source_verdict(json_t *b, const struct bundle_trust *trust)
{
  json_t *inner = imported_inner(b);
  struct note_verifier log, w[BUNDLE_WITNESSES_MAX];
  struct bundle_trust t = {0};
  if (!inner || trust->depth + 1 >= IMPORTED_DEPTH_MAX) return NULL;
  if (trust->peer)
    t = *trust->peer;
  else if (imported_trust(imported_from(b), &t, &log, w) != 0)
    return NULL;
  t.memo = NULL, t.peer = NULL, t.depth = trust->depth + 1;
  return bundle_verdict(inner, &t);
}

/* The verifier key text of k, or "" when it cannot be written. */
static void imported_vkey(const struct note_verifier *k, char out[NOTE_VKEY_MAX])
{
  if (note_verifier_format(k, out, NOTE_VKEY_MAX) < 0) out[0] = 0;
}

/* Why the source verdict does not stand, or NULL: a failed check (named in buf), not final, not
 * exporting. */
static const char *imported_source_fault(json_t *iv, char *buf, size_t cap)
{
  size_t i;
  json_t *c;
  if (!iv) return "the source bundle is missing, nested too deep, or its log key does not parse";
  json_array_foreach(json_object_get(iv, "checks"), i, c)
  {
    if (json_is_true(json_object_get(c, "ok"))) continue;
    snprintf(buf, cap, "the source bundle fails its check %s under the source's log key",
             imported_str(c, "name"));
    return buf;
  }
  if (!json_is_true(json_object_get(iv, "final")))
    return "the source's export event is not in a final checkpoint";
  if (strcmp(imported_str(iv, "result"), "exporting") != 0)
    return "the source certificate is not being exported";
  return NULL;
}

/* Why the source's last event (last) and this bundle's first (first) do not tie the logs, or
 * NULL. dest: this log's key; src: the source's key the inner bundle was judged under. */
static const char *imported_tie_fault(json_t *first, json_t *last, const char *last_text,
                                      const char *dest, const char *src)
{
  json_t *fd = json_object_get(first, "data"), *ld = json_object_get(last, "data");
  char hash[65];
  imported_sha256(last_text, hash);
  if (strcmp(imported_str(last, "type"), "export_started") != 0)
    return "the source bundle's last event is not export_started";
  if (strcmp(imported_str(first, "type"), "imported") != 0)
    return "the first event is not imported";
  if (strcmp(imported_str(fd, "exportEventHash"), hash) != 0 ||
      !json_equal(json_object_get(fd, "exportId"), json_object_get(ld, "exportId")))
    return "the imported event names another export";
  if (!*dest || strcmp(imported_str(ld, "peerLogKey"), dest) != 0)
    return "the export names another destination log";
  if (!*src || strcmp(imported_str(fd, "peerLogKey"), src) != 0)
    return "the imported event names another source log key";
  return NULL;
}

/* Why the documents and the imported event's names of the source do not match, or NULL. */
static const char *imported_doc_fault(json_t *b, json_t *inner, json_t *first)
{
  const char *doc = imported_str(b, "document");
  json_t *d = jcs_load(doc, strlen(doc), NULL), *fd = json_object_get(first, "data");
  json_t *from = imported_from(b);
  char hash[65];
  imported_sha256(doc, hash);
  const char *why = NULL;
  if (!json_is_object(d) || strcmp(doc, imported_str(inner, "document")) != 0)
    why = "the document is not the source's";
  else if (strcmp(imported_str(fd, "certHash"), hash) != 0 ||
           !json_equal(json_object_get(fd, "sourceCode"), json_object_get(d, "code")) ||
           !json_equal(json_object_get(fd, "sourceDdcId"), json_object_get(d, "ddcId")))
    why = "the imported event names another source certificate";
  else if (!json_equal(json_object_get(from, "code"), json_object_get(d, "code")) ||
           !json_equal(json_object_get(from, "ddc_id"), json_object_get(d, "ddcId")))
    why = "imported_from names another source certificate";
  json_decref(d);
  return why;
}

int imported_check(json_t *checks, json_t *b, json_t *iv, const struct bundle_trust *trust)
{
  json_t *inner = imported_inner(b), *events = json_object_get(inner, "events");
  json_t *le = json_array_get(events, json_array_size(events) - 1);
  json_t *first = imported_canon(json_array_get(json_object_get(b, "events"), 0));
  json_t *last = imported_canon(le);
  char dest[NOTE_VKEY_MAX] = "", src[NOTE_VKEY_MAX] = "";
  if (trust->log)
    imported_vkey(trust->log, dest);
  else
    snprintf(dest, sizeof dest, "%s", imported_str(b, "log_key"));
  if (trust->peer && trust->peer->log)
    imported_vkey(trust->peer->log, src);
  else
    snprintf(src, sizeof src, "%s", imported_str(imported_from(b), "log_key"));
  char buf[160];
  const char *why = imported_source_fault(iv, buf, sizeof buf);
  if (!why && (!first || !last)) why = "an event's signed text does not parse";
  if (!why) why = imported_tie_fault(first, last, imported_str(le, "canonical"), dest, src);
  if (!why) why = imported_doc_fault(b, inner, first);
  json_array_append_new(
      checks, json_pack("{s:s, s:b, s:s}", "name", "imported_source", "ok", !why, "detail",
                        why ? why
                            : "the source's bundle verifies under its log key, ends with the "
                              "export to this log that the imported event names, and holds "
                              "the same document"));
  json_decref(first);
  json_decref(last);
  return !why;
}

json_t *imported_named(json_t *cert, json_t *b)
{
  static const char *const from_source[] = {"code", "ddc_id", "key_id", "issuer_id", "uri"};
  json_t *named = json_is_object(cert) ? json_copy(cert) : json_object();
  json_t *src = json_object_get(imported_inner(b), "certificate");
  for (size_t i = 0; i < sizeof from_source / sizeof from_source[0]; i++) {
    json_t *v = json_object_get(src, from_source[i]);
    json_object_set(named, from_source[i], v ? v : json_null());
  }
  return named;
}

json_t *imported_events(json_t *b)
{
  return json_object_get(imported_inner(b), "events");
}

json_t *imported_signing_key(json_t *b)
{
  return json_object_get(imported_inner(b), "signing_key");
}

json_t *imported_provenance(json_t *b)
{
  const char *doc = imported_str(b, "document");
  json_t *d = jcs_load(doc, strlen(doc), NULL);
  json_t *first = imported_canon(json_array_get(json_object_get(b, "events"), 0));
  json_t *peer = json_object_get(json_object_get(first, "data"), "peer");
  json_t *p = json_pack("{s:O?, s:O?, s:O?}", "peer", json_is_string(peer) ? peer : NULL, "code",
                        json_object_get(d, "code"), "ddc_id", json_object_get(d, "ddcId"));
  json_decref(d);
  json_decref(first);
  return p;
}
