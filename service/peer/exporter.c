/* exporter.c: the export worker and the source side's calls to peers (see exporter.h). Calls are
 * plain libcurl requests signed with the log key (peer/peersig.h); nothing a peer says counts
 * unless its pin's key signed it. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "bgthread.h"
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "fault.h"
#include "ledger/bundle.h"
#include "log.h"
#include "peer/exporter.h"
#include "peer/peersig.h"
#include "verify/bundle.h"
#include "webhook/worker.h"

#define EXPORTER_ANSWER_MAX (16 * 1024 * 1024)

static struct {
  struct bgthread bg;
  struct note_signer key; /* the log key: signs every call */
  char keyid[9];          /* its note key id in hex, which names us at the peer */
  atomic_int all;         /* the next round looks at every open export */
  uint64_t session;       /* the connection holding the worker's lock */
  struct db_export_row rows[EXPORTER_BATCH];
} ex = {.bg = BGTHREAD_INIT};

/* A peer's answer: HTTP status (0: none) and body; error says why there is none. */
struct exporter_answer {
  long status;
  char *body;
  size_t len;
  json_t *json; /* the body parsed, when it is JSON */
  char error[200];
};

static void exporter_answer_free(struct exporter_answer *a)
{
  free(a->body);
  json_decref(a->json);
  memset(a, 0, sizeof *a);
}

static size_t exporter_write(char *p, size_t size, size_t n, void *cls)
{
  struct exporter_answer *a = cls;
  size_t add = size * n;
  if (a->len + add > EXPORTER_ANSWER_MAX) return 0;
  char *b = realloc(a->body, a->len + add + 1);
  if (!b) return 0;
  memcpy(b + a->len, p, add);
  a->body = b;
  a->len += add;
  b[a->len] = 0;
  return add;
}

/* Calls the peer at base (its pinned URL) with method on path (body NULL: none), signed for the
 * peer's log origin callee. The answer in *a; 0 when it came, -1 with a->error. */
static int exporter_call(const char *base, const char *method, const char *path, const char *body,
                         const char *callee, struct exporter_answer *a)
{
  char url[2400], hdr[sizeof PEERSIG_HEADER + PEERSIG_VALUE_MAX + 4], sig[PEERSIG_VALUE_MAX];
  memset(a, 0, sizeof *a);
  size_t bl = strlen(base);
  while (bl && base[bl - 1] == '/')
    bl--;
  const char *host = strstr(base, "://");
  const char *prefix = host ? strchr(host + 3, '/') : NULL; /* the pin's own path, if any */
  char signed_path[2400];
  snprintf(url, sizeof url, "%.*s%s", (int)bl, base, path);
  snprintf(signed_path, sizeof signed_path, "%.*s%s",
           prefix ? (int)(bl - (size_t)(prefix - base)) : 0, prefix ? prefix : "", path);
  size_t body_len = body ? strlen(body) : 0;
  if (peersig_sign(&ex.key, method, signed_path, body, body_len, callee, (int64_t)time(NULL), sig,
                   sizeof sig) < 0) {
    snprintf(a->error, sizeof a->error, "the request cannot be signed");
    return -1;
  }
  snprintf(hdr, sizeof hdr, "%s: %s", PEERSIG_HEADER, sig);
  struct curl_slist *h = curl_slist_append(NULL, hdr);
  h = curl_slist_append(h, "Content-Type: application/json");
  h = curl_slist_append(h, "User-Agent: ddcd-peer");
  h = curl_slist_append(h, "Expect:");
  CURL *c = curl_easy_init();
  if (!c || !h) {
    curl_slist_free_all(h);
    if (c) curl_easy_cleanup(c);
    snprintf(a->error, sizeof a->error, "out of memory");
    return -1;
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (!strcmp(method, "POST")) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)EXPORTER_TIMEOUT_MS);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)EXPORTER_CONNECT_MS);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, exporter_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  if (rc != CURLE_OK) {
    snprintf(a->error, sizeof a->error, "%s", curl_easy_strerror(rc));
    return -1;
  }
  a->json = a->body ? jcs_load(a->body, a->len, NULL) : NULL;
  if (!json_is_object(a->json)) json_decref(a->json), a->json = NULL;
  snprintf(a->error, sizeof a->error, "HTTP %ld", a->status);
  return 0;
}

static const char *exporter_str(json_t *o, const char *name)
{
  const char *s = json_string_value(json_object_get(o, name));
  return s ? s : "";
}

/* A statement of type by the peer whose pinned key is vkey about export x: signed, naming the
 * export and us. 0, or -1 with why. */
static int exporter_statement(const struct db_export_row *x, json_t *st, const char *type,
                              const struct note_verifier *pin, char *why, size_t cap)
{
  const char *err =
      !json_is_object(st)                               ? "no statement"
      : strcmp(exporter_str(st, "type"), type)          ? "not the statement expected"
      : peersig_statement_verify(st, pin) != PEERSIG_OK ? "its signature does not "
                                                          "verify under the pin"
      : json_integer_value(json_object_get(st, "export_id")) != x->export_id
          ? "it names another export"
      : strcasecmp(exporter_str(st, "source_keyid"), ex.keyid) && strcmp(type, "ddc.peer.closed/v1")
          ? "it names another source"
          : NULL;
  if (err) snprintf(why, cap, "%s: %s", type, err);
  return err ? -1 : 0;
}

/* The peer's checkpoint in a receipt is signed by its pinned key and cosigned by a quorum of its
 * pinned witnesses; *cp parsed from it. 0 or -1. */
static int exporter_checkpoint(const struct db_export_row *x, const struct note_verifier *pin,
                               const char *note, struct note_checkpoint *cp)
{
  struct note_verifier known[1 + CONFIG_WITNESSES_MAX];
  struct note_check seen[1 + CONFIG_WITNESSES_MAX] = {0};
  json_t *w = x->peer_witnesses ? json_loads(x->peer_witnesses, 0, NULL) : NULL, *k;
  size_t n = 1, i, text_len = 0;
  known[0] = *pin;
  json_array_foreach(w, i, k) if (n < 1 + CONFIG_WITNESSES_MAX &&
                                  note_verifier_parse(&known[n], json_string_value(k)) == 0) n++;
  json_decref(w);
  if (!note || note_verify(note, strlen(note), known, n, seen, &text_len) < 1 || !seen[0].valid ||
      note_checkpoint_parse(note, text_len, cp) != 0)
    return -1;
  int cosigned = 0;
  for (i = 1; i < n; i++)
    cosigned += seen[i].valid != 0;
  return cosigned >= x->peer_quorum ? 0 : -1;
}

/* Checks a receipt for export x: the peer's signature under its pin, the imported event of this
 * export and certificate, in the peer's checkpoint. 0 with *data the export_completed event's
 * {code, ddcId, url, receiptSha256} (JSON text, malloc'ed) and *text the receipt's JCS text, or
 * -1 with why. */
static int exporter_receipt(const struct db_export_row *x, const struct note_verifier *pin,
                            json_t *r, char **data, char **text, char *why, size_t cap)
{
  struct note_checkpoint cp;
  json_t *ev = json_object_get(r, "event");
  const char *canon = exporter_str(ev, "canonical");
  json_t *c = *canon ? jcs_load(canon, strlen(canon), NULL) : NULL,
         *cd = json_object_get(c, "data");
  uint8_t h[32];
  char hex[65];
  crypto_hash_sha256(h, (const uint8_t *)canon, strlen(canon));
  codes_hex(h, 32, hex);
  const char *err = NULL;
  if (exporter_statement(x, r, "ddc.peer.receipt/v1", pin, why, cap) != 0)
    err = why;
  else if (strcmp(exporter_str(r, "cert_hash"), x->cert_hash))
    err = "the receipt names another document";
  else if (!c || strcmp(exporter_str(c, "type"), "imported") ||
           json_integer_value(json_object_get(cd, "exportId")) != x->export_id ||
           strcmp(exporter_str(cd, "certHash"), x->cert_hash) ||
           strcmp(exporter_str(ev, "event_hash"), hex))
    err = "the receipt's event is not the import of this export";
  else if (exporter_checkpoint(x, pin, json_string_value(json_object_get(r, "checkpoint")), &cp))
    err = "the receipt's checkpoint is not signed by the peer's pinned key and witnesses";
  else if (bundle_in_log(ev, cp.size, cp.root) != 1)
    err = "the receipt's event is not proven in the peer's checkpoint";
  json_decref(c);
  size_t len;
  *text = err ? NULL : peersig_statement_text(r, &len);
  if (!err && !*text) err = "the receipt cannot be written out";
  if (err) {
    if (err != why) snprintf(why, cap, "%s", err);
    return -1;
  }
  crypto_hash_sha256(h, (const uint8_t *)*text, len);
  codes_hex(h, 32, hex);
  json_t *d = json_pack("{s:O?, s:O?, s:O?, s:s}", "code", json_object_get(r, "code"), "ddcId",
                        json_object_get(r, "ddc_id"), "url", json_object_get(r, "url"),
                        "receiptSha256", hex);
  *data = d ? json_dumps(d, JSON_COMPACT) : NULL;
  json_decref(d);
  return *data ? 0 : -1;
}

/* Records the outcome of export x: moved with a receipt, refused with a refusal. 0 or -1. */
static int exporter_receipt_record(const struct db_export_row *x, const struct note_verifier *pin,
                                   json_t *receipt, char *why, size_t cap)
{
  char *data = NULL, *text = NULL, *json = NULL;
  int rc = exporter_receipt(x, pin, receipt, &data, &text, why, cap);
  if (rc == 0 && db_export_settle(x->export_id, "moved", text, data, 0, &json) != DDC_ERR_OK) {
    snprintf(why, cap, "the receipt could not be recorded");
    rc = -1;
  }
  if (rc == 0) {
    log_msg(LOG_INFO, "export %lld: moved to the peer (%s)", (long long)x->export_id, data);
    fault_point("export.after_moved");
  }
  free(data);
  free(text);
  free(json);
  return rc;
}

static int exporter_refusal_record(const struct db_export_row *x, const struct note_verifier *pin,
                                   json_t *refusal, char *why, size_t cap)
{
  if (exporter_statement(x, refusal, "ddc.peer.refusal/v1", pin, why, cap) != 0) return -1;
  char *text = peersig_statement_text(refusal, NULL), *json = NULL;
  json_t *d = json_pack("{s:s}", "reason", exporter_str(refusal, "reason"));
  char *data = d ? json_dumps(d, JSON_COMPACT) : NULL;
  int rc =
      text && data && db_export_settle(x->export_id, "refused", text, data, 0, &json) == DDC_ERR_OK
          ? 0
          : -1;
  if (rc == 0)
    log_msg(LOG_INFO, "export %lld: refused by the peer (%s)", (long long)x->export_id,
            exporter_str(refusal, "reason"));
  else
    snprintf(why, cap, "the refusal could not be recorded");
  json_decref(d);
  free(data);
  free(text);
  free(json);
  return rc;
}

enum exporter_outcome exporter_close(const struct db_export_row *x, char **statement)
{
  struct note_verifier pin;
  struct exporter_answer a;
  char path[160], why[200];
  *statement = NULL;
  if (note_verifier_parse(&pin, x->peer_log_key) != 0) return EXPORTER_UNREACHABLE;
  snprintf(path, sizeof path, "/v1/peer/imports/%s/%lld/close", ex.keyid, (long long)x->export_id);
  if (exporter_call(x->peer_url, "POST", path, NULL, pin.name, &a) != 0) {
    log_msg(LOG_WARN, "export %lld: close: %s", (long long)x->export_id, a.error);
    return EXPORTER_UNREACHABLE;
  }
  enum exporter_outcome o = EXPORTER_UNREACHABLE;
  const char *status = exporter_str(a.json, "status");
  json_t *st = json_object_get(a.json, "statement");
  if (a.status == 200 && !strcmp(status, "closed") &&
      exporter_statement(x, st, "ddc.peer.closed/v1", &pin, why, sizeof why) == 0) {
    *statement = peersig_statement_text(st, NULL);
    o = *statement ? EXPORTER_CLOSED : EXPORTER_UNREACHABLE;
  } else if (a.status == 200 && !strcmp(status, "imported"))
    o = EXPORTER_IMPORTED;
  else if (a.status >= 400 && a.status < 500)
    o = EXPORTER_REFUSED;
  exporter_answer_free(&a);
  return o;
}

/* Sends export x's packet: its certificate's bundle once every event is in a final checkpoint.
 * Returns the state to keep (exporting, sent) or NULL when it ended; *retry_s and why say when and
 * why to try again (why empty: as planned). */
static const char *exporter_send(const struct db_export_row *x, const struct note_verifier *pin,
                                 double *retry_s, char *why, size_t cap)
{
  json_t *b = NULL;
  int settled = 0;
  *retry_s = 1;
  if (bundle_build_settled(x->code, &b, &settled) != DDC_ERR_OK || !settled) {
    json_decref(b);
    snprintf(why, cap, "waiting for the export event to be in a final checkpoint");
    return "exporting";
  }
  json_t *p = json_pack("{s:s, s:I, s:o}", "type", "ddc.peer.packet/v1", "export_id",
                        (json_int_t)x->export_id, "bundle", b);
  char *body = p ? json_dumps(p, JSON_COMPACT) : NULL;
  json_decref(p);
  struct exporter_answer a;
  fault_point("export.before_send");
  int rc = body ? exporter_call(x->peer_url, "POST", "/v1/peer/imports", body, pin->name, &a) : -1;
  if (rc != 0) {
    snprintf(why, cap, "%s", body ? a.error : "out of memory");
    free(body);
    *retry_s =
        webhook_backoff_s(x->attempts, EXPORTER_BACKOFF_MAX_S, randombytes_uniform(1000) / 1e3);
    return "exporting";
  }
  free(body);
  fault_point("export.after_send");
  const char *state = "exporting", *code = exporter_str(a.json, "code");
  json_t *receipt = json_object_get(a.json, "receipt"),
         *refusal = json_object_get(a.json, "refusal");
  *retry_s =
      webhook_backoff_s(x->attempts, EXPORTER_BACKOFF_MAX_S, randombytes_uniform(1000) / 1e3);
  snprintf(why, cap, "%s", a.error);
  if ((a.status == 200 || a.status == 201) && receipt)
    state = exporter_receipt_record(x, pin, receipt, why, cap) == 0 ? NULL : "sent";
  else if (a.status == 202)
    state = "sent", why[0] = 0, *retry_s = 1;
  else if ((a.status == 409 || a.status == 422) && refusal)
    state = exporter_refusal_record(x, pin, refusal, why, cap) == 0 ? NULL : "exporting";
  else if (a.status == 409 && !strcmp(code, "packet_replayed"))
    state = "sent", why[0] = 0, *retry_s = 0;
  else if (a.status == 409 && !strcmp(code, "export_closed")) {
    char *st = NULL, *json = NULL;
    enum exporter_outcome o = exporter_close(x, &st);
    if (o == EXPORTER_CLOSED &&
        db_export_settle(x->export_id, "cancelled", st, NULL, 0, &json) == DDC_ERR_OK)
      state = NULL;
    else if (o == EXPORTER_IMPORTED)
      state = "sent", *retry_s = 0;
    free(st);
    free(json);
  }
  exporter_answer_free(&a);
  return state;
}

/* Asks for sent export x's receipt. As exporter_send. */
static const char *exporter_poll(const struct db_export_row *x, const struct note_verifier *pin,
                                 double *retry_s, char *why, size_t cap)
{
  char path[160];
  struct exporter_answer a;
  snprintf(path, sizeof path, "/v1/peer/imports/%s/%lld", ex.keyid, (long long)x->export_id);
  *retry_s =
      webhook_backoff_s(x->attempts, EXPORTER_BACKOFF_MAX_S, randombytes_uniform(1000) / 1e3);
  if (exporter_call(x->peer_url, "GET", path, NULL, pin->name, &a) != 0) {
    snprintf(why, cap, "%s", a.error);
    return "sent";
  }
  const char *state = "sent";
  json_t *receipt = json_object_get(a.json, "receipt");
  snprintf(why, cap, a.status == 202 ? "the receipt is not ready" : "%s", a.error);
  if (a.status == 200 && receipt)
    state = exporter_receipt_record(x, pin, receipt, why, cap) == 0 ? NULL : "sent";
  else if (a.status == 404) /* the peer has no such import: the packet again */
    state = "exporting", *retry_s = 1;
  exporter_answer_free(&a);
  return state;
}

/* One open export's next step. */
static void exporter_one(const struct db_export_row *x)
{
  struct note_verifier pin;
  char why[300] = "";
  double retry_s = 1;
  const char *state;
  if (note_verifier_parse(&pin, x->peer_log_key) != 0) {
    state = x->state, retry_s = EXPORTER_BACKOFF_MAX_S;
    snprintf(why, sizeof why, "the pinned log key cannot be read");
  } else if (!strcmp(x->state, "exporting"))
    state = exporter_send(x, &pin, &retry_s, why, sizeof why);
  else
    state = exporter_poll(x, &pin, &retry_s, why, sizeof why);
  if (state && db_export_retry(x->export_id, state, why[0] ? why : NULL, retry_s) != DDC_ERR_OK)
    log_msg(LOG_WARN, "export %lld: its state could not be recorded", (long long)x->export_id);
  if (state && why[0] && x->attempts < 3)
    log_msg(LOG_INFO, "export %lld: %s; will try again", (long long)x->export_id, why);
}

/* One round: the due exports, one after the other. How many, or -1. */
static int exporter_round(void)
{
  int taken = 0, all = atomic_exchange(&ex.all, 0);
  if (db_export_lock(&taken) != DDC_ERR_OK || !taken) return -1;
  int n = db_export_due(EXPORTER_BATCH, all, ex.rows);
  for (int i = 0; i < n && !bgthread_stopping(&ex.bg); i++)
    exporter_one(&ex.rows[i]);
  for (int i = 0; i < n; i++)
    db_export_row_free(&ex.rows[i]);
  return n;
}

static void *exporter_main(void *arg)
{
  (void)arg;
  while (!bgthread_stopping(&ex.bg)) {
    db_reset();
    int n = exporter_round();
    if (n == EXPORTER_BATCH) continue;
    if (bgthread_wait(&ex.bg, n < 0 ? 1000 : EXPORTER_IDLE_MS)) break;
  }
  return NULL;
}

int exporter_start(const struct config *c, const struct note_signer *log_key)
{
  (void)c;
  ex.key = *log_key;
  peersig_keyid_hex(log_key->id, ex.keyid);
  return bgthread_start(&ex.bg, exporter_main, NULL);
}

void exporter_stop(void)
{
  bgthread_stop(&ex.bg);
  note_signer_wipe(&ex.key);
}

void exporter_poke(int all)
{
  if (all) atomic_store(&ex.all, 1);
  bgthread_poke(&ex.bg);
}
