/* peersig.h: the ddc peer protocol's signatures (docs/transfer.md). A server-to-server request
 * carries DDC-Peer-Signature "keyid=<8 hex>,created=<unix s>,sig=<base64url>", an Ed25519
 * signature by the caller's log key over
 *   "ddc-peer-request/v1\n" METHOD "\n" PATH_AND_QUERY "\n" CREATED "\n" hex(SHA-256(body)) "\n"
 *   CALLEE_ORIGIN
 * and a signed statement (receipt, refusal, closed) is a JSON object whose "signature" signs
 * "ddc-peer-statement/v1\n" and the RFC 8785 text of the object without it. Pure: no database,
 * no network; any thread (sodium_init() must have run). */
#ifndef DDC_PEERSIG_H
#define DDC_PEERSIG_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "verify/note.h"

#define PEERSIG_HEADER "DDC-Peer-Signature"
/* Seconds a request's created time may lie from the callee's clock. */
#define PEERSIG_MAX_SKEW 300
/* Room for a header value and its NUL: "keyid=" 8 ",created=" up to 20 ",sig=" 86. */
#define PEERSIG_VALUE_MAX 136
/* Longest header value peersig_parse reads. */
#define PEERSIG_VALUE_LIMIT 256

/* What the verifiers return. */
enum peersig_status {
  PEERSIG_OK = 0,
  PEERSIG_MALFORMED = -1, /* not a header value (or statement) of the form above */
  PEERSIG_EXPIRED = -2,   /* created is more than PEERSIG_MAX_SKEW seconds from now */
  PEERSIG_BAD = -3        /* the signature does not verify under the key */
};

/* A parsed header value. */
struct peersig_header {
  uint32_t keyid;
  int64_t created;
  uint8_t sig[64];
};

/* The header value for a request by s (its log key) to the peer whose log origin is callee:
 * method, path with its query, the body (len may be 0, body NULL), created (unix seconds).
 * Returns the length written to out, or -1 (cap below PEERSIG_VALUE_MAX, bad argument). */
int peersig_sign(const struct note_signer *s, const char *method, const char *path_query,
                 const void *body, size_t body_len, const char *callee, int64_t created, char *out,
                 size_t cap);
/* Parses a header value: the three members in that order, keyid 8 lowercase or uppercase hex,
 * created decimal without sign or leading zero, sig unpadded base64url of 64 bytes. 0 or
 * PEERSIG_MALFORMED. */
int peersig_parse(const char *value, struct peersig_header *h);
/* Checks a parsed header against the pinned key v (its id must be h->keyid) for the request as
 * this callee (its origin callee) received it at now: PEERSIG_OK, PEERSIG_EXPIRED or
 * PEERSIG_BAD. The time is checked before the signature. */
int peersig_verify(const struct peersig_header *h, const struct note_verifier *v,
                   const char *method, const char *path_query, const void *body, size_t body_len,
                   const char *callee, int64_t now);

/* Signs statement obj in place: sets "log_key" (s's verifier key) and "signature" (any old one
 * is replaced). 0, or -1 (obj not an object, a value JCS cannot write). */
int peersig_statement_sign(json_t *obj, const struct note_signer *s);
/* Checks statement obj: its "log_key" is v's key and its "signature" verifies. PEERSIG_OK,
 * PEERSIG_MALFORMED (no or bad members) or PEERSIG_BAD. */
int peersig_statement_verify(const json_t *obj, const struct note_verifier *v);
/* The JCS text of a statement with its signature (what a receipt's hash is taken over), malloc'ed;
 * NULL on failure. */
char *peersig_statement_text(const json_t *obj, size_t *len);

/* The key id of a note verifier key string into *id; 0, or -1 when it is not one. */
int peersig_vkey_id(const char *vkey, uint32_t *id);
/* "%08x" of id into out (9 bytes). */
void peersig_keyid_hex(uint32_t id, char out[9]);

#endif
