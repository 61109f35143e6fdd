/* packet.c: the destination's checks of a transfer packet (see packet.h). The bundle up to the
 * event before export_started is judged by bundle_verdict (the status it shows is the one its
 * events lead to); export_started itself is checked here: it follows that event in the
 * certificate's chain, is in the same signed checkpoint's tree, and names this export and this
 * deployment. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "peer/packet.h"
#include "timefmt.h"

#define PACKET_DEADLINE_MARGIN_US (30 * 1000000LL)

int packet_export_id(json_t *packet, int64_t *id)
{
  json_t *v = json_object_get(packet, "export_id");
  if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
      json_integer_value(v) > 9007199254740992LL)
    return -1;
  *id = json_integer_value(v);
  return 0;
}

/* The string member name of j, or "". */
static const char *packet_str(json_t *j, const char *name)
{
  const char *s = json_string_value(json_object_get(j, name));
  return s ? s : "";
}

static json_t *packet_canon(json_t *event)
{
  const char *s = json_string_value(json_object_get(event, "canonical"));
  return s ? jcs_load(s, strlen(s), NULL) : NULL;
}

/* The status the events (all but the last) lead to, by their types; NULL for a type that changes
 * nothing known here. */
static const char *packet_status(json_t *events, size_t n)
{
  static const char *const moves[][2] = {
      {"mint", "active"},           {"freeze", "frozen"},
      {"unfreeze", "active"},       {"revoke", "revoked"},
      {"burn", "burned"},           {"export_cancelled", "active"},
      {"export_refused", "active"}, {"export_started", "exporting"}};
  const char *status = "active";
  for (size_t i = 0; i < n; i++) {
    json_t *c = packet_canon(json_array_get(events, i));
    const char *t = json_string_value(json_object_get(c, "type"));
    for (size_t m = 0; t && m < sizeof moves / sizeof moves[0]; m++)
      if (!strcmp(t, moves[m][0])) status = moves[m][1];
    json_decref(c);
  }
  return status;
}

/* The bundle without its last event, its certificate showing status: the certificate as it was
 * when the export started. */
static json_t *packet_before(json_t *bundle, const char *status)
{
  json_t *b = json_copy(bundle), *events = json_array(), *src = json_object_get(bundle, "events");
  json_t *cert = json_copy(json_object_get(bundle, "certificate"));
  for (size_t i = 0; i + 1 < json_array_size(src); i++)
    json_array_append(events, json_array_get(src, i));
  json_object_set_new(cert, "status", json_string(status));
  json_object_set_new(b, "certificate", cert);
  json_object_set_new(b, "events", events);
  return b;
}

/* The verdict on the bundle before the export: NULL when it verifies, is final and the
 * certificate was active; else the reason. */
static const char *packet_judge(json_t *bundle, const struct bundle_trust *trust, char *detail,
                                size_t cap)
{
  json_t *events = json_object_get(bundle, "events");
  const char *status = packet_status(events, json_array_size(events) - 1);
  json_t *before = packet_before(bundle, status), *v = bundle_verdict(before, trust), *c;
  const char *reason = v ? NULL : "bundle_invalid";
  size_t i;
  json_array_foreach(json_object_get(v, "checks"), i,
                     c) if (!reason && !json_is_true(json_object_get(c, "ok")))
  {
    reason = "bundle_invalid";
    snprintf(detail, cap, "the bundle fails its check %s under the source's pinned keys",
             json_string_value(json_object_get(c, "name")));
  }
  const char *result = json_string_value(json_object_get(v, "result"));
  if (!reason && !json_is_true(json_object_get(v, "final")))
    reason = "bundle_not_final", snprintf(detail, cap, "the bundle's checkpoint is not final");
  else if (!reason && result && strcmp(result, "valid") && strcmp(result, "not_yet_valid"))
    reason = "certificate_not_active",
    snprintf(detail, cap, "the certificate was %s when the export started", result);
  if (!v && reason) snprintf(detail, cap, "the bundle cannot be read");
  json_decref(v);
  json_decref(before);
  return reason;
}

/* export_started follows the event before it and is in the checkpoint's tree. */
static int packet_last_logged(json_t *bundle, json_t *last, json_t *c,
                              const struct bundle_trust *trust)
{
  json_t *events = json_object_get(bundle, "events");
  json_t *prev = json_array_get(events, json_array_size(events) - 2);
  const char *pc = json_string_value(json_object_get(prev, "canonical"));
  const char *lc = json_string_value(json_object_get(last, "canonical"));
  const char *note = json_string_value(json_object_get(bundle, "checkpoint"));
  const char *doc = json_string_value(json_object_get(bundle, "document"));
  json_t *d = doc ? jcs_load(doc, strlen(doc), NULL) : NULL;
  uint8_t h[32];
  char hex[65];
  size_t text_len;
  struct note_checkpoint cp;
  int ok =
      pc && lc && note && d && json_equal(json_object_get(c, "ddcId"), json_object_get(d, "ddcId"));
  if (ok) {
    crypto_hash_sha256(h, (const uint8_t *)pc, strlen(pc));
    codes_hex(h, 32, hex);
    ok = json_is_string(json_object_get(c, "prev")) &&
         !strcmp(json_string_value(json_object_get(c, "prev")), hex);
    crypto_hash_sha256(h, (const uint8_t *)lc, strlen(lc));
    codes_hex(h, 32, hex);
    ok = ok && !strcmp(hex, json_string_value(json_object_get(last, "event_hash"))
                                ? json_string_value(json_object_get(last, "event_hash"))
                                : "");
  }
  ok = ok && trust->log && note_verify(note, strlen(note), trust->log, 1, NULL, &text_len) >= 1 &&
       note_checkpoint_parse(note, text_len, &cp) == 0 &&
       bundle_event_in_log(last, cp.size, cp.root) == 1;
  json_decref(d);
  return ok;
}

/* The facts of the document and the export event. */
static void packet_facts_fill(json_t *bundle, json_t *last, json_t *d, struct packet_facts *f)
{
  const char *doc = json_string_value(json_object_get(bundle, "document"));
  f->document = doc;
  json_t *cert = json_object_get(bundle, "certificate"); /* the document's, checked */
  (void)d;
  f->source_code = json_string_value(json_object_get(cert, "code"));
  f->source_ddc_id = json_integer_value(json_object_get(cert, "ddc_id"));
  crypto_hash_sha256(f->cert_hash, (const uint8_t *)doc, strlen(doc));
  codes_unbase64url(
      json_string_value(json_object_get(json_object_get(bundle, "certificate"), "signature")),
      f->signature, 64);
  codes_unhex(json_string_value(json_object_get(last, "event_hash")), f->export_event_hash, 32);
}

const char *packet_check(json_t *packet, const struct bundle_trust *trust, const char *self_vkey,
                         int64_t now_us, struct packet_facts *f, char *detail, size_t cap)
{
  json_t *bundle = json_object_get(packet, "bundle"), *events = json_object_get(bundle, "events");
  json_t *last = json_array_get(events, json_array_size(events) - 1);
  memset(f, 0, sizeof *f);
  snprintf(detail, cap, "the packet is not {type: ddc.peer.packet/v1, export_id, bundle}");
  if (strcmp(packet_str(packet, "type"), "ddc.peer.packet/v1") ||
      packet_export_id(packet, &f->export_id) != 0 || !json_is_object(bundle) ||
      json_array_size(events) < 2 || !json_is_string(json_object_get(bundle, "document")))
    return "packet_malformed";
  json_t *c = packet_canon(last), *data = json_object_get(c, "data");
  const char *doc = json_string_value(json_object_get(bundle, "document"));
  json_t *d = jcs_load(doc, strlen(doc), NULL);
  const char *reason = NULL, *deadline = json_string_value(json_object_get(data, "deadline"));
  if (!c || !d || strcmp(packet_str(c, "type"), "export_started"))
    reason = "not_an_export", snprintf(detail, cap, "the bundle's last event is no export_started");
  else if (!json_equal(json_object_get(data, "exportId"), json_object_get(packet, "export_id")))
    reason = "export_id_mismatch",
    snprintf(detail, cap, "export_started names another export than export_id");
  else if (strcmp(packet_str(data, "peerLogKey"), self_vkey))
    reason = "wrong_destination",
    snprintf(detail, cap, "the export is addressed to another deployment's log key");
  else if (!json_is_integer(json_object_get(data, "to")) || !deadline ||
           timefmt_parse(deadline, &f->deadline_us) != 0)
    reason = "not_an_export", snprintf(detail, cap, "export_started lacks to or deadline");
  if (!reason) reason = packet_judge(bundle, trust, detail, cap);
  if (!reason && !packet_last_logged(bundle, last, c, trust))
    reason = "bundle_invalid",
    snprintf(detail, cap, "export_started is not the next event in the chain, in the checkpoint");
  if (!reason && now_us >= f->deadline_us - PACKET_DEADLINE_MARGIN_US)
    reason = "deadline_passed", snprintf(detail, cap,
                                         "the export's deadline %s is less than 30 s "
                                         "away or past",
                                         deadline);
  if (!reason) {
    f->to = json_integer_value(json_object_get(data, "to"));
    packet_facts_fill(bundle, last, d, f);
  }
  json_decref(c);
  json_decref(d);
  return reason;
}
