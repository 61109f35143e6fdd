/* test_timefmt.c: RFC 3339 parsing (dates, offsets, fractions, calendar limits) and the one
 * canonical output form. */
#include <string.h>
#include "timefmt.h"
#include "unit.h"

static int64_t parse(const char *s)
{
  int64_t us = -1;
  return timefmt_parse(s, &us) == 0 ? us : -1;
}

static void test_dates(void)
{
  CHECK(parse("1970-01-01") == 0);
  CHECK(parse("2000-02-29") == 951782400LL * 1000000);
  CHECK(parse("2001-02-29") == -1);                 /* not a leap year */
  CHECK(parse("1969-12-31") == -86400LL * 1000000); /* before the epoch: old works have dates */
  CHECK(parse("0001-01-01") < 0);
  CHECK(parse("0000-12-31") == -1);
  CHECK(parse("2026-13-01") == -1);
  CHECK(parse("2026-04-31") == -1);
  CHECK(parse("2026-1-01") == -1);
  CHECK(parse("") == -1);
  CHECK(timefmt_is_date("2024-02-29"));
  CHECK(!timefmt_is_date("2024-02-29T00:00:00Z"));
  CHECK(!timefmt_is_date("2023-02-29"));
}

static void test_timestamps(void)
{
  CHECK(parse("1970-01-01T00:00:01Z") == 1000000);
  CHECK(parse("1970-01-01T00:00:01.5Z") == 1500000);
  CHECK(parse("1970-01-01T00:00:01.000001Z") == 1000001);
  CHECK(parse("1970-01-01T00:00:01.0000001Z") == -1); /* more than microseconds */
  CHECK(parse("1970-01-01T01:00:00+01:00") == 0);
  CHECK(parse("1970-01-01T00:00:00-00:30") == 1800LL * 1000000);
  CHECK(parse("1970-01-01T00:00:00") == -1); /* no zone */
  CHECK(parse("1970-01-01T24:00:00Z") == -1);
  CHECK(parse("1970-01-01T00:60:00Z") == -1);
  CHECK(parse("1970-01-01T00:00:00Zjunk") == -1);
  CHECK(parse("1970-01-01t00:00:00Z") == -1);
  CHECK(parse("9999-12-31T23:59:59Z") > 0);
  CHECK(parse("9999-12-31T23:59:59-01:00") == -1); /* year 10000 in UTC */
}

static void test_format(void)
{
  char out[TIMEFMT_LEN + 1];
  timefmt_format(0, out);
  CHECK(strcmp(out, "1970-01-01T00:00:00.000000Z") == 0);
  timefmt_format(parse("1969-12-31T23:59:59.25Z"), out);
  CHECK(strcmp(out, "1969-12-31T23:59:59.250000Z") == 0);
  timefmt_format(parse("0001-01-01"), out);
  CHECK(strcmp(out, "0001-01-01T00:00:00.000000Z") == 0);
  timefmt_format(parse("2026-11-23T10:57:30.736662+08:00"), out);
  CHECK(strcmp(out, "2026-11-23T02:57:30.736662Z") == 0);
  CHECK(strlen(out) == TIMEFMT_LEN);
  int64_t now = timefmt_now();
  timefmt_format(now, out);
  CHECK(parse(out) == now); /* the canonical form reads back exactly */
}

int main(void)
{
  RUN(test_dates);
  RUN(test_timestamps);
  RUN(test_format);
  return UNIT_END();
}
