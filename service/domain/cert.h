/* cert.h: certificates (DDC-721) and editions (DDC-1155): the kinds and their required metadata,
 * the signed document, minting, reading, and the life-cycle operations (rules enforced under the
 * row lock in SQL). */
#ifndef DDC_DOMAIN_CERT_H
#define DDC_DOMAIN_CERT_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include "crypto/codes.h"
#include "db/certs.h"
#include "domain/account.h"
#include "errors.h"
#include "timefmt.h"

#define CERT_METADATA_MAX 65536 /* bytes of the metadata's canonical form */
#define CERT_LIST_MAX 200
#define CERT_EVENT_MAX 512 /* bytes of a mint event's canonical text (about 390 at most) */
#define CERT_SUPPLY_MAX 9007199254740992LL /* 2^53 units: exact in every JSON reader */

struct cert_mint_req {
  const char *kind;
  int64_t owner_id;         /* 0: the issuer itself */
  json_t *metadata;         /* borrowed */
  const char *metadata_jcs; /* or, instead, its JCS text (cert_document only) */
  const char *content_hash, *uri, *valid_from, *valid_until, *external_ref; /* NULL: none */
  int64_t supply; /* an edition (DDC-1155) of this many units; 0: a single certificate */
  int mintable;   /* an edition whose issuer may mint more units later */
};

/* A signed certificate document ready to insert: row points into the buffers here and at text,
 * the exact JCS bytes that were hashed and signed, and at event, its mint event's canonical text.
 */
struct cert_doc {
  struct db_mint_row row;
  char code[CODES_BASE32_LEN(16) + 1], issued[TIMEFMT_LEN + 1], from[TIMEFMT_LEN + 1],
      until[TIMEFMT_LEN + 1], event[CERT_EVENT_MAX];
  char *text;
  size_t len;
};

/* Validates a mint request beyond field types: kind, its required metadata, sizes, formats.
 * On failure the detail names the field (errors_detail). A request that passes, with
 * metadata_jcs not NULL: *metadata_jcs is its metadata's JCS text, to free (and to sign). */
enum ddc_err cert_check(const struct cert_mint_req *m, char **metadata_jcs);
/* 1 if s is an absolute URI (scheme:...) of at most 2048 printable ASCII characters. */
int cert_uri_ok(const char *s);
/* Checks, builds and signs the document with the issuer's current key (made on first use),
 * stores the certificate and charges the mint price; *json is the new certificate. */
enum ddc_err cert_mint(const struct principal *who, const struct cert_mint_req *m, char **json);
/* Builds the document of a checked request for ddc_id, canonicalizes it (RFC 8785), hashes it and
 * signs it with key_id's secret sk, and writes its mint event (cert_mint_event) into d->row; the
 * same for a single mint (db_mint) and a batch row (db_batch_copy_mint). Free with
 * cert_doc_free. */
enum ddc_err cert_document(int64_t issuer, int64_t ddc_id, int64_t key_id,
                           const uint8_t sk[crypto_sign_SECRETKEYBYTES],
                           const struct cert_mint_req *m, struct cert_doc *d);
void cert_doc_free(struct cert_doc *d);
/* The mint event of a signed document: the one writer of its canonical text, which a single
 * mint's ddc_mint inserts and a batch COPYs (ddc_event_append writes every other event in the same
 * envelope): {"account":null,"actor","data":{"certHash","issuer","keyId","kind","owner"[,"supply"
 * of an edition]},"ddcId",
 * "prev":null,"time","type":"mint","v":"ddc.event/v1"}, its time the document's issuedAt.
 * hash = SHA-256 of the text. Returns its length, or 0 if cap is too small. */
size_t cert_mint_event(const struct cert_doc *d, char *out, size_t cap, uint8_t hash[32]);
enum ddc_err cert_get(const struct principal *who, int64_t ddc, char **json, char **document);
enum ddc_err cert_list(const struct principal *who, const struct cert_query *q, char **json);
enum ddc_err cert_events(const struct principal *who, int64_t ddc, char **json);

#endif
