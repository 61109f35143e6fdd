/* chainproof.h: the chain anchor in a proof bundle: the newest confirmed anchor of a checkpoint
 * root on the chain whose tree holds the certificate's events, with an RFC 9162 consistency proof
 * from its tree to the bundle's checkpoint; and the checks on it (offline, and against the chain
 * with eth_call anchoredAt). */
#ifndef DDC_CHAINPROOF_H
#define DDC_CHAINPROOF_H
#include <jansson.h>
#include <stdint.h>
#include "errors.h"
#include "ledger/note.h"

/* The registry contract bundles point to ("0x" and 40 hex digits; empty or NULL: none) and its
 * chain (0: the chain it was last anchored on). */
void chainproof_init(const char *contract, uint64_t chain_id);
/* Adds "chain_anchor" to bundle b when a confirmed anchor holds leaf need and the checkpoint of
 * size leaves extends it. */
enum ddc_err chainproof_add(json_t *b, int64_t need, uint64_t size);
/* With a chain anchor in b: the check chain_anchor (its tree is a prefix of the checkpoint's cp,
 * by the consistency proof). Returns 1 ok (or no anchor), 0 failed. */
int chainproof_check(json_t *checks, json_t *b, const struct note_checkpoint *cp);
/* The anchor asked of the chain at rpc_url (eth_call anchoredAt(root) on the contract): 1 when
 * it was anchored at that block with that tree size, 0 not, -1 the chain cannot be asked; a line
 * saying which in detail. */
int chainproof_on_chain(json_t *b, const char *rpc_url, char *detail, size_t cap);

#endif
