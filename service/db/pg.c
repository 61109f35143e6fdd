/* pg.c: per-thread PGconn (lazy connect, reconnect, re-prepare, ROLLBACK of a failed
 * transaction), the statement registry, and execution with retries. No connection is shared. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "db/accounts.h"
#include "db/idempotency.h"
#include "db/pg.h"
#include "log.h"

struct db_thread {
  PGconn *conn;
  int prepared;
};

static char *db_conninfo;
static pthread_key_t db_key;
static atomic_uint_fast64_t db_errors;

/* Every statement module contributes one table here. */
static const struct db_stmt *const db_stmt_tables[] = {db_accounts_stmts, db_idempotency_stmts};

static void db_thread_free(void *p)
{
  struct db_thread *t = p;
  if (!t) return;
  if (t->conn) PQfinish(t->conn);
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

static struct db_thread *db_thread(void)
{
  struct db_thread *t = pthread_getspecific(db_key);
  if (!t) {
    t = calloc(1, sizeof *t);
    if (t) pthread_setspecific(db_key, t);
  }
  return t;
}

void db_reset(void)
{
  struct db_thread *t = pthread_getspecific(db_key);
  if (!t || !t->conn) return;
  if (PQstatus(t->conn) == CONNECTION_OK && PQtransactionStatus(t->conn) != PQTRANS_IDLE)
    PQclear(PQexec(t->conn, "ROLLBACK"));
  if (PQstatus(t->conn) != CONNECTION_OK || PQtransactionStatus(t->conn) != PQTRANS_IDLE) {
    PQfinish(t->conn);
    t->conn = NULL;
  }
}

static int db_simple(const char *sql, const char *want_tag)
{
  PGconn *c = db_get();
  PGresult *r = c ? PQexec(c, sql) : NULL;
  int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), want_tag) == 0;
  if (c && !ok) db_count_error(sql, c);
  PQclear(r);
  return ok ? 0 : -1;
}

int db_tx_begin(void)
{
  return db_simple("BEGIN", "BEGIN");
}

int db_tx_commit(void)
{
  return db_simple("COMMIT", "COMMIT"); /* a failed transaction answers ROLLBACK */
}

void db_tx_rollback(void)
{
  db_simple("ROLLBACK", "ROLLBACK");
}

PGconn *db_get_raw(void)
{
  struct db_thread *t = db_thread();
  if (!t) return NULL;
  if (t->conn && PQstatus(t->conn) != CONNECTION_OK) {
    PQfinish(t->conn);
    t->conn = NULL;
  }
  if (!t->conn) {
    t->prepared = 0;
    t->conn = PQconnectdb(db_conninfo);
    if (PQstatus(t->conn) != CONNECTION_OK) {
      db_count_error("connect", t->conn);
      PQfinish(t->conn);
      t->conn = NULL;
    }
  }
  return t->conn;
}

static int db_prepare_all(PGconn *c)
{
  for (size_t i = 0; i < sizeof db_stmt_tables / sizeof db_stmt_tables[0]; i++)
    for (const struct db_stmt *s = db_stmt_tables[i]; s->name; s++) {
      PGresult *r = PQprepare(c, s->name, s->sql, 0, NULL);
      int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok) {
        db_count_error(s->name, c);
        return -1;
      }
    }
  return 0;
}

PGconn *db_get(void)
{
  PGconn *c = db_get_raw();
  struct db_thread *t = db_thread();
  if (c && !t->prepared) {
    if (db_prepare_all(c) != 0) return NULL;
    t->prepared = 1;
  }
  return c;
}

static int db_retryable(const PGresult *r)
{
  const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

PGresult *db_exec(const char *stmt, int nparams, const char *const *values, int read_only)
{
  for (int attempt = 0; attempt < 5; attempt++) {
    PGconn *c = db_get();
    if (!c) return NULL;
    int in_tx = PQtransactionStatus(c) != PQTRANS_IDLE; /* then a retry is the caller's */
    PGresult *r = PQexecPrepared(c, stmt, nparams, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    int retry = db_retryable(r) && !in_tx;
    int lost = PQstatus(c) != CONNECTION_OK;
    db_count_error(stmt, c);
    PQclear(r);
    if (retry) continue;
    if (lost && read_only && !in_tx && attempt == 0) continue; /* db_get reconnects */
    return NULL;
  }
  return NULL;
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
