/* addrlimit.h: a rate limit per client address for the public lookups (no API key to count
 * against): IPv4 addresses and IPv6 /64 prefixes each get a token bucket of per_sec requests a
 * second. */
#ifndef DDC_ADDRLIMIT_H
#define DDC_ADDRLIMIT_H
#include "http/request.h"

/* Sets the rate (0: no limit); call once before serving. */
void addrlimit_init(unsigned per_sec);
/* 0 when r's client may go on; -1 with a 429 (and Retry-After) queued. */
int addrlimit_take(struct req *r);

#endif
