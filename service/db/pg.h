/* pg.h: one PostgreSQL connection per thread, prepared statements, retries. */
#ifndef DDC_PG_H
#define DDC_PG_H
#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>
#include "errors.h"

struct db_stmt {
  const char *name;
  const char *sql;
};

/* A connect that takes longer fails, and others fail at once for as long again: a database that
 * accepts connections but does not answer them gets a 503 within about this, not a hang. */
#define DB_CONNECT_MS 2000
/* After a connection loss anywhere in the process, each thread's idle connection is checked with
 * a round trip before its next use; no answer within this and it is replaced. */
#define DB_PING_MS 1000

/* Remembers the connection string; call once before any other db_ function. */
int db_init(const char *conninfo);
/* Closes this thread's connection and forgets the connection string. */
void db_shutdown(void);
/* At the start of a request (or of a background thread's round): rolls back what a previous
 * request left open, drops a broken or dead connection (a request that finds its connection dead
 * gets a new one). */
void db_reset(void);
/* Explicit transactions on this thread's connection; 0 or -1. Commit fails (-1) when the
 * transaction had failed: the work is rolled back then. BEGIN on a connection that turns out to
 * be lost is sent again once on a new connection (nothing of the transaction ran). When the
 * connection dies inside the transaction, every statement fails until it is ended. */
int db_tx_begin(void);
/* db_tx_begin for reads that must agree with each other: REPEATABLE READ READ ONLY, one snapshot
 * for every statement until the transaction ends (end it with db_tx_rollback). */
int db_tx_begin_snapshot(void);
/* 1 if this thread's connection is inside a transaction (or lost one). */
int db_in_transaction(void);
int db_tx_commit(void);
void db_tx_rollback(void);
/* This thread's connection, connected and with every statement prepared; NULL if the
 * database cannot be reached. */
PGconn *db_get(void);
/* This thread's connection, connected and idle, statements not required (health checks). */
PGconn *db_get_raw(void);
/* Closes this thread's connection after a statement on it failed outside db_exec (a health
 * check), as a connection loss: the next db_get_raw connects again. */
void db_forget(void);
/* Which connection of this thread's is current: changes when one is replaced (0: none). Session
 * state, such as an advisory lock, was lost with the old one. */
uint64_t db_session(void);
/* Runs a prepared statement. Retries on serialization failure and deadlock; read-only statements
 * are also retried once on a fresh connection after a connection loss. Returns a result with
 * status TUPLES_OK or COMMAND_OK, or NULL (logged and counted). */
PGresult *db_exec(const char *stmt, int nparams, const char *const *values, int read_only);
/* The same with parameters given with their lengths and formats (libpq's: 1 binary, 0 text;
 * NULL: all text). */
PGresult *db_exec_params(const char *stmt, int nparams, const char *const *values,
                         const int *lengths, const int *formats, int read_only);
/* A piece of COPY text (whole lines, at most 2 GiB). */
struct db_copy_part {
  const char *p;
  size_t len;
};
/* Runs a COPY ... FROM STDIN statement with the n parts, in order, as its data on this thread's
 * connection. A row whose external_ref its issuer already has: DDC_ERR_EXTERNAL_REF_TAKEN. */
enum ddc_err db_copy_in(const char *sql, const struct db_copy_part *parts, int n);
/* A connection of the caller's own, for work that spans requests on a thread shared with others
 * (a COPY streamed while a body arrives, a session lock): PQfinish it. NULL if the database
 * cannot be reached. Statements are not prepared on it. */
PGconn *db_connect(void);
/* Where a thread's statements go: the primary (DDC_DATABASE_URL) or read replica i (0-based,
 * DDC_DATABASE_READ_URL, db/reads.h). */
#define DB_PRIMARY (-1)
/* db_connect to a target, under the same connect deadline (each target has its own). */
PGconn *db_connect_target(int target);
/* Sends this thread's statements (db_exec, db_tx_*, db_get ...) to target from now on and returns
 * the previous target; the connection to the other stays open for later. Only db/reads.c calls
 * it, around a public read; every thread starts on the primary. */
int db_target(int target);
/* The target this thread's statements go to now (DB_PRIMARY or a replica's index). */
int db_target_now(void);
/* A connection of the caller's own that LISTENs on channel (an identifier of ours), with TCP
 * keepalives (idle 5 s, then 3 probes 2 s apart: it waits idle and must notice a silently dead
 * network), named "<its application_name>/listen" so that it can be found in pg_stat_activity.
 * NULL if any step fails. Read it with PQconsumeInput and PQnotifies; PQfinish it. */
PGconn *db_connect_listen(const char *channel);
/* Runs a registry statement (by name, its SQL unprepared) on such a connection, without retries;
 * like db_exec otherwise. */
PGresult *db_exec_on(PGconn *c, const char *stmt, int nparams, const char *const *values);
/* A COPY ... FROM STDIN on connection c, in steps: begin, put its data in pieces of whole lines,
 * end (ok 0: give the rows up). Errors as db_copy_in; after a failed put, end it all the same. */
enum ddc_err db_copy_begin(PGconn *c, const char *sql);
enum ddc_err db_copy_put(PGconn *c, const char *p, size_t len);
enum ddc_err db_copy_end(PGconn *c, int ok);
uint64_t db_error_count(void);
/* Why the last db_exec on this thread returned NULL: the registry code a PL/pgSQL function raised
 * (SQLSTATE DD001, its detail recorded with errors_set_detail), or DDC_ERR_DB_UNAVAILABLE. */
enum ddc_err db_failure(void);
/* Maps an outcome word returned or raised by a PL/pgSQL function to the error registry. */
enum ddc_err db_outcome(const char *word);
/* Runs a statement returning one row whose first column is JSON text; *json gets a malloc'ed
 * copy (and *len its length, len may be NULL). */
enum ddc_err db_json(const char *stmt, int nparams, const char *const *values, int read_only,
                     char **json, size_t *len);

/* Building the text parameters of a statement: 0 as an id means NULL. */
#define DB_PARAMS_MAX 20
struct db_params {
  const char *v[DB_PARAMS_MAX];
  char num[DB_PARAMS_MAX][24];
  char *owned[DB_PARAMS_MAX];
  int n;
};
void db_p_str(struct db_params *p, const char *s); /* s may be NULL */
void db_p_int(struct db_params *p, int64_t v);
void db_p_id(struct db_params *p, int64_t v);                       /* 0: NULL */
void db_p_bytea(struct db_params *p, const uint8_t *b, size_t len); /* b NULL: NULL */
void db_p_free(struct db_params *p);
/* A bytea parameter in hex text format (malloc'ed), and a bytea result column's bytes
 * (malloc'ed, its length in *len); NULL when out of memory or the column is not hex bytea. */
char *db_bytea_param(const uint8_t *data, size_t len);
uint8_t *db_bytea_result(const PGresult *r, int row, int col, size_t *len);
/* db_json over the parameters, which it frees. */
enum ddc_err db_p_json(const char *stmt, struct db_params *p, int read_only, char **json,
                       size_t *len);
/* Helpers for reading text-format results. */
/* Runs a parameterless statement answering one boolean; its value in *value. */
enum ddc_err db_bool(const char *stmt, int *value);
int64_t db_int64(const PGresult *r, int row, int col);    /* 0 when NULL */
const char *db_text(const PGresult *r, int row, int col); /* "" when NULL */
void db_copy(char *dst, size_t cap, const PGresult *r, int row, int col);

#endif
