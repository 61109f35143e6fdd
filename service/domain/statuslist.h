/* statuslist.h: W3C Bitstring Status List credentials (Bitstring Status List v1.0, VC Data Model
 * 2.0), signed with eddsa-jcs-2022. Pure code (no database): the publisher
 * (ledger/statuspub.c) hands in the bits, the names and the key. Any thread may call. */
#ifndef DDC_STATUSLIST_H
#define DDC_STATUSLIST_H
#include <stddef.h>
#include <stdint.h>

/* The encodedList of a bitstring of n bytes: "u" + base64url without padding of its GZIP
 * (multibase). Malloc'ed; NULL without memory. */
char *statuslist_encode(const uint8_t *bits, size_t n);

/* What a list's credential says. */
struct statuslist_info {
  const char *url;        /* where it is served, its id; the subject is <url>#list */
  const char *issuer_did; /* the issuer's DID */
  const char *vm;         /* the verification method of the signing key, <did>#<key_id> */
  const char *purpose;    /* revocation or suspension */
  const char *valid_from; /* the publication time, RFC 3339; also the proof's created */
};

/* The signed BitstringStatusListCredential of bits[0..n) as JCS text (malloc'ed, its length in
 * *len), signed by sk (libsodium's 64-byte Ed25519 secret key). NULL on failure. */
char *statuslist_credential(const struct statuslist_info *info, const uint8_t *bits, size_t n,
                            const unsigned char sk[64], size_t *len);

#endif
