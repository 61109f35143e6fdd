/* verdict.c: the public verdict on a certificate by its code (see verdict.h). A verdict is kept
 * (db_verdict_put) once it is final and not invalid, with what it was made from: the hash of
 * the bundle's last event, the trust it was checked against, the chain anchor it names, whether
 * its key was retired, and when its result turns with time; db_verdict_get returns it only while
 * all of that still holds, so a kept verdict is the one its bundle would give now. */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/ledger.h"
#include "db/reads.h"
#include "ledger/bundle.h"
#include "ledger/logkey.h"
#include "ledger/verdict.h"
#include "ledger/witness_client.h"
#include "log.h"

static json_t *verdict_judge_memo(json_t *bundle, int sent, struct bundle_memo *memo)
{
  struct note_verifier log_key;
  const struct witness_set *ws = witness_client_set();
  struct bundle_trust t = {&log_key, ws->keys, ws->n, ws->quorum, memo, NULL, 0};
  if (logkey_public(&log_key) != DDC_ERR_OK) return NULL;
  return sent ? bundle_verdict_sent(bundle, &t) : bundle_verdict(bundle, &t);
}

json_t *verdict_judge(json_t *bundle, int sent)
{
  return verdict_judge_memo(bundle, sent, NULL);
}

/* What a verdict is checked against, as 32 hex digits of SHA-256: the log key, the trusted
 * witnesses and their quorum (a ddcd configured otherwise makes its own verdicts). */
static enum ddc_err verdict_trust_make(char out[33])
{
  struct note_verifier v;
  char vkey[NOTE_VKEY_MAX], q[16];
  const struct witness_set *ws = witness_client_set();
  crypto_hash_sha256_state st;
  uint8_t h[32];
  char hex[65];
  if (logkey_public(&v) != DDC_ERR_OK || note_verifier_format(&v, vkey, sizeof vkey) < 0)
    return DDC_ERR_INTERNAL;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const uint8_t *)vkey, strlen(vkey) + 1);
  for (size_t i = 0; i < ws->n; i++)
    crypto_hash_sha256_update(&st, (const uint8_t *)ws->vkeys[i], strlen(ws->vkeys[i]) + 1);
  snprintf(q, sizeof q, "%u", ws->quorum);
  crypto_hash_sha256_update(&st, (const uint8_t *)q, strlen(q));
  crypto_hash_sha256_final(&st, h);
  codes_hex(h, 16, hex);
  memcpy(out, hex, 33);
  return DDC_ERR_OK;
}

/* The trust, made once: the log key and the witnesses do not change while ddcd runs. */
static struct {
  pthread_mutex_t mu;
  atomic_int known;
  char id[33];
} verdict_trust_seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

enum ddc_err verdict_trust(char out[33])
{
  if (atomic_load_explicit(&verdict_trust_seen.known, memory_order_acquire)) {
    memcpy(out, verdict_trust_seen.id, 33);
    return DDC_ERR_OK;
  }
  pthread_mutex_lock(&verdict_trust_seen.mu);
  enum ddc_err e = verdict_trust_make(out);
  if (e == DDC_ERR_OK && !verdict_trust_seen.known) {
    memcpy(verdict_trust_seen.id, out, 33);
    atomic_store_explicit(&verdict_trust_seen.known, 1, memory_order_release);
  }
  pthread_mutex_unlock(&verdict_trust_seen.mu);
  return e;
}

static const char *verdict_str(json_t *o, const char *k)
{
  const char *s = json_string_value(json_object_get(o, k));
  return s ? s : "";
}

/* Keeps verdict v (its text) made from bundle b, if it is final and not invalid. A failure is
 * only logged: the verdict is right all the same, and is made again next time. */
static void verdict_keep(const char *code, const char *trust, json_t *b, json_t *v,
                         const char *text, struct db_rows *kept)
{
  json_t *events = json_object_get(b, "events"), *cert = json_object_get(v, "certificate");
  const char *result = verdict_str(v, "result");
  if (!json_is_true(json_object_get(v, "final")) || !strcmp(result, "invalid")) return;
  struct db_verdict k = {
      .code = code,
      .event_hash = verdict_str(json_array_get(events, json_array_size(events) - 1), "event_hash"),
      .trust = trust,
      .fresh_until = !strcmp(result, "valid")           ? verdict_str(cert, "valid_until")
                     : !strcmp(result, "not_yet_valid") ? verdict_str(cert, "valid_from")
                                                        : "",
      .body = text,
      .anchor_size = bundle_anchor_seq(b),
      .key_retired = *verdict_str(json_object_get(b, "signing_key"), "retired_at") != 0};
  if (strlen(k.event_hash) != 64) return;
  if (kept) { /* a builder's: stored with the others in one statement (db_verdicts_put) */
    db_rows_add(kept,
                json_pack("{s:s, s:s, s:s, s:s, s:I, s:b}", "code", code, "event_hash",
                          k.event_hash, "trust", trust, "fresh_until", k.fresh_until, "anchor_size",
                          (json_int_t)k.anchor_size, "key_retired", k.key_retired),
                strdup(text));
    return;
  }
  enum ddc_err e = db_verdict_put(&k);
  if (e != DDC_ERR_OK)
    log_msg(LOG_DEBUG, "verify %s: the verdict was not kept (%s)", code, errors_info(e)->title);
}

enum ddc_err verdict_from_bundle(const char *code, const char *trust, json_t *b,
                                 struct bundle_memo *memo, struct db_rows *kept, char **text,
                                 size_t *len, int *settled)
{
  char url[64];
  json_t *v = verdict_judge_memo(b, 0, memo);
  *text = NULL;
  *settled = 0;
  if (v) {
    snprintf(url, sizeof url, "/v1/verify/%s/bundle", code);
    json_object_set_new(v, "bundle_url", json_string(url));
    const char *result = verdict_str(v, "result");
    *settled = strcmp(result, "not_yet_anchored") && strcmp(result, "invalid");
    *text = json_dumps(v, JSON_COMPACT);
    if (*text) verdict_keep(code, trust, b, v, *text, kept);
  }
  enum ddc_err e = v && *text ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (*text) *len = strlen(*text);
  json_decref(v);
  return e;
}

/* Makes the verdict from the bundle, renders it with its bundle URL and keeps it if final. */
static enum ddc_err verdict_make(const char *code, const char *trust, char **text, size_t *len,
                                 int *settled)
{
  json_t *b;
  enum ddc_err e = bundle_build(code, &b);
  if (e != DDC_ERR_OK) return e;
  e = verdict_from_bundle(code, trust, b, NULL, NULL, text, len, settled);
  json_decref(b);
  return e;
}

/* The kept verdict's read, as a public read (a replica may answer). */
struct verdict_read {
  const char *code, *trust;
  char **text;
  size_t *len;
};

static enum ddc_err verdict_get_read(void *arg)
{
  struct verdict_read *q = arg;
  return db_verdict_get(q->code, q->trust, q->text, q->len);
}

enum ddc_err verdict_public(const char *code, char **text, size_t *len, int *settled)
{
  char trust[33];
  *text = NULL;
  *settled = 0;
  enum ddc_err e = verdict_trust(trust);
  struct verdict_read q = {code, trust, text, len};
  if (e == DDC_ERR_OK) e = db_public_read_one(verdict_get_read, &q);
  if (e == DDC_ERR_OK) {
    *settled = 1;
    return e;
  }
  if (e != DDC_ERR_NOT_FOUND) return e;
  return verdict_make(code, trust, text, len, settled);
}
