/* bundle.c: building a certificate's proof bundle from the log (its document, events with their
 * inclusion proofs, the checkpoint, the witnesses, each chain's anchor), and the verdict on a
 * bundle sent in, which also asks the log whether the bundle is current. The checks themselves are
 * verify/bundle.c's, which need no database. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "db/chain.h"
#include "db/ledger.h"
#include "db/peers.h"
#include "db/reads.h"
#include "db/status.h"
#include "db/witness.h"
#include "ledger/bundle.h"
#include "ledger/logkey.h"
#include "ledger/proofs.h"
#include "ledger/statuspub.h"
#include "ledger/witness_client.h"

/* The configured chains (names and registries, 40 hex digits), kept by chain/anchorer.c. */
static const char *const *bundle_chain_names, *const *bundle_chain_contracts;
static unsigned bundle_chain_n;

void bundle_chain_init(const char *const *names, const char *const *contracts, unsigned n)
{
  bundle_chain_names = names;
  bundle_chain_contracts = contracts;
  bundle_chain_n = n;
}

/* Adds "chain_anchors" to bundle b: for each chain, in configuration order, its newest confirmed
 * anchor whose tree holds leaf need and which the checkpoint of size leaves extends, with the
 * consistency proof; no member when no chain has one. */
static enum ddc_err bundle_chain_add(json_t *b, int64_t need, uint64_t size)
{
  char *text = NULL;
  size_t i;
  json_t *a;
  enum ddc_err e = size && bundle_chain_n
                       ? db_chain_anchors_for(bundle_chain_names, bundle_chain_contracts,
                                              bundle_chain_n, need, size, &text)
                       : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_NOT_FOUND) return DDC_ERR_OK;
  json_t *list = e == DDC_ERR_OK ? json_loads(text, 0, NULL) : NULL;
  free(text);
  if (e == DDC_ERR_OK && !json_is_array(list)) e = DDC_ERR_INTERNAL;
  json_array_foreach(list, i, a)
  {
    uint64_t from = (uint64_t)json_integer_value(json_object_get(a, "tree_size"));
    json_t *proof = NULL;
    if (e == DDC_ERR_OK && from < size) e = proofs_consistency(from, size, &proof);
    json_object_set_new(a, "consistency",
                        proof ? json_incref(json_object_get(proof, "proof")) : json_array());
    json_object_set_new(a, "checkpoint_size", json_integer((json_int_t)size));
    json_decref(proof);
  }
  if (e == DDC_ERR_OK && json_array_size(list)) json_object_set(b, "chain_anchors", list);
  json_decref(list);
  return e;
}

int64_t bundle_anchor_seq(json_t *b)
{
  json_int_t seq = 0;
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(b, "chain_anchors"), i, a)
  {
    json_int_t s = json_integer_value(json_object_get(a, "confirmed_seq"));
    if (s > seq) seq = s;
  }
  return (int64_t)seq;
}

/* Adds {size, proof} to an event that is in the tree of size leaves (read through rd). */
static void bundle_prove(struct tiles_reader *rd, json_t *event, uint64_t size)
{
  json_t *li = json_object_get(event, "leaf_index"), *proof = NULL;
  if (json_is_integer(li) && (uint64_t)json_integer_value(li) < size &&
      proofs_path(rd, (uint64_t)json_integer_value(li), size, &proof) == DDC_ERR_OK)
    json_object_set_new(event, "inclusion",
                        json_pack("{s:I, s:o}", "size", (json_int_t)size, "proof", proof));
}

/* The highest leaf index of the event (-1 when it has none, or is absent) and of max. */
static int64_t bundle_max_leaf(json_t *event, int64_t max)
{
  json_t *li = json_object_get(event, "leaf_index");
  return json_is_integer(li) && json_integer_value(li) > max ? json_integer_value(li) : max;
}

/* Adds the checkpoint the proofs are against and the inclusion proofs (the events', the key's,
 * the status lists' and the issuer's newest profile event's): the newest final checkpoint
 * holding every anchored one, else the newest. final: the newest final checkpoint read already
 * by the caller (NULL: none), used when it holds every anchored one; known: that checkpoint as
 * read with the certificate (db_public_bundle; NULL: ask). key NULL: the certificate was
 * imported, its key proven in the source's log (imported_from). */
static enum ddc_err bundle_anchor(json_t *b, json_t *events, json_t *key, json_t *lists,
                                  const struct db_checkpoint *final,
                                  const struct db_checkpoint *known, int *settled)
{
  const struct witness_set *ws = witness_client_set();
  struct db_checkpoint cp;
  int64_t need = bundle_max_leaf(json_object_get(key, "key_event"), -1);
  size_t i;
  json_t *ev, *keys = json_array();
  json_t *profile = json_object_get(json_object_get(b, "issuer"), "profile_event");
  need = bundle_max_leaf(json_object_get(key, "retired_event"), need);
  need = bundle_max_leaf(profile, need);
  json_array_foreach(events, i, ev) need = bundle_max_leaf(ev, need);
  json_array_foreach(lists, i, ev) need = bundle_max_leaf(json_object_get(ev, "event"), need);
  int given = final && final->final && final->note && (int64_t) final->size > need;
  enum ddc_err e = DDC_ERR_OK;
  if (given)
    cp = *final, cp.note = strdup(final->note), e = cp.note ? e : DDC_ERR_INTERNAL;
  else if (known && known->note)
    cp = *known, cp.note = strdup(known->note), e = cp.note ? e : DDC_ERR_INTERNAL;
  else if (known)
    e = DDC_ERR_NOT_FOUND; /* no checkpoint yet */
  else
    e = db_checkpoint_for(need, ws->vkeys, ws->n, (int)ws->quorum, &cp);
  if (e == DDC_ERR_NOT_FOUND) cp = (struct db_checkpoint){0}, e = DDC_ERR_OK;
  struct tiles_reader *rd = e == DDC_ERR_OK ? calloc(1, sizeof *rd) : NULL;
  if (e == DDC_ERR_OK && !rd) e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    json_array_foreach(events, i, ev) bundle_prove(rd, ev, cp.size);
    json_array_foreach(lists, i, ev) bundle_prove(rd, json_object_get(ev, "event"), cp.size);
    if (key) bundle_prove(rd, json_object_get(key, "key_event"), cp.size);
    if (json_is_object(json_object_get(key, "retired_event")))
      bundle_prove(rd, json_object_get(key, "retired_event"), cp.size);
    if (json_is_object(profile)) bundle_prove(rd, profile, cp.size);
    for (i = 0; i < ws->n; i++)
      json_array_append_new(keys, json_string(ws->vkeys[i]));
    /* every event is in the log, under a final checkpoint: only a new event or checkpoint (or
     * anchor) makes another bundle of it */
    int all = !key || bundle_max_leaf(json_object_get(key, "key_event"), -1) >= 0;
    json_array_foreach(events, i, ev) all = all && bundle_max_leaf(ev, -1) >= 0;
    if (json_is_object(json_object_get(key, "retired_event")))
      all = all && bundle_max_leaf(json_object_get(key, "retired_event"), -1) >= 0;
    if (json_is_object(profile)) all = all && bundle_max_leaf(profile, -1) >= 0;
    *settled = all && cp.final && cp.note && (int64_t)cp.size > need;
    e = bundle_chain_add(b, need, cp.size);
    json_object_set_new(b, "checkpoint", cp.note ? json_string(cp.note) : json_null());
    json_object_set_new(b, "witnesses", keys);
    json_object_set_new(b, "witness_quorum", json_integer(ws->quorum));
  } else
    json_decref(keys);
  free(rd);
  free(cp.note);
  return e;
}

/* The newest logged publication of each purpose of the certificate's status list: {purpose,
 * list, index, url, event: {canonical, leaf_index}} (an empty array before the first one is in
 * the log, or for a certificate that has no entry yet); read already when given is not NULL.
 * The lists are the issuer's (ddc_status_for_cert), so are their publications' events. */
static enum ddc_err bundle_status_lists(const char *given, const char *code, json_int_t issuer,
                                        json_t **lists)
{
  char *text = NULL, url[512];
  size_t i;
  json_t *row;
  enum ddc_err e = given ? DDC_ERR_OK : db_status_for_cert(code, &text);
  json_t *rows = e == DDC_ERR_OK ? json_loads(given ? given : text, 0, NULL) : NULL;
  free(text);
  *lists = json_array();
  if (e == DDC_ERR_OK && (!rows || !*lists)) e = DDC_ERR_INTERNAL;
  json_array_foreach(rows, i, row)
  {
    json_t *p = json_object_get(row, "purpose"), *l = json_object_get(row, "list");
    statuspub_url(issuer, json_string_value(p), (int32_t)json_integer_value(l), url, sizeof url);
    json_array_append_new(*lists,
                          json_pack("{s:O, s:O, s:O, s:s, s:{s:O, s:O}}", "purpose", p, "list", l,
                                    "index", json_object_get(row, "index"), "url", url, "event",
                                    "canonical", json_object_get(row, "canonical"), "leaf_index",
                                    json_object_get(row, "leaf_index")));
  }
  json_decref(rows);
  if (e != DDC_ERR_OK) json_decref(*lists), *lists = NULL;
  return e;
}

/* An imported certificate (its key_id is NULL here): the signing key as the source's bundle
 * proves it, and imported_from {peer, code, ddc_id, log_key, witness_keys, quorum, bundle}. */
static enum ddc_err bundle_imported(json_t *b)
{
  char *text = NULL;
  json_t *cert = json_object_get(b, "certificate");
  enum ddc_err e = db_import_source(json_integer_value(json_object_get(cert, "ddc_id")), &text);
  json_t *src = e == DDC_ERR_OK ? json_loads(text, 0, NULL) : NULL;
  const char *inner = json_string_value(json_object_get(src, "bundle"));
  json_t *ib = inner ? jcs_load(inner, strlen(inner), NULL) : NULL;
  free(text);
  if (e == DDC_ERR_OK && !ib) e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    json_object_set(b, "signing_key", json_object_get(ib, "signing_key"));
    json_object_set(src, "bundle", ib);
    json_object_set(b, "imported_from", src);
  }
  json_decref(ib);
  json_decref(src);
  return e;
}

/* A bundle and what it is built for, as a public read. */
struct bundle_read {
  const char *code;
  json_t **bundle;
  int settled;
};

enum ddc_err bundle_from(const struct db_public_cert *p, const struct db_checkpoint *final,
                         json_t **bundle, int *settled)
{
  char vkey[NOTE_VKEY_MAX];
  struct note_verifier v;
  *bundle = NULL;
  *settled = 0;
  enum ddc_err e = logkey_public(&v);
  if (e == DDC_ERR_OK && note_verifier_format(&v, vkey, sizeof vkey) < 0) e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    json_t *events = json_loads(p->events, 0, NULL), *key = json_loads(p->signing_key, 0, NULL);
    *bundle = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "type", "ddc.bundle/v1", "document",
                        p->document, "certificate", json_loads(p->cert, 0, NULL), "issuer",
                        json_loads(p->issuer, 0, NULL), "signing_key", key, "events", events,
                        "log_key", vkey);
    const char *code =
        json_string_value(json_object_get(json_object_get(*bundle, "certificate"), "code"));
    json_t *lists = NULL;
    json_int_t issuer =
        json_integer_value(json_object_get(json_object_get(*bundle, "certificate"), "issuer_id"));
    e = *bundle && code ? bundle_status_lists(p->status_lists, code, issuer, &lists)
                        : DDC_ERR_INTERNAL;
    if (e == DDC_ERR_OK) json_object_set_new(*bundle, "status_lists", lists);
    int imported = e == DDC_ERR_OK && json_is_null(json_object_get(key, "key_id"));
    if (imported) e = bundle_imported(*bundle);
    if (e == DDC_ERR_OK)
      e = bundle_anchor(*bundle, events, imported ? NULL : key, lists, final,
                        p->cp_read ? &p->cp : NULL, settled);
    if (e != DDC_ERR_OK) json_decref(*bundle), *bundle = NULL;
  }
  return e;
}

static enum ddc_err bundle_build_read(void *arg)
{
  const char *code = ((struct bundle_read *)arg)->code;
  json_t **bundle = ((struct bundle_read *)arg)->bundle;
  const struct witness_set *ws = witness_client_set();
  struct db_public_cert p;
  *bundle = NULL;
  enum ddc_err e = db_public_bundle(code, ws->vkeys, ws->n, (int)ws->quorum, &p);
  if (e == DDC_ERR_OK) e = bundle_from(&p, NULL, bundle, &((struct bundle_read *)arg)->settled);
  if (e == DDC_ERR_OK && ((struct bundle_read *)arg)->settled && db_reads_on_primary())
    ((struct bundle_read *)arg)->settled = BUNDLE_SETTLED_PRIMARY;
  db_public_cert_free(&p);
  return e;
}

/* One statement reads the certificate, its status lists and the checkpoint, so one snapshot: the
 * proofs and the checkpoint agree. What is read after it cannot disagree: the tiles only ever
 * grow (a proof takes the prefix the checkpoint covers), and a chain anchor is taken only within
 * that checkpoint, with its consistency proof to it. */
enum ddc_err bundle_build(const char *code, json_t **bundle)
{
  return bundle_build_settled(code, bundle, NULL);
}

enum ddc_err bundle_build_settled(const char *code, json_t **bundle, int *settled)
{
  struct bundle_read b = {code, bundle, 0};
  enum ddc_err e = db_public_read_one(bundle_build_read, &b);
  if (settled) *settled = e == DDC_ERR_OK ? b.settled : 0;
  return e;
}

enum ddc_err bundle_build_for(const char *role, int64_t actor, int64_t ddc, json_t **bundle)
{
  char code[27];
  enum ddc_err e = db_cert_code(role, actor, ddc, code);
  *bundle = NULL;
  return e == DDC_ERR_OK ? bundle_build(code, bundle) : e;
}

/* Whether the log's last event of certificate code has hash last (hex) and it has n events, as
 * a public read: NOT_FOUND when not (a replica behind is then asked no further). */
struct bundle_head {
  const char *code, *last;
  int64_t n;
};

static enum ddc_err bundle_head_read(void *arg)
{
  struct bundle_head *h = arg;
  char last[65];
  int64_t n = 0;
  enum ddc_err e = db_cert_head(h->code, last, &n);
  if (e == DDC_ERR_OK && (n != h->n || strcmp(last, h->last) != 0)) e = DDC_ERR_NOT_FOUND;
  return e;
}

/* Whether the bundle's last event is the log's last event of the certificate, and the bundle
 * has as many. An imported certificate's document names its source's code: the log here knows it
 * by the bundle's certificate.code (its last event hash must then match all the same). */
static int bundle_is_current(json_t *b)
{
  json_t *events = json_object_get(b, "events");
  const char *doc = json_string_value(json_object_get(b, "document"));
  const char *canon = json_string_value(
      json_object_get(json_array_get(events, json_array_size(events) - 1), "canonical"));
  json_t *d = doc ? jcs_load(doc, strlen(doc), NULL) : NULL;
  const char *code = json_string_value(json_object_get(
      json_object_get(b, "imported_from") ? json_object_get(b, "certificate") : d, "code"));
  char got[65];
  uint8_t h[32];
  int current = code && canon;
  if (current) {
    crypto_hash_sha256(h, (const uint8_t *)canon, strlen(canon));
    codes_hex(h, 32, got);
    struct bundle_head head = {code, got, (int64_t)json_array_size(events)};
    current = db_public_read(bundle_head_read, &head) == DDC_ERR_OK;
  }
  json_decref(d);
  return current;
}

json_t *bundle_verdict_sent(json_t *b, const struct bundle_trust *trust)
{
  json_t *v = bundle_verdict(b, trust);
  if (!v) return NULL;
  int current = bundle_is_current(b);
  json_array_append_new(json_object_get(v, "checks"),
                        json_pack("{s:s, s:b, s:s}", "name", "bundle_is_current", "ok", current,
                                  "detail", "the bundle holds every event the log has for it"));
  if (!current) json_object_set_new(v, "result", json_string("invalid"));
  return v;
}

/* On a replica, no certificate with the hash yet is NOT_FOUND, so that the primary is asked. */
struct bundle_content {
  const uint8_t *hash;
  char *json;
};

static enum ddc_err bundle_by_content_read(void *arg)
{
  struct bundle_content *c = arg;
  free(c->json);
  enum ddc_err e = db_public_by_content(c->hash, &c->json);
  if (e == DDC_ERR_OK && strstr(c->json, "\"items\": []")) e = DDC_ERR_NOT_FOUND;
  return e;
}

enum ddc_err bundle_by_content(const uint8_t hash[32], char **json)
{
  struct bundle_content c = {hash, NULL};
  enum ddc_err e = db_public_read(bundle_by_content_read, &c);
  if (e == DDC_ERR_NOT_FOUND && c.json) e = DDC_ERR_OK; /* the primary has none either */
  if (e != DDC_ERR_OK) free(c.json), c.json = NULL;
  *json = c.json;
  return e;
}
