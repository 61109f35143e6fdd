/* bundle.h: building a certificate's proof bundle from the log, and the verdict on a bundle sent
 * in from outside (verify/bundle.h has the checks). Any HTTP thread (uses its connection). */
#ifndef DDC_BUNDLE_H
#define DDC_BUNDLE_H
#include <jansson.h>
#include <stdint.h>
#include "db/ledger.h"
#include "db/witness.h"
#include "errors.h"
#include "verify/bundle.h"

/* The chains bundles name anchors of: names[i] with its registry contracts[i] (40 hex digits),
 * in that order; the arrays must outlive the server. Once, before serving. */
void bundle_chain_init(const char *const *names, const char *const *contracts, unsigned n);
/* The bundle of the certificate with this code (new reference in *bundle). */
enum ddc_err bundle_build(const char *code, json_t **bundle);
/* The same; *settled: every event is in the log under a final checkpoint (only a new event,
 * checkpoint or chain anchor makes another bundle of it), fit to cache for a moment; and
 * BUNDLE_SETTLED_PRIMARY when the primary gave it (no replica's lag): fit to cache until such an
 * event drops it (http/respcache.h). */
#define BUNDLE_SETTLED_PRIMARY 2
enum ddc_err bundle_build_settled(const char *code, json_t **bundle, int *settled);
/* The bundle of the certificate p read (in the caller's snapshot or transaction): against final
 * (the newest final checkpoint, read by the caller) when it holds every event, else against the
 * checkpoint bundle_build would take. What bundle_build gives, for builders of many bundles;
 * *settled as bundle_build_settled's. */
enum ddc_err bundle_from(const struct db_public_cert *p, const struct db_checkpoint *final,
                         json_t **bundle, int *settled);
/* The newest confirmation among bundle b's chain anchors (confirmed_seq; 0: none), which the
 * newest confirmation on any chain must still be for a verdict or bundle kept of it to stand. */
int64_t bundle_anchor_seq(json_t *b);
/* The bundle of certificate ddc, for a caller (role, account) who may read it. */
enum ddc_err bundle_build_for(const char *role, int64_t actor, int64_t ddc, json_t **bundle);
/* {items: [{code, kind, status, issuer_id, issued_at}]} of the certificates whose content_hash
 * is hash (JSON built in SQL, malloc'ed): public, to find what to verify. */
enum ddc_err bundle_by_content(const uint8_t hash[32], char **json);
/* The verdict on a bundle sent in from outside, with one more check, bundle_is_current: it holds
 * every event the log has for the certificate (an old or cut-short bundle could hide a
 * revocation). */
json_t *bundle_verdict_sent(json_t *bundle, const struct bundle_trust *trust);

#endif
