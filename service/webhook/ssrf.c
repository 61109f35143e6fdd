/* ssrf.c: the address rules of webhook URLs (see ssrf.h). */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "webhook/ssrf.h"

/* IPv4 in host order: loopback, this network, private, shared (CGNAT), link-local, IETF
 * protocol assignments, benchmarking, multicast and reserved (with broadcast). */
static int webhook_v4_blocked(uint32_t a)
{
  static const struct {
    uint32_t net;
    int bits;
  } nets[] = {{0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
              {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0a80000, 16},
              {0xc6120000, 15}, {0xe0000000, 4},  {0xf0000000, 4}};
  for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++)
    if ((a >> (32 - nets[i].bits)) == (nets[i].net >> (32 - nets[i].bits))) return 1;
  return 0;
}

int webhook_addr_blocked(const struct sockaddr *sa)
{
  if (sa->sa_family == AF_INET)
    return webhook_v4_blocked(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
  if (sa->sa_family != AF_INET6) return 1;
  const uint8_t *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
  static const uint8_t zero[16];
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
  if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0 || memcmp(b, zero, 12) == 0) {
    uint32_t v4 = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];
    return memcmp(b, zero, 12) == 0 ? 1 : webhook_v4_blocked(v4); /* ::, ::1, ::a.b.c.d */
  }
  if ((b[0] & 0xfe) == 0xfc) return 1;                 /* fc00::/7 unique local */
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return 1; /* fe80::/10 link-local */
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return 1; /* fec0::/10 site-local */
  if (b[0] == 0xff) return 1;                          /* multicast */
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return 1; /* documentation */
  return 0;
}

/* The scheme, host (without brackets) and port of url; 0 or -1 with why. */
static int webhook_url_parts(const char *url, char *host, size_t hcap, long *port, char *why,
                             size_t whylen)
{
  CURLU *u = curl_url();
  char *scheme = NULL, *h = NULL, *p = NULL, *user = NULL;
  int rc = -1;
  if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
    snprintf(why, whylen, "url must be an absolute http or https URL");
  else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
           (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0))
    snprintf(why, whylen, "url must use http or https");
  else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
    snprintf(why, whylen, "url may not hold a user name or password");
  else if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !h[0] || strlen(h) >= hcap ||
           curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK)
    snprintf(why, whylen, "url must name a host");
  else {
    size_t n = strlen(h);
    if (h[0] == '[' && n > 2) {
      memcpy(host, h + 1, n - 2);
      host[n - 2] = 0;
    } else
      strcpy(host, h);
    *port = strtol(p, NULL, 10);
    rc = 0;
  }
  curl_free(scheme);
  curl_free(h);
  curl_free(p);
  curl_free(user);
  curl_url_cleanup(u);
  return rc;
}

int webhook_url_check(const char *url, int allow_private, char pin[WEBHOOK_PIN_MAX], char *why,
                      size_t whylen)
{
  char host[256], addr[INET6_ADDRSTRLEN];
  long port;
  pin[0] = 0;
  if (strlen(url) > WEBHOOK_URL_MAX) {
    snprintf(why, whylen, "url must be at most %d characters", WEBHOOK_URL_MAX);
    return -1;
  }
  if (webhook_url_parts(url, host, sizeof host, &port, why, whylen) != 0) return -1;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
  int literal = 0;
  unsigned char tmp[16];
  literal = inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1;
  if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) {
    snprintf(why, whylen, "url's host %.200s does not resolve", host);
    return -1;
  }
  const struct addrinfo *use = NULL;
  for (const struct addrinfo *a = res; a; a = a->ai_next) {
    if (!allow_private && webhook_addr_blocked(a->ai_addr)) {
      snprintf(why, whylen, "url's host %.200s resolves to a loopback, private or reserved address",
               host);
      freeaddrinfo(res);
      return -1;
    }
    if (!use && (a->ai_family == AF_INET || a->ai_family == AF_INET6)) use = a;
  }
  if (use && !literal) {
    const void *in = use->ai_family == AF_INET
                         ? (const void *)&((const struct sockaddr_in *)use->ai_addr)->sin_addr
                         : (const void *)&((const struct sockaddr_in6 *)use->ai_addr)->sin6_addr;
    inet_ntop(use->ai_family, in, addr, sizeof addr);
    snprintf(pin, WEBHOOK_PIN_MAX, use->ai_family == AF_INET6 ? "%s:%ld:[%s]" : "%s:%ld:%s", host,
             port, addr);
  }
  freeaddrinfo(res);
  if (!use) snprintf(why, whylen, "url's host %.200s has no IP address", host);
  return use ? 0 : -1;
}
