/* batches.h: database operations of batch imports (sql/functions/batches.sql). JSON results are
 * malloc'ed in *json; rows read come back decoded into the structs below (each function decodes
 * its own result), and rows written go out as COPY text that the functions here encode: the
 * batch modules neither read a result column nor write a COPY column themselves. */
#ifndef DDC_DB_BATCHES_H
#define DDC_DB_BATCHES_H
#include <stddef.h>
#include <stdint.h>
#include "db/certs.h"
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_batches_stmts[];

/* A growing byte buffer: the COPY text of an upload or a chunk (and the pages of the reports). */
struct db_batch_buf {
  char *p;
  size_t len, cap;
};
int db_batch_buf_add(struct db_batch_buf *b, const char *s, size_t n); /* 0 or -1 */
void db_batch_buf_free(struct db_batch_buf *b);

/* A row of batch_rows, staged by an upload and read back by the runner; the strings are
 * borrowed (from the upload's row, or from the page read). */
struct db_batch_row {
  int64_t line, owner_id; /* owner 0: the issuer */
  const char *external_ref, *content_hash, *uri, *valid_from, *valid_until; /* NULL: none */
  const char *metadata; /* its JCS text, as signed; read back from a row staged before metadata
                         * was kept canonical, its JSON text (metadata_jcs 0) */
  int metadata_jcs;     /* read back: metadata is its JCS text */
  int taken;            /* read back: the issuer already has a certificate with this external_ref */
};
/* A row of batch_errors (strings borrowed). */
struct db_batch_error {
  int64_t line;
  const char *field, *code, *message;
};
/* A certificate a batch minted, as the certificates report lists it (strings borrowed). */
struct db_batch_minted {
  int64_t line, ddc_id;
  const char *external_ref, *code, *cert_hash; /* external_ref NULL: none; cert_hash in hex */
};

/* COPY text, appended to b: a value (s NULL: \N) or a number, then a tab, or a newline if last;
 * a staged row (its metadata must be its JCS text) and an error row, each one line. 0 or -1. */
int db_batch_copy_value(struct db_batch_buf *b, const char *s, int last);
int db_batch_copy_int(struct db_batch_buf *b, int64_t v, int last);
int db_batch_row_copy(struct db_batch_buf *b, int64_t batch_id, const struct db_batch_row *row);
int db_batch_error_copy(struct db_batch_buf *b, int64_t batch_id, const struct db_batch_error *e);

/* Takes one of the issuer's `slots` upload slots on connection c (an upload's own), shared by every
 * ddcd on the database and held until c closes: *taken 1, or 0 when all are held. */
enum ddc_err db_upload_slot(PGconn *c, int64_t issuer, int slots, int *taken);
/* Opens a batch on connection c (db_connect), or finds the one this issuer opened with the same
 * Idempotency-Key (key may be NULL): *existing then 1 and sha256_hex its body's hash ("" while it
 * is being uploaded). A new batch's upload lock is held by c until it is closed. */
enum ddc_err db_batch_open(PGconn *c, int64_t issuer, const char *kind, const char *mode,
                           int dry_run, const char *format, const char *key, int64_t *batch_id,
                           int *existing, char sha256_hex[65]);
/* Starts the COPY of staged rows on c; its text follows with db_copy_put, db_copy_end commits. */
enum ddc_err db_batch_rows_begin(PGconn *c);
/* Appends COPY text lines to batch_errors (autocommit, this thread's connection). */
enum ddc_err db_batch_copy_errors(const char *data, size_t len);
enum ddc_err db_batch_seal(int64_t batch_id, const uint8_t sha256[32], uint64_t bytes,
                           uint64_t rows, char **json);
enum ddc_err db_batch_start(int64_t batch_id, char **json);
enum ddc_err db_batch_fail(int64_t batch_id, const char *reason);
/* Fails the validating batches whose upload lock nobody holds (ddc_batch_reap); how many, or -1. */
int db_batch_reap(void);
enum ddc_err db_batch_get(const char *role, int64_t actor, int64_t batch_id, char **json);
enum ddc_err db_batch_cancel(const char *role, int64_t actor, int64_t batch_id, char **json);
/* Up to 32 running batches, oldest first. */
enum ddc_err db_batch_running(int64_t *ids, int *n);
/* The session-level lock that makes this connection the batch's one runner; *taken 0 or 1. */
enum ddc_err db_batch_lock(int64_t batch_id, int *taken);
void db_batch_unlock(int64_t batch_id);
/* The batch's issuer, kind and resume point. */
enum ddc_err db_batch_info(int64_t batch_id, int64_t *issuer, char kind[16], int64_t *next_line);
/* A page of staged rows, decoded: row[0..n) borrow their strings from res. */
struct db_batch_rows {
  PGresult *res;
  struct db_batch_row *row;
  int n;
};
/* Up to limit staged rows after line, in line order; taken is set on a row when issuer (if not 0)
 * already has a certificate with its external_ref. Free with db_batch_rows_free, also after a
 * failure. */
enum ddc_err db_batch_rows_after(int64_t batch_id, int64_t line, int limit, int64_t issuer,
                                 struct db_batch_rows *rows);
void db_batch_rows_free(struct db_batch_rows *rows);
/* n new ddc_ids and as many new event ids. */
enum ddc_err db_batch_ids(int n, int64_t *ddc_ids, int64_t *event_ids);

/* The tables a chunk writes, in COPY text: certificates (ddc_id, code, issuer_id, owner_id, kind,
 * document, cert_hash, signature, key_id, content_hash, uri, external_ref, valid_from,
 * valid_until, issued_at, last_event_hash, status_list, status_index), events (id, ddc_id, type, actor_id, created_at,
 * canonical, event_hash), log_pending (event_id), batch_minted (batch_id, line, ddc_id),
 * batch_errors (batch_id, line, field, code, message). */
enum {
  DB_BATCH_CERTS,
  DB_BATCH_EVENTS,
  DB_BATCH_PENDING,
  DB_BATCH_MINTED,
  DB_BATCH_ERRORS,
  DB_BATCH_TABLES
};
/* The COPY lines of one certificate a batch minted, appended to out: its row in certificates, its
 * mint event (event_id; m->event, written by cert_mint_event) and that event's log_pending entry,
 * and its line in batch_minted. 0 or -1. */
int db_batch_mint_copy(struct db_batch_buf out[DB_BATCH_TABLES], int64_t batch_id, int64_t line,
                       int64_t event_id, const struct db_mint_row *m);
/* In the caller's transaction: COPYs each table's nparts pieces of a signed chunk. A row whose
 * external_ref was taken since the rows were read: DDC_ERR_EXTERNAL_REF_TAKEN. */
enum ddc_err db_batch_copy_chunk(const struct db_copy_part *tables[DB_BATCH_TABLES], int nparts);
/* In the same transaction: commits the chunk of lines (first_line, last_line], taken of them
 * reported taken (ddc_batch_commit); the batch must be at first_line. */
enum ddc_err db_batch_commit(int64_t batch_id, int64_t key_id, int64_t first_line,
                             int64_t last_line, int64_t taken, int final);
/* Pages of the reports: up to limit errors, or minted certificates, after line, in line order,
 * each handed to cb (which returns 0, or -1 to stop). The number of rows read, or -1 (a failure,
 * or cb stopped). */
int db_batch_errors_after(int64_t batch_id, int64_t line, int limit,
                          int (*cb)(void *cls, const struct db_batch_error *e), void *cls);
int db_batch_minted_after(int64_t batch_id, int64_t line, int limit,
                          int (*cb)(void *cls, const struct db_batch_minted *m), void *cls);

#endif
