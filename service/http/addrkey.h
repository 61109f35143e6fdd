/* addrkey.h: the key a client address is counted under by the per-address limits (the public
 * lookup rate and the connection cap): an IPv4 address, or the /64 prefix of an IPv6 address (one
 * subscriber usually holds a whole /64, so counting single IPv6 addresses would let one client
 * open as many as it likes). An IPv4-mapped IPv6 address (::ffff:a.b.c.d, from a dual-stack
 * listener) counts as its IPv4 address. Pure functions; any thread. */
#ifndef DDC_ADDRKEY_H
#define DDC_ADDRKEY_H
#include <stdint.h>
#include <sys/socket.h>

#define ADDRKEY_LEN 16

/* Fills key (ADDRKEY_LEN bytes; unknown families give all zeroes). */
void addrkey_of(const struct sockaddr *sa, uint8_t key[ADDRKEY_LEN]);
/* 1 when sa is a loopback address: 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104. */
int addrkey_is_loopback(const struct sockaddr *sa);
/* FNV-1a of a key, for hash tables. */
uint32_t addrkey_hash(const uint8_t key[ADDRKEY_LEN]);

#endif
