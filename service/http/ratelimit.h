/* ratelimit.h: per-key limits: a token bucket per second (burst = one second's worth) and a
 * counter per UTC day. Pure state transitions; the caller owns locking. */
#ifndef DDC_RATELIMIT_H
#define DDC_RATELIMIT_H
#include <stdint.h>

struct ratelimit {
  int64_t tokens_nano; /* tokens x 1e9 */
  uint64_t last_ns;    /* 0: never used (bucket full) */
  int64_t day;         /* days since the epoch of day_count */
  int32_t day_count;
};

/* Takes one request's worth. 1: allowed. 0: refused, *retry_after_s says when to come back.
 * per_sec/per_day 0 means no limit. now_ns is monotonic, now_unix_s wall-clock. */
int ratelimit_take(struct ratelimit *rl, int32_t per_sec, int32_t per_day, uint64_t now_ns,
                   int64_t now_unix_s, unsigned *retry_after_s);

#endif
