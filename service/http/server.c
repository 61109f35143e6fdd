/* server.c: the MHD access handler and request lifecycle: route match, body caps, auth and role
 * checks happen as soon as the headers are in (an early 4xx never reads the body); the body is
 * accumulated raw up to REQ_BODY_MAX, under a rate floor; then the route's handler runs; the
 * completion callback writes the access log line and the metrics. Also the daemon's connection
 * limits (http/conntrack.h) and its open-files budget. */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include "http/auth.h"
#include "http/body.h"
#include "http/bodyrate.h"
#include "http/conntrack.h"
#include "http/idempotency.h"
#include "db/pg.h"
#include "http/metrics.h"
#include "http/park.h"
#include "http/reply.h"
#include "http/respcache.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/session.h"
#include "log.h"

static struct MHD_Daemon *server_daemon;
static char server_url[96]; /* http://host:port as bound; "" before server_start */
static atomic_int server_inflight;
static atomic_int server_stopping;

int server_is_stopping(void)
{
  return atomic_load(&server_stopping);
}
static atomic_uint_fast64_t server_request_seq;
static uint64_t server_request_base;
static unsigned server_body_min_rate, server_body_grace_s;

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
  int by_session = session_carried(r);
  enum ddc_err e = by_session ? session_auth(r, &r->who, &r->retry_after)
                              : auth_check(authz, &r->who, &r->retry_after);
  if (e == DDC_ERR_UNAUTHORIZED && by_session)
    reply_problem(r, e, NULL, "the console session has ended: sign in again");
  else if (e == DDC_ERR_UNAUTHORIZED)
    reply_problem(r, e, NULL, "send Authorization: Bearer <API key> with a live key");
  else if (e == DDC_ERR_CSRF_REJECTED)
    reply_problem(r, e, "X-CSRF-Token", "the CSRF token is not this session's");
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

struct server_lengths {
  const char *first;
  int differ;
};

static enum MHD_Result server_length_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                         const char *value)
{
  (void)kind;
  struct server_lengths *l = cls;
  if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0) return MHD_YES;
  if (!l->first)
    l->first = value;
  else if (strcmp(l->first, value) != 0)
    l->differ = 1;
  return MHD_YES;
}

/* The body's framing must be unambiguous, or a proxy in front may see another request in it than
 * we do (request smuggling): Content-Length headers that disagree, or Content-Length alongside
 * Transfer-Encoding, are a 400 answered at once, on a connection that is then closed. The same
 * Content-Length repeated counts as one (RFC 9110, 8.6). 0 or -1 with the 400 queued. */
static int server_framing(struct req *r)
{
  struct server_lengths l = {NULL, 0};
  MHD_get_connection_values(r->conn, MHD_HEADER_KIND, server_length_one, &l);
  const char *te = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Transfer-Encoding");
  if (!l.differ && !(l.first && te)) return 0;
  reply_problem(r, DDC_ERR_BAD_HEADER, "Content-Length",
                l.differ ? "Content-Length headers with different values"
                         : "Content-Length together with Transfer-Encoding");
  reply_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  r->framing_bad = 1;
  return -1;
}

/* Checks that need only the request line and headers. Queues a response when one fails. */
static void server_begin(struct req *r, const char *url)
{
  if (server_framing(r) != 0) return;
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
  if (routes_keyed(r->route) && session_carried(r) && session_guard(r) != 0) return;
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
  if (routes_keyed(r->route)) server_authorize(r);
}

/* A ROUTE_PEER route's signature, over the whole body: 0, or -1 with the 401 queued. */
static int server_peer_signed(struct req *r)
{
  route_peer_check check = routes_peer_checker();
  if (!(r->route->roles & ROUTE_PEER)) return 0;
  if (check) return check(r);
  reply_problem(r, DDC_ERR_INTERNAL, NULL, "no peer signature check is installed");
  return -1;
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
 * connection alive, whereas closing on unread data may lose the answer to a TCP reset. A body
 * whose framing is ambiguous is never read. */
static int server_answer_now(const struct req *r)
{
  if (r->status == 411 || r->status == 413 || r->framing_bad) return 1;
  if (!r->route || r->route->body != BODY_STREAM) return 0;
  const char *expect = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Expect");
  const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
  return (expect && strcasecmp(expect, "100-continue") == 0) ||
         (cl && strtoull(cl, NULL, 10) > REQ_BODY_DRAIN_MAX);
}

/* Takes a piece of the body (streamed or accumulated) under the rate floor. MHD_NO closes the
 * connection: a client under the floor is cut off (MHD 0.9.75 cannot answer before the whole body
 * is in; a streamed upload cut off is failed by its stream_done). */
static enum MHD_Result server_body_piece(struct req *r, const char *data, size_t n)
{
  uint64_t got;
  unsigned secs;
  uint64_t t0 = server_now_ns();
  if (bodyrate_arrive(&r->rate, t0, n, server_body_min_rate, server_body_grace_s, &got, &secs)) {
    conntrack_slow_body();
    log_msg(LOG_INFO, "%s %s %s: body cut off, %llu bytes in %u s is under %u bytes a second",
            r->request_id, r->method, r->route ? r->route->pattern : "-", (unsigned long long)got,
            secs, server_body_min_rate);
    return MHD_NO;
  }
  if (r->stream_feed) {
    if (!r->replied) r->stream_feed(r, data, n);
  } else if (!r->replied && server_body_append(r, data, n) != 0) {
    return MHD_NO;
  }
  bodyrate_busy(&r->rate, server_now_ns() - t0);
  return MHD_YES;
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
    conntrack_head_in(conn);
    server_request_id(r);
    if (atomic_load(&server_stopping))
      reply_error(r, DDC_ERR_SHUTTING_DOWN);
    else
      server_begin(r, url);
    if (r->replied && server_answer_now(r)) reply_send(r);
    bodyrate_start(&r->rate, server_now_ns());
    return MHD_YES;
  }
  if (*upload_data_size) {
    size_t n = *upload_data_size;
    *upload_data_size = 0;
    return server_body_piece(r, upload_data, n);
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
  else if ((errors_clear(), server_peer_signed(r) == 0)) { /* else its 401 is queued */
    if (idem_applies(r))
      idem_run(r);
    else
      r->route->handler(r);
  }
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
  (void)toe;
  conntrack_request_done(conn); /* the next request head's deadline */
  struct req *r = *con_cls;
  if (!r) return;
  uint64_t us = (server_now_ns() - r->start_ns) / 1000;
  int idx = routes_index(r->route);
  metrics_record(idx, r->status, us);
  log_access(r->method, r->route ? r->route->pattern : "unmatched", r->status, us, r->request_id);
  if (r->stream_done) r->stream_done(r);
  if (r->resp_reader) r->resp_free(r->resp_cls);
  free(r->body);
  reply_free_body(r);
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

/* The connections MHD may hold, within the open-files limit: the soft limit is raised (up to
 * the hard one) to max_conns plus SERVER_FDS_RESERVED for everything else (database connections,
 * files, threads' pipes); failing that, the connection limit is lowered to fit. */
#define SERVER_FDS_RESERVED 1024
static unsigned server_fd_budget(unsigned max_conns)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return max_conns;
  rlim_t want = (rlim_t)max_conns + SERVER_FDS_RESERVED;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) return max_conns;
  unsigned fit =
      rl.rlim_cur > SERVER_FDS_RESERVED + 16 ? (unsigned)rl.rlim_cur - SERVER_FDS_RESERVED : 16;
  log_msg(LOG_WARN, "open-files limit %llu: at most %u connections instead of %u",
          (unsigned long long)rl.rlim_cur, fit, max_conns);
  return fit;
}

static int server_hex(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* MHD's unescaping of the path and query, except that %00 is left as it is: a NUL would cut the
 * C string short, and /v1/certificates/1%00 would be certificate 1. */
static size_t server_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
  (void)cls;
  (void)conn;
  char *out = s;
  for (const char *in = s; *in;) {
    int hi = in[0] == '%' ? server_hex(in[1]) : -1, lo = hi >= 0 ? server_hex(in[2]) : -1;
    if (lo >= 0 && (hi || lo)) {
      *out++ = (char)(hi * 16 + lo);
      in += 3;
    } else {
      *out++ = *in++;
    }
  }
  *out = 0;
  return (size_t)(out - s);
}

int server_start(const struct config *c, const struct route *routes, int nroutes)
{
  routes_install(routes, nroutes);
  randombytes_buf(&server_request_base, sizeof server_request_base);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
  if (c->listen_addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  server_body_min_rate = c->http.body_min_rate;
  server_body_grace_s = c->http.body_rate_grace_s;
  unsigned max_conns = server_fd_budget(c->http.max_conns);
  if (conntrack_start(c->http.conn_per_addr, c->http.conn_loopback_exempt,
                      c->http.head_timeout_s) != 0)
    return -1;
  server_daemon = MHD_start_daemon(
      flags, 0, conntrack_accept, NULL, server_access, NULL, MHD_OPTION_EXTERNAL_LOGGER,
      server_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, &c->listen_addr, MHD_OPTION_THREAD_POOL_SIZE,
      c->threads, MHD_OPTION_NOTIFY_COMPLETED, server_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
      conntrack_notify, NULL, MHD_OPTION_UNESCAPE_CALLBACK, server_unescape, NULL,
      MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, max_conns,
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
  if (!server_daemon) {
    log_msg(LOG_ERROR, "cannot listen on %s: %s", c->listen, strerror(errno));
    conntrack_stop();
    return -1;
  }
  if (park_start() != 0) {
    MHD_stop_daemon(server_daemon);
    server_daemon = NULL;
    conntrack_stop();
    return -1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(server_daemon, MHD_DAEMON_INFO_BIND_PORT);
  char host[64] = "?";
  if (c->listen_addr.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&c->listen_addr)->sin6_addr, host,
              sizeof host);
  else
    inet_ntop(AF_INET, &((const struct sockaddr_in *)&c->listen_addr)->sin_addr, host, sizeof host);
  snprintf(server_url, sizeof server_url, "http://%s%s%s:%u",
           c->listen_addr.ss_family == AF_INET6 ? "[" : "", host,
           c->listen_addr.ss_family == AF_INET6 ? "]" : "", info ? info->port : 0);
  log_msg(LOG_INFO, "listening on %s with %u threads", server_url, c->threads);
  return 0;
}

const char *server_url_bound(void)
{
  return server_url;
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
  conntrack_stop(); /* every connection is closed by now */
}
