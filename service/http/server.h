/* server.h: the libmicrohttpd daemon: start, graceful stop. */
#ifndef DDC_SERVER_H
#define DDC_SERVER_H
#include "config.h"
#include "http/routes.h"

/* Starts the thread pool serving routes[0..nroutes) (the application's table, which must outlive
 * the server) and logs the address it listens on. Returns 0 or -1 (logged). */
int server_start(const struct config *c, const struct route *routes, int nroutes);
/* http://<host>:<port> the server listens on, the port as bound (the one chosen for port 0); ""
 * before server_start. */
const char *server_url_bound(void);
/* 1 once server_stop has begun: streams end. */
int server_is_stopping(void);
/* Stops accepting, lets in-flight requests finish (up to 10 s), then stops the daemon. */
void server_stop(void);

#endif
