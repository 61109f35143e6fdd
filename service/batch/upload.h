/* upload.h: one streamed batch upload: the body is hashed and parsed as it arrives, rows are
 * checked and COPYed to the staging tables in blocks, so memory stays flat whatever the size;
 * at the end the batch is sealed (database checks, quote) and, unless a dry run, started. */
#ifndef DDC_BATCH_UPLOAD_H
#define DDC_BATCH_UPLOAD_H
#include <stddef.h>
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

#define BATCH_BODY_MAX (2ULL * 1024 * 1024 * 1024) /* bytes of an upload */
#define BATCH_UPLOADS_MAX 16       /* uploads in progress at once per process (a connection each) */
#define BATCH_UPLOADS_PER_ISSUER 4 /* ... and per issuer over every ddcd on the database */

struct batch_upload;

struct batch_upload_opts {
  const char *kind;
  int partial; /* mode partial, else all_or_nothing */
  int dry_run;
  int ndjson;                  /* body format, else CSV */
  const char *idempotency_key; /* NULL: none */
};

/* Opens a batch (or finds the one of the same Idempotency-Key) on a database connection of the
 * upload's own, which holds the batch's upload lock (the runner's reaper fails validating batches
 * whose lock is free) and streams the staged rows while the body arrives. With BATCH_UPLOADS_MAX
 * uploads already in progress here, or BATCH_UPLOADS_PER_ISSUER of this issuer's in any ddcd on
 * the database: DDC_ERR_RATE_LIMITED.
 */
enum ddc_err batch_upload_open(const struct principal *who, const struct batch_upload_opts *o,
                               struct batch_upload **out);
/* Takes the next bytes of the body. A failure stops the upload (errors_detail names why). */
enum ddc_err batch_upload_feed(struct batch_upload *u, const char *data, size_t n);
/* The end of the body: seals (and starts) the batch; *json is the batch, *existing 1 when it is
 * an earlier upload of the same bytes. */
enum ddc_err batch_upload_finish(struct batch_upload *u, char **json, int *existing);
/* Frees u; a batch whose upload did not finish is marked failed; the upload lock is released. */
void batch_upload_free(struct batch_upload *u);

#endif
