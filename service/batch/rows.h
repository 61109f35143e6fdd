/* rows.h: one row of a batch upload (a CSV record under its header, or an NDJSON line) turned
 * into a checked mint request, or into the error that names its field; and the PostgreSQL COPY
 * text of either. No database here: the checks that need one run when the upload is sealed. */
#ifndef DDC_BATCH_ROWS_H
#define DDC_BATCH_ROWS_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "batch/csv.h"
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

/* A growing byte buffer. */
struct batch_buf {
  char *p;
  size_t len, cap;
};
int batch_buf_add(struct batch_buf *b, const char *s, size_t n);
void batch_buf_free(struct batch_buf *b);

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
/* The request a row stands for (borrowing from it). */
struct cert_mint_req;
void batch_row_request(const struct batch_row *row, const char *kind, struct cert_mint_req *m);
/* Appends a COPY text line: batch_rows (batch_id, line, owner_id, external_ref, content_hash,
 * uri, valid_from, valid_until, metadata as its JCS text, metadata_jcs true) / batch_errors
 * (batch_id, line, field, code, message).
 * 0 or -1. */
int batch_row_copy(const struct batch_row *row, int64_t batch_id, struct batch_buf *b);
int batch_error_copy(const struct batch_error *e, int64_t batch_id, struct batch_buf *b);
/* Appends s as a COPY text value (\N for NULL). 0 or -1. */
int batch_copy_value(struct batch_buf *b, const char *s, int last);
/* A number as a COPY text value, the same way. */
int batch_copy_int(struct batch_buf *b, int64_t v, int last);

#endif
