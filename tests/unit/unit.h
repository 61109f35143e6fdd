/* unit.h: a tiny test harness. CHECK records failures; RUN runs a test function and counts it as
 * passed when none of its checks failed; UNIT_END prints "N passed, N failed" and sets the exit
 * code. */
#ifndef DDC_UNIT_H
#define DDC_UNIT_H
#include <stdio.h>

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

#define UNIT_END() (printf("%d passed, %d failed\n", unit_passed, unit_failed), unit_failed != 0)

#endif
