/* addrkey.c: client address keys for the per-address limits (see addrkey.h). */
#include <netinet/in.h>
#include <string.h>
#include "http/addrkey.h"

/* The IPv4 address inside ::ffff:a.b.c.d, or NULL. */
static const uint8_t *addrkey_mapped_v4(const struct sockaddr_in6 *a6)
{
  static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  const uint8_t *b = a6->sin6_addr.s6_addr;
  return memcmp(b, prefix, sizeof prefix) == 0 ? b + 12 : NULL;
}

void addrkey_of(const struct sockaddr *sa, uint8_t key[ADDRKEY_LEN])
{
  memset(key, 0, ADDRKEY_LEN);
  if (sa && sa->sa_family == AF_INET) {
    memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
  } else if (sa && sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
    const uint8_t *v4 = addrkey_mapped_v4(a6);
    if (v4) {
      memcpy(key, v4, 4);
    } else {
      memcpy(key, a6->sin6_addr.s6_addr, 8);
      key[15] = 6; /* never equal to an IPv4 key */
    }
  }
}

int addrkey_is_loopback(const struct sockaddr *sa)
{
  if (sa && sa->sa_family == AF_INET)
    return ((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr)[0] == 127;
  if (!sa || sa->sa_family != AF_INET6) return 0;
  const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
  const uint8_t *v4 = addrkey_mapped_v4(a6);
  if (v4) return v4[0] == 127;
  return memcmp(&a6->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0;
}

uint32_t addrkey_hash(const uint8_t key[ADDRKEY_LEN])
{
  uint32_t h = 2166136261u;
  for (int i = 0; i < ADDRKEY_LEN; i++)
    h = (h ^ key[i]) * 16777619u;
  return h;
}
