/* ndjson.h: splitting a streamed body into lines (NDJSON: one JSON text per line) with a bound
 * on the line length, whatever the input. Blank lines are skipped; a CR before LF is dropped. */
#ifndef DDC_BATCH_NDJSON_H
#define DDC_BATCH_NDJSON_H
#include <stddef.h>
#include <stdint.h>

/* One line (NUL-terminated); too_long: the line was over the limit and text is empty. A non-zero
 * return stops the splitter. */
typedef int (*ndjson_line_fn)(void *ctx, uint64_t line, const char *text, size_t len, int too_long);

struct ndjson_lines {
  ndjson_line_fn fn;
  void *ctx;
  size_t line_max;
  char *buf;
  size_t len, cap;
  uint64_t line;
  int too_long;
};

int ndjson_init(struct ndjson_lines *s, size_t line_max, ndjson_line_fn fn, void *ctx);
/* Returns 0, -1 (out of memory) or the callback's non-zero value. */
int ndjson_feed(struct ndjson_lines *s, const char *data, size_t n);
/* Delivers a last line without LF. */
int ndjson_finish(struct ndjson_lines *s);
void ndjson_free(struct ndjson_lines *s);

#endif
