/* conntrack.h: every open HTTP connection, for two guards libmicrohttpd 0.9.75 does not have:
 * - a cap on the connections one client address (an IPv4 address or an IPv6 /64, see addrkey.h)
 *   holds at once: one more is closed as it is accepted, before MHD allocates anything for it, so
 *   one address can never fill the server's connection limit; loopback is capped too unless
 *   exempted (a reverse proxy on the same host);
 * - a deadline for each request head: a connection must have sent a whole request line and
 *   headers within head_timeout_s of its opening, or of the end of its previous response on a
 *   keep-alive connection (so an idle keep-alive connection is closed after that long too).
 *   Bytes trickling in do not extend it (they do extend MHD's own idle timeout). A connection
 *   past its deadline is shut down by a watchdog thread; a request in progress (body, handler,
 *   response, parked stream) has no deadline here.
 * conntrack_accept and conntrack_notify are MHD callbacks (MHD threads); the others are called
 * by the access and completion handlers on the connection's MHD thread. */
#ifndef DDC_CONNTRACK_H
#define DDC_CONNTRACK_H
#include <microhttpd.h>
#include <stdint.h>

struct conntrack_stats {
  uint64_t open;          /* connections now */
  uint64_t refused;       /* closed at accept: the address was at its cap */
  uint64_t head_timeouts; /* shut down: no whole request head by the deadline */
  uint64_t slow_bodies;   /* cut off: a body under the rate floor (conntrack_slow_body) */
};

/* per_addr 0: no cap; head_timeout_s 0: no deadline. Starts the watchdog; 0 or -1. */
int conntrack_start(unsigned per_addr, int exempt_loopback, unsigned head_timeout_s);
/* After MHD_stop_daemon (every connection closed): stops the watchdog. */
void conntrack_stop(void);
/* MHD_AcceptPolicyCallback: MHD_NO when the address already holds its cap of connections. */
enum MHD_Result conntrack_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* MHD_NotifyConnectionCallback: STARTED records the connection (and shuts it down if a
 * concurrent accept took its address over the cap), CLOSED forgets it before MHD closes the
 * socket, under the lock the watchdog holds, so the watchdog never shuts down a reused fd. */
void conntrack_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code);
/* A request head is in (the access handler's first call): its deadline is lifted. */
void conntrack_head_in(struct MHD_Connection *conn);
/* A request is over (the completion callback): the next head's deadline starts now. */
void conntrack_request_done(struct MHD_Connection *conn);
/* Counts a body cut off under the rate floor. */
void conntrack_slow_body(void);
void conntrack_get_stats(struct conntrack_stats *s);

#endif
