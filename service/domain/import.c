/* import.c: packets in, receipts out, exports closed (see import.h). The packet's checks are
 * peer/packet.c's; the import is one ddc_import call; refusals and closes leave a tombstone with
 * the signed statement that was sent, so that the same export is answered the same way again. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "db/peers.h"
#include "domain/import.h"
#include "domain/mintprep.h"
#include "fault.h"
#include "ledger/bundle.h"
#include "peer/packet.h"
#include "peer/peersig.h"
#include "timefmt.h"

static void import_fail(struct import_answer *a, enum ddc_err e, json_t *members, const char *fmt,
                        const char *arg)
{
  a->err = e;
  a->body = members ? members : json_object();
  snprintf(a->detail, sizeof a->detail, fmt, arg);
}

static void import_ok(struct import_answer *a, unsigned status, json_t *body)
{
  a->err = body ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  a->status = status;
  a->body = body;
}

/* A signed statement {type, export_id, source_keyid, ...more} (new reference; NULL on failure). */
static json_t *import_statement(const char *type, const struct peer_pin *pin, int64_t export_id,
                                const char *reason)
{
  char kid[9];
  peersig_keyid_hex(pin->log.id, kid);
  json_t *s = json_pack("{s:s, s:o, s:s}", "type", type, "export_id",
                        export_id > 0 ? json_integer(export_id) : json_null(), "source_keyid", kid);
  if (s && reason) json_object_set_new(s, "reason", json_string(reason));
  if (s && peer_sign_statement(s) != 0) json_decref(s), s = NULL;
  return s;
}

/* The receipt of an imported certificate once its `imported` event is in a final checkpoint
 * (DDC_ERR_OK), NOT_FOUND while it is not. */
static enum ddc_err import_receipt(const struct peer_pin *pin, int64_t export_id, const char *code,
                                   const char *base, json_t **receipt)
{
  json_t *b = NULL;
  int settled = 0;
  char kid[9], url[PEER_URL_MAX + 64];
  *receipt = NULL;
  enum ddc_err e = bundle_build_settled(code, &b, &settled);
  json_t *ev = json_array_get(json_object_get(b, "events"), 0);
  json_t *cert = json_object_get(b, "certificate");
  if (e == DDC_ERR_OK && (!settled || !json_is_object(json_object_get(ev, "inclusion"))))
    e = DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) {
    peersig_keyid_hex(pin->log.id, kid);
    snprintf(url, sizeof url, "%s/c/%s", base, code);
    *receipt =
        json_pack("{s:s, s:I, s:s, s:s, s:O, s:s, s:O, s:{s:O, s:O, s:O, s:O}, s:O}", "type",
                  "ddc.peer.receipt/v1", "export_id", (json_int_t)export_id, "source_keyid", kid,
                  "code", code, "ddc_id", json_object_get(cert, "ddc_id"), "url", url, "cert_hash",
                  json_object_get(cert, "cert_hash"), "event", "canonical",
                  json_object_get(ev, "canonical"), "event_hash", json_object_get(ev, "event_hash"),
                  "leaf_index", json_object_get(ev, "leaf_index"), "inclusion",
                  json_object_get(ev, "inclusion"), "checkpoint", json_object_get(b, "checkpoint"));
    if (!*receipt || peer_sign_statement(*receipt) != 0) e = DDC_ERR_INTERNAL;
  }
  json_decref(b);
  if (e == DDC_ERR_OK) fault_point("import.before_receipt");
  return e;
}

/* The answer for an export imported here as code: its receipt (status 200 or 201), or 202. */
static void import_done(const struct peer_pin *pin, int64_t export_id, const char *code,
                        const char *base, unsigned status, struct import_answer *a)
{
  json_t *receipt = NULL;
  char kid[9], url[PEER_URL_MAX + 96];
  peersig_keyid_hex(pin->log.id, kid);
  snprintf(url, sizeof url, "%s/v1/peer/imports/%s/%lld", base, kid, (long long)export_id);
  enum ddc_err e = import_receipt(pin, export_id, code, base, &receipt);
  if (e == DDC_ERR_OK)
    import_ok(
        a, status,
        json_pack("{s:s, s:o, s:s}", "status", "imported", "receipt", receipt, "receipt_url", url));
  else if (e == DDC_ERR_NOT_FOUND)
    import_ok(a, 202,
              json_pack("{s:s, s:s, s:s}", "status", "pending", "code", code, "receipt_url", url));
  else
    a->err = e, a->body = json_object();
}

/* What is stored for an export answered already (state from ddc_import_state): 1 with the
 * answer set, 0 for none. */
static int import_known(const struct peer_pin *pin, int64_t export_id, json_t *state,
                        const char *base, int replay, struct import_answer *a)
{
  const char *s = json_string_value(json_object_get(state, "state"));
  const char *stmt = json_string_value(json_object_get(state, "statement"));
  json_t *st = stmt ? jcs_load(stmt, strlen(stmt), NULL) : NULL;
  char kid[9], url[PEER_URL_MAX + 96];
  peersig_keyid_hex(pin->log.id, kid);
  snprintf(url, sizeof url, "%s/v1/peer/imports/%s/%lld", base, kid, (long long)export_id);
  if (s && !strcmp(s, "imported") && replay)
    import_fail(a, DDC_ERR_PACKET_REPLAYED, json_pack("{s:s}", "receipt_url", url),
                "export %s was imported here already: ask receipt_url for its receipt", url);
  else if (s && !strcmp(s, "imported"))
    import_done(pin, export_id, json_string_value(json_object_get(state, "code")), base, 200, a);
  else if (s && !strcmp(s, "closed") && st)
    import_fail(a, DDC_ERR_EXPORT_CLOSED, json_pack("{s:O}", "statement", st),
                "%s: this export was closed here at the source's request; it is never imported",
                url);
  else if (s && !strcmp(s, "refused") && st)
    import_fail(
        a, DDC_ERR_PACKET_INVALID, json_pack("{s:O, s:s}", "refusal", st, "field", "bundle"),
        "this export was refused already: %s", json_string_value(json_object_get(state, "reason")));
  json_decref(st);
  return s && strcmp(s, "none") != 0 && (a->body || a->err != DDC_ERR_OK);
}

/* Refuses export_id for reason: a signed refusal, kept as its tombstone. */
static void import_refuse(const struct peer_pin *pin, int64_t export_id, const char *reason,
                          const char *detail, const char *base, struct import_answer *a)
{
  json_t *refusal = import_statement("ddc.peer.refusal/v1", pin, export_id, reason), *state = NULL;
  char *text = refusal ? peersig_statement_text(refusal, NULL) : NULL, *sj = NULL;
  if (!text) {
    json_decref(refusal);
    a->err = DDC_ERR_INTERNAL, a->body = json_object();
    return;
  }
  enum ddc_err e = export_id > 0
                       ? db_import_tombstone(pin->id, export_id, "refused", reason, text, &sj)
                       : DDC_ERR_NOT_FOUND;
  state = e == DDC_ERR_OK ? json_loads(sj, 0, NULL) : NULL;
  if (e == DDC_ERR_OK && state && import_known(pin, export_id, state, base, 1, a)) {
    /* the stored answer (this refusal, or an earlier one) */
  } else if (e == DDC_ERR_OK || e == DDC_ERR_NOT_FOUND) {
    import_fail(
        a, DDC_ERR_PACKET_INVALID,
        json_pack("{s:O, s:s, s:s}", "refusal", refusal, "reason", reason, "field", "bundle"), "%s",
        detail);
  } else {
    a->err = e, a->body = json_object();
  }
  if (a->err == DDC_ERR_PACKET_INVALID)
    snprintf(a->detail, sizeof a->detail, "%s (%s)", detail, reason);
  json_decref(state);
  json_decref(refusal);
  free(sj);
  free(text);
}

/* The import itself: a ddc_id and code drawn here, one ddc_import call. */
static void import_mint(const struct peer_pin *pin, const struct packet_facts *f,
                        const char *bundle_text, const char *base, struct import_answer *a)
{
  uint8_t rnd[16];
  char code[27], *out = NULL;
  struct db_import_row row = {.peer_id = pin->id,
                              .export_id = f->export_id,
                              .to = f->to,
                              .source_ddc_id = f->source_ddc_id,
                              .code = code,
                              .document = f->document,
                              .source_code = f->source_code,
                              .bundle = bundle_text};
  memcpy(row.cert_hash, f->cert_hash, 32);
  memcpy(row.signature, f->signature, 64);
  memcpy(row.export_event_hash, f->export_event_hash, 32);
  randombytes_buf(rnd, sizeof rnd);
  codes_base32(rnd, sizeof rnd, code);
  enum ddc_err e = mintprep_id(&row.ddc_id);
  if (e == DDC_ERR_OK) e = db_import(&row, &out);
  json_t *state = e == DDC_ERR_OK ? json_loads(out, 0, NULL) : NULL;
  const char *s = json_string_value(json_object_get(state, "state"));
  free(out);
  if (e == DDC_ERR_PACKET_REPLAYED ||
      (e == DDC_ERR_OK && s && strcmp(s, "imported") && !json_object_get(state, "reason"))) {
    char *sj = NULL;
    json_decref(state);
    state =
        db_import_state(pin->id, f->export_id, &sj) == DDC_ERR_OK ? json_loads(sj, 0, NULL) : NULL;
    free(sj);
    if (!state || !import_known(pin, f->export_id, state, base, 1, a))
      a->err = DDC_ERR_INTERNAL, a->body = json_object();
  } else if (e == DDC_ERR_OK && s && !strcmp(s, "imported")) {
    fault_point("import.after_mint");
    import_done(pin, f->export_id, code, base, 201, a);
    if (a->err == DDC_ERR_OK && a->status == 202) a->status = 202;
  } else if (e == DDC_ERR_OK && s) {
    import_refuse(pin, f->export_id, json_string_value(json_object_get(state, "reason")),
                  "the recipient is no active holder account here, or the certificate is an "
                  "edition",
                  base, a);
  } else {
    a->err = e != DDC_ERR_OK ? e : DDC_ERR_INTERNAL, a->body = json_object();
  }
  json_decref(state);
}

void import_packet(const struct peer_pin *pin, json_t *packet, const char *base,
                   struct import_answer *a)
{
  struct bundle_trust trust = {&pin->log, pin->witnesses, pin->n_witnesses, pin->quorum, NULL, NULL,
                               0};
  struct packet_facts f;
  char detail[300], *sj = NULL;
  int64_t export_id = 0;
  memset(a, 0, sizeof *a);
  if (packet_export_id(packet, &export_id) != 0) {
    import_refuse(pin, 0, "packet_malformed", "the packet has no export_id", base, a);
    return;
  }
  enum ddc_err e = db_import_state(pin->id, export_id, &sj);
  json_t *state = e == DDC_ERR_OK ? json_loads(sj, 0, NULL) : NULL;
  free(sj);
  int known = state && import_known(pin, export_id, state, base, 1, a);
  json_decref(state);
  if (e != DDC_ERR_OK || known) {
    if (e != DDC_ERR_OK) a->err = e, a->body = json_object();
    return;
  }
  const char *reason =
      packet_check(packet, &trust, peer_self_vkey(), timefmt_now(), &f, detail, sizeof detail);
  if (reason) {
    import_refuse(pin, export_id, reason, detail, base, a);
    return;
  }
  char *bundle_text = json_dumps(json_object_get(packet, "bundle"), JSON_COMPACT);
  if (bundle_text)
    import_mint(pin, &f, bundle_text, base, a);
  else
    a->err = DDC_ERR_INTERNAL, a->body = json_object();
  free(bundle_text);
}

void import_lookup(const struct peer_pin *pin, const char *source_keyid, int64_t export_id,
                   int close, const char *base, struct import_answer *a)
{
  char kid[9], *sj = NULL;
  memset(a, 0, sizeof *a);
  peersig_keyid_hex(pin->log.id, kid);
  if (strcasecmp(source_keyid, kid) != 0) {
    import_fail(a, DDC_ERR_IMPORT_NOT_FOUND, NULL,
                "%s: a peer asks only about its own exports (its log key's id)", source_keyid);
    return;
  }
  enum ddc_err e = db_import_state(pin->id, export_id, &sj);
  json_t *state = e == DDC_ERR_OK ? json_loads(sj, 0, NULL) : NULL;
  const char *s = json_string_value(json_object_get(state, "state"));
  free(sj);
  if (close && s && strcmp(s, "imported") && strcmp(s, "closed")) {
    json_t *st = import_statement("ddc.peer.closed/v1", pin, export_id, NULL);
    char *text = st ? peersig_statement_text(st, NULL) : NULL;
    json_decref(state);
    state = NULL;
    e = text ? db_import_tombstone(pin->id, export_id, "closed", "closed", text, &sj)
             : DDC_ERR_INTERNAL;
    state = e == DDC_ERR_OK ? json_loads(sj, 0, NULL) : NULL;
    s = json_string_value(json_object_get(state, "state"));
    free(sj);
    free(text);
    if (s && !strcmp(s, "refused")) /* refused already: never imported, closed as well */
      import_ok(a, 200, json_pack("{s:s, s:O}", "status", "closed", "statement", st));
    json_decref(st);
    if (s && !strcmp(s, "refused")) {
      json_decref(state);
      return;
    }
  }
  if (close && s && !strcmp(s, "closed")) {
    const char *stmt = json_string_value(json_object_get(state, "statement"));
    json_t *st = stmt ? jcs_load(stmt, strlen(stmt), NULL) : NULL;
    import_ok(a, 200, st ? json_pack("{s:s, s:o}", "status", "closed", "statement", st) : NULL);
  } else if (e == DDC_ERR_OK && s && !strcmp(s, "none")) {
    import_fail(a, DDC_ERR_IMPORT_NOT_FOUND, NULL, "export %s was not received here", kid);
  } else if (e == DDC_ERR_OK && state && import_known(pin, export_id, state, base, 0, a)) {
    /* imported (receipt or pending), refused or closed */
  } else if (!a->body) {
    a->err = e != DDC_ERR_OK ? e : DDC_ERR_INTERNAL, a->body = json_object();
  }
  json_decref(state);
}
