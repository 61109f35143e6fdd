/* report.c: batch state and the CSV reports (see report.h). Reports are read in keyset pages of
 * REPORT_PAGE rows, so any size is sent in bounded memory. */
#include <stdlib.h>
#include <string.h>
#include "batch/report.h"
#include "batch/rows.h"
#include "db/batches.h"

#define REPORT_PAGE 2000

struct batch_report {
  int64_t batch_id, after;
  int minted, done;
  struct batch_buf page;
  size_t off;
};

enum ddc_err batch_get(const struct principal *who, int64_t batch_id, char **json)
{
  return db_batch_get(role_name(who->role), who->account_id, batch_id, json);
}

enum ddc_err batch_cancel(const struct principal *who, int64_t batch_id, char **json)
{
  return db_batch_cancel(role_name(who->role), who->account_id, batch_id, json);
}

enum ddc_err batch_report_open(const struct principal *who, int64_t batch_id, int minted,
                               struct batch_report **out)
{
  char *json = NULL;
  *out = NULL;
  enum ddc_err e = batch_get(who, batch_id, &json);
  free(json);
  if (e != DDC_ERR_OK) return e;
  struct batch_report *rep = calloc(1, sizeof *rep);
  if (!rep) return DDC_ERR_INTERNAL;
  rep->batch_id = batch_id;
  rep->minted = minted;
  const char *head =
      minted ? "line,external_ref,ddc_id,code,cert_hash\r\n" : "line,field,code,message\r\n";
  if (batch_buf_add(&rep->page, head, strlen(head)) != 0) {
    free(rep);
    return DDC_ERR_INTERNAL;
  }
  *out = rep;
  return DDC_ERR_OK;
}

/* One CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF). */
static int report_field(struct batch_buf *b, const char *s, int last)
{
  int rc = 0;
  if (strpbrk(s, ",\"\r\n")) {
    rc |= batch_buf_add(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')); s = q + 1)
      rc |= batch_buf_add(b, s, (size_t)(q - s + 1)) | batch_buf_add(b, "\"", 1);
    rc |= batch_buf_add(b, s, strlen(s)) | batch_buf_add(b, "\"", 1);
  } else {
    rc |= batch_buf_add(b, s, strlen(s));
  }
  return rc | batch_buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

/* The next page into rep->page; 0 or -1. */
static int report_fill(struct batch_report *rep)
{
  PGresult *r = rep->minted ? db_batch_minted_after(rep->batch_id, rep->after, REPORT_PAGE)
                            : db_batch_errors_after(rep->batch_id, rep->after, REPORT_PAGE);
  if (!r) return -1;
  int n = PQntuples(r), cols = PQnfields(r), rc = 0;
  rep->page.len = rep->off = 0;
  for (int i = 0; i < n; i++)
    for (int c = 0; c < cols; c++)
      rc |= report_field(&rep->page, db_text(r, i, c), c == cols - 1);
  if (n) rep->after = db_int64(r, n - 1, 0);
  rep->done = n < REPORT_PAGE;
  PQclear(r);
  return rc ? -1 : 0;
}

ssize_t batch_report_read(struct batch_report *rep, char *buf, size_t max)
{
  while (rep->off == rep->page.len) {
    if (rep->done) return 0;
    if (report_fill(rep) != 0) return -1;
  }
  size_t n = rep->page.len - rep->off;
  if (n > max) n = max;
  memcpy(buf, rep->page.p + rep->off, n);
  rep->off += n;
  return (ssize_t)n;
}

void batch_report_free(struct batch_report *rep)
{
  if (!rep) return;
  batch_buf_free(&rep->page);
  free(rep);
}
