/* import.h: the destination's side of a cross-operator transfer (docs/transfer.md): a packet
 * from a pinned peer checked and imported in one transaction, receipts, and closing an export
 * that never came. Any HTTP thread, after the peer's signature was checked. */
#ifndef DDC_IMPORT_H
#define DDC_IMPORT_H
#include <jansson.h>
#include <stdint.h>
#include "domain/peer.h"
#include "errors.h"

/* An answer: err DDC_ERR_OK with status (200, 201, 202) and body, or err a refusal with detail
 * and body holding the problem's extra members (refusal, statement, receipt_url). */
struct import_answer {
  enum ddc_err err;
  unsigned status;
  json_t *body;
  char detail[PEER_URL_MAX + 512];
};

/* POST /v1/peer/imports from pin: base is this side's public URL (receipts' page links). */
void import_packet(const struct peer_pin *pin, json_t *packet, const char *base,
                   struct import_answer *a);
/* GET /v1/peer/imports/{source_keyid}/{export_id} (close 0) and POST .../close (close 1). */
void import_lookup(const struct peer_pin *pin, const char *source_keyid, int64_t export_id,
                   int close, const char *base, struct import_answer *a);

#endif
