/* bodyrate.c: the request body's rate floor, judged window by window (see bodyrate.h). */
#include "http/bodyrate.h"

#define BODYRATE_SEC 1000000000ULL

void bodyrate_start(struct bodyrate *b, uint64_t now_ns)
{
  b->win_start_ns = now_ns;
  b->win_bytes = 0;
  b->busy_ns = 0;
}

int bodyrate_arrive(struct bodyrate *b, uint64_t now_ns, size_t n, unsigned min_rate,
                    unsigned window_s, uint64_t *got, unsigned *secs)
{
  b->win_bytes += n;
  if (!min_rate) return 0;
  uint64_t span = now_ns > b->win_start_ns ? now_ns - b->win_start_ns : 0;
  span = span > b->busy_ns ? span - b->busy_ns : 0; /* the client's time only */
  if (span < (uint64_t)window_s * BODYRATE_SEC) return 0;
  /* min_rate bytes for each second of the span, fractions included */
  uint64_t need = (uint64_t)min_rate * (span / BODYRATE_SEC) +
                  (uint64_t)min_rate * (span % BODYRATE_SEC) / BODYRATE_SEC;
  if (b->win_bytes < need) {
    *got = b->win_bytes;
    *secs = (unsigned)(span / BODYRATE_SEC);
    return -1;
  }
  bodyrate_start(b, now_ns);
  return 0;
}

void bodyrate_busy(struct bodyrate *b, uint64_t ns)
{
  b->busy_ns += ns;
}
