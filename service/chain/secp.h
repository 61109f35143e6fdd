/* secp.h: the chain account's secp256k1 key (Debian's libsecp256k1 with its recovery module):
 * reading it, its Ethereum address, and recoverable ECDSA signatures over 32-byte hashes. */
#ifndef DDC_SECP_H
#define DDC_SECP_H
#include <stddef.h>
#include <stdint.h>

#define SECP_KEY 32
#define SECP_ADDR 20

struct secp_sig {
  uint8_t r[32], s[32];
  int recid; /* 0 or 1: the parity of the nonce point's y */
};

/* Parses 64 hex digits (an optional 0x, surrounding white space) into a valid secret key. 0 or -1.
 */
int secp_key_parse(const char *text, uint8_t key[SECP_KEY]);
/* Reads a key file holding the hex key. 0, or -1 with a reason in err. */
int secp_key_load(const char *path, uint8_t key[SECP_KEY], char *err, size_t errlen);
/* The address: the last 20 bytes of Keccak-256 of the uncompressed public key without its 0x04. */
int secp_address(const uint8_t key[SECP_KEY], uint8_t addr[SECP_ADDR]);
/* RFC 6979 deterministic signature with low s. 0 or -1. */
int secp_sign(const uint8_t key[SECP_KEY], const uint8_t hash[32], struct secp_sig *sig);
/* The address whose key made sig over hash; 0 or -1. */
int secp_recover(const uint8_t hash[32], const struct secp_sig *sig, uint8_t addr[SECP_ADDR]);
/* "0x" + 40 lowercase hex digits; out holds at least 43 bytes. */
void secp_address_hex(const uint8_t addr[SECP_ADDR], char *out);
/* Parses "0x" + 40 hex digits. 0 or -1. */
int secp_address_parse(const char *text, uint8_t addr[SECP_ADDR]);

#endif
