/* worker.c: the webhook delivery thread (see worker.h). Each delivery is signed per the Standard
 * Webhooks spec (sign.h) with its endpoint's secret, opened from its sealed form for that round
 * only, and sent to the address its URL's host resolved to when checked (ssrf.h). */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bgthread.h"
#include "crypto/keys.h"
#include "db/webhooks.h"
#include "log.h"
#include "webhook/sign.h"
#include "webhook/ssrf.h"
#include "webhook/worker.h"

struct delivery {
  const struct db_webhook_due *due;
  CURL *h;
  struct curl_slist *headers, *resolve;
  int status;      /* HTTP status, 0: none */
  char error[256]; /* why there is none, or why it is not a 2xx */
  char pin[WEBHOOK_PIN_MAX];
  int url_bad; /* the URL was refused (error says why) */
  struct timespec t0;
  int ms;
};

static struct {
  struct bgthread bg;
  struct config_webhook cfg;
  CURLM *multi; /* kept across rounds: its connections are reused */
  /* the current round, kept here (one worker thread) rather than on its stack */
  struct db_webhook_due due[WEBHOOK_CLAIM_MAX];
  struct delivery d[WEBHOOK_CLAIM_MAX];
  struct db_webhook_outcome out[WEBHOOK_CLAIM_MAX];
} wh = {.bg = BGTHREAD_INIT};

const struct config_webhook *webhook_settings(void)
{
  return &wh.cfg;
}

double webhook_backoff_s(int attempts, unsigned max_s, double jitter)
{
  double s = attempts >= 30 ? (double)max_s : (double)(1u << (attempts < 0 ? 0 : attempts));
  if (s > max_s) s = max_s;
  return s * (0.75 + 0.5 * jitter);
}

static size_t webhook_discard(char *p, size_t size, size_t n, void *cls)
{
  (void)p;
  (void)cls;
  return size * n;
}

/* Checks d's URL and resolves its host, once per endpoint and round: a delivery to the same
 * endpoint earlier in the round (prev[0..n)) lends its outcome. 0 with pin set, or -1. */
static int webhook_check(struct delivery *d, const struct delivery *prev, int n, char *pin)
{
  for (int i = n - 1; i >= 0; i--)
    if (prev[i].due->webhook_id == d->due->webhook_id) {
      snprintf(pin, WEBHOOK_PIN_MAX, "%s", prev[i].pin);
      if (!prev[i].url_bad) return 0;
      snprintf(d->error, sizeof d->error, "%s", prev[i].error);
      d->url_bad = 1;
      return -1;
    }
  if (webhook_url_check(d->due->url, (int)wh.cfg.allow_private, pin, d->error, sizeof d->error) ==
      0)
    return 0;
  d->url_bad = 1;
  return -1;
}

/* Builds the request of d (prev: the round's deliveries before it); 0, or -1 with d->error set
 * (nothing to send). */
static int webhook_prepare(struct delivery *d, const struct delivery *prev, int n)
{
  char *pin = d->pin, id[40], hdr[160], sig[WEBHOOK_SIG_TEXT];
  size_t key_len = 0;
  if (webhook_check(d, prev, n, pin) != 0) return -1;
  uint8_t *key = keys_open(KEYS_WEBHOOK_SECRETS, d->due->sealed, d->due->sealed_len, &key_len);
  if (!key) {
    snprintf(d->error, sizeof d->error, "the endpoint's secret cannot be opened");
    return -1;
  }
  time_t now = time(NULL);
  snprintf(id, sizeof id, "msg_%lld", (long long)d->due->outbox_id);
  webhook_sign(key, key_len, id, (int64_t)now, d->due->body, strlen(d->due->body), sig);
  sodium_memzero(key, key_len);
  free(key);
  d->headers = curl_slist_append(d->headers, "Content-Type: application/json");
  d->headers = curl_slist_append(d->headers, "User-Agent: ddcd-webhooks");
  d->headers = curl_slist_append(d->headers, "Expect:");
  snprintf(hdr, sizeof hdr, "webhook-id: %s", id);
  d->headers = curl_slist_append(d->headers, hdr);
  snprintf(hdr, sizeof hdr, "webhook-timestamp: %lld", (long long)now);
  d->headers = curl_slist_append(d->headers, hdr);
  snprintf(hdr, sizeof hdr, "webhook-signature: %s", sig);
  d->headers = curl_slist_append(d->headers, hdr);
  if (pin[0]) d->resolve = curl_slist_append(NULL, pin);
  if (!d->headers || !(d->h = curl_easy_init())) {
    snprintf(d->error, sizeof d->error, "out of memory");
    return -1;
  }
  curl_easy_setopt(d->h, CURLOPT_URL, d->due->url);
  curl_easy_setopt(d->h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, d->due->body);
  curl_easy_setopt(d->h, CURLOPT_POSTFIELDSIZE, (long)strlen(d->due->body));
  curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, d->headers);
  if (d->resolve) curl_easy_setopt(d->h, CURLOPT_RESOLVE, d->resolve);
  curl_easy_setopt(d->h, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
  curl_easy_setopt(d->h, CURLOPT_CONNECTTIMEOUT_MS, (long)WEBHOOK_CONNECT_MS);
  curl_easy_setopt(d->h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(d->h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(d->h, CURLOPT_WRITEFUNCTION, webhook_discard);
  curl_easy_setopt(d->h, CURLOPT_PRIVATE, d);
  return 0;
}

static int webhook_ms_since(const struct timespec *t0)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* Sends every prepared delivery at once; returns -1 when told to stop before they finished. */
static int webhook_send(struct delivery *d, int n)
{
  for (int i = 0; i < n; i++)
    if (d[i].h) {
      clock_gettime(CLOCK_MONOTONIC, &d[i].t0);
      curl_multi_add_handle(wh.multi, d[i].h);
    }
  int running = 1, stopped = 0;
  while (running > 0 && !(stopped = bgthread_stopping(&wh.bg))) {
    if (curl_multi_perform(wh.multi, &running) != CURLM_OK) break;
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(wh.multi, &left))) {
      struct delivery *x = NULL;
      if (m->msg != CURLMSG_DONE) continue;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
      x->ms = webhook_ms_since(&x->t0);
      long code = 0;
      if (m->data.result == CURLE_OK) {
        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        x->status = (int)code;
        if (code < 200 || code > 299) snprintf(x->error, sizeof x->error, "HTTP %ld", code);
      } else
        snprintf(x->error, sizeof x->error, "%s", curl_easy_strerror(m->data.result));
    }
    if (running > 0) curl_multi_poll(wh.multi, NULL, 0, 100, NULL);
  }
  for (int i = 0; i < n; i++)
    if (d[i].h) curl_multi_remove_handle(wh.multi, d[i].h);
  return stopped ? -1 : 0;
}

/* Records the round's n outcomes in one statement. */
static enum ddc_err webhook_record(const struct delivery *d, int n)
{
  for (int i = 0; i < n; i++) {
    int ok = d[i].status >= 200 && d[i].status <= 299;
    wh.out[i] = (struct db_webhook_outcome){
        .outbox_id = d[i].due->outbox_id,
        .status = d[i].status,
        .ms = d[i].ms,
        .error = ok ? NULL : d[i].error,
        .retry_s = webhook_backoff_s(d[i].due->attempts, wh.cfg.backoff_max_s,
                                     randombytes_uniform(1000000) / 1e6)};
  }
  return db_webhook_results(wh.out, n, wh.cfg.give_up_s);
}

/* One round: claim, send, record, commit. Returns how many were claimed, or -1. */
static int webhook_round(void)
{
  struct db_webhook_due *due = wh.due;
  struct delivery *d = wh.d;
  void *res = NULL;
  if (db_tx_begin() != 0) return -1;
  int n = db_webhook_claim(WEBHOOK_CLAIM_MAX, due, &res);
  if (n <= 0) {
    db_webhook_claim_free(due, 0, res);
    db_tx_rollback();
    return n;
  }
  memset(d, 0, sizeof wh.d);
  for (int i = 0; i < n; i++) {
    d[i].due = &due[i];
    if (webhook_prepare(&d[i], d, i) != 0 && d[i].h) {
      curl_easy_cleanup(d[i].h);
      d[i].h = NULL;
    }
  }
  int rc = webhook_send(d, n);
  enum ddc_err e = rc == 0 ? webhook_record(d, n) : DDC_ERR_OK;
  for (int i = 0; i < n; i++) {
    if (d[i].h) curl_easy_cleanup(d[i].h);
    curl_slist_free_all(d[i].headers);
    curl_slist_free_all(d[i].resolve);
  }
  db_webhook_claim_free(due, n, res);
  if (rc != 0 || e != DDC_ERR_OK || db_tx_commit() != 0) {
    db_tx_rollback();
    return -1;
  }
  return n;
}

static void *webhook_main(void *arg)
{
  (void)arg;
  int failing = 0;
  while (!bgthread_stopping(&wh.bg)) {
    db_reset();
    int n = webhook_round();
    if (n < 0 && !failing && !bgthread_stopping(&wh.bg))
      log_msg(LOG_WARN, "webhooks: a delivery round failed; will try again");
    failing = n < 0;
    if (n > 0) continue;
    if (bgthread_wait(&wh.bg, n < 0 ? 1000 : WEBHOOK_IDLE_MS)) break;
  }
  return NULL;
}

int webhook_worker_start(const struct config *c)
{
  wh.cfg = c->webhook;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(wh.multi = curl_multi_init()))
    return -1;
  curl_multi_setopt(wh.multi, CURLMOPT_MAXCONNECTS, (long)WEBHOOK_CLAIM_MAX);
  return bgthread_start(&wh.bg, webhook_main, NULL);
}

void webhook_worker_stop(void)
{
  bgthread_stop(&wh.bg);
  if (wh.multi) {
    curl_multi_cleanup(wh.multi);
    curl_global_cleanup();
    wh.multi = NULL;
  }
}
