/* csv.h: an incremental RFC 4180 parser. Bytes go in as they arrive (any split), records come out
 * through a callback, memory stays bounded by the record limit whatever the input. A UTF-8 BOM is
 * dropped; records end at LF or CRLF; quoted fields may hold commas, CR, LF and doubled quotes.
 * A record that breaks a rule is still delivered, with the first problem named, so the caller
 * can report it and go on with the next record; a record past the limit is named too long
 * whatever came first, and delivered without fields. */
#ifndef DDC_BATCH_CSV_H
#define DDC_BATCH_CSV_H
#include <stddef.h>
#include <stdint.h>

#define CSV_COLUMNS_MAX 64

enum csv_problem {
  CSV_OK,
  CSV_BAD_QUOTE,    /* a quote inside an unquoted field, or text after a closing quote */
  CSV_UNTERMINATED, /* the input ended inside a quoted field */
  CSV_TOO_LONG,     /* the record is longer than the limit */
  CSV_TOO_MANY,     /* more than CSV_COLUMNS_MAX fields */
  CSV_BAD_UTF8,     /* a field is not valid UTF-8 */
};

struct csv_record {
  uint64_t line;                      /* the physical line (1-based) the record starts on */
  int nfields;                        /* fields kept (at most CSV_COLUMNS_MAX) */
  const char *field[CSV_COLUMNS_MAX]; /* each NUL-terminated (a NUL inside shows as bad UTF-8) */
  size_t len[CSV_COLUMNS_MAX];
  enum csv_problem problem;
  int problem_field; /* 0-based index of the field the problem is in */
};

/* Called once per record; a non-zero return stops the parser and is returned by csv_feed. */
typedef int (*csv_record_fn)(void *ctx, const struct csv_record *rec);

struct csv_parser {
  csv_record_fn fn;
  void *ctx;
  size_t record_max;
  char *buf; /* the current record's fields, each followed by a NUL */
  size_t len, cap, field_start;
  size_t off[CSV_COLUMNS_MAX]; /* where each field starts in buf */
  struct csv_record rec;
  uint64_t line;
  int state, bom, pending_cr, started;
};

/* record_max: bytes of field text one record may hold. Returns 0, or -1 (out of memory). */
int csv_init(struct csv_parser *p, size_t record_max, csv_record_fn fn, void *ctx);
/* Parses n more bytes. Returns 0, -1 (out of memory) or the callback's non-zero value. */
int csv_feed(struct csv_parser *p, const char *data, size_t n);
/* The end of the input: delivers a last record without a line end. Same returns as csv_feed. */
int csv_finish(struct csv_parser *p);
void csv_free(struct csv_parser *p);
/* 1 if s[0..n) is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF) and
 * holds no NUL. */
int csv_utf8_ok(const char *s, size_t n);
/* A short English name of a problem, e.g. "unterminated quoted field". */
const char *csv_problem_text(enum csv_problem p);

#endif
