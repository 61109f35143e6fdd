/* ratelimit.c: token bucket per second and counter per UTC day, in integer arithmetic. */
#include "http/ratelimit.h"

#define NANO 1000000000LL

int ratelimit_take(struct ratelimit *rl, int32_t per_sec, int32_t per_day, uint64_t now_ns,
                   int64_t now_unix_s, unsigned *retry_after_s)
{
  int64_t today = now_unix_s / 86400;
  if (rl->day != today) {
    rl->day = today;
    rl->day_count = 0;
  }
  if (per_day > 0 && rl->day_count >= per_day) {
    *retry_after_s = (unsigned)(86400 - now_unix_s % 86400);
    return 0;
  }
  if (per_sec > 0) {
    int64_t cap = (int64_t)per_sec * NANO;
    if (rl->last_ns == 0) {
      rl->tokens_nano = cap;
    } else {
      uint64_t elapsed = now_ns > rl->last_ns ? now_ns - rl->last_ns : 0;
      if (elapsed > (uint64_t)NANO) elapsed = NANO;
      rl->tokens_nano += (int64_t)elapsed * per_sec;
      if (rl->tokens_nano > cap) rl->tokens_nano = cap;
    }
    if (now_ns > rl->last_ns) rl->last_ns = now_ns; /* a clock going back earns nothing */
    if (rl->tokens_nano < NANO) {
      int64_t missing_ns = (NANO - rl->tokens_nano + per_sec - 1) / per_sec;
      *retry_after_s = (unsigned)((missing_ns + NANO - 1) / NANO);
      return 0;
    }
    rl->tokens_nano -= NANO;
  }
  rl->day_count++;
  return 1;
}
