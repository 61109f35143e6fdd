/* packet.h: the destination's checks of a transfer packet (ddc peer protocol v1,
 * docs/transfer.md): {"type":"ddc.peer.packet/v1", export_id, bundle}, whose bundle must verify
 * under the source pin's trust, be final, and end with the export_started event of this export,
 * addressed to this deployment, of a certificate that was active, before its deadline. Pure: no
 * database, no network; any thread. */
#ifndef DDC_PACKET_H
#define DDC_PACKET_H
#include <jansson.h>
#include <stdint.h>
#include "verify/bundle.h"

/* What an accepted packet says (pointers into the packet, valid while it lives). */
struct packet_facts {
  int64_t export_id, to, source_ddc_id;
  int64_t deadline_us;
  const char *document, *source_code;
  uint8_t cert_hash[32], signature[64], export_event_hash[32];
};

/* The packet's export_id (0 < id <= 2^53) into *id; 0, or -1 when it has none. */
int packet_export_id(json_t *packet, int64_t *id);
/* Runs the checks at now_us (Unix microseconds) for the deployment whose log key is self_vkey.
 * Returns NULL with f filled, or the refusal's reason (a static snake_case word:
 * packet_malformed, bundle_invalid, bundle_not_final, not_an_export, export_id_mismatch,
 * wrong_destination, certificate_not_active, deadline_passed) with a sentence in detail. */
const char *packet_check(json_t *packet, const struct bundle_trust *trust, const char *self_vkey,
                         int64_t now_us, struct packet_facts *f, char *detail, size_t cap);

#endif
