/* bodyrate.h: the floor under the rate at which a request body arrives. The body is judged in
 * windows of at least window_s seconds, the first opening when the request head is in: when a
 * piece arrives after a window has run its length, the window (counting that piece) must have
 * brought min_rate bytes for each of its seconds, or the client is too slow and is cut off; a
 * window that passes is closed and the next opens. Time the server itself spent on the body (the
 * handler's own work on each piece, e.g. a COPY to the database) does not count against the
 * client. A client that sends nothing at all is left to the server's idle timeout. Pure
 * functions on the caller's state; one connection's thread at a time. */
#ifndef DDC_BODYRATE_H
#define DDC_BODYRATE_H
#include <stddef.h>
#include <stdint.h>

struct bodyrate {
  uint64_t win_start_ns; /* CLOCK_MONOTONIC */
  uint64_t win_bytes;
  uint64_t busy_ns; /* the server's own time within the window */
};

/* Opens the first window at now_ns. */
void bodyrate_start(struct bodyrate *b, uint64_t now_ns);
/* n bytes arrived at now_ns. 0: go on; -1: the window that ended is under the floor (*got is
 * then its bytes, *secs its length in seconds). min_rate 0: no floor. */
int bodyrate_arrive(struct bodyrate *b, uint64_t now_ns, size_t n, unsigned min_rate,
                    unsigned window_s, uint64_t *got, unsigned *secs);
/* The server spent ns on the body since the last arrival (not the client's time). */
void bodyrate_busy(struct bodyrate *b, uint64_t ns);

#endif
