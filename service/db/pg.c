/* pg.c: per-thread PGconn (lazy connect within a deadline, reconnect, re-prepare, ROLLBACK of a
 * failed transaction), the statement registry, and execution with retries. No connection is
 * shared. A connection loss seen by any thread bumps a process-wide generation: every thread then
 * checks its idle connection with a round trip before it next uses it (a dead one is replaced).
 * A thread may also hold one connection to each read replica (db/reads.c): db_target swaps the one
 * its statements go to, and everything here then works on that one. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "crypto/codes.h"
#include "db/accounts.h"
#include "db/batches.h"
#include "db/billing.h"
#include "db/certs.h"
#include "db/chain.h"
#include "db/creds.h"
#include "db/exports.h"
#include "db/idempotency.h"
#include "db/ledger.h"
#include "db/peers.h"
#include "db/pg.h"
#include "db/reads.h"
#include "db/sessions.h"
#include "db/status.h"
#include "db/tier.h"
#include "db/webhooks.h"
#include "db/witness.h"
#include "log.h"

/* A connection of the thread's that its statements do not go to now. */
struct db_parked {
  PGconn *conn;
  int prepared;
  uint64_t gen;
};

struct db_thread {
  PGconn *conn; /* the target's: the primary's, or a replica's while a public read runs */
  int prepared;
  uint64_t gen;     /* db_generation when the connection was made or last checked */
  uint64_t session; /* counts the connections this thread made (db_session) */
  int tx_open;      /* db_tx_begin succeeded, no commit or rollback yet */
  int tx_lost;      /* the connection died inside that transaction: fail until it is ended */
  int target;       /* DB_PRIMARY or the replica whose connection is in conn */
  struct db_parked parked[DB_READS_MAX + 1]; /* by target + 1; the current one's is empty */
};

static char *db_conninfo;
static pthread_key_t db_key;
static atomic_uint_fast64_t db_errors;
static atomic_uint_fast64_t db_generation;
/* by target + 1: a connect there timed out, none is tried before this (ns) */
static atomic_uint_fast64_t db_quiet_until[DB_READS_MAX + 1];

/* Every statement module contributes one table here. */
static const struct db_stmt *const db_stmt_tables[] = {
    db_accounts_stmts, db_idempotency_stmts, db_billing_stmts,  db_certs_stmts, db_ledger_stmts,
    db_witness_stmts,  db_batches_stmts,     db_chain_stmts,    db_creds_stmts, db_tier_stmts,
    db_sessions_stmts, db_status_stmts,      db_webhooks_stmts, db_peers_stmts, db_exports_stmts};

static void db_thread_free(void *p)
{
  struct db_thread *t = p;
  if (!t) return;
  if (t->conn) PQfinish(t->conn);
  for (int i = 0; i <= DB_READS_MAX; i++)
    if (t->parked[i].conn) PQfinish(t->parked[i].conn);
  free(t);
}

int db_init(const char *conninfo)
{
  db_conninfo = strdup(conninfo);
  return db_conninfo && pthread_key_create(&db_key, db_thread_free) == 0 ? 0 : -1;
}

void db_shutdown(void)
{
  db_thread_free(pthread_getspecific(db_key));
  pthread_setspecific(db_key, NULL);
  pthread_key_delete(db_key);
  free(db_conninfo);
  db_conninfo = NULL;
}

uint64_t db_error_count(void)
{
  return atomic_load(&db_errors);
}

static void db_count_error(const char *what, PGconn *c)
{
  atomic_fetch_add(&db_errors, 1);
  log_msg(LOG_WARN, "db: %s: %s", what, c ? PQerrorMessage(c) : "no connection");
}

static uint64_t db_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Milliseconds left until deadline (ns), at least 0. */
static int db_ms_left(uint64_t deadline)
{
  uint64_t now = db_now_ns();
  return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* Waits until c's socket is ready for events or the deadline passes: 1 ready, 0 timed out, -1. */
static int db_wait(PGconn *c, short events, uint64_t deadline)
{
  for (;;) {
    int left = db_ms_left(deadline);
    if (left == 0) return 0;
    struct pollfd p = {.fd = PQsocket(c), .events = events};
    if (p.fd < 0) return -1;
    int n = poll(&p, 1, left);
    if (n > 0) return 1;
    if (n < 0 && errno != EINTR) return -1;
  }
}

static struct db_thread *db_thread(void)
{
  struct db_thread *t = pthread_getspecific(db_key);
  if (!t) {
    t = calloc(1, sizeof *t);
    if (t) t->target = DB_PRIMARY;
    if (t) pthread_setspecific(db_key, t);
  }
  return t;
}

/* Whether a failed result (or none) means the connection is gone rather than the statement
 * refused: the connection is bad, libpq made the error itself (no SQLSTATE), or the server said
 * so (class 08, or 57P01..57P03: administrator, crash or startup shutdown). */
static int db_lost(PGconn *c, const PGresult *r)
{
  if (!r || PQstatus(c) != CONNECTION_OK) return 1;
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  if (!state) return PQresultStatus(r) == PGRES_FATAL_ERROR;
  return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
         strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

/* Closes this thread's connection. lost: it died; the first thread to see a loss of the current
 * generation bumps it, and every other thread checks its connection before next using it. A
 * replica's loss marks that replica down instead (the primary's connections are not suspect). */
static void db_drop(struct db_thread *t, int lost)
{
  if (!t->conn) return;
  if (lost && t->target != DB_PRIMARY)
    db_reads_down(t->target);
  else if (lost) {
    uint_fast64_t g = t->gen;
    if (atomic_compare_exchange_strong(&db_generation, &g, g + 1))
      log_msg(LOG_WARN, "db: a connection to the database was lost; checking the others");
  }
  if (t->tx_open) t->tx_lost = 1;
  PQfinish(t->conn);
  t->conn = NULL;
  t->prepared = 0;
}

/* An idle connection the server has written to or closed is dead: PostgreSQL sends a notice or
 * an error before it ends a session, and the client sends nothing between statements. */
static int db_idle_dead(PGconn *c)
{
  struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
  if (p.fd < 0) return 1;
  return poll(&p, 1, 0) != 0;
}

/* One round trip (an empty query) within ms: 0 if the server answered. */
static int db_ping(PGconn *c, int ms)
{
  uint64_t deadline = db_now_ns() + (uint64_t)ms * 1000000ULL;
  int ok = 0;
  if (!PQsendQuery(c, "")) return -1;
  for (;;) {
    if (!PQconsumeInput(c)) return -1;
    while (!PQisBusy(c)) {
      PGresult *r = PQgetResult(c);
      if (!r) return ok ? 0 : -1;
      ok = PQresultStatus(r) == PGRES_EMPTY_QUERY;
      PQclear(r);
    }
    if (db_wait(c, POLLIN, deadline) != 1) return -1;
  }
}

/* Before an idle connection is used: drops it if it is dead, and after a loss seen anywhere in the
 * process checks it once with a round trip. A connection inside a transaction is left as it is:
 * its next statement tells. */
static void db_check(struct db_thread *t)
{
  if (!t->conn) return;
  if (PQstatus(t->conn) != CONNECTION_OK) {
    db_drop(t, 1);
    return;
  }
  if (PQtransactionStatus(t->conn) != PQTRANS_IDLE) return;
  if (db_idle_dead(t->conn)) {
    db_drop(t, 1);
    return;
  }
  uint64_t g = atomic_load(&db_generation);
  if (t->gen == g) return;
  if (db_ping(t->conn, DB_PING_MS) == 0)
    t->gen = g;
  else
    db_drop(t, 1);
}

void db_reset(void)
{
  struct db_thread *t = pthread_getspecific(db_key);
  if (!t) return;
  t->tx_open = t->tx_lost = 0;
  if (!t->conn) return;
  if (PQstatus(t->conn) == CONNECTION_OK && PQtransactionStatus(t->conn) != PQTRANS_IDLE) {
    PGresult *r = PQexec(t->conn, "ROLLBACK");
    if (PQresultStatus(r) != PGRES_COMMAND_OK && db_lost(t->conn, r)) db_drop(t, 1);
    PQclear(r);
  }
  if (t->conn && PQstatus(t->conn) == CONNECTION_OK && PQtransactionStatus(t->conn) != PQTRANS_IDLE)
    db_drop(t, 0); /* stuck in a COPY, say */
  /* its liveness is checked when next used (db_take): a request that needs no database (a cached
   * verdict, /healthz) makes no system call here */
}

int db_in_transaction(void)
{
  struct db_thread *t = pthread_getspecific(db_key);
  return t && (t->tx_lost || (t->conn && PQtransactionStatus(t->conn) != PQTRANS_IDLE));
}

uint64_t db_session(void)
{
  struct db_thread *t = db_thread();
  return t && t->conn ? t->session : 0;
}

/* A connect that does not finish within DB_CONNECT_MS fails, and for as long again every other
 * fails at once: requests queued on a server thread behind one that waited are not made to wait
 * in turn. A refused connect is quick, and tried again at once. */
PGconn *db_connect_target(int target)
{
  uint64_t now = db_now_ns(), deadline = now + (uint64_t)DB_CONNECT_MS * 1000000ULL;
  atomic_uint_fast64_t *quiet = &db_quiet_until[target + 1];
  const char *conninfo = target == DB_PRIMARY ? db_conninfo : db_reads_conninfo(target);
  if (now < atomic_load(quiet) || !conninfo) {
    atomic_fetch_add(&db_errors, 1);
    return NULL;
  }
  PGconn *c = PQconnectStart(conninfo);
  PostgresPollingStatusType st = PGRES_POLLING_WRITING; /* as libpq asks, to begin with */
  int timed_out = 0;
  while (c && PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_OK &&
         st != PGRES_POLLING_FAILED) {
    int ready = db_wait(c, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline);
    if (ready != 1) {
      timed_out = ready == 0;
      break;
    }
    st = PQconnectPoll(c);
  }
  if (c && st == PGRES_POLLING_OK && PQstatus(c) == CONNECTION_OK) return c;
  atomic_fetch_add(&db_errors, 1);
  if (timed_out) {
    atomic_store(quiet, db_now_ns() + (uint64_t)DB_CONNECT_MS * 1000000ULL);
    log_msg(LOG_WARN, "db: connect%s: no answer from the database within %d ms",
            target == DB_PRIMARY ? "" : " to a read replica", DB_CONNECT_MS);
  } else
    log_msg(LOG_WARN, "db: connect%s: %s", target == DB_PRIMARY ? "" : " to a read replica",
            c ? PQerrorMessage(c) : "out of memory");
  PQfinish(c);
  return NULL;
}

PGconn *db_connect(void)
{
  return db_connect_target(DB_PRIMARY);
}

int db_target_now(void)
{
  struct db_thread *t = db_thread();
  return t ? t->target : DB_PRIMARY;
}

int db_target(int target)
{
  struct db_thread *t = db_thread();
  if (!t) return DB_PRIMARY;
  int was = t->target;
  if (target == was) return was;
  t->parked[was + 1] = (struct db_parked){t->conn, t->prepared, t->gen};
  struct db_parked p = t->parked[target + 1];
  t->parked[target + 1] = (struct db_parked){0};
  t->conn = p.conn;
  t->prepared = p.prepared;
  t->gen = p.gen;
  t->target = target;
  return was;
}

/* db_connect with TCP keepalives. */
static PGconn *db_connect_keepalive(void)
{
  /* later keywords override what the expanded connection string says */
  static const char *const keys[] = {
      "dbname",          "keepalives", "keepalives_idle", "keepalives_count", "keepalives_interval",
      "connect_timeout", NULL};
  const char *const vals[] = {db_conninfo, "1", "5", "3", "2", "2", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (PQstatus(c) == CONNECTION_OK) return c;
  db_count_error("connect", c);
  PQfinish(c);
  return NULL;
}

PGconn *db_connect_listen(const char *channel)
{
  PGconn *c = db_connect_keepalive();
  if (!c) return NULL;
  const char *app = PQparameterStatus(c, "application_name");
  char name[128], listen[128];
  snprintf(name, sizeof name, "%s/listen", app && *app ? app : "ddcd");
  snprintf(listen, sizeof listen, "LISTEN %s", channel);
  const char *v[1] = {name};
  PGresult *r = PQexecParams(c, "SELECT set_config('application_name', $1, false)", 1, NULL, v,
                             NULL, NULL, 0);
  int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
  PQclear(r);
  if (ok) {
    r = PQexec(c, listen);
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  if (!ok) {
    db_count_error("listen", c);
    PQfinish(c);
    return NULL;
  }
  return c;
}

/* This thread's connection, checked, or a new one; NULL if a connect failed. Inside a
 * transaction whose connection died: NULL. */
static PGconn *db_take(struct db_thread *t)
{
  if (t->tx_lost) return NULL;
  db_check(t);
  if (t->tx_lost) return NULL;
  if (t->conn) return t->conn;
  t->gen = atomic_load(&db_generation);
  t->prepared = 0;
  t->conn = db_connect_target(t->target);
  if (t->conn) t->session++;
  return t->conn;
}

PGconn *db_get_raw(void)
{
  struct db_thread *t = db_thread();
  return t ? db_take(t) : NULL;
}

void db_forget(void)
{
  struct db_thread *t = pthread_getspecific(db_key);
  if (t) db_drop(t, 1);
}

/* 0, -1, or -2 when the connection was lost. */
static int db_prepare_all(PGconn *c)
{
  for (size_t i = 0; i < sizeof db_stmt_tables / sizeof db_stmt_tables[0]; i++)
    for (const struct db_stmt *s = db_stmt_tables[i]; s->name; s++) {
      PGresult *r = PQprepare(c, s->name, s->sql, 0, NULL);
      int ok = PQresultStatus(r) == PGRES_COMMAND_OK, lost = !ok && db_lost(c, r);
      PQclear(r);
      if (!ok) {
        db_count_error(s->name, c);
        return lost ? -2 : -1;
      }
    }
  return 0;
}

PGconn *db_get(void)
{
  struct db_thread *t = db_thread();
  PGconn *c = t ? db_take(t) : NULL;
  if (c && !t->prepared) {
    int rc = db_prepare_all(c);
    if (rc != 0) { /* some may be prepared: start again on a new connection */
      db_drop(t, rc == -2);
      return NULL;
    }
    t->prepared = 1;
  }
  return c;
}

/* BEGIN, COMMIT or ROLLBACK on this thread's connection: 0 when it answered want_tag, -2 when
 * the connection was lost under it, -1 otherwise. */
static int db_simple(struct db_thread *t, const char *sql, const char *want_tag)
{
  PGconn *c = db_get();
  if (!c) return -1;
  PGresult *r = PQexec(c, sql);
  int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), want_tag) == 0;
  int lost = !ok && db_lost(c, r);
  if (!ok) db_count_error(sql, c);
  PQclear(r);
  if (lost) db_drop(t, 1);
  return ok ? 0 : lost ? -2 : -1;
}

/* Nothing of the transaction has run before BEGIN: a connection found dead then is replaced and
 * BEGIN sent again, once (within the connect deadline). */
int db_tx_begin(void)
{
  struct db_thread *t = db_thread();
  if (!t) return -1;
  t->tx_open = t->tx_lost = 0;
  int rc = db_simple(t, "BEGIN", "BEGIN");
  if (rc == -2) rc = db_simple(t, "BEGIN", "BEGIN");
  t->tx_open = rc == 0;
  return rc == 0 ? 0 : -1;
}

int db_tx_begin_snapshot(void)
{
  static const char begin[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  struct db_thread *t = db_thread();
  if (!t) return -1;
  t->tx_open = t->tx_lost = 0;
  int rc = db_simple(t, begin, "BEGIN");
  if (rc == -2) rc = db_simple(t, begin, "BEGIN");
  t->tx_open = rc == 0;
  return rc == 0 ? 0 : -1;
}

int db_tx_commit(void)
{
  struct db_thread *t = db_thread();
  if (!t) return -1;
  int rc = db_simple(t, "COMMIT", "COMMIT"); /* a failed transaction answers ROLLBACK */
  t->tx_open = t->tx_lost = 0;
  return rc;
}

/* Nothing to do when the connection died with the transaction (the server rolled it back). */
void db_tx_rollback(void)
{
  struct db_thread *t = db_thread();
  if (!t) return;
  int lost = t->tx_lost;
  t->tx_open = t->tx_lost = 0;
  if (lost || !t->conn || PQstatus(t->conn) != CONNECTION_OK ||
      PQtransactionStatus(t->conn) == PQTRANS_IDLE)
    return;
  db_simple(t, "ROLLBACK", "ROLLBACK");
}

static _Thread_local enum ddc_err db_last_failure;

enum ddc_err db_failure(void)
{
  return db_last_failure;
}

enum ddc_err db_outcome(const char *word)
{
  for (int e = 0; e < DDC_ERR_COUNT; e++)
    if (strcmp(errors_info((enum ddc_err)e)->code, word) == 0) return (enum ddc_err)e;
  return DDC_ERR_INTERNAL;
}

/* A rule failure raised by ddc_fail(): SQLSTATE DD001, the registry code as its message. */
static int db_rule_failure(const PGresult *r)
{
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  if (!state || strcmp(state, "DD001") != 0) return 0;
  const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
  db_last_failure = db_outcome(msg ? msg : "");
  errors_set_detail(db_last_failure, PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL),
                    PQresultErrorField(r, PG_DIAG_MESSAGE_HINT));
  return 1;
}

static int db_retryable(const PGresult *r)
{
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

/* A connection found dead before a statement is sent is replaced first (db_get). One lost under
 * the statement is replaced and the statement sent again, once, only outside a transaction and
 * when nothing can have been written: a read-only statement, or one libpq could not send (no
 * result). Any other statement may have committed before the answer was lost: it fails. */
PGresult *db_exec(const char *stmt, int nparams, const char *const *values, int read_only)
{
  return db_exec_params(stmt, nparams, values, NULL, NULL, read_only);
}

PGresult *db_exec_params(const char *stmt, int nparams, const char *const *values,
                         const int *lengths, const int *formats, int read_only)
{
  db_last_failure = DDC_ERR_DB_UNAVAILABLE;
  struct db_thread *t = db_thread();
  int resent = 0;
  for (int attempt = 0; t && attempt < 5; attempt++) {
    PGconn *c = db_get();
    if (!c) return NULL;
    /* inside a transaction a retry is the caller's */
    int in_tx = t->tx_open || PQtransactionStatus(c) != PQTRANS_IDLE;
    PGresult *r = PQexecPrepared(c, stmt, nparams, values, lengths, formats, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    if (db_rule_failure(r)) {
      PQclear(r);
      return NULL;
    }
    int retry = db_retryable(r) && !in_tx;
    int lost = db_lost(c, r), unsent = !r;
    db_count_error(stmt, c);
    PQclear(r);
    if (lost) db_drop(t, 1);
    if (retry) continue;
    if (lost && !in_tx && !resent && (read_only || unsent)) {
      resent = 1;
      continue;
    }
    return NULL;
  }
  return NULL;
}

/* A unique violation of certificates' (issuer_id, external_ref) index. */
static int db_ref_taken(const PGresult *r)
{
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const char *index = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
  if (!state || strcmp(state, "23505") != 0 || !index ||
      strcmp(index, "certificates_external_ref_idx") != 0)
    return 0;
  db_last_failure = DDC_ERR_EXTERNAL_REF_TAKEN;
  return 1;
}

/* A registry statement's SQL text. */
static const char *db_stmt_sql(const char *stmt)
{
  for (size_t i = 0; i < sizeof db_stmt_tables / sizeof db_stmt_tables[0]; i++)
    for (const struct db_stmt *s = db_stmt_tables[i]; s->name; s++)
      if (strcmp(s->name, stmt) == 0) return s->sql;
  return NULL;
}

PGresult *db_exec_on(PGconn *c, const char *stmt, int nparams, const char *const *values)
{
  db_last_failure = DDC_ERR_DB_UNAVAILABLE;
  const char *sql = db_stmt_sql(stmt);
  if (!sql) return NULL;
  PGresult *r = PQexecParams(c, sql, nparams, NULL, values, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
  if (!db_rule_failure(r)) db_count_error(stmt, c);
  PQclear(r);
  return NULL;
}

enum ddc_err db_copy_begin(PGconn *c, const char *sql)
{
  db_last_failure = DDC_ERR_DB_UNAVAILABLE;
  PGresult *r = PQexec(c, sql);
  int ok = PQresultStatus(r) == PGRES_COPY_IN;
  PQclear(r);
  if (ok) return DDC_ERR_OK;
  db_count_error("copy", c);
  return DDC_ERR_DB_UNAVAILABLE;
}

enum ddc_err db_copy_put(PGconn *c, const char *p, size_t len)
{
  if (len <= INT_MAX && PQputCopyData(c, p, (int)len) == 1) return DDC_ERR_OK;
  db_count_error("copy", c);
  return db_last_failure = DDC_ERR_DB_UNAVAILABLE;
}

enum ddc_err db_copy_end(PGconn *c, int ok)
{
  db_last_failure = DDC_ERR_DB_UNAVAILABLE;
  if (PQputCopyEnd(c, ok ? NULL : "ddcd gave the rows up") != 1) ok = 0;
  PGresult *r;
  while ((r = PQgetResult(c))) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && ok) {
      ok = 0;
      if (!db_rule_failure(r) && !db_ref_taken(r)) db_count_error("copy", c);
    }
    PQclear(r);
  }
  return ok ? DDC_ERR_OK : db_last_failure;
}

enum ddc_err db_copy_in(const char *sql, const struct db_copy_part *parts, int n)
{
  PGconn *c = db_get();
  if (!c) return DDC_ERR_DB_UNAVAILABLE;
  enum ddc_err e = db_copy_begin(c, sql);
  if (e == DDC_ERR_OK) {
    for (int i = 0; e == DDC_ERR_OK && i < n; i++)
      e = db_copy_put(c, parts[i].p, parts[i].len);
    enum ddc_err end = db_copy_end(c, e == DDC_ERR_OK);
    if (e == DDC_ERR_OK) e = end;
  }
  if (e != DDC_ERR_OK && PQstatus(c) != CONNECTION_OK) db_drop(db_thread(), 1);
  return e;
}

int64_t db_int64(const PGresult *r, int row, int col)
{
  return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *db_text(const PGresult *r, int row, int col)
{
  return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

void db_copy(char *dst, size_t cap, const PGresult *r, int row, int col)
{
  const char *s = db_text(r, row, col);
  size_t n = strlen(s);
  if (n >= cap) n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = 0;
}

enum ddc_err db_json(const char *stmt, int nparams, const char *const *values, int read_only,
                     char **json, size_t *len)
{
  *json = NULL;
  PGresult *r = db_exec(stmt, nparams, values, read_only);
  if (!r) return db_failure();
  enum ddc_err e = DDC_ERR_INTERNAL;
  if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0)) {
    size_t n = (size_t)PQgetlength(r, 0, 0);
    *json = malloc(n + 1);
    if (*json) {
      memcpy(*json, PQgetvalue(r, 0, 0), n + 1);
      if (len) *len = n;
      e = DDC_ERR_OK;
    }
  }
  PQclear(r);
  return e;
}

static const char **db_p_next(struct db_params *p)
{
  if (p->n >= DB_PARAMS_MAX) abort(); /* a programming error, caught by any test */
  p->owned[p->n] = NULL;
  return &p->v[p->n++];
}

void db_p_str(struct db_params *p, const char *s)
{
  *db_p_next(p) = s;
}

void db_p_int(struct db_params *p, int64_t v)
{
  const char **slot = db_p_next(p);
  snprintf(p->num[p->n - 1], sizeof p->num[0], "%lld", (long long)v);
  *slot = p->num[p->n - 1];
}

void db_p_id(struct db_params *p, int64_t v)
{
  if (v)
    db_p_int(p, v);
  else
    db_p_str(p, NULL);
}

char *db_bytea_param(const uint8_t *data, size_t len)
{
  char *s = malloc(2 * len + 3);
  if (!s) return NULL;
  memcpy(s, "\\x", 2);
  codes_hex(data, len, s + 2);
  return s;
}

uint8_t *db_bytea_result(const PGresult *r, int row, int col, size_t *len)
{
  if (PQgetisnull(r, row, col)) return NULL;
  unsigned char *tmp = PQunescapeBytea((const unsigned char *)PQgetvalue(r, row, col), len);
  if (!tmp) return NULL;
  uint8_t *out = malloc(*len ? *len : 1);
  if (out) memcpy(out, tmp, *len);
  PQfreemem(tmp);
  return out;
}

void db_p_bytea(struct db_params *p, const uint8_t *b, size_t len)
{
  const char **slot = db_p_next(p);
  *slot = p->owned[p->n - 1] = b ? db_bytea_param(b, len) : NULL;
}

void db_p_free(struct db_params *p)
{
  for (int i = 0; i < p->n; i++)
    free(p->owned[i]);
  p->n = 0;
}

enum ddc_err db_p_json(const char *stmt, struct db_params *p, int read_only, char **json,
                       size_t *len)
{
  enum ddc_err e = db_json(stmt, p->n, p->v, read_only, json, len);
  db_p_free(p);
  return e;
}

enum ddc_err db_bool(const char *stmt, int *value)
{
  PGresult *r = db_exec(stmt, 0, NULL, 0);
  if (!r) return db_failure();
  *value = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  return DDC_ERR_OK;
}
