/* reads.c: the public read path (db_public_read) and the read replicas' monitor. The monitor
 * samples the primary's WAL position (pg_current_wal_lsn) every period into a ring, with the time
 * of each sample, and asks each replica how far it has replayed (pg_last_wal_replay_lsn). A
 * replica is behind since the oldest sample it has not replayed; its lag is how long ago that
 * was, and grows between samples. An idle primary writes nothing, so a replica that has replayed
 * everything has no lag however long ago its last write was (which replay timestamps get wrong). */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bgthread.h"
#include "db/pg.h"
#include "db/reads.h"
#include "log.h"

#define READS_RING 128      /* primary samples kept: 128 periods, many times the lag allowed */
#define READS_QUERY_MS 1000 /* a monitor query without an answer by then: that server is down */
#define READS_STALE_MS                                                                             \
  5000 /* a replica not heard from for this long (+ the lag) counts as down                        \
        */

static const char *const reads_replay_sql =
    "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
    " ELSE pg_current_wal_lsn() END";

static struct {
  int n;
  unsigned max_lag_ms, period_ms;
  char *conninfo[DB_READS_MAX];
  char host[DB_READS_MAX][64];
  atomic_int up[DB_READS_MAX];
  atomic_uint_fast64_t behind_since[DB_READS_MAX]; /* ns; 0: had replayed all, when checked */
  atomic_uint_fast64_t checked[DB_READS_MAX];      /* ns of its last answer */
  atomic_uint_fast64_t served[DB_READS_MAX], primary_served, fallbacks[DB_READS_REASONS], turn;
  struct bgthread bg;
  PGconn *mon[DB_READS_MAX + 1]; /* the monitor's own connections, by target + 1 */
  struct reads_sample {
    uint64_t ns, lsn;
  } ring[READS_RING];
  int ring_len, ring_next;
} rd = {.bg = BGTHREAD_INIT};

static uint64_t reads_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The next ';'-separated item of *s (spaces around it trimmed) into out; 0, or -1 at the end
 * or when it does not fit. */
static int reads_next(const char **s, char *out, size_t cap)
{
  while (**s == ';' || **s == ' ' || **s == '\t' || **s == '\n')
    (*s)++;
  if (!**s) return -1;
  const char *end = strchr(*s, ';');
  size_t len = end ? (size_t)(end - *s) : strlen(*s);
  const char *next = *s + len;
  while (len && ((*s)[len - 1] == ' ' || (*s)[len - 1] == '\t' || (*s)[len - 1] == '\n'))
    len--;
  if (len >= cap) return -1;
  memcpy(out, *s, len);
  out[len] = 0;
  *s = next;
  return 0;
}

int db_reads_count(const char *list)
{
  char one[2048];
  int n = 0;
  for (const char *s = list; reads_next(&s, one, sizeof one) == 0; n++) {
    PQconninfoOption *o = PQconninfoParse(one, NULL);
    if (!o || n == DB_READS_MAX) {
      PQconninfoFree(o);
      return -1;
    }
    PQconninfoFree(o);
  }
  const char *s = list; /* something left that did not fit */
  while (reads_next(&s, one, sizeof one) == 0)
    ;
  return *s && strspn(s, "; \t\n") != strlen(s) ? -1 : n;
}

/* The host (and port) a connection string names, for the metrics' label. */
static void reads_host(const char *conninfo, char *out, size_t cap)
{
  PQconninfoOption *o = PQconninfoParse(conninfo, NULL);
  const char *host = "", *port = "";
  for (PQconninfoOption *p = o; p && p->keyword; p++) {
    if (strcmp(p->keyword, "host") == 0 && p->val) host = p->val;
    if (strcmp(p->keyword, "port") == 0 && p->val) port = p->val;
  }
  snprintf(out, cap, "%s%s%s", host, *port ? ":" : "", port);
  for (char *c = out; *c; c++) /* a Prometheus label value */
    if (*c == '"' || *c == '\\' || *c == '\n') *c = '_';
  PQconninfoFree(o);
}

int db_reads_init(const char *list, unsigned max_lag_ms)
{
  char one[2048];
  if (db_reads_count(list) < 0) return -1;
  rd.max_lag_ms = max_lag_ms;
  rd.period_ms = max_lag_ms / 4 < 10 ? 10 : max_lag_ms / 4 > 250 ? 250 : max_lag_ms / 4;
  for (const char *s = list; rd.n < DB_READS_MAX && reads_next(&s, one, sizeof one) == 0;) {
    if (!(rd.conninfo[rd.n] = strdup(one))) return -1;
    reads_host(one, rd.host[rd.n], sizeof rd.host[0]);
    atomic_store(&rd.up[rd.n], 0); /* until the monitor has heard from it */
    rd.n++;
  }
  return 0;
}

const char *db_reads_conninfo(int i)
{
  return i >= 0 && i < rd.n ? rd.conninfo[i] : NULL;
}

void db_reads_down(int i)
{
  if (i >= 0 && i < rd.n && atomic_exchange(&rd.up[i], 0))
    log_msg(LOG_WARN, "db: read replica %s lost; public reads go elsewhere", rd.host[i]);
}

/* One query with one text value on the monitor's connection to target, within READS_QUERY_MS:
 * the value as an LSN into *lsn (0 when NULL). 0, or -1 (the connection is dropped). */
static int reads_lsn(int target, const char *sql, uint64_t *lsn)
{
  PGconn **c = &rd.mon[target + 1];
  if (!*c || PQstatus(*c) != CONNECTION_OK) {
    PQfinish(*c);
    *c = db_connect_target(target);
  }
  uint64_t deadline = reads_now_ns() + READS_QUERY_MS * 1000000ULL;
  int ok = *c && PQsendQuery(*c, sql), got = 0;
  while (ok) {
    if (!PQconsumeInput(*c)) break;
    if (PQisBusy(*c)) {
      uint64_t now = reads_now_ns();
      struct pollfd p = {.fd = PQsocket(*c), .events = POLLIN};
      int n = now < deadline ? poll(&p, 1, (int)((deadline - now) / 1000000 + 1)) : 0;
      if (n == 0 || (n < 0 && errno != EINTR)) break;
      continue;
    }
    PGresult *r = PQgetResult(*c);
    if (!r) break;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      unsigned hi = 0, lo = 0;
      got = PQgetisnull(r, 0, 0) || sscanf(PQgetvalue(r, 0, 0), "%X/%X", &hi, &lo) == 2;
      *lsn = ((uint64_t)hi << 32) | lo;
    }
    PQclear(r);
  }
  if (got && !PQisBusy(*c)) return 0;
  PQfinish(*c);
  *c = NULL;
  return -1;
}

/* Since when a replica that has replayed up to lsn is behind: the time of the oldest primary
 * sample past lsn (0: none is, it is caught up as far as the primary has been seen). */
static uint64_t reads_behind_since(uint64_t lsn)
{
  uint64_t since = 0;
  for (int k = 0; k < rd.ring_len; k++) { /* newest first */
    int j = (rd.ring_next - 1 - k + READS_RING) % READS_RING;
    if (rd.ring[j].lsn <= lsn) break;
    since = rd.ring[j].ns;
  }
  return since;
}

static void reads_round(void)
{
  uint64_t lsn, now = reads_now_ns();
  if (reads_lsn(DB_PRIMARY, "SELECT pg_current_wal_lsn()", &lsn) == 0) {
    rd.ring[rd.ring_next] = (struct reads_sample){now, lsn};
    rd.ring_next = (rd.ring_next + 1) % READS_RING;
    if (rd.ring_len < READS_RING) rd.ring_len++;
  }
  for (int i = 0; i < rd.n && !bgthread_stopping(&rd.bg); i++) {
    if (reads_lsn(i, reads_replay_sql, &lsn) != 0) {
      db_reads_down(i);
      continue;
    }
    atomic_store(&rd.behind_since[i], reads_behind_since(lsn));
    atomic_store(&rd.checked[i], reads_now_ns());
    if (!atomic_exchange(&rd.up[i], 1))
      log_msg(LOG_INFO, "db: read replica %s serves public reads", rd.host[i]);
  }
}

static void *reads_main(void *arg)
{
  (void)arg;
  do
    reads_round();
  while (!bgthread_wait(&rd.bg, rd.period_ms));
  for (int i = 0; i <= DB_READS_MAX; i++) {
    PQfinish(rd.mon[i]);
    rd.mon[i] = NULL;
  }
  return NULL;
}

int db_reads_start(void)
{
  return rd.n ? bgthread_start(&rd.bg, reads_main, NULL) : 0;
}

void db_reads_stop(void)
{
  bgthread_stop(&rd.bg);
  for (int i = 0; i < rd.n; i++) {
    free(rd.conninfo[i]);
    rd.conninfo[i] = NULL;
  }
  rd.n = 0;
}

/* Replica i's lag now, in ms. */
static uint64_t reads_lag_ms(int i, uint64_t now)
{
  uint64_t since = atomic_load(&rd.behind_since[i]);
  return since && now > since ? (now - since) / 1000000 : 0;
}

/* Whether replica i may serve now: -1, or the reason it may not. */
static int reads_skip(int i, uint64_t now)
{
  uint64_t checked = atomic_load(&rd.checked[i]);
  if (!atomic_load(&rd.up[i]) ||
      (now > checked && now - checked > (uint64_t)(READS_STALE_MS + rd.max_lag_ms) * 1000000ULL))
    return DB_READS_DOWN;
  return reads_lag_ms(i, now) > rd.max_lag_ms ? DB_READS_LAG : -1;
}

/* fn in one read-only snapshot on target. */
/* fn on target: in a snapshot transaction of its own, or (one statement) as it is. */
static enum ddc_err reads_on(int target, db_read_fn fn, void *arg, int snapshot)
{
  int was = db_target(target);
  enum ddc_err e;
  if (snapshot) {
    e = db_tx_begin_snapshot() == 0 ? fn(arg) : DDC_ERR_DB_UNAVAILABLE;
    db_tx_rollback(); /* read only: nothing to commit */
  } else {
    e = fn(arg);
  }
  db_target(was);
  return e;
}

static enum ddc_err reads_route(db_read_fn fn, void *arg, int snapshot)
{
  if (db_in_transaction()) return fn(arg);
  int n = rd.n;
  uint64_t now = reads_now_ns(), turn = n ? atomic_fetch_add(&rd.turn, 1) : 0;
  for (int k = 0; k < n; k++) {
    int i = (int)((turn + (uint64_t)k) % (uint64_t)n), skip = reads_skip(i, now);
    if (skip >= 0) {
      atomic_fetch_add(&rd.fallbacks[skip], 1);
      continue;
    }
    enum ddc_err e = reads_on(i, fn, arg, snapshot);
    if (e != DDC_ERR_NOT_FOUND && e != DDC_ERR_DB_UNAVAILABLE) {
      atomic_fetch_add(&rd.served[i], 1);
      return e;
    }
    atomic_fetch_add(&rd.fallbacks[e == DDC_ERR_NOT_FOUND ? DB_READS_NOT_FOUND : DB_READS_ERROR],
                     1);
    if (e == DDC_ERR_NOT_FOUND) break; /* the primary has the newest: ask it, not another */
  }
  atomic_fetch_add(&rd.primary_served, 1);
  return reads_on(DB_PRIMARY, fn, arg, snapshot);
}

enum ddc_err db_public_read(db_read_fn fn, void *arg)
{
  return reads_route(fn, arg, 1);
}

enum ddc_err db_public_read_one(db_read_fn fn, void *arg)
{
  return reads_route(fn, arg, 0);
}

int db_reads_on_primary(void)
{
  return db_target_now() == DB_PRIMARY;
}

const char *db_reads_reason_name(enum db_reads_reason r)
{
  static const char *const names[DB_READS_REASONS] = {"lag", "down", "not_found", "error"};
  return r < DB_READS_REASONS ? names[r] : "?";
}

void db_reads_stats(struct db_reads_stats *st)
{
  uint64_t now = reads_now_ns();
  memset(st, 0, sizeof *st);
  st->n = rd.n;
  for (int i = 0; i < rd.n; i++) {
    memcpy(st->r[i].host, rd.host[i], sizeof st->r[i].host);
    st->r[i].up = reads_skip(i, now) != DB_READS_DOWN;
    st->r[i].lag_ms = reads_lag_ms(i, now);
    st->r[i].served = atomic_load(&rd.served[i]);
  }
  st->primary_served = atomic_load(&rd.primary_served);
  for (int k = 0; k < DB_READS_REASONS; k++)
    st->fallbacks[k] = atomic_load(&rd.fallbacks[k]);
}
