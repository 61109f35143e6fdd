/* timefmt.h: RFC 3339 timestamps and dates as the API takes and gives them. Every timestamp
 * ddcd writes is UTC with microseconds, "2026-11-23T10:57:30.736662Z", the form PostgreSQL
 * renders too (ddc_ts), so a value read back compares equal as text. */
#ifndef DDC_TIMEFMT_H
#define DDC_TIMEFMT_H
#include <stdint.h>

#define TIMEFMT_LEN 27 /* "YYYY-MM-DDTHH:MM:SS.ffffffZ" */

/* Parses "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|+hh:mm|-hh:mm)", years
 * 0001..9999 in UTC, and writes microseconds since the epoch (negative before 1970). 0 or -1. */
int timefmt_parse(const char *s, int64_t *us);
/* 1 if s is a valid calendar date "YYYY-MM-DD". */
int timefmt_is_date(const char *s);
/* Writes the canonical UTC form of us into out (TIMEFMT_LEN + 1 bytes). */
void timefmt_format(int64_t us, char out[TIMEFMT_LEN + 1]);
/* Now, in microseconds since the epoch. */
int64_t timefmt_now(void);

#endif
