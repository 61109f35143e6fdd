/* timefmt.c: RFC 3339 parsing and the one canonical output form (see timefmt.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "timefmt.h"

/* Reads exactly n digits. */
static int timefmt_digits(const char **p, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i])) return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

static int timefmt_leap(int y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t timefmt_days(int y, int m, int d)
{
  y -= m <= 2;
  int64_t era = y / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* Reads "YYYY-MM-DD"; 0 or -1. */
static int timefmt_date(const char **p, int *y, int *m, int *d)
{
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (timefmt_digits(p, 4, y) || *(*p)++ != '-' || timefmt_digits(p, 2, m) || *(*p)++ != '-' ||
      timefmt_digits(p, 2, d))
    return -1;
  if (*y < 1 || *m < 1 || *m > 12 || *d < 1) return -1;
  return *d <= mdays[*m - 1] + (*m == 2 && timefmt_leap(*y)) ? 0 : -1;
}

int timefmt_is_date(const char *s)
{
  int y, m, d;
  return strlen(s) == 10 && timefmt_date(&s, &y, &m, &d) == 0;
}

int timefmt_parse(const char *s, int64_t *us)
{
  int y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
  if (timefmt_date(&s, &y, &mo, &d) != 0) return -1;
  int64_t off = 0;
  if (*s) {
    if ((*s++ != 'T') || timefmt_digits(&s, 2, &h) || *s++ != ':' || timefmt_digits(&s, 2, &mi) ||
        *s++ != ':' || timefmt_digits(&s, 2, &se) || h > 23 || mi > 59 || se > 59)
      return -1;
    if (*s == '.') {
      int n = 0;
      for (s++; isdigit((unsigned char)*s) && n < 6; s++, n++)
        frac = frac * 10 + (*s - '0');
      if (n == 0 || isdigit((unsigned char)*s)) return -1; /* more than 6 digits: refused */
      for (; n < 6; n++)
        frac *= 10;
    }
    if (*s == 'Z') {
      s++;
    } else if (*s == '+' || *s == '-') {
      int sign = *s++ == '-' ? -1 : 1, oh, om;
      if (timefmt_digits(&s, 2, &oh) || *s++ != ':' || timefmt_digits(&s, 2, &om) || oh > 23 ||
          om > 59)
        return -1;
      off = sign * (oh * 3600 + om * 60);
    } else {
      return -1;
    }
    if (*s) return -1;
  }
  int64_t secs = timefmt_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  if (secs < timefmt_days(1, 1, 1) * 86400 || secs >= timefmt_days(10000, 1, 1) * 86400) return -1;
  *us = secs * 1000000 + frac;
  return 0;
}

void timefmt_format(int64_t us, char out[TIMEFMT_LEN + 1])
{
  int64_t frac = us % 1000000;
  if (frac < 0) frac += 1000000; /* before 1970: floor, so the fraction stays positive */
  time_t secs = (time_t)((us - frac) / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[96]; /* room for any int, so the format cannot truncate */
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)frac);
  memcpy(out, buf, TIMEFMT_LEN); /* years 1..9999: always this long */
  out[TIMEFMT_LEN] = 0;
}

int64_t timefmt_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
