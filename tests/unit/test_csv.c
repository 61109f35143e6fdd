/* test_csv.c: the streaming RFC 4180 parser (BOM, CRLF, quotes, embedded newlines, bad UTF-8,
 * huge fields, column counts, any split of the input) and the NDJSON line splitter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "batch/csv.h"
#include "batch/ndjson.h"
#include "batch/rows.h"
#include "unit.h"

/* Records seen, flattened: "line:field|field|...!problem@field" joined by newlines. */
struct seen {
  char text[8192];
  int records;
};

static int collect(void *ctx, const struct csv_record *r)
{
  struct seen *s = ctx;
  size_t n = strlen(s->text);
  n += (size_t)snprintf(s->text + n, sizeof s->text - n, "%llu:", (unsigned long long)r->line);
  for (int i = 0; i < r->nfields && n < sizeof s->text; i++)
    n += (size_t)snprintf(s->text + n, sizeof s->text - n, "%s%.*s", i ? "|" : "",
                          (int)(r->len[i] > 40 ? 40 : r->len[i]), r->field[i]);
  if (r->problem && n < sizeof s->text)
    n += (size_t)snprintf(s->text + n, sizeof s->text - n, "!%d@%d", r->problem, r->problem_field);
  if (n < sizeof s->text) snprintf(s->text + n, sizeof s->text - n, "\n");
  s->records++;
  return 0;
}

/* Parses in pieces of step bytes (0: all at once). */
static const char *parse(const char *in, size_t len, size_t step, size_t max)
{
  static struct seen s;
  struct csv_parser p;
  memset(&s, 0, sizeof s);
  if (csv_init(&p, max, collect, &s) != 0) return "oom";
  if (!step) step = len ? len : 1;
  for (size_t i = 0; i < len; i += step)
    CHECK(csv_feed(&p, in + i, len - i < step ? len - i : step) == 0);
  CHECK(csv_finish(&p) == 0);
  csv_free(&p);
  return s.text;
}

#define P(in) parse(in, strlen(in), 0, 1024)

static void test_simple(void)
{
  CHECK(strcmp(P("a,b,c\n1,2,3\n"), "1:a|b|c\n2:1|2|3\n") == 0);
  CHECK(strcmp(P("a,b\n1,2"), "1:a|b\n2:1|2\n") == 0); /* no final newline */
  CHECK(strcmp(P("a,,\n"), "1:a||\n") == 0);
  CHECK(strcmp(P(""), "") == 0);
  CHECK(strcmp(P("a\n\n\nb\n"), "1:a\n4:b\n") == 0); /* blank lines skipped, lines counted */
}

static void test_bom_crlf(void)
{
  CHECK(strcmp(P("\xef\xbb\xbf"
                 "a,b\r\n1,2\r\n"),
               "1:a|b\n2:1|2\n") == 0);
  CHECK(strcmp(P("\xef\xbb"
                 "a\n"),
               "1:\xef\xbb"
               "a!5@0\n") == 0);               /* half a BOM is data (and not UTF-8) */
  CHECK(strcmp(P("a\rb\n"), "1:a\rb\n") == 0); /* a lone CR is data */
  CHECK(strcmp(P("a\r"), "1:a\n") == 0);
  const char *in = "\xef\xbb\xbf"
                   "x,y\r\n\"1\r\n2\",3\r\n";
  for (size_t step = 1; step < 6; step++)
    CHECK(strcmp(parse(in, strlen(in), step, 1024), "1:x|y\n2:1\r\n2|3\n") == 0);
}

static void test_quotes(void)
{
  CHECK(strcmp(P("\"a,b\",\"say \"\"hi\"\"\"\n"), "1:a,b|say \"hi\"\n") == 0);
  CHECK(strcmp(P("\"multi\nline\",x\nnext\n"), "1:multi\nline|x\n3:next\n") == 0);
  CHECK(strcmp(P("\"\",\"\"\n"), "1:|\n") == 0);
  CHECK(strcmp(P("ab\"c,d\nok\n"), "1:ab\"c|d!1@0\n2:ok\n") == 0);
  CHECK(strcmp(P("\"ab\"c,d\nok\n"), "1:abc|d!1@0\n2:ok\n") == 0);
  CHECK(strcmp(P("a,\"open\nb,c\n"), "1:a|open\nb,c\n!2@1\n") == 0);
}

static void test_utf8(void)
{
  CHECK(strcmp(P("\xe4\xb8\xad,\xf0\x9f\x98\x80\n"), "1:\xe4\xb8\xad|\xf0\x9f\x98\x80\n") == 0);
  CHECK(strstr(P("ok,\xc0\xaf\n"), "!5@1") != NULL);        /* overlong */
  CHECK(strstr(P("\xed\xa0\x80\n"), "!5@0") != NULL);       /* surrogate */
  CHECK(strstr(P("x,y,\xe4\xb8\n"), "!5@2") != NULL);       /* truncated */
  CHECK(strstr(P("\xf4\x90\x80\x80\n"), "!5@0") != NULL);   /* past U+10FFFF */
  CHECK(strstr(parse("a\0b\n", 4, 0, 64), "!5@0") != NULL); /* NUL */
  CHECK(csv_utf8_ok("\xc3\xa9", 2) && !csv_utf8_ok("\xc3", 1) && !csv_utf8_ok("\x80", 1));
}

static void test_limits(void)
{
  /* a 10 MB field: that row is refused, memory stays at the limit, the next row is read */
  size_t big = 10 * 1024 * 1024;
  char *in = malloc(big + 64);
  strcpy(in, "h1,h2\n1,\"");
  size_t n = strlen(in);
  memset(in + n, 'x', big);
  n += big;
  memcpy(in + n, "\"\n2,3\n", 6);
  n += 6;
  const char *out = parse(in, n, 65536, 4096);
  CHECK(strcmp(out, "1:h1|h2\n2:!3@1\n3:2|3\n") == 0);
  free(in);
  /* more than CSV_COLUMNS_MAX fields */
  char wide[4 * CSV_COLUMNS_MAX + 16] = "";
  for (int i = 0; i <= CSV_COLUMNS_MAX; i++)
    strcat(wide, i ? ",x" : "x");
  strcat(wide, "\nok\n");
  out = P(wide);
  char want[32];
  snprintf(want, sizeof want, "!4@%d\n2:ok\n", CSV_COLUMNS_MAX);
  CHECK(strstr(out, want) != NULL);
  /* a record that runs past the limit after an earlier problem is too long too: its fields
   * were cut short without their NULs, and the one after the cut pointed past the text */
  in = malloc(5000 + 32);
  strcpy(in, "h\nab\"c,");
  n = strlen(in);
  memset(in + n, 'x', 5000);
  n += 5000;
  memcpy(in + n, ",z\nok\n", 6);
  n += 6;
  CHECK(strcmp(parse(in, n, 0, 1024), "1:h\n2:!3@1\n3:ok\n") == 0);
  free(in);
}

/* Every split of a tricky input gives the same records as one piece. */
static void test_splits(void)
{
  const char *in = "\xef\xbb\xbf"
                   "name,\"n\"\"o\"\r\n\"a,\r\nb\",\xe4\xb8\xad\r\n\r\nlast,\"\"";
  char whole[8192];
  snprintf(whole, sizeof whole, "%s", parse(in, strlen(in), 0, 1024));
  CHECK(strcmp(whole, "1:name|n\"o\n2:a,\r\nb|\xe4\xb8\xad\n5:last|\n") == 0);
  for (size_t step = 1; step <= strlen(in); step++)
    CHECK(strcmp(parse(in, strlen(in), step, 1024), whole) == 0);
}

static int count_only(void *ctx, const struct csv_record *r)
{
  (*(uint64_t *)ctx) += (uint64_t)r->nfields;
  return 0;
}

/* Deterministic random inputs from a small alphabet: no crash (ASan/UBSan), every record within
 * the limits. */
static void test_random(void)
{
  static const char alphabet[] = {'a', ',', '"', '\n', '\r', '\xef', '\xbb', '\xbf', '\xc3', 0};
  uint64_t x = 88172645463325252ULL, fields = 0;
  char buf[512];
  for (int round = 0; round < 3000; round++) {
    size_t n = 0;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t len = x % sizeof buf;
    for (; n < len; n++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[n] = alphabet[x % sizeof alphabet];
    }
    struct csv_parser p;
    CHECK(csv_init(&p, 64, count_only, &fields) == 0);
    for (size_t i = 0; i < n; i += 7)
      csv_feed(&p, buf + i, n - i < 7 ? n - i : 7);
    csv_finish(&p);
    CHECK(p.cap <= 4096);
    csv_free(&p);
  }
  printf("# random: %llu fields in 3000 inputs\n", (unsigned long long)fields);
}

static int lines_seen(void *ctx, uint64_t line, const char *text, size_t len, int too_long)
{
  struct seen *s = ctx;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof s->text - n, "%llu:%.*s%s\n", (unsigned long long)line, (int)len,
           text, too_long ? "!long" : "");
  return 0;
}

static void test_ndjson(void)
{
  const char *in =
      "{\"a\":1}\r\n\n  \n{\"b\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n{\"c\":3}";
  for (size_t step = 1; step < 9; step++) {
    struct seen s = {0};
    struct ndjson_lines l;
    CHECK(ndjson_init(&l, 20, lines_seen, &s) == 0);
    for (size_t i = 0; i < strlen(in); i += step)
      CHECK(ndjson_feed(&l, in + i, strlen(in) - i < step ? strlen(in) - i : step) == 0);
    CHECK(ndjson_finish(&l) == 0);
    ndjson_free(&l);
    CHECK(strcmp(s.text, "1:{\"a\":1}\n4:!long\n5:{\"c\":3}\n") == 0);
  }
}

/* A record of n fields for the row reader. */
static struct csv_record record(uint64_t line, int n, const char *const *f)
{
  struct csv_record r = {.line = line, .nfields = n};
  for (int i = 0; i < n; i++)
    r.field[i] = f[i], r.len[i] = strlen(f[i]);
  return r;
}

/* owner_id: an account id, nothing that does not fit (strtoll would clamp it). */
static void test_row_owner(void)
{
  const char *names[] = {"owner_id", "title"};
  struct csv_record hr = record(1, 2, names);
  struct batch_header h;
  char why[200];
  CHECK(batch_header_read(&hr, &h, why, sizeof why) == 0);
  const char *cases[][2] = {{"12", "ok"},
                            {"99999999999999999999", "owner_id"},
                            {"-3", "owner_id"},
                            {"+4", "owner_id"},
                            {"9223372036854775807", "ok"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const char *f[] = {cases[i][0], "A title"};
    struct csv_record rr = record(2, 2, f);
    struct batch_row row;
    struct batch_error err;
    int rc = batch_row_csv(&h, "generic", &rr, &row, &err);
    if (strcmp(cases[i][1], "ok") == 0)
      CHECK(rc == 0 && row.owner_id == strtoll(cases[i][0], NULL, 10));
    else
      CHECK(rc == 1 && strcmp(err.field, cases[i][1]) == 0);
    batch_row_free(&row);
  }
  batch_header_free(&h);
}

/* COPY text values: escapes, NULL, numbers at the ends of their range. */
static void test_copy_text(void)
{
  struct db_batch_buf b = {0};
  CHECK(db_batch_copy_value(&b, "a\\b\tc\nd\re", 0) == 0 && db_batch_copy_value(&b, NULL, 0) == 0 &&
        db_batch_copy_value(&b, "", 0) == 0 && db_batch_copy_value(&b, "\\", 1) == 0);
  CHECK(b.p && strcmp(b.p, "a\\\\b\\tc\\nd\\re\t\\N\t\t\\\\\n") == 0);
  db_batch_buf_free(&b);
  CHECK(db_batch_copy_int(&b, 0, 0) == 0 && db_batch_copy_int(&b, -42, 0) == 0 &&
        db_batch_copy_int(&b, INT64_MAX, 0) == 0 && db_batch_copy_int(&b, INT64_MIN, 1) == 0);
  CHECK(b.p && strcmp(b.p, "0\t-42\t9223372036854775807\t-9223372036854775808\n") == 0);
  db_batch_buf_free(&b);
}

int main(void)
{
  RUN(test_simple);
  RUN(test_bom_crlf);
  RUN(test_quotes);
  RUN(test_utf8);
  RUN(test_limits);
  RUN(test_splits);
  RUN(test_random);
  RUN(test_ndjson);
  RUN(test_row_owner);
  RUN(test_copy_text);
  return UNIT_END();
}
