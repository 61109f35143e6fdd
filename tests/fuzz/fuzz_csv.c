/* fuzz_csv.c: the incremental CSV parser and the batch rows read through it, on hostile bytes.
 * The first byte chooses how the rest is cut into pieces; the pieces must give exactly the records
 * the whole input gives in one piece, and every record must stay within the parser's limits. The
 * first record is read as a header and every later one as a diploma row, written out as the COPY
 * text of a row or of its error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "batch/csv.h"
#include "batch/rows.h"

#define FUZZ_RECORD_MAX 4096 /* small, so that the too-long path is reached */

/* One pass over the input: the records it gave, flattened (line, nfields, problem, problem_field,
 * then each field's length and bytes), and the state of the header and rows when rows are read. */
struct fuzz_pass {
  const struct csv_parser *p;
  unsigned char *log;
  size_t len, cap;
  uint64_t last_line, lines; /* the previous record's line; the input's physical lines */
  int rows, records, header_ok;
  struct batch_header h;
  struct db_batch_buf copy;
};

static void fuzz_log(struct fuzz_pass *f, const void *s, size_t n)
{
  if (f->len + n > f->cap) {
    size_t cap = f->cap ? f->cap : 4096;
    while (cap < f->len + n)
      cap *= 2;
    unsigned char *b = realloc(f->log, cap);
    if (!b) abort();
    f->log = b;
    f->cap = cap;
  }
  memcpy(f->log + f->len, s, n);
  f->len += n;
}

/* The record's invariants, whatever the input. */
static void fuzz_check(struct fuzz_pass *f, const struct csv_record *r)
{
  const struct csv_parser *p = f->p;
  if (r->nfields < 0 || r->nfields > CSV_COLUMNS_MAX) abort();
  if (r->problem < CSV_OK || r->problem > CSV_BAD_UTF8) abort();
  if (r->problem == CSV_OK ? r->problem_field != 0
                           : r->problem_field < 0 || r->problem_field > CSV_COLUMNS_MAX)
    abort();
  if (r->problem == CSV_BAD_UTF8 && r->problem_field >= r->nfields) abort();
  if (r->problem == CSV_TOO_LONG && r->nfields != 0) abort();
  /* records start on later and later lines, none past the input's last */
  if (r->line < 1 || r->line <= f->last_line || r->line > f->lines) abort();
  f->last_line = r->line;
  size_t total = 0;
  for (int i = 0; i < r->nfields; i++) {
    const char *s = r->field[i];
    if (!s || s < p->buf || s + r->len[i] >= p->buf + p->len || s[r->len[i]] != 0) abort();
    if (r->problem == CSV_OK && !csv_utf8_ok(s, r->len[i])) abort();
    total += r->len[i] + 1;
  }
  if (total > FUZZ_RECORD_MAX + CSV_COLUMNS_MAX) abort();
  if (p->cap > 2 * (FUZZ_RECORD_MAX + CSV_COLUMNS_MAX + 2)) abort(); /* memory stays bounded */
}

/* A COPY text line just appended: one line of exactly ncols columns, valid UTF-8 without NUL. */
static void fuzz_copy_line(const char *s, size_t n, int ncols)
{
  int tabs = 0;
  if (n == 0 || s[n - 1] != '\n' || !csv_utf8_ok(s, n)) abort();
  for (size_t i = 0; i + 1 < n; i++) {
    if (s[i] == '\n' || s[i] == '\r') abort();
    tabs += s[i] == '\t';
  }
  if (tabs != ncols - 1) abort();
}

/* The header, or a row under it as the upload reads it (an unreadable header ends the upload). */
static void fuzz_row(struct fuzz_pass *f, const struct csv_record *r)
{
  char why[160];
  if (f->records == 1) {
    f->header_ok = batch_header_read(r, &f->h, why, sizeof why) == 0;
    if (!f->header_ok && !memchr(why, 0, sizeof why)) abort();
    return;
  }
  if (!f->header_ok) return;
  struct batch_row row;
  struct batch_error err;
  struct db_batch_row staged;
  struct db_batch_error error;
  int bad = batch_row_csv(&f->h, "diploma", r, &row, &err);
  size_t before = f->copy.len;
  if (bad == 0) {
    if (row.line != r->line || !json_is_object(row.metadata)) abort();
    batch_row_staged(&row, &staged);
    if (db_batch_row_copy(&f->copy, 42, &staged) == 0)
      fuzz_copy_line(f->copy.p + before, f->copy.len - before, 10);
  } else if (bad == 1) {
    if (err.line != r->line || !err.code || !err.field[0] || !err.message[0]) abort();
    batch_error_staged(&err, &error);
    if (db_batch_error_copy(&f->copy, 42, &error) == 0)
      fuzz_copy_line(f->copy.p + before, f->copy.len - before, 5);
  }
  batch_row_free(&row);
}

static int fuzz_record(void *ctx, const struct csv_record *r)
{
  struct fuzz_pass *f = ctx;
  fuzz_check(f, r);
  uint64_t line = r->line;
  int head[3] = {r->nfields, (int)r->problem, r->problem_field};
  fuzz_log(f, &line, sizeof line);
  fuzz_log(f, head, sizeof head);
  for (int i = 0; i < r->nfields; i++) {
    fuzz_log(f, &r->len[i], sizeof r->len[i]);
    fuzz_log(f, r->field[i], r->len[i]);
  }
  f->records++;
  if (f->rows) fuzz_row(f, r);
  return 0;
}

static uint32_t fuzz_next(uint32_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

/* Parses s[0..n) in one piece (cut == -1) or in pieces chosen by cut: its low two bits pick
 * one-byte pieces, short ones (0 to 8 bytes), long ones (0 to 1499) or a mix of those and empty
 * ones; the other bits seed the sizes. Each piece is fed from its own allocation, so reading
 * past a piece is caught. */
static void fuzz_pass(struct fuzz_pass *f, const char *s, size_t n, int cut)
{
  struct csv_parser p;
  f->p = &p;
  for (size_t i = 0; i < n; i++)
    f->lines += s[i] == '\n';
  f->lines++;
  if (csv_init(&p, FUZZ_RECORD_MAX, fuzz_record, f) != 0) abort();
  if (cut < 0) {
    if (csv_feed(&p, s, n) != 0) abort();
  } else {
    uint32_t x = 0x9e3779b9u ^ (uint32_t)cut << 8;
    for (size_t off = 0; off <= n;) {
      uint32_t r = fuzz_next(&x), kind = cut & 3 ? (uint32_t)cut & 3 : r >> 30;
      size_t k = kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? r % 9 : r % 1500;
      if (k > n - off) k = n - off;
      char *piece = malloc(k ? k : 1);
      if (!piece) abort();
      memcpy(piece, s + off, k);
      int rc = csv_feed(&p, piece, k);
      free(piece);
      if (rc != 0) abort();
      if (off == n) break;
      off += k;
    }
  }
  if (csv_finish(&p) != 0) abort();
  csv_free(&p);
  f->p = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1) return 0;
  const char *s = (const char *)data + 1;
  size_t n = size - 1;
  struct fuzz_pass whole = {.rows = 1}, cut = {0};
  fuzz_pass(&whole, s, n, -1);
  fuzz_pass(&cut, s, n, data[0]);
  if (whole.records != cut.records || whole.len != cut.len ||
      (whole.len && memcmp(whole.log, cut.log, whole.len) != 0))
    abort();
  batch_header_free(&whole.h);
  db_batch_buf_free(&whole.copy);
  free(whole.log);
  free(cut.log);
  return 0;
}
