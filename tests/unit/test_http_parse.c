/* test_http_parse.c: the JSON depth pre-check and UTF-8 character count of http/body.h, and the
 * integer token bucket and daily counter of http/ratelimit.h. */
#include <stdint.h>
#include <string.h>
#include "http/body.h"
#include "http/ratelimit.h"
#include "unit.h"

#define SEC 1000000000ULL
/* 2024-01-01T00:00:00Z, a UTC midnight. */
#define DAY0 1704067200LL

/* n opening brackets, then n closing ones, into out. */
static size_t nested(char *out, int n, char open, char close)
{
  size_t o = 0;
  for (int i = 0; i < n; i++)
    out[o++] = open;
  for (int i = 0; i < n; i++)
    out[o++] = close;
  out[o] = 0;
  return o;
}

static int depth_ok(const char *s, int max)
{
  return body_depth_ok(s, strlen(s), max);
}

static void test_depth_limits(void)
{
  char buf[256];
  size_t n = nested(buf, 32, '[', ']');
  CHECK(body_depth_ok(buf, n, BODY_JSON_DEPTH_MAX) == 1);
  n = nested(buf, 33, '[', ']');
  CHECK(body_depth_ok(buf, n, BODY_JSON_DEPTH_MAX) == 0);
  CHECK(BODY_JSON_DEPTH_MAX == 32);

  /* Objects count the same, and mixed nesting too. */
  char obj[512] = "";
  for (int i = 0; i < 33; i++)
    strcat(obj, i % 2 ? "[" : "{\"a\":");
  strcat(obj, "1");
  for (int i = 32; i >= 0; i--)
    strcat(obj, i % 2 ? "]" : "}");
  CHECK(depth_ok(obj, 32) == 0);
  CHECK(depth_ok(obj, 33) == 1);

  /* Depth is the maximum nesting, not the number of containers. */
  CHECK(depth_ok("[[1],[2],[3],[4]]", 2) == 1);
  CHECK(depth_ok("[[1],[2],[[3]],[4]]", 2) == 0);
  CHECK(depth_ok("{}", 1) == 1);
  CHECK(depth_ok("{}", 0) == 0);
  CHECK(depth_ok("1", 0) == 1);
  CHECK(depth_ok("", 0) == 1);

  /* Only len bytes are looked at. */
  CHECK(body_depth_ok("[[[[", 2, 2) == 1);
  CHECK(body_depth_ok("[[[[", 3, 2) == 0);
}

static void test_depth_strings(void)
{
  CHECK(depth_ok("[\"[[[[\"]", 1) == 1);
  CHECK(depth_ok("[\"[[[[\"]", 0) == 0);
  CHECK(depth_ok("{\"{{{{\":\"]]]]\"}", 1) == 1);
  /* An escaped quote does not end the string. */
  CHECK(depth_ok("[\"a\\\"[[[[\"]", 1) == 1);
  CHECK(depth_ok("[\"\\\"\\\"[[[\\\"\"]", 1) == 1);
  /* An escaped backslash does: the brackets after it count. */
  CHECK(depth_ok("[\"\\\\\",[[1]]]", 2) == 0);
  CHECK(depth_ok("[\"\\\\\",[[1]]]", 3) == 1);
  /* Strings end, and brackets after them count again. */
  CHECK(depth_ok("[\"x\",[[[1]]]]", 3) == 0);
  CHECK(depth_ok("[\"x\",[[[1]]]]", 4) == 1);
  /* A deep document hidden in a string is fine; a deep one after it is not. */
  char buf[256] = "[\"";
  for (int i = 0; i < 100; i++)
    strcat(buf, "[");
  strcat(buf, "\"]");
  CHECK(depth_ok(buf, 1) == 1);
  /* A trailing backslash at the end of the buffer does not read past it. */
  CHECK(body_depth_ok("[\"\\", 3, 1) == 1);
}

static void test_utf8_chars(void)
{
  CHECK(body_utf8_chars("") == 0);
  CHECK(body_utf8_chars("abc") == 3);
  CHECK(body_utf8_chars("\xc3\xa9") == 1);         /* é */
  CHECK(body_utf8_chars("\xe2\x82\xac") == 1);     /* € */
  CHECK(body_utf8_chars("\xf0\x9f\x98\x80") == 1); /* emoji */
  CHECK(body_utf8_chars("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z") == 5);
  char big[801];
  memset(big, 0, sizeof big);
  for (int i = 0; i < 200; i++)
    memcpy(big + 4 * i, "\xf0\x9f\x98\x80", 4);
  CHECK(strlen(big) == 800);
  CHECK(body_utf8_chars(big) == 200);
}

static void test_rate_per_sec(void)
{
  struct ratelimit rl = {0};
  unsigned ra = 0;
  uint64_t t = 1000 * SEC;
  CHECK(ratelimit_take(&rl, 2, 0, t, DAY0 + 10, &ra) == 1);
  CHECK(ratelimit_take(&rl, 2, 0, t, DAY0 + 10, &ra) == 1);
  ra = 0;
  CHECK(ratelimit_take(&rl, 2, 0, t, DAY0 + 10, &ra) == 0);
  CHECK(ra == 1);
  /* 499 ms later: still short of a token. */
  ra = 0;
  CHECK(ratelimit_take(&rl, 2, 0, t + 499000000ULL, DAY0 + 10, &ra) == 0);
  CHECK(ra == 1);
  /* 500 ms after the start: one token. */
  CHECK(ratelimit_take(&rl, 2, 0, t + SEC / 2, DAY0 + 10, &ra) == 1);
  CHECK(ratelimit_take(&rl, 2, 0, t + SEC / 2, DAY0 + 10, &ra) == 0);
  /* A long pause refills only to the burst (one second's worth). */
  uint64_t t2 = t + 3600 * SEC;
  CHECK(ratelimit_take(&rl, 2, 0, t2, DAY0 + 10, &ra) == 1);
  CHECK(ratelimit_take(&rl, 2, 0, t2, DAY0 + 10, &ra) == 1);
  CHECK(ratelimit_take(&rl, 2, 0, t2, DAY0 + 10, &ra) == 0);

  /* per_sec 1: refused right away, retry after one second. */
  struct ratelimit one = {0};
  CHECK(ratelimit_take(&one, 1, 0, t, DAY0, &ra) == 1);
  ra = 0;
  CHECK(ratelimit_take(&one, 1, 0, t + 1, DAY0, &ra) == 0);
  CHECK(ra == 1);
  CHECK(ratelimit_take(&one, 1, 0, t + SEC, DAY0, &ra) == 1);

  /* A large per_sec: exactly per_sec immediate takes. */
  struct ratelimit big = {0};
  int ok = 0;
  for (int i = 0; i < 1100; i++)
    ok += ratelimit_take(&big, 1000, 0, t, DAY0, &ra);
  CHECK(ok == 1000);
}

static void test_rate_per_day(void)
{
  struct ratelimit rl = {0};
  unsigned ra = 0;
  uint64_t t = 50 * SEC;
  int64_t now = DAY0 + 3600; /* 01:00 UTC */
  CHECK(ratelimit_take(&rl, 0, 3, t, now, &ra) == 1);
  CHECK(ratelimit_take(&rl, 0, 3, t, now, &ra) == 1);
  CHECK(ratelimit_take(&rl, 0, 3, t, now, &ra) == 1);
  ra = 0;
  CHECK(ratelimit_take(&rl, 0, 3, t, now, &ra) == 0);
  CHECK(ra == 86400 - 3600);
  ra = 0;
  CHECK(ratelimit_take(&rl, 0, 3, t, DAY0 + 86399, &ra) == 0);
  CHECK(ra == 1);
  /* The next UTC day starts afresh. */
  CHECK(ratelimit_take(&rl, 0, 3, t, DAY0 + 86400, &ra) == 1);
  CHECK(ratelimit_take(&rl, 0, 3, t, DAY0 + 86400, &ra) == 1);
  CHECK(ratelimit_take(&rl, 0, 3, t, DAY0 + 86401, &ra) == 1);
  ra = 0;
  CHECK(ratelimit_take(&rl, 0, 3, t, DAY0 + 86402, &ra) == 0);
  CHECK(ra == 86400 - 2);

  /* Requests refused by the per-second bucket do not use up the day. */
  struct ratelimit both = {0};
  CHECK(ratelimit_take(&both, 1, 2, t, now, &ra) == 1);
  for (int i = 0; i < 5; i++)
    CHECK(ratelimit_take(&both, 1, 2, t, now, &ra) == 0);
  CHECK(ratelimit_take(&both, 1, 2, t + SEC, now + 1, &ra) == 1);
  ra = 0;
  CHECK(ratelimit_take(&both, 1, 2, t + 2 * SEC, now + 2, &ra) == 0);
  CHECK(ra == 86400 - 3600 - 2); /* the day limit, not the second's */
}

static void test_rate_unlimited(void)
{
  struct ratelimit rl = {0};
  unsigned ra = 0;
  int ok = 0;
  for (int i = 0; i < 10000; i++)
    ok += ratelimit_take(&rl, 0, 0, 7 * SEC, DAY0, &ra);
  CHECK(ok == 10000);
  /* A day limit alone ignores the clock within the day. */
  struct ratelimit d = {0};
  ok = 0;
  for (int i = 0; i < 100; i++)
    ok += ratelimit_take(&d, 0, 50, 7 * SEC, DAY0 + 5, &ra);
  CHECK(ok == 50);
}

static void test_rate_clock_backwards(void)
{
  struct ratelimit rl = {0};
  unsigned ra = 0;
  uint64_t t = 100 * SEC;
  CHECK(ratelimit_take(&rl, 2, 0, t, DAY0, &ra) == 1);
  CHECK(ratelimit_take(&rl, 2, 0, t, DAY0, &ra) == 1);
  /* Monotonic time jumps back: no tokens appear. */
  ra = 0;
  CHECK(ratelimit_take(&rl, 2, 0, t - 50 * SEC, DAY0, &ra) == 0);
  CHECK(ra == 1);
  CHECK(ratelimit_take(&rl, 2, 0, 1, DAY0, &ra) == 0);
  CHECK(rl.tokens_nano >= 0 && rl.tokens_nano < (int64_t)SEC);
  /* Back at t after the jump: the time already counted is not counted twice. */
  CHECK(ratelimit_take(&rl, 2, 0, t, DAY0, &ra) == 0);
  /* Extreme values neither crash nor overflow the bucket. */
  struct ratelimit x = {0};
  CHECK(ratelimit_take(&x, INT32_MAX, 0, 1, DAY0, &ra) == 1);
  CHECK(ratelimit_take(&x, INT32_MAX, 0, UINT64_MAX, DAY0, &ra) == 1);
  CHECK(x.tokens_nano > 0 && x.tokens_nano <= (int64_t)INT32_MAX * (int64_t)SEC);
  CHECK(ratelimit_take(&x, INT32_MAX, 0, 2, DAY0, &ra) == 1);
  /* Wall clock going back a little within the same day keeps the day's count. */
  struct ratelimit d = {0};
  CHECK(ratelimit_take(&d, 0, 1, t, DAY0 + 500, &ra) == 1);
  CHECK(ratelimit_take(&d, 0, 1, t, DAY0 + 400, &ra) == 0);
}

int main(void)
{
  RUN(test_depth_limits);
  RUN(test_depth_strings);
  RUN(test_utf8_chars);
  RUN(test_rate_per_sec);
  RUN(test_rate_per_day);
  RUN(test_rate_unlimited);
  RUN(test_rate_clock_backwards);
  return UNIT_END();
}
