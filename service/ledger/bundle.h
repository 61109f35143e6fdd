/* bundle.h: public verification of a certificate by its code: the proof bundle (everything
 * needed to check it offline: document, signature, signing key and its key event, every event
 * with its inclusion proof, the signed checkpoint with its witness cosignatures, the log key and
 * the witnesses' keys) and the checks run on it. */
#ifndef DDC_BUNDLE_H
#define DDC_BUNDLE_H
#include <jansson.h>
#include <stdint.h>
#include "errors.h"
#include "ledger/note.h"

/* The bundle of the certificate with this code (new reference in *bundle). */
enum ddc_err bundle_build(const char *code, json_t **bundle);
/* The bundle of certificate ddc, for a caller (role, account) who may read it. */
enum ddc_err bundle_build_for(const char *role, int64_t actor, int64_t ddc, json_t **bundle);
/* Whom a verdict trusts: the log key (NULL: the bundle's own) and the witnesses, quorum of which
 * must cosign the checkpoint for it to be final (no witnesses: the log's signature is enough). */
struct bundle_trust {
  const struct note_verifier *log;
  const struct note_verifier *witnesses;
  size_t n_witnesses;
  unsigned quorum;
};

/* Runs every check on a bundle: {result, final, certificate, issuer, checks[{name, ok, detail}]}.
 * result: valid, revoked, frozen, burned, expired, not_yet_valid, not_yet_anchored (also while
 * the checkpoint lacks its quorum of cosignatures), or invalid (a check failed). final: every
 * event is in a checkpoint with its quorum. */
json_t *bundle_verdict(json_t *bundle, const struct bundle_trust *trust);
/* The verdict on a bundle sent in from outside, with one more check, bundle_is_current: it holds
 * every event the log has for the certificate (an old or cut-short bundle could hide a
 * revocation). */
json_t *bundle_verdict_sent(json_t *bundle, const struct bundle_trust *trust);

#endif
