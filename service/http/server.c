/* server.c: the MHD access handler and request lifecycle: route match, body caps, auth and role
 * checks happen as soon as the headers are in (an early 4xx never reads the body); the body is
 * accumulated raw up to REQ_BODY_MAX; then the route's handler runs; the completion callback
 * writes the access log line and the metrics. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "http/auth.h"
#include "http/body.h"
#include "http/idempotency.h"
#include "db/pg.h"
#include "http/metrics.h"
#include "http/park.h"
#include "http/reply.h"
#include "http/respcache.h"
#include "http/routes.h"
#include "http/server.h"
#include "log.h"

static struct MHD_Daemon *server_daemon;
static atomic_int server_inflight;
static atomic_int server_stopping;

int server_is_stopping(void)
{
  return atomic_load(&server_stopping);
}
static atomic_uint_fast64_t server_request_seq;
static uint64_t server_request_base;

static uint64_t server_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void server_request_id(struct req *r)
{
  const char *in = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
  size_t n = in ? strlen(in) : 0;
  if (n > 0 && n < 65 &&
      strspn(in, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                 "0123456789-_.:") == n) {
    memcpy(r->request_id, in, n + 1);
    return;
  }
  uint64_t seq = atomic_fetch_add_explicit(&server_request_seq, 1, memory_order_relaxed);
  snprintf(r->request_id, sizeof r->request_id, "%016llx",
           (unsigned long long)(server_request_base + seq));
}

static int server_is_json(const char *ctype)
{
  if (!ctype) return 0;
  size_t n = strcspn(ctype, "; \t");
  return (n == 16 && strncasecmp(ctype, "application/json", 16) == 0) ||
         (n > 17 && strncasecmp(ctype + n - 5, "+json", 5) == 0 &&
          strncasecmp(ctype, "application/", 12) == 0);
}

/* The API key and the route's roles; 0, or -1 with a 401/403/429 queued. */
static int server_authorize(struct req *r)
{
  const char *authz = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
  enum ddc_err e = auth_check(authz, &r->who, &r->retry_after);
  if (e == DDC_ERR_UNAUTHORIZED)
    reply_problem(r, e, NULL, "send Authorization: Bearer <API key> with a live key");
  else if (e != DDC_ERR_OK)
    reply_error(r, e);
  else if (!(r->route->roles & r->who.role))
    reply_problem(r, DDC_ERR_FORBIDDEN, NULL, "a %s account may not use %s %s",
                  role_name(r->who.role), r->route->method, r->route->pattern);
  return r->replied ? -1 : 0;
}

/* A streamed upload: the handler checks the rest (media type, size, query) and opens the stream
 * once the caller is known. */
static void server_begin_stream(struct req *r, int framed)
{
  if (!framed) {
    reply_error(r, DDC_ERR_LENGTH_REQUIRED);
    return;
  }
  errors_clear();
  if (server_authorize(r) == 0) r->route->handler(r);
}

/* Checks that need only the request line and headers. Queues a response when one fails. */
static void server_begin(struct req *r, const char *url)
{
  if (strlen(url) >= REQ_PATH_MAX) {
    reply_error(r, DDC_ERR_URI_TOO_LONG);
    return;
  }
  strcpy(r->url, url);
  db_reset();
  r->route = routes_match(r, url);
  if (!r->route) {
    if (r->allow[0])
      reply_problem(r, DDC_ERR_METHOD_NOT_ALLOWED, NULL, "allowed: %s", r->allow);
    else
      reply_problem(r, DDC_ERR_ROUTE_NOT_FOUND, NULL, "no route for %.200s", url);
    return;
  }
  static const char *const no_query[] = {NULL};
  if (query_only(r, r->route->query ? r->route->query : no_query) != 0) return;
  const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
  const char *te = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Transfer-Encoding");
  const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
  unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
  if (r->route->body == BODY_STREAM) {
    server_begin_stream(r, cl || te);
    return;
  }
  /* A body a little over the cap is read and dropped, and 413 comes after it: refusing it at once
   * closes the socket with unread data, and the client's kernel may drop the 413 on the RST. */
  if (len > REQ_BODY_DRAIN_MAX) {
    reply_problem(r, DDC_ERR_BODY_TOO_LARGE, NULL, "the body may be at most %d bytes",
                  REQ_BODY_MAX);
    return;
  }
  if (len > REQ_BODY_MAX) r->body_too_large = 1;
  int has_body = len > 0 || te;
  if (r->route->body == BODY_JSON && !cl && !te) {
    reply_error(r, DDC_ERR_LENGTH_REQUIRED);
    return;
  }
  if (has_body && r->route->body != BODY_NONE && !server_is_json(ct)) {
    reply_problem(r, DDC_ERR_UNSUPPORTED_MEDIA_TYPE, NULL, "send Content-Type: application/json");
    return;
  }
  if (r->route->roles) server_authorize(r);
}

static int server_body_append(struct req *r, const char *data, size_t n)
{
  if (r->body_too_large || r->body_len + n > REQ_BODY_MAX) {
    r->body_too_large = 1;
    return 0;
  }
  if (r->body_len + n + 1 > r->body_cap) {
    size_t cap = r->body_cap ? r->body_cap : 4096;
    while (cap < r->body_len + n + 1)
      cap *= 2;
    char *b = realloc(r->body, cap);
    if (!b) return -1;
    r->body = b;
    r->body_cap = cap;
  }
  memcpy(r->body + r->body_len, data, n);
  r->body_len += n;
  r->body[r->body_len] = 0;
  return 0;
}

/* Whether an answer given on the headers alone goes out before the body: MHD then reads none of
 * it and closes the connection. Yes for 411 and 413 (a body we will not read), and for a streamed
 * upload (up to gigabytes) whose client waits for "100 Continue" before sending it, or that
 * announces more than REQ_BODY_DRAIN_MAX: a bad key or a full server is known at once. Any other
 * early answer waits for the last call: a small body is read and dropped, which keeps the
 * connection alive, whereas closing on unread data may lose the answer to a TCP reset. */
static int server_answer_now(const struct req *r)
{
  if (r->status == 411 || r->status == 413) return 1;
  if (!r->route || r->route->body != BODY_STREAM) return 0;
  const char *expect = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Expect");
  const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
  return (expect && strcasecmp(expect, "100-continue") == 0) ||
         (cl && strtoull(cl, NULL, 10) > REQ_BODY_DRAIN_MAX);
}

static enum MHD_Result server_access(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **con_cls)
{
  (void)cls;
  (void)version;
  struct req *r = *con_cls;
  if (!r) {
    r = calloc(1, sizeof *r);
    if (!r) return MHD_NO;
    *con_cls = r;
    atomic_fetch_add(&server_inflight, 1);
    r->conn = conn;
    r->method = method;
    r->start_ns = server_now_ns();
    server_request_id(r);
    if (atomic_load(&server_stopping))
      reply_error(r, DDC_ERR_SHUTTING_DOWN);
    else
      server_begin(r, url);
    if (r->replied && server_answer_now(r)) reply_send(r);
    return MHD_YES;
  }
  if (*upload_data_size && r->stream_feed) {
    if (!r->replied) r->stream_feed(r, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (*upload_data_size) {
    if (!r->replied && server_body_append(r, upload_data, *upload_data_size) != 0) return MHD_NO;
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (r->replied) {
    reply_send(r);
    return MHD_YES;
  }
  if (r->body_too_large)
    reply_problem(r, DDC_ERR_BODY_TOO_LARGE, NULL, "the body may be at most %d bytes",
                  REQ_BODY_MAX);
  else if (r->stream_end)
    r->stream_end(r);
  else if ((errors_clear(), idem_applies(r)))
    idem_run(r);
  else
    r->route->handler(r);
  if (!r->replied) reply_problem(r, DDC_ERR_INTERNAL, NULL, "the handler sent no response");
  if (r->status / 100 == 2 && r->route && r->route->roles && strcmp(r->method, "GET") &&
      strcmp(r->method, "HEAD"))
    respcache_invalidate(); /* a write committed: cached public answers may be out of date */
  reply_send(r);
  return MHD_YES;
}

static void server_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                             enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)conn;
  (void)toe;
  struct req *r = *con_cls;
  if (!r) return;
  uint64_t us = (server_now_ns() - r->start_ns) / 1000;
  int idx = r->route ? (int)(r->route - routes_table) : -1;
  metrics_record(idx, r->status, us);
  log_access(r->method, r->route ? r->route->pattern : "unmatched", r->status, us, r->request_id);
  if (r->stream_done) r->stream_done(r);
  if (r->resp_reader) r->resp_free(r->resp_cls);
  free(r->body);
  free(r->resp_body);
  free(r);
  *con_cls = NULL;
  atomic_fetch_sub(&server_inflight, 1);
}

static void server_mhd_log(void *cls, const char *fmt, va_list ap)
{
  (void)cls;
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  msg[strcspn(msg, "\n")] = 0;
  log_msg(LOG_WARN, "mhd: %s", msg);
}

int server_start(const struct config *c)
{
  randombytes_buf(&server_request_base, sizeof server_request_base);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  if (c->listen_addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  server_daemon = MHD_start_daemon(
      flags, 0, NULL, NULL, server_access, NULL, MHD_OPTION_EXTERNAL_LOGGER, server_mhd_log, NULL,
      MHD_OPTION_SOCK_ADDR, &c->listen_addr, MHD_OPTION_THREAD_POOL_SIZE, c->threads,
      MHD_OPTION_NOTIFY_COMPLETED, server_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
      MHD_OPTION_CONNECTION_LIMIT, 4000u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
  if (!server_daemon) {
    log_msg(LOG_ERROR, "cannot listen on %s: %s", c->listen, strerror(errno));
    return -1;
  }
  if (park_start() != 0) {
    MHD_stop_daemon(server_daemon);
    server_daemon = NULL;
    return -1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(server_daemon, MHD_DAEMON_INFO_BIND_PORT);
  char host[64] = "?";
  if (c->listen_addr.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&c->listen_addr)->sin6_addr, host,
              sizeof host);
  else
    inet_ntop(AF_INET, &((const struct sockaddr_in *)&c->listen_addr)->sin_addr, host, sizeof host);
  log_msg(LOG_INFO, "listening on http://%s%s%s:%u with %u threads",
          c->listen_addr.ss_family == AF_INET6 ? "[" : "", host,
          c->listen_addr.ss_family == AF_INET6 ? "]" : "", info ? info->port : 0, c->threads);
  return 0;
}

void server_stop(void)
{
  if (!server_daemon) return;
  atomic_store(&server_stopping, 1);
  MHD_socket s = MHD_quiesce_daemon(server_daemon);
  if (s != MHD_INVALID_SOCKET) close(s);
  park_stop(); /* parked streams wake up and end */
  for (int i = 0; i < 1000 && atomic_load(&server_inflight) > 0; i++)
    usleep(10000);
  MHD_stop_daemon(server_daemon);
  server_daemon = NULL;
}
