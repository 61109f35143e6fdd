/* ssrf.h: which URLs a webhook may be sent to. A URL is http or https with a host; every address
 * its host resolves to must be public (not loopback, private, link-local, shared, multicast,
 * reserved or unspecified) unless private addresses are allowed (DDC_WEBHOOK_ALLOW_PRIVATE=1).
 * The address checked is the one connected to (CURLOPT_RESOLVE), so a name that resolves again
 * to another address (DNS rebinding) is not followed. Any thread (getaddrinfo blocks). */
#ifndef DDC_WEBHOOK_SSRF_H
#define DDC_WEBHOOK_SSRF_H
#include <stddef.h>
#include <sys/socket.h>

#define WEBHOOK_URL_MAX 2048
#define WEBHOOK_PIN_MAX 320 /* "host:port:address" */

/* 1 if a webhook may not connect to this address (private and the like, see above). */
int webhook_addr_blocked(const struct sockaddr *sa);
/* Checks url and resolves its host. 0 with pin = "host:port:address" (the first allowed address;
 * "" when the host is an address literal), or -1 with a reason in why. */
int webhook_url_check(const char *url, int allow_private, char pin[WEBHOOK_PIN_MAX], char *why,
                      size_t whylen);

#endif
