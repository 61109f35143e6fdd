/* report.c: batch state and the CSV reports (see report.h). Reports are read in keyset pages of
 * REPORT_PAGE rows, so any size is sent in bounded memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch/report.h"
#include "batch/rows.h"
#include "db/batches.h"

#define REPORT_PAGE 2000

struct batch_report {
  int64_t batch_id, after;
  int minted, done;
  struct db_batch_buf page;
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
  if (db_batch_buf_add(&rep->page, head, strlen(head)) != 0) {
    free(rep);
    return DDC_ERR_INTERNAL;
  }
  *out = rep;
  return DDC_ERR_OK;
}

/* One CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF); NULL: empty. */
static int report_field(struct db_batch_buf *b, const char *s, int last)
{
  int rc = 0;
  if (!s) s = "";
  if (strpbrk(s, ",\"\r\n")) {
    rc |= db_batch_buf_add(b, "\"", 1);
    for (const char *q; (q = strchr(s, '"')); s = q + 1)
      rc |= db_batch_buf_add(b, s, (size_t)(q - s + 1)) | db_batch_buf_add(b, "\"", 1);
    rc |= db_batch_buf_add(b, s, strlen(s)) | db_batch_buf_add(b, "\"", 1);
  } else {
    rc |= db_batch_buf_add(b, s, strlen(s));
  }
  return rc | db_batch_buf_add(b, last ? "\r\n" : ",", last ? 2 : 1);
}

static int report_number(struct db_batch_buf *b, int64_t v, int last)
{
  char s[24];
  snprintf(s, sizeof s, "%lld", (long long)v);
  return report_field(b, s, last);
}

/* An error line: line,field,code,message. */
static int report_error(void *cls, const struct db_batch_error *e)
{
  struct batch_report *rep = cls;
  rep->after = e->line;
  return report_number(&rep->page, e->line, 0) || report_field(&rep->page, e->field, 0) ||
                 report_field(&rep->page, e->code, 0) || report_field(&rep->page, e->message, 1)
             ? -1
             : 0;
}

/* A certificate line: line,external_ref,ddc_id,code,cert_hash. */
static int report_minted(void *cls, const struct db_batch_minted *m)
{
  struct batch_report *rep = cls;
  rep->after = m->line;
  return report_number(&rep->page, m->line, 0) || report_field(&rep->page, m->external_ref, 0) ||
                 report_number(&rep->page, m->ddc_id, 0) || report_field(&rep->page, m->code, 0) ||
                 report_field(&rep->page, m->cert_hash, 1)
             ? -1
             : 0;
}

/* The next page into rep->page; 0 or -1. */
static int report_fill(struct batch_report *rep)
{
  rep->page.len = rep->off = 0;
  int n = rep->minted
              ? db_batch_minted_after(rep->batch_id, rep->after, REPORT_PAGE, report_minted, rep)
              : db_batch_errors_after(rep->batch_id, rep->after, REPORT_PAGE, report_error, rep);
  if (n < 0) return -1;
  rep->done = n < REPORT_PAGE;
  return 0;
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
  db_batch_buf_free(&rep->page);
  free(rep);
}
