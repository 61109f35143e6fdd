/* exports.h: the source side of cross-operator transfer in the database
 * (sql/functions/exports.sql): an export begins, is looked up for a cancel, queued for the export
 * worker, retried and ended once. JSON results are malloc'ed in *json. Any thread with a
 * connection. */
#ifndef DDC_DB_EXPORTS_H
#define DDC_DB_EXPORTS_H
#include <stdint.h>
#include "db/certs.h"
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_exports_stmts[];

/* Locks certificate ddc for the peer pinned as peer and its account to there (ddc_export). */
enum ddc_err db_export(const char *role, int64_t actor, int64_t ddc, const char *peer, int64_t to,
                       const struct db_signed *sig, unsigned deadline_s, char **json);

/* The export worker's lock (one per database), held by this connection once *taken. */
enum ddc_err db_export_lock(int *taken);
/* An open export, for the worker or a cancel: strings malloc'ed (db_export_row_free). */
struct db_export_row {
  int64_t export_id, ddc_id;
  char *code, *state, *peer_url, *peer_log_key;
  char *peer_witnesses; /* JSON text of the pin's witness keys (null when none) */
  int attempts, peer_quorum, expired;
  char cert_hash[65];
};
void db_export_row_free(struct db_export_row *x);
/* The open export of certificate ddc, past its deadline, for a caller who may cancel it (only
 * export_id, peer_url and peer_log_key are set). */
enum ddc_err db_export_open(const char *role, int64_t actor, int64_t ddc, struct db_export_row *x);
/* Up to max open exports due now (all: every open one); how many, or -1. */
int db_export_due(int max, int all, struct db_export_row *rows);
/* The export is still open: its state now (exporting or sent), why it is retried (NULL: as
 * planned) and in how many seconds. */
enum ddc_err db_export_retry(int64_t export_id, const char *state, const char *error,
                             double retry_s);
/* Ends the export once (outcome moved, refused or cancelled) with what the peer signed
 * (statement) and the event's data (data_json: moved {code, ddcId, url, receiptSha256}, refused
 * {reason}); actor 0: the export's own. */
enum ddc_err db_export_settle(int64_t export_id, const char *outcome, const char *statement,
                              const char *data_json, int64_t actor, char **json);

#endif
