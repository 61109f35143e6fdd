/* unit.h: a tiny test harness. CHECK records failures; RUN runs a test function and counts it as
 * passed when none of its checks failed; UNIT_END prints "N passed, N failed" and sets the exit
 * code. */
#ifndef DDC_UNIT_H
#define DDC_UNIT_H
#include <stdio.h>
#include <stdlib.h>

static int unit_checks_failed, unit_passed, unit_failed;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      unit_checks_failed++;                                                                        \
      fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                            \
    }                                                                                              \
  } while (0)

#define RUN(fn)                                                                                    \
  do {                                                                                             \
    int unit_before = unit_checks_failed;                                                          \
    fn();                                                                                          \
    if (unit_checks_failed == unit_before) {                                                       \
      unit_passed++;                                                                               \
      printf("ok - %s\n", #fn);                                                                    \
    } else {                                                                                       \
      unit_failed++;                                                                               \
      printf("not ok - %s\n", #fn);                                                                \
    }                                                                                              \
  } while (0)

/* The whole file at path, malloc'ed and NUL-terminated, its length in *len (len may be NULL);
 * NULL if unreadable. */
static inline char *unit_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0, got;
  char *buf = malloc(cap + 1);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *p = realloc(buf, 2 * cap + 1);
      if (!p) free(buf);
      buf = p;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = 0;
  if (len) *len = n;
  return buf;
}

#define UNIT_END() (printf("%d passed, %d failed\n", unit_passed, unit_failed), unit_failed != 0)

#endif
