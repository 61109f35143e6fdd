/* peer.h: this ddcd as a party of the ddc peer protocol (docs/transfer.md): its pins of other
 * deployments (POST/GET /v1/peers), the check of a request a peer signed, and what this side
 * signs with its log key (requests to peers, statements). peer_init once before serving; the rest
 * from any thread. */
#ifndef DDC_PEER_H
#define DDC_PEER_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "errors.h"
#include "verify/bundle.h"
#include "verify/note.h"

#define PEER_NAME_MAX 63
#define PEER_URL_MAX 2048

/* A pin as stored (ddc_peer_json), parsed. */
struct peer_pin {
  int64_t id, issuer_id;
  char name[PEER_NAME_MAX + 1];
  char url[PEER_URL_MAX + 1];
  char log_key[NOTE_VKEY_MAX];
  struct note_verifier log;
  struct note_verifier witnesses[BUNDLE_WITNESSES_MAX];
  size_t n_witnesses;
  unsigned quorum;
};

/* Keeps a copy of the log key (the signer of this side's requests and statements) and the URL
 * this deployment's pages are reached at ("": none configured). */
void peer_init(const struct note_signer *log_key, const char *public_url);
/* This side's log origin, its verifier key, its public URL (for receipts). */
const char *peer_self_origin(void);
const char *peer_self_vkey(void);
const char *peer_self_url(void);
/* The DDC-Peer-Signature value of a request to the peer whose log origin is callee, made now. */
int peer_sign_request(const char *method, const char *path_query, const void *body, size_t len,
                      const char *callee, char *out, size_t cap);
/* Signs statement obj with the log key (peersig_statement_sign); 0 or -1. */
int peer_sign_statement(json_t *obj);

/* POST /v1/peers: witness_keys a JSON array or NULL, quorum -1: a majority. */
enum ddc_err peer_create(const char *name, const char *url, const char *log_key,
                         json_t *witness_keys, int quorum, char **json);
enum ddc_err peer_list(char **json);
/* The pin whose log key has this key id; NOT_FOUND when none. */
enum ddc_err peer_by_keyid(uint32_t keyid, struct peer_pin *pin);
/* The pin that signed a request (its DDC-Peer-Signature value header, NULL when absent) at now:
 * DDC_ERR_OK, or PEER_SIGNATURE_INVALID, PEER_SIGNATURE_EXPIRED, PEER_UNKNOWN with the detail
 * recorded (errors_refuse). */
enum ddc_err peer_authenticate(const char *header, const char *method, const char *path_query,
                               const void *body, size_t len, struct peer_pin *pin);

#endif
