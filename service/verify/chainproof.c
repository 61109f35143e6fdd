/* chainproof.c: the checks on the chain anchor of a proof bundle (see chainproof.h): offline, by
 * its consistency proof, and against the chain itself. Needs no database. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chain/abi.h"
#include "chain/evm.h"
#include "crypto/codes.h"
#include "verify/chainproof.h"
#include "verify/merkle.h"

/* The anchor's root, 32 bytes from base64; 0 or -1. */
static int chainproof_root(json_t *a, uint8_t root[32])
{
  const char *s = json_string_value(json_object_get(a, "root"));
  return s && codes_unbase64(s, strlen(s), root, 32) == 32 ? 0 : -1;
}

/* Whether the anchored tree (size, root) is a prefix of the checkpoint's tree. */
static int chainproof_consistent(json_t *a, const struct note_checkpoint *cp)
{
  uint8_t root[32], hashes[MERKLE_MAX_PROOF][32];
  struct merkle_span spans[MERKLE_MAX_PROOF];
  json_t *proof = json_object_get(a, "consistency"), *h;
  json_t *size = json_object_get(a, "tree_size");
  size_t i, n = json_array_size(proof);
  if (!json_is_integer(size) || json_integer_value(size) < 1 || chainproof_root(a, root) ||
      n > MERKLE_MAX_PROOF || !json_is_array(proof))
    return 0;
  json_array_foreach(proof, i, h)
  {
    const char *s = json_string_value(h);
    long len = s ? codes_unbase64(s, strlen(s), hashes[i], 32) : -1;
    if (len < 0) return 0;
    spans[i] = (struct merkle_span){hashes[i], (size_t)len};
  }
  return merkle_verify_consistency((uint64_t)json_integer_value(size), cp->size, spans, n,
                                   MERKLE_SPAN(root), MERKLE_SPAN(cp->root)) == 0;
}

/* The check chain_anchor on one anchor a (named name: an entry of chain_anchors; NULL: the
 * single chain_anchor of bundles made before several chains). */
static int chainproof_check_one(json_t *checks, json_t *a, const char *name,
                                const struct note_checkpoint *cp)
{
  char detail[320];
  int ok = json_is_object(a) && chainproof_consistent(a, cp);
  snprintf(detail, sizeof detail,
           "%s%.64s%sthe checkpoint extends the tree of %" PRIu64
           " leaves anchored on chain %" PRIu64 " in block %" PRIu64 " (transaction %.66s)",
           name ? "chain " : "", name ? name : "", name ? ": " : "",
           (uint64_t)json_integer_value(json_object_get(a, "tree_size")),
           (uint64_t)json_integer_value(json_object_get(a, "chain_id")),
           (uint64_t)json_integer_value(json_object_get(a, "block_number")),
           json_string_value(json_object_get(a, "tx_hash"))
               ? json_string_value(json_object_get(a, "tx_hash"))
               : "?");
  json_array_append_new(
      checks, json_pack("{s:s, s:b, s:s}", "name", "chain_anchor", "ok", ok, "detail", detail));
  return ok;
}

int chainproof_check(json_t *checks, json_t *b, const struct note_checkpoint *cp)
{
  json_t *a = json_object_get(b, "chain_anchor"), *list = json_object_get(b, "chain_anchors");
  int ok = 1;
  size_t i;
  if (a && !json_is_null(a)) ok = chainproof_check_one(checks, a, NULL, cp);
  if (list && !json_is_null(list) && !json_is_array(list))
    ok = chainproof_check_one(checks, NULL, "?", cp);
  json_array_foreach(list, i, a)
  {
    const char *name = json_string_value(json_object_get(a, "name"));
    ok &= chainproof_check_one(checks, a, name ? name : "?", cp);
  }
  return ok;
}

/* The contract address from "0x" and 40 hex digits; 0 or -1. */
static int chainproof_contract(json_t *a, uint8_t addr[SECP_ADDR])
{
  const char *s = json_string_value(json_object_get(a, "contract"));
  return s && strlen(s) == 42 && s[0] == '0' && s[1] == 'x' &&
                 codes_unhex(s + 2, addr, SECP_ADDR) == 0
             ? 0
             : -1;
}

int chainproof_on_chain(json_t *b, const char *rpc_url, char *detail, size_t cap)
{
  json_t *a = json_object_get(b, "chain_anchor");
  if (!a) a = json_array_get(json_object_get(b, "chain_anchors"), 0);
  uint8_t root[32], to[SECP_ADDR], call[4 + ABI_WORD], *ret = NULL;
  size_t len = 0;
  uint64_t block = 0, size = 0;
  struct evm e = {0};
  if (!json_is_object(a) || chainproof_root(a, root) || chainproof_contract(a, to)) {
    snprintf(detail, cap, "the bundle has no chain anchor");
    return 0;
  }
  if (rpc_open(&e.rpc, rpc_url) != 0) {
    snprintf(detail, cap, "cannot reach %s", rpc_url);
    return -1;
  }
  snprintf(e.addr_hex, sizeof e.addr_hex, "0x%040d", 0);
  abi_anchored_at(root, call);
  enum rpc_status st = evm_call(&e, to, call, sizeof call, &ret, &len);
  rpc_close(&e.rpc);
  int ok = st == RPC_OK && abi_word_u64(ret, len, 0, &block) == 0 &&
           abi_word_u64(ret, len, 1, &size) == 0;
  free(ret);
  if (!ok) {
    snprintf(detail, cap, "eth_call anchoredAt failed at %s", rpc_url);
    return -1;
  }
  uint64_t want_block = (uint64_t)json_integer_value(json_object_get(a, "block_number"));
  uint64_t want_size = (uint64_t)json_integer_value(json_object_get(a, "tree_size"));
  snprintf(detail, cap,
           "the contract has this root anchored in block %" PRIu64 " for %" PRIu64
           " leaves (the bundle says block %" PRIu64 ", %" PRIu64 " leaves)",
           block, size, want_block, want_size);
  return block != 0 && block == want_block && size == want_size;
}
