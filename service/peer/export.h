/* export.h: cross-operator transfer, the source side's requests (docs/transfer.md): an export
 * locks a certificate for a pinned peer and an account there; a cancel after the deadline asks
 * the peer to close the export and unlocks it. The sending and the receipts are the export
 * worker's (peer/exporter.h). Any HTTP thread (uses its connection). */
#ifndef DDC_PEER_EXPORT_H
#define DDC_PEER_EXPORT_H
#include <stdint.h>
#include "domain/account.h"
#include "domain/lifecycle.h"
#include "errors.h"

/* The deadline exports get, in seconds (DDC_EXPORT_DEADLINE_S); once, before serving. */
void export_init(unsigned deadline_s);
/* The JCS text a holder signs to export: {"action":"export","ddc_id":D,"deadline":"...",
 * "nonce":"...","peer":"NAME","to":T} (malloc'ed). */
char *export_message(int64_t ddc, const char *peer, int64_t to, const char *nonce,
                     const char *deadline, size_t *len);
/* POST /v1/certificates/{ddc}/export: sig may be NULL. */
enum ddc_err export_start(const struct principal *who, int64_t ddc, const char *peer, int64_t to,
                          const struct lifecycle_holder_sig *sig, char **json);
/* POST /v1/certificates/{ddc}/export/cancel. */
enum ddc_err export_cancel(const struct principal *who, int64_t ddc, char **json);

#endif
