/* imported.h: the checks of an imported certificate's bundle: one that another operator's ddcd
 * exported here (docs/bundle.md, "Imported certificates"). Its member imported_from carries the
 * source's bundle, whose last event is the export_started naming this log; its own events start
 * with the imported event naming that export. Pure: no database, no network; any thread. */
#ifndef DDC_VERIFY_IMPORTED_H
#define DDC_VERIFY_IMPORTED_H
#include <jansson.h>
#include "verify/bundle.h"

/* How many operators deep a bundle may name its sources (an imported certificate exported on). */
#define IMPORTED_DEPTH_MAX 4

/* The bundle's imported_from object, or NULL when it is no imported certificate's. */
json_t *imported_from(json_t *b);

/* The source bundle's verdict, judged under trust->peer when the caller pins the source, else
 * under imported_from's log_key, witness_keys and quorum; NULL when the bundle is not imported
 * or names its sources deeper than IMPORTED_DEPTH_MAX. */
json_t *imported_source_verdict(json_t *b, const struct bundle_trust *trust);

/* Appends the check imported_source: the source verdict (iv) has no failed check, is final and
 * its result is exporting; its last event is the export_started that the bundle's first event
 * (imported) names by exportEventHash and exportId, naming this log's key (the trusted one, else
 * the bundle's) as the destination; the imported event names the source's code, ddc_id and log
 * key and the document's hash; the document is the source's. Returns 1 when all hold. */
int imported_check(json_t *checks, json_t *b, json_t *iv, const struct bundle_trust *trust);

/* The certificate's fields the signed document names: the bundle's certificate with the source's
 * code, ddc_id, key_id, issuer_id and uri (the document was signed there, by an issuer and key of
 * the source's; a URI set after the mint was logged there). A new reference. */
json_t *imported_named(json_t *cert, json_t *b);
/* The source bundle's events (where a URI set after the mint is logged). */
json_t *imported_events(json_t *b);

/* The source bundle's signing key (the issuer's key is logged in the source's log only). */
json_t *imported_signing_key(json_t *b);

/* {peer, code, ddc_id}: the source as the bundle's signed texts name it (the imported event's
 * peer, the document's code and ddcId). */
json_t *imported_provenance(json_t *b);

#endif
