/* pg.c: per-thread PGconn (lazy connect, reconnect, re-prepare, ROLLBACK of a failed
 * transaction), the statement registry, and execution with retries. No connection is shared. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "db/accounts.h"
#include "db/batches.h"
#include "db/billing.h"
#include "db/certs.h"
#include "db/chain.h"
#include "db/idempotency.h"
#include "db/ledger.h"
#include "db/pg.h"
#include "db/witness.h"
#include "log.h"

struct db_thread {
  PGconn *conn;
  int prepared;
};

static char *db_conninfo;
static pthread_key_t db_key;
static atomic_uint_fast64_t db_errors;

/* Every statement module contributes one table here. */
static const struct db_stmt *const db_stmt_tables[] = {
    db_accounts_stmts, db_idempotency_stmts, db_billing_stmts, db_certs_stmts,
    db_ledger_stmts,   db_witness_stmts,     db_batches_stmts, db_chain_stmts};

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

int db_in_transaction(void)
{
  struct db_thread *t = pthread_getspecific(db_key);
  return t && t->conn && PQtransactionStatus(t->conn) != PQTRANS_IDLE;
}

int db_tx_commit(void)
{
  return db_simple("COMMIT", "COMMIT"); /* a failed transaction answers ROLLBACK */
}

void db_tx_rollback(void)
{
  db_simple("ROLLBACK", "ROLLBACK");
}

PGconn *db_connect(void)
{
  PGconn *c = PQconnectdb(db_conninfo);
  if (PQstatus(c) == CONNECTION_OK) return c;
  db_count_error("connect", c);
  PQfinish(c);
  return NULL;
}

PGconn *db_connect_keepalive(void)
{
  /* later keywords override what the expanded connection string says */
  static const char *const keys[] = {"dbname",           "keepalives",          "keepalives_idle",
                                     "keepalives_count", "keepalives_interval", NULL};
  const char *const vals[] = {db_conninfo, "1", "5", "3", "2", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  if (PQstatus(c) == CONNECTION_OK) return c;
  db_count_error("connect", c);
  PQfinish(c);
  return NULL;
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
    t->conn = db_connect();
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

PGresult *db_exec(const char *stmt, int nparams, const char *const *values, int read_only)
{
  db_last_failure = DDC_ERR_DB_UNAVAILABLE;
  for (int attempt = 0; attempt < 5; attempt++) {
    PGconn *c = db_get();
    if (!c) return NULL;
    int in_tx = PQtransactionStatus(c) != PQTRANS_IDLE; /* then a retry is the caller's */
    PGresult *r = PQexecPrepared(c, stmt, nparams, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
    if (db_rule_failure(r)) {
      PQclear(r);
      return NULL;
    }
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
  if (e != DDC_ERR_OK) return e;
  for (int i = 0; e == DDC_ERR_OK && i < n; i++)
    e = db_copy_put(c, parts[i].p, parts[i].len);
  enum ddc_err end = db_copy_end(c, e == DDC_ERR_OK);
  return e != DDC_ERR_OK ? e : end;
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
