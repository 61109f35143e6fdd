/* rows.h: one row of a batch upload (a CSV record under its header, or an NDJSON line) turned
 * into a checked mint request, or into the error that names its field; and either as the row
 * db/batches.h stages (its COPY text is written there). No database here: the checks that need
 * one run when the upload is sealed. */
#ifndef DDC_BATCH_ROWS_H
#define DDC_BATCH_ROWS_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "batch/csv.h"
#include "db/batches.h"
#include "timefmt.h"

#define BATCH_ROW_MAX (256 * 1024) /* bytes of one row's text */
#define BATCH_REF_MAX 200          /* characters of an external_ref */

/* What each column of a CSV header is: a metadata field or one of the request's own fields. */
enum batch_col {
  BATCH_COL_META,
  BATCH_COL_OWNER,
  BATCH_COL_REF,
  BATCH_COL_HASH,
  BATCH_COL_URI,
  BATCH_COL_FROM,
  BATCH_COL_UNTIL
};

struct batch_header {
  int n;
  char *name[CSV_COLUMNS_MAX];
  enum batch_col col[CSV_COLUMNS_MAX];
};

struct batch_row {
  uint64_t line;
  int64_t owner_id; /* 0: the issuer */
  json_t *metadata;
  char *metadata_jcs; /* its JCS text, once the row passed batch_row_csv/ndjson's checks */
  char *external_ref, *content_hash, *uri;                        /* NULL: none */
  char valid_from[TIMEFMT_LEN + 1], valid_until[TIMEFMT_LEN + 1]; /* "": none */
};

struct batch_error {
  uint64_t line;
  char field[96];
  const char *code; /* a registry code */
  char message[300];
};

/* Reads the header record. Returns 0, or -1 with a reason in why. */
int batch_header_read(const struct csv_record *rec, struct batch_header *h, char *why,
                      size_t whylen);
void batch_header_free(struct batch_header *h);
/* A CSV record under h: 0 and *row filled, or 1 and *err filled. */
int batch_row_csv(const struct batch_header *h, const char *kind, const struct csv_record *rec,
                  struct batch_row *row, struct batch_error *err);
/* An NDJSON line (too_long: it was over BATCH_ROW_MAX): 0 and *row, or 1 and *err. */
int batch_row_ndjson(const char *kind, uint64_t line, const char *text, size_t len, int too_long,
                     struct batch_row *row, struct batch_error *err);
void batch_row_free(struct batch_row *row);
/* A checked row (its metadata as its JCS text), or an error, as the row to stage
 * (db_batch_row_copy, db_batch_error_copy), borrowing from it. */
void batch_row_staged(const struct batch_row *row, struct db_batch_row *s);
void batch_error_staged(const struct batch_error *e, struct db_batch_error *s);

#endif
