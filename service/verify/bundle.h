/* bundle.h: the verdict on a certificate's proof bundle (everything needed to check it offline:
 * document, signature, signing key and its key event, every event with its inclusion proof, the
 * signed checkpoint with its witness cosignatures, the log key, the witnesses' keys and the chain
 * anchor; docs/bundle.md). Pure: no database, no network; any thread. */
#ifndef DDC_VERIFY_BUNDLE_H
#define DDC_VERIFY_BUNDLE_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "verify/note.h"

/* The most witness keys a verdict weighs. */
#define BUNDLE_WITNESSES_MAX 16

/* The checkpoint's signature check, remembered for the next bundle naming the same checkpoint
 * note under the same trust (a builder judging many bundles against one checkpoint checks it
 * once). Zeroed before first use; one thread at a time; bundle_memo_free frees it. */
struct bundle_memo {
  char *note; /* the note checked, NULL: nothing remembered */
  int ok;
  size_t text_len;
  struct note_check seen[1 + BUNDLE_WITNESSES_MAX];
  struct note_checkpoint cp; /* points into note */
};
void bundle_memo_free(struct bundle_memo *m);

/* Whom a verdict trusts: the log key (NULL: the bundle's own) and the witnesses, quorum of which
 * must cosign the checkpoint for it to be final (no witnesses: the log's signature is enough).
 * memo: NULL, or where the checkpoint's check is remembered (the trust must stay the same).
 * peer: for an imported certificate's bundle, the source operator's trust the caller pins (NULL:
 * the one the bundle's imported_from states, which this log's imported event vouches for).
 * depth: 0 (how many sources deep this verdict is; verify/imported.c sets it). */
struct bundle_trust {
  const struct note_verifier *log;
  const struct note_verifier *witnesses;
  size_t n_witnesses;
  unsigned quorum;
  struct bundle_memo *memo;
  const struct bundle_trust *peer;
  unsigned depth;
};

/* Whether an event as bundles carry it ({canonical, leaf_index, inclusion: {size, proof[]}}) is
 * in the tree of size leaves with this root: 1 proven, 0 not yet there (no proof), -1 a bad proof
 * or another size. Also what a peer's receipt is checked with. */
int bundle_in_log(json_t *event, uint64_t size, const uint8_t root[32]);
/* Runs every check on a bundle: {result, final, certificate, issuer, checks[{name, ok, detail}]};
 * issuer.profile is the issuer's logged profile_set event's data (name, url, logo_url, domain,
 * domain_checked_at) when the bundle carries it (issuer.profile_event) and it is in the tree.
 * result: valid, revoked, frozen, burned, exporting (locked while it is exported to another
 * operator), moved (it went there: moved_to {peer, code, url} from its export_completed event),
 * expired, not_yet_valid, not_yet_anchored (also while the checkpoint lacks its quorum of
 * cosignatures), or invalid (a check failed). final: every event is in a checkpoint with its
 * quorum. An imported certificate's bundle (imported_from, see verify/imported.h) adds the
 * check imported_source and the member imported_from {peer, code, ddc_id}; its issuer key and
 * its issuer's profile are the source bundle's. */
json_t *bundle_verdict(json_t *bundle, const struct bundle_trust *trust);
/* Of an edition's bundle (its document says "standard":"ddc-1155"), the class as its logged
 * events show it, read from their signed texts only: {standard, supply, burned, balances
 * [{account_id, amount}] (holders with units, in the order they first got some), as_of_leaf (the
 * newest event counted: the events in the log, up to the first one not yet in it)}. NULL for a
 * single certificate. The verdict carries it as "edition" unless a check failed. */
json_t *bundle_edition(json_t *bundle);
/* Whether event (a bundle's event: canonical, leaf_index, inclusion) is leaf leaf_index of the
 * tree of size leaves with this root: 1 proven, 0 no proof (not in the log yet), -1 a proof that
 * fails or is against another size. */
int bundle_event_in_log(json_t *event, uint64_t size, const uint8_t root[32]);

#endif
