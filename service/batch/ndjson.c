/* ndjson.c: the bounded line splitter of ndjson.h. */
#include <stdlib.h>
#include <string.h>
#include "batch/ndjson.h"

int ndjson_init(struct ndjson_lines *s, size_t line_max, ndjson_line_fn fn, void *ctx)
{
  memset(s, 0, sizeof *s);
  s->fn = fn;
  s->ctx = ctx;
  s->line_max = line_max;
  s->cap = 4096;
  s->buf = malloc(s->cap);
  return s->buf ? 0 : -1;
}

void ndjson_free(struct ndjson_lines *s)
{
  free(s->buf);
  s->buf = NULL;
}

static int ndjson_emit(struct ndjson_lines *s)
{
  s->line++;
  if (s->len && s->buf[s->len - 1] == '\r' && !s->too_long) s->len--;
  int rc = 0;
  s->buf[s->len] = 0;
  if (s->too_long)
    rc = s->fn(s->ctx, s->line, "", 0, 1);
  else if (strspn(s->buf, " \t") < s->len || memchr(s->buf, 0, s->len))
    rc = s->fn(s->ctx, s->line, s->buf, s->len, 0);
  s->len = 0;
  s->too_long = 0;
  return rc;
}

/* Appends n bytes of one line. 0 or -1. */
static int ndjson_put(struct ndjson_lines *s, const char *d, size_t n)
{
  if (s->too_long) return 0;
  if (s->len + n > s->line_max) {
    s->too_long = 1;
    s->len = 0;
    return 0;
  }
  if (s->len + n + 1 > s->cap) {
    size_t cap = s->cap;
    while (cap < s->len + n + 1)
      cap *= 2;
    char *b = realloc(s->buf, cap);
    if (!b) return -1;
    s->buf = b;
    s->cap = cap;
  }
  memcpy(s->buf + s->len, d, n);
  s->len += n;
  s->buf[s->len] = 0;
  return 0;
}

int ndjson_feed(struct ndjson_lines *s, const char *data, size_t n)
{
  while (n) {
    const char *nl = memchr(data, '\n', n);
    size_t k = nl ? (size_t)(nl - data) : n;
    if (ndjson_put(s, data, k) != 0) return -1;
    if (!nl) return 0;
    int rc = ndjson_emit(s);
    if (rc) return rc;
    data += k + 1;
    n -= k + 1;
  }
  return 0;
}

int ndjson_finish(struct ndjson_lines *s)
{
  return s->len || s->too_long ? ndjson_emit(s) : 0;
}
