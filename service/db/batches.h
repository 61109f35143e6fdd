/* batches.h: database operations of batch imports (sql/functions/batches.sql). JSON results are
 * malloc'ed in *json; pages of rows come back as a PGresult the caller clears. */
#ifndef DDC_DB_BATCHES_H
#define DDC_DB_BATCHES_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_batches_stmts[];

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
/* Up to limit staged rows after line: line, owner_id, external_ref, content_hash, uri,
 * valid_from, valid_until, metadata, metadata_jcs ("t": the metadata is its JCS text), taken ("t"
 * when issuer, if not 0, already has a certificate with that external_ref). NULL on failure
 * (db_failure). */
PGresult *db_batch_rows_after(int64_t batch_id, int64_t line, int limit, int64_t issuer);
/* n new ddc_ids and as many new event ids. */
enum ddc_err db_batch_ids(int n, int64_t *ddc_ids, int64_t *event_ids);

/* The tables a chunk writes, in COPY text: certificates (ddc_id, code, issuer_id, owner_id, kind,
 * document, cert_hash, signature, key_id, content_hash, uri, external_ref, valid_from,
 * valid_until, issued_at, last_event_hash), events (id, ddc_id, type, actor_id, created_at,
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
/* In the caller's transaction: COPYs each table's nparts pieces of a signed chunk. A row whose
 * external_ref was taken since the rows were read: DDC_ERR_EXTERNAL_REF_TAKEN. */
enum ddc_err db_batch_copy_chunk(const struct db_copy_part *tables[DB_BATCH_TABLES], int nparts);
/* In the same transaction: commits the chunk of lines (first_line, last_line], taken of them
 * reported taken (ddc_batch_commit); the batch must be at first_line. */
enum ddc_err db_batch_commit(int64_t batch_id, int64_t key_id, int64_t first_line,
                             int64_t last_line, int64_t taken, int final);
/* Pages of the reports, after line: errors (line, field, code, message) and minted rows (line,
 * external_ref, ddc_id, code, cert_hash). */
PGresult *db_batch_errors_after(int64_t batch_id, int64_t line, int limit);
PGresult *db_batch_minted_after(int64_t batch_id, int64_t line, int limit);

#endif
