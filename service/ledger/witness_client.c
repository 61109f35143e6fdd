/* witness_client.c: sends the log's newest checkpoint to the witnesses (all at once, through one
 * curl multi handle, keep-alive) and stores their cosignatures (see witness_client.h). Per
 * witness it tracks the size the witness is at (learnt from a 409 or our stored cosignatures)
 * and backs off after a failure, up to 10 s. */
#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bgthread.h"
#include "db/ledger.h"
#include "db/witness.h"
#include "ledger/proofs.h"
#include "ledger/witness_client.h"
#include "log.h"

#define WC_POLL_MS 100
#define WC_BACKOFF_MAX_MS 10000
#define WC_RESPONSE_MAX 4096

struct wc_witness {
  char url[sizeof((struct config_witness *)0)->url + 16];
  CURL *h;
  struct curl_slist *headers;
  int known;         /* at and cosigned are set */
  uint64_t at;       /* the size the witness is at, as far as we know */
  uint64_t cosigned; /* the newest size we hold its cosignature for */
  uint64_t retry_at; /* monotonic ms before which we leave it alone */
  unsigned backoff;  /* ms */
  int failing;       /* logged as failing (so a run of failures logs once) */
  char *body;        /* the request in flight */
  char resp[WC_RESPONSE_MAX];
  size_t resp_len;
};

static struct {
  struct bgthread bg;
  struct witness_set set;
  struct config_witness conf[CONFIG_WITNESSES_MAX];
  struct wc_witness w[CONFIG_WITNESSES_MAX];
  CURLM *multi;
} wc = {.bg = BGTHREAD_INIT};

static uint64_t wc_now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static size_t wc_collect(char *data, size_t size, size_t n, void *arg)
{
  struct wc_witness *w = arg;
  size_t len = size * n, room = sizeof w->resp - 1 - w->resp_len;
  memcpy(w->resp + w->resp_len, data, len < room ? len : room);
  w->resp_len += len < room ? len : room;
  w->resp[w->resp_len] = '\0';
  return len;
}

/* "old N\n", the consistency proof from N to the checkpoint's size, "\n", the note. */
static char *wc_request(uint64_t old, uint64_t size, const char *note)
{
  json_t *proof = NULL;
  if (old > 0 && old < size && proofs_consistency(old, size, &proof) != DDC_ERR_OK) return NULL;
  size_t cap = 32 + strlen(note) + 64 * json_array_size(json_object_get(proof, "proof"));
  char *b = malloc(cap);
  size_t i, len = b ? (size_t)snprintf(b, cap, "old %" PRIu64 "\n", old) : 0;
  json_t *h;
  json_array_foreach(json_object_get(proof, "proof"), i, h) len +=
      (size_t)snprintf(b + len, cap - len, "%s\n", json_string_value(h));
  if (b) snprintf(b + len, cap - len, "\n%s", note);
  json_decref(proof);
  return b;
}

static void wc_failed(struct wc_witness *w, uint64_t now, long status, const char *why)
{
  w->backoff = w->backoff ? w->backoff * 2 : 500;
  if (w->backoff > WC_BACKOFF_MAX_MS) w->backoff = WC_BACKOFF_MAX_MS;
  w->retry_at = now + w->backoff;
  if (!w->failing)
    log_msg(LOG_WARN, "witness %s: %s (HTTP %ld); retrying with backoff", w->url, why, status);
  w->failing = 1;
}

/* Starts the request to witness i if it needs this checkpoint and is not backing off. */
static int wc_send(size_t i, uint64_t size, const char *note, uint64_t now)
{
  struct wc_witness *w = &wc.w[i];
  if (!w->known) {
    if (db_witness_size(wc.set.vkeys[i], &w->cosigned) != DDC_ERR_OK) return 0;
    w->at = w->cosigned;
    w->known = 1;
  }
  if (w->cosigned >= size || now < w->retry_at) return 0;
  if (w->at > size) { /* it saw more of this log than this database holds */
    w->retry_at = now + WC_BACKOFF_MAX_MS;
    log_msg(LOG_ERROR, "witness %s is at size %" PRIu64 ", past this log's %" PRIu64, w->url, w->at,
            size);
    return 0;
  }
  if (!(w->body = wc_request(w->at, size, note))) {
    wc_failed(w, now, 0, "no consistency proof from the size it is at");
    return 0;
  }
  w->resp_len = 0;
  curl_easy_setopt(w->h, CURLOPT_POSTFIELDS, w->body);
  curl_multi_add_handle(wc.multi, w->h);
  return 1;
}

/* Keeps the lines of the response that are valid cosignatures by witness i of text. */
static int wc_store(size_t i, uint64_t size, const char *text, size_t text_len)
{
  struct wc_witness *w = &wc.w[i];
  int stored = 0;
  for (char *line = w->resp, *nl; *line; line = nl + 1) {
    if (!(nl = strchr(line, '\n'))) break;
    if (note_cosig_verify(&wc.set.keys[i], text, text_len, line, (size_t)(nl - line + 1), NULL))
      continue;
    char keep = nl[1];
    nl[1] = '\0';
    stored = db_cosignature_put(size, wc.set.vkeys[i], line) == DDC_ERR_OK;
    nl[1] = keep;
    if (stored) break;
  }
  return stored;
}

/* Handles witness i's answer to the checkpoint (size, text). */
static void wc_answer(size_t i, CURLcode rc, uint64_t size, const char *text, size_t text_len)
{
  struct wc_witness *w = &wc.w[i];
  long status = 0;
  uint64_t now = wc_now_ms();
  curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) return wc_failed(w, now, 0, curl_easy_strerror(rc));
  if (status == 409) { /* it is at another size: ask again from there */
    char *end;
    unsigned long long at = strtoull(w->resp, &end, 10);
    if (end == w->resp || *end != '\n') return wc_failed(w, now, status, "bad 409 body");
    w->at = at;
    w->retry_at = 0;
    return;
  }
  if (status != 200 || !wc_store(i, size, text, text_len))
    return wc_failed(w, now, status, status == 200 ? "no valid cosignature" : w->resp);
  if (w->failing) log_msg(LOG_INFO, "witness %s cosigns again", w->url);
  w->at = w->cosigned = size;
  w->backoff = 0;
  w->failing = 0;
}

/* Sends the newest checkpoint to every witness that needs it and waits for the answers. */
static void wc_round(void)
{
  uint64_t size;
  uint8_t root[32];
  char *note = NULL;
  if (db_log_head(&size, root, &note) != DDC_ERR_OK || size == 0) {
    free(note);
    return;
  }
  const char *sep = strstr(note, "\n\n");
  size_t text_len = sep ? (size_t)(sep - note) + 1 : 0, sent = 0;
  uint64_t now = wc_now_ms();
  for (size_t i = 0; text_len && i < wc.set.n; i++)
    sent += (size_t)wc_send(i, size, note, now);
  for (int running = (int)sent; running > 0;) {
    if (curl_multi_perform(wc.multi, &running) != CURLM_OK) break;
    if (running) curl_multi_poll(wc.multi, NULL, 0, 200, NULL);
  }
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(wc.multi, &left)))
    for (size_t i = 0; m->msg == CURLMSG_DONE && i < wc.set.n; i++)
      if (wc.w[i].h == m->easy_handle) wc_answer(i, m->data.result, size, note, text_len);
  for (size_t i = 0; i < wc.set.n; i++) {
    if (wc.w[i].body) curl_multi_remove_handle(wc.multi, wc.w[i].h);
    free(wc.w[i].body);
    wc.w[i].body = NULL;
  }
  free(note);
}

static void *wc_main(void *arg)
{
  (void)arg;
  int leading = 0;
  while (!bgthread_wait(&wc.bg, WC_POLL_MS)) {
    int taken = 0;
    db_reset();
    if (db_witness_lock(&taken) != DDC_ERR_OK || !taken) {
      for (size_t i = 0; i < wc.set.n; i++) /* another ddcd may have moved them on */
        wc.w[i].known = 0;
      leading = 0;
      continue;
    }
    if (!leading) log_msg(LOG_INFO, "log: this ddcd asks %zu witnesses to cosign", wc.set.n);
    leading = 1;
    wc_round();
  }
  return NULL;
}

/* Sets up the easy handle of witness i. 0 or -1. */
static int wc_handle(size_t i)
{
  struct wc_witness *w = &wc.w[i];
  const char *u = wc.conf[i].url;
  snprintf(w->url, sizeof w->url, "%s%sadd-checkpoint", u, u[strlen(u) - 1] == '/' ? "" : "/");
  if (!(w->h = curl_easy_init())) return -1;
  w->headers = curl_slist_append(NULL, "Content-Type: text/plain; charset=utf-8");
  curl_easy_setopt(w->h, CURLOPT_URL, w->url);
  curl_easy_setopt(w->h, CURLOPT_HTTPHEADER, w->headers);
  curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, wc_collect);
  curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w);
  curl_easy_setopt(w->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(w->h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(w->h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(w->h, CURLOPT_PROTOCOLS_STR, "http,https");
  return 0;
}

int witness_client_start(const struct config *c)
{
  wc.set.n = c->n_witnesses;
  wc.set.quorum = c->witness_quorum;
  memcpy(wc.conf, c->witnesses, sizeof wc.conf);
  for (size_t i = 0; i < wc.set.n; i++) {
    wc.set.vkeys[i] = wc.conf[i].vkey;
    if (note_verifier_parse(&wc.set.keys[i], wc.conf[i].vkey) != 0) return -1;
  }
  if (!wc.set.n) return 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(wc.multi = curl_multi_init()))
    return -1;
  for (size_t i = 0; i < wc.set.n; i++)
    if (wc_handle(i) != 0) return -1;
  return bgthread_start(&wc.bg, wc_main, NULL);
}

void witness_client_stop(void)
{
  bgthread_stop(&wc.bg);
  for (size_t i = 0; i < wc.set.n; i++) {
    if (wc.w[i].h) curl_easy_cleanup(wc.w[i].h);
    curl_slist_free_all(wc.w[i].headers);
    wc.w[i].h = NULL;
    wc.w[i].headers = NULL;
  }
  if (wc.multi) {
    curl_multi_cleanup(wc.multi);
    curl_global_cleanup();
    wc.multi = NULL;
  }
}

const struct witness_set *witness_client_set(void)
{
  return &wc.set;
}
