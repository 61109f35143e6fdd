/* csv.c: the incremental RFC 4180 parser (see csv.h): a byte-at-a-time state machine over one
 * record buffer that never grows past the record limit. */
#include <stdlib.h>
#include <string.h>
#include "batch/csv.h"

enum { ST_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN };

int csv_init(struct csv_parser *p, size_t record_max, csv_record_fn fn, void *ctx)
{
  memset(p, 0, sizeof *p);
  p->fn = fn;
  p->ctx = ctx;
  p->record_max = record_max;
  p->cap = 4096;
  p->buf = malloc(p->cap);
  p->line = 1;
  p->rec.line = 1;
  return p->buf ? 0 : -1;
}

void csv_free(struct csv_parser *p)
{
  free(p->buf);
  p->buf = NULL;
}

static void csv_problem(struct csv_parser *p, enum csv_problem pr)
{
  if (p->rec.problem == CSV_OK) {
    p->rec.problem = pr;
    p->rec.problem_field = p->rec.nfields;
  }
}

/* Appends one byte of field text. 0 or -1 (out of memory). */
static int csv_put(struct csv_parser *p, char c)
{
  if (p->rec.problem == CSV_TOO_LONG || p->rec.problem == CSV_TOO_MANY) return 0;
  if (p->len >= p->record_max + CSV_COLUMNS_MAX) {
    /* named even after an earlier problem: the fields are cut and can no longer be delivered */
    p->rec.problem = CSV_OK;
    csv_problem(p, CSV_TOO_LONG);
    return 0;
  }
  if (p->len + 2 > p->cap) {
    size_t cap = p->cap * 2;
    char *b = realloc(p->buf, cap);
    if (!b) return -1;
    p->buf = b;
    p->cap = cap;
  }
  p->buf[p->len++] = c;
  return 0;
}

/* Ends the current field: NUL-terminates it and records its length (offsets are turned into
 * pointers when the record is delivered, as the buffer may move). */
static int csv_end_field(struct csv_parser *p)
{
  if (p->rec.problem == CSV_TOO_LONG) {
    p->rec.nfields++;
    return 0;
  }
  if (p->rec.nfields >= CSV_COLUMNS_MAX) {
    csv_problem(p, CSV_TOO_MANY);
    return 0;
  }
  size_t start = p->field_start, n = p->len - start;
  if (csv_put(p, 0) != 0) return -1;
  if (p->rec.problem == CSV_TOO_LONG) return 0;
  p->off[p->rec.nfields] = start;
  p->rec.len[p->rec.nfields] = n;
  p->field_start = p->len;
  if (!csv_utf8_ok(p->buf + start, n)) csv_problem(p, CSV_BAD_UTF8);
  p->rec.nfields++;
  return 0;
}

static int csv_end_record(struct csv_parser *p)
{
  int rc = csv_end_field(p);
  if (rc != 0) return rc;
  int blank = p->rec.nfields == 1 && p->rec.len[0] == 0 && !p->started;
  if (!blank) {
    int kept = p->rec.nfields < CSV_COLUMNS_MAX ? p->rec.nfields : CSV_COLUMNS_MAX;
    if (p->rec.problem == CSV_TOO_LONG) kept = 0;
    for (int i = 0; i < kept; i++)
      p->rec.field[i] = p->buf + p->off[i];
    p->rec.nfields = kept;
    rc = p->fn(p->ctx, &p->rec);
  }
  p->len = p->field_start = 0;
  memset(&p->rec, 0, sizeof p->rec);
  p->rec.line = p->line;
  p->state = ST_START;
  p->started = 0;
  return rc;
}

/* One byte outside a pending CR. */
static int csv_byte(struct csv_parser *p, char c)
{
  switch (p->state) {
  case ST_START:
  case ST_UNQUOTED:
    if (c == ',') {
      p->started = 1;
      p->state = ST_START;
      return csv_end_field(p);
    }
    if (c == '\n') return csv_end_record(p);
    if (c == '"' && p->state == ST_START) {
      p->started = 1;
      p->state = ST_QUOTED;
      return 0;
    }
    if (c == '"') csv_problem(p, CSV_BAD_QUOTE);
    p->started = 1;
    p->state = ST_UNQUOTED;
    return csv_put(p, c);
  case ST_QUOTED:
    if (c == '"') {
      p->state = ST_QUOTE_SEEN;
      return 0;
    }
    return csv_put(p, c);
  default: /* ST_QUOTE_SEEN: a doubled quote, or the field's closing quote */
    if (c == '"') {
      p->state = ST_QUOTED;
      return csv_put(p, '"');
    }
    if (c == ',') {
      p->state = ST_START;
      return csv_end_field(p);
    }
    if (c == '\n') return csv_end_record(p);
    csv_problem(p, CSV_BAD_QUOTE);
    p->state = ST_UNQUOTED;
    return csv_put(p, c);
  }
}

/* Drops a leading UTF-8 BOM, which may itself arrive split; bytes that only began like one are
 * data. bom counts the BOM bytes matched so far; 4 means decided. */
static int csv_bom(struct csv_parser *p, const char *data, size_t n, size_t *i)
{
  static const char bom[3] = {'\xef', '\xbb', '\xbf'};
  while (p->bom < 4 && (*i < n || !data)) {
    if (data && p->bom < 3 && data[*i] == bom[p->bom]) {
      p->bom++;
      (*i)++;
      if (p->bom == 3) p->bom = 4;
      continue;
    }
    int matched = p->bom;
    p->bom = 4;
    for (int k = 0; k < matched; k++) {
      int rc = csv_byte(p, bom[k]);
      if (rc) return rc;
    }
  }
  return 0;
}

int csv_feed(struct csv_parser *p, const char *data, size_t n)
{
  size_t i = 0;
  int rc = csv_bom(p, data, n, &i);
  if (rc) return rc;
  for (; i < n; i++) {
    char c = data[i];
    if (c == '\n') p->line++;
    if (p->pending_cr) {
      p->pending_cr = 0;
      if (c != '\n' && (rc = csv_byte(p, '\r')) != 0) return rc;
    }
    if (c == '\r' && p->state != ST_QUOTED) {
      p->pending_cr = 1;
      continue;
    }
    if ((rc = csv_byte(p, c)) != 0) return rc;
  }
  return 0;
}

int csv_finish(struct csv_parser *p)
{
  size_t i = 0;
  int rc = csv_bom(p, NULL, 0, &i);
  if (rc) return rc;
  if (p->pending_cr) {
    p->pending_cr = 0;
    return csv_end_record(p);
  }
  if (p->state == ST_QUOTED) csv_problem(p, CSV_UNTERMINATED);
  if (p->state == ST_START && !p->started && p->rec.nfields == 0) return 0;
  return csv_end_record(p);
}

int csv_utf8_ok(const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *)str;
  for (size_t i = 0; i < n;) {
    unsigned c = s[i];
    if (c == 0) return 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    int k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
    if (k == 0 || c > 0xf4 || n - i <= (size_t)k) return 0;
    unsigned cp = c & (0x3f >> k);
    for (int j = 1; j <= k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
      return 0;
    i += (size_t)k + 1;
  }
  return 1;
}

const char *csv_problem_text(enum csv_problem p)
{
  switch (p) {
  case CSV_OK:
    return "ok";
  case CSV_BAD_QUOTE:
    return "a quote inside an unquoted field, or text after a closing quote";
  case CSV_UNTERMINATED:
    return "the file ends inside a quoted field";
  case CSV_TOO_LONG:
    return "the row is too long";
  case CSV_TOO_MANY:
    return "the row has too many columns";
  default:
    return "the field is not valid UTF-8";
  }
}
