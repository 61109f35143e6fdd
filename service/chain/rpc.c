/* rpc.c: JSON-RPC over libcurl. Transport failures are retried with doubling waits; answers with
 * a JSON-RPC error are not (the node has decided). */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "chain/rpc.h"
#include "crypto/codes.h"

#define RPC_ANSWER_MAX (16u << 20)

struct rpc_answer {
  char *p;
  size_t n;
};

int rpc_global_init(void)
{
  return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

int rpc_open(struct rpc_client *c, const char *url)
{
  memset(c, 0, sizeof *c);
  if (strlen(url) >= sizeof c->url || !(c->curl = curl_easy_init())) return -1;
  if (!(c->headers = curl_slist_append(NULL, "Content-Type: application/json"))) {
    rpc_close(c);
    return -1;
  }
  strcpy(c->url, url);
  c->timeout_ms = 5000;
  c->attempts = 3;
  c->next_id = 1;
  return 0;
}

void rpc_close(struct rpc_client *c)
{
  if (c->curl) curl_easy_cleanup(c->curl);
  curl_slist_free_all(c->headers);
  c->curl = NULL;
  c->headers = NULL;
}

int rpc_header(struct rpc_client *c, const char *line)
{
  struct curl_slist *h = curl_slist_append(c->headers, line);
  if (!h) return -1;
  c->headers = h;
  return 0;
}

static size_t rpc_write(char *data, size_t size, size_t nmemb, void *arg)
{
  struct rpc_answer *a = arg;
  size_t n = size * nmemb;
  if (a->n + n > RPC_ANSWER_MAX) return 0;
  char *p = realloc(a->p, a->n + n + 1);
  if (!p) return 0;
  memcpy(p + a->n, data, n);
  a->p = p;
  a->n += n;
  a->p[a->n] = 0;
  return n;
}

/* One HTTP POST; 0 with the body in *a, or -1 (reason in c->err). */
static int rpc_post(struct rpc_client *c, const char *body, struct rpc_answer *a)
{
  CURL *h = c->curl;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, c->url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms < 2000 ? c->timeout_ms : 2000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, rpc_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, a);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) {
    snprintf(c->err, sizeof c->err, "%.120s: %.120s", c->url, curl_easy_strerror(rc));
    return -1;
  }
  if (status != 200) {
    snprintf(c->err, sizeof c->err, "%.160s: HTTP %ld", c->url, status);
    return -1;
  }
  return 0;
}

/* Reads the answer of request id: RPC_OK with *result, RPC_ERROR, or RPC_DOWN if unreadable. */
static enum rpc_status rpc_answer(struct rpc_client *c, const struct rpc_answer *a, uint64_t id,
                                  json_t **result)
{
  json_t *doc = json_loadb(a->p ? a->p : "", a->n, 0, NULL);
  json_t *r = doc ? json_object_get(doc, "result") : NULL,
         *e = doc ? json_object_get(doc, "error") : NULL;
  json_t *jid = doc ? json_object_get(doc, "id") : NULL;
  enum rpc_status st = RPC_DOWN;
  if (!doc || !json_is_integer(jid) || (uint64_t)json_integer_value(jid) != id)
    snprintf(c->err, sizeof c->err, "%.160s: not a JSON-RPC answer", c->url);
  else if (e) {
    json_t *m = json_object_get(e, "message");
    snprintf(c->err, sizeof c->err, "%s", json_is_string(m) ? json_string_value(m) : "error");
    st = RPC_ERROR;
  } else if (r) {
    *result = json_incref(r);
    st = RPC_OK;
  } else
    snprintf(c->err, sizeof c->err, "%.160s: an answer without result", c->url);
  json_decref(doc);
  return st;
}

enum rpc_status rpc_call(struct rpc_client *c, const char *method, json_t *params, json_t **result)
{
  *result = NULL;
  uint64_t id = c->next_id++;
  json_t *req = json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id", (json_int_t)id, "method",
                          method, "params", params ? params : json_array());
  char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
  json_decref(req);
  if (!body) return RPC_DOWN;
  enum rpc_status st = RPC_DOWN;
  long wait_ms = 200;
  for (int i = 0; i < c->attempts && st == RPC_DOWN; i++) {
    if (i > 0) {
      struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
      wait_ms *= 2;
    }
    struct rpc_answer a = {0};
    if (rpc_post(c, body, &a) == 0) st = rpc_answer(c, &a, id, result);
    free(a.p);
  }
  free(body);
  return st;
}

int rpc_quantity(const json_t *v, uint64_t *out)
{
  const char *s = json_string_value(v);
  if (!s || s[0] != '0' || s[1] != 'x' || !s[2] || strlen(s) > 18) return -1;
  uint64_t x = 0;
  for (const char *p = s + 2; *p; p++) {
    int d = *p >= '0' && *p <= '9'   ? *p - '0'
            : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
            : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                     : -1;
    if (d < 0) return -1;
    x = x << 4 | (uint64_t)d;
  }
  *out = x;
  return 0;
}

char *rpc_hex(const uint8_t *b, size_t n)
{
  char *s = malloc(2 * n + 3);
  if (!s) return NULL;
  s[0] = '0';
  s[1] = 'x';
  codes_hex(b, n, s + 2);
  return s;
}

uint8_t *rpc_unhex(const json_t *v, size_t *n)
{
  const char *s = json_string_value(v);
  if (!s || s[0] != '0' || s[1] != 'x' || strlen(s) % 2) return NULL;
  *n = (strlen(s) - 2) / 2;
  uint8_t *b = malloc(*n ? *n : 1);
  if (b && codes_unhex(s + 2, b, *n) != 0) {
    free(b);
    return NULL;
  }
  return b;
}
