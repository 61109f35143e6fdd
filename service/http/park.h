/* park.h: streamed responses that wait without holding a server thread. A content reader with
 * nothing to send yet parks its connection until a given time: the connection is suspended
 * (MHD_suspend_connection, the only way a reader may return 0) and the park's ticker thread
 * resumes it once that time has come, exactly once per suspension; MHD then calls the reader
 * again. Stopping the park resumes every parked connection and refuses new ones, so the server
 * never stops with a connection suspended. */
#ifndef DDC_HTTP_PARK_H
#define DDC_HTTP_PARK_H
#include <microhttpd.h>
#include <stdint.h>

#define PARK_TICK_MS 50 /* how often the ticker looks for connections to resume */

/* One parked connection; embedded in the reader's state, zeroed before first use. */
struct park_slot {
  struct MHD_Connection *conn;
  uint64_t wake_ns; /* CLOCK_MONOTONIC */
  struct park_slot *next;
  int parked;
};

int park_start(void);
/* Resumes every parked connection and stops the ticker; park_until refuses from then on. */
void park_stop(void);
/* From a content reader on conn: suspends conn until wake_ns. 0: parked, the reader returns 0;
 * -1: the park is stopping (end the stream instead). */
int park_until(struct park_slot *s, struct MHD_Connection *conn, uint64_t wake_ns);
/* When the reader's state is freed: forgets the slot if it is still parked. */
void park_forget(struct park_slot *s);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t park_now_ns(void);

#endif
