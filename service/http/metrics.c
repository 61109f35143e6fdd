/* metrics.c: lock-free counters (relaxed atomics) for /metrics. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "db/pg.h"
#include "db/reads.h"
#include "http/authsync.h"
#include "http/conntrack.h"
#include "http/metrics.h"
#include "http/routes.h"

#define METRICS_ROUTES 64 /* slot METRICS_ROUTES-1 is "unmatched" */
#define METRICS_STATUS_MIN 100
#define METRICS_STATUS_N 500
#define METRICS_BUCKETS 14

static const uint64_t metrics_le_us[METRICS_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000};

struct metrics_route {
  atomic_uint_fast64_t status[METRICS_STATUS_N];
  atomic_uint_fast64_t bucket[METRICS_BUCKETS + 1];
  atomic_uint_fast64_t sum_us;
};

static struct metrics_route metrics_routes[METRICS_ROUTES];

void metrics_record(int route, unsigned status, uint64_t micros)
{
  if (route < 0 || route >= METRICS_ROUTES - 1) route = METRICS_ROUTES - 1;
  struct metrics_route *m = &metrics_routes[route];
  if (status >= METRICS_STATUS_MIN && status < METRICS_STATUS_MIN + METRICS_STATUS_N)
    atomic_fetch_add_explicit(&m->status[status - METRICS_STATUS_MIN], 1, memory_order_relaxed);
  int b = 0;
  while (b < METRICS_BUCKETS && micros > metrics_le_us[b])
    b++;
  atomic_fetch_add_explicit(&m->bucket[b], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&m->sum_us, micros, memory_order_relaxed);
}

struct metrics_buf {
  char *s;
  size_t len, cap;
};

static void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
{
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = b->s ? vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap) : -1;
    va_end(ap);
    if (n >= 0 && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return;
    }
    size_t cap = b->cap ? b->cap * 2 : 16384;
    char *s = realloc(b->s, cap);
    if (!s) return;
    b->s = s;
    b->cap = cap;
  }
}

static void metrics_route_label(int i, char *out, size_t cap)
{
  if (i == METRICS_ROUTES - 1)
    snprintf(out, cap, "route=\"unmatched\",method=\"\"");
  else
    snprintf(out, cap, "route=\"%s\",method=\"%s\"", routes_at(i)->pattern, routes_at(i)->method);
}

static void metrics_render_status(struct metrics_buf *b, int i)
{
  struct metrics_route *m = &metrics_routes[i];
  char label[256];
  metrics_route_label(i, label, sizeof label);
  for (int s = 0; s < METRICS_STATUS_N; s++) {
    uint64_t n = atomic_load_explicit(&m->status[s], memory_order_relaxed);
    if (n)
      metrics_printf(b, "ddcd_http_requests_total{%s,status=\"%d\"} %llu\n", label,
                     s + METRICS_STATUS_MIN, (unsigned long long)n);
  }
}

static void metrics_render_histogram(struct metrics_buf *b, int i)
{
  struct metrics_route *m = &metrics_routes[i];
  char label[256];
  metrics_route_label(i, label, sizeof label);
  uint64_t total = 0;
  for (int k = 0; k <= METRICS_BUCKETS; k++) {
    total += atomic_load_explicit(&m->bucket[k], memory_order_relaxed);
    if (k < METRICS_BUCKETS)
      metrics_printf(b, "ddcd_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n", label,
                     (double)metrics_le_us[k] / 1e6, (unsigned long long)total);
    else
      metrics_printf(b, "ddcd_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", label,
                     (unsigned long long)total);
  }
  metrics_printf(b, "ddcd_http_request_duration_seconds_sum{%s} %.6f\n", label,
                 (double)atomic_load(&m->sum_us) / 1e6);
  metrics_printf(b, "ddcd_http_request_duration_seconds_count{%s} %llu\n", label,
                 (unsigned long long)total);
}

/* The connection guards of http/conntrack.h. */
static void metrics_render_conns(struct metrics_buf *b)
{
  struct conntrack_stats st;
  conntrack_get_stats(&st);
  metrics_printf(b,
                 "# HELP ddcd_http_connections Open HTTP connections.\n"
                 "# TYPE ddcd_http_connections gauge\nddcd_http_connections %llu\n"
                 "# HELP ddcd_http_connections_refused_total Connections closed at accept: their"
                 " address held its cap.\n"
                 "# TYPE ddcd_http_connections_refused_total counter\n"
                 "ddcd_http_connections_refused_total %llu\n"
                 "# HELP ddcd_http_head_timeouts_total Connections closed without a whole request"
                 " head by the deadline.\n"
                 "# TYPE ddcd_http_head_timeouts_total counter\n"
                 "ddcd_http_head_timeouts_total %llu\n"
                 "# HELP ddcd_http_slow_bodies_total Request bodies cut off under the rate floor.\n"
                 "# TYPE ddcd_http_slow_bodies_total counter\nddcd_http_slow_bodies_total %llu\n",
                 (unsigned long long)st.open, (unsigned long long)st.refused,
                 (unsigned long long)st.head_timeouts, (unsigned long long)st.slow_bodies);
}

/* The public read path (db/reads.h): each replica's lag and reads, the primary's, fallbacks. */
static void metrics_render_reads(struct metrics_buf *b)
{
  struct db_reads_stats st;
  db_reads_stats(&st);
  metrics_printf(b, "# HELP ddcd_db_replica_up 1 while the read replica is reachable.\n"
                    "# TYPE ddcd_db_replica_up gauge\n");
  for (int i = 0; i < st.n; i++)
    metrics_printf(b, "ddcd_db_replica_up{replica=\"%d\",host=\"%s\"} %d\n", i + 1, st.r[i].host,
                   st.r[i].up);
  metrics_printf(b, "# HELP ddcd_db_replica_lag_seconds How long ago the oldest primary write the"
                    " replica has not replayed was (0: none).\n"
                    "# TYPE ddcd_db_replica_lag_seconds gauge\n");
  for (int i = 0; i < st.n; i++)
    metrics_printf(b, "ddcd_db_replica_lag_seconds{replica=\"%d\",host=\"%s\"} %.3f\n", i + 1,
                   st.r[i].host, (double)st.r[i].lag_ms / 1000.0);
  metrics_printf(b,
                 "# HELP ddcd_db_public_reads_total Public reads by the server that answered.\n"
                 "# TYPE ddcd_db_public_reads_total counter\n"
                 "ddcd_db_public_reads_total{on=\"primary\"} %llu\n",
                 (unsigned long long)st.primary_served);
  for (int i = 0; i < st.n; i++)
    metrics_printf(b,
                   "ddcd_db_public_reads_total{on=\"replica\",replica=\"%d\",host=\"%s\"} %llu\n",
                   i + 1, st.r[i].host, (unsigned long long)st.r[i].served);
  metrics_printf(b,
                 "# HELP ddcd_db_read_fallbacks_total Public reads that left a replica, by why.\n"
                 "# TYPE ddcd_db_read_fallbacks_total counter\n");
  for (int k = 0; k < DB_READS_REASONS; k++)
    metrics_printf(b, "ddcd_db_read_fallbacks_total{reason=\"%s\"} %llu\n",
                   db_reads_reason_name((enum db_reads_reason)k),
                   (unsigned long long)st.fallbacks[k]);
}

char *metrics_render(size_t *len)
{
  struct metrics_buf b = {0};
  metrics_printf(&b,
                 "# HELP ddcd_build_info ddcd version.\n# TYPE ddcd_build_info gauge\n"
                 "ddcd_build_info{version=\"%s\"} 1\n",
                 DDC_VERSION);
  metrics_printf(&b,
                 "# HELP ddcd_db_errors_total Failed database operations.\n"
                 "# TYPE ddcd_db_errors_total counter\nddcd_db_errors_total %llu\n",
                 (unsigned long long)db_error_count());
  metrics_printf(
      &b,
      "# HELP ddcd_auth_listener_up 1 while revocations and freezes are heard "
      "(LISTEN ddc_auth).\n# TYPE ddcd_auth_listener_up gauge\nddcd_auth_listener_up %d\n"
      "# HELP ddcd_auth_listener_connects_total Times the listener started listening.\n"
      "# TYPE ddcd_auth_listener_connects_total counter\n"
      "ddcd_auth_listener_connects_total %llu\n"
      "# HELP ddcd_auth_notifications_total Notifications received on ddc_auth.\n"
      "# TYPE ddcd_auth_notifications_total counter\nddcd_auth_notifications_total %llu\n",
      authsync_up(), (unsigned long long)authsync_connects(),
      (unsigned long long)authsync_notifications());
  metrics_render_conns(&b);
  metrics_render_reads(&b);
  metrics_printf(&b, "# HELP ddcd_http_requests_total HTTP requests by route and status.\n"
                     "# TYPE ddcd_http_requests_total counter\n");
  for (int i = 0; i < METRICS_ROUTES; i++)
    if (i < routes_count() || i == METRICS_ROUTES - 1) metrics_render_status(&b, i);
  metrics_printf(&b, "# HELP ddcd_http_request_duration_seconds HTTP request latency.\n"
                     "# TYPE ddcd_http_request_duration_seconds histogram\n");
  for (int i = 0; i < METRICS_ROUTES; i++)
    if (i < routes_count() || i == METRICS_ROUTES - 1) metrics_render_histogram(&b, i);
  *len = b.len;
  return b.s;
}
