/* chainproof.h: the checks on the chain anchor in a proof bundle (the newest confirmed anchor of a
 * checkpoint root whose tree holds the certificate's events, with an RFC 9162 consistency proof
 * from its tree to the bundle's checkpoint; ledger/bundle.c adds it): offline, and against the
 * chain with eth_call anchoredAt. Any thread. */
#ifndef DDC_CHAINPROOF_H
#define DDC_CHAINPROOF_H
#include <jansson.h>
#include <stdint.h>
#include "verify/note.h"

/* For each chain anchor in b (every entry of chain_anchors, each naming its chain, and the single
 * chain_anchor of bundles made before several chains): the check chain_anchor (its tree is a
 * prefix of the checkpoint's cp, by the consistency proof). Returns 1 all ok (or no anchor), 0 one
 * failed. */
int chainproof_check(json_t *checks, json_t *b, const struct note_checkpoint *cp);
/* The anchor (chain_anchor, else the first of chain_anchors) asked of the chain at rpc_url
 * (eth_call anchoredAt(root) on the contract): 1 when
 * it was anchored at that block with that tree size, 0 not, -1 the chain cannot be asked; a line
 * saying which in detail. */
int chainproof_on_chain(json_t *b, const char *rpc_url, char *detail, size_t cap);

#endif
