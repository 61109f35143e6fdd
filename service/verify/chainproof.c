/* chainproof.c: the checks on the chain anchors of a proof bundle (see chainproof.h): offline, by
 * each one's consistency proof, and against each chain itself. Needs no database. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "chain/abi.h"
#include "chain/evm.h"
#include "crypto/codes.h"
#include "verify/chainproof.h"
#include "verify/merkle.h"

json_t *chainproof_anchors(json_t *b)
{
  json_t *list = json_object_get(b, "chain_anchors"), *one = json_object_get(b, "chain_anchor");
  if (json_is_array(list)) return json_incref(list);
  json_t *out = json_array();
  if (list && !json_is_null(list)) /* not an array: an entry that fails its check */
    json_array_append(out, list);
  else if (one && !json_is_null(one))
    json_array_append(out, one);
  return out;
}

const char *chainproof_name(json_t *a)
{
  const char *s = json_string_value(json_object_get(a, "name"));
  return s ? s : "default";
}

json_t *chainproof_find(json_t *anchors, const char *name)
{
  size_t i;
  json_t *a;
  if (!*name && json_array_size(anchors) == 1) return json_array_get(anchors, 0);
  json_array_foreach(anchors, i, a)
  {
    if (!strcmp(chainproof_name(a), *name ? name : "default")) return a;
  }
  return NULL;
}

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

/* The check chain_anchor of one anchor a, its detail led by the chain's name when it has one (an
 * entry of chain_anchors; the single chain_anchor of an older bundle has none). */
static int chainproof_check_one(json_t *checks, json_t *a, const struct note_checkpoint *cp)
{
  char detail[320];
  const char *tx = json_string_value(json_object_get(a, "tx_hash"));
  const char *name = json_string_value(json_object_get(a, "name"));
  int ok = json_is_object(a) && chainproof_consistent(a, cp);
  snprintf(detail, sizeof detail,
           "%s%.63s%sthe checkpoint extends the tree of %" PRIu64
           " leaves anchored on chain %" PRIu64 " in block %" PRIu64 " (transaction %.66s)",
           name ? "chain " : "", name ? name : "", name ? ": " : "",
           (uint64_t)json_integer_value(json_object_get(a, "tree_size")),
           (uint64_t)json_integer_value(json_object_get(a, "chain_id")),
           (uint64_t)json_integer_value(json_object_get(a, "block_number")), tx ? tx : "?");
  json_array_append_new(checks, json_pack("{s:s, s:b, s:s, s:s}", "name", "chain_anchor", "ok", ok,
                                          "detail", detail, "chain", chainproof_name(a)));
  return ok;
}

int chainproof_check(json_t *checks, json_t *b, const struct note_checkpoint *cp)
{
  json_t *anchors = chainproof_anchors(b), *a;
  size_t i;
  int ok = 1;
  json_array_foreach(anchors, i, a)
  {
    ok &= chainproof_check_one(checks, a, cp);
  }
  json_decref(anchors);
  return ok;
}

/* Whether s[0..n) is a chain name as --rpc takes it: 1 to 63 of [A-Za-z0-9._-], not starting
 * with a dot or dash. */
static int chainproof_name_ok(const char *s, size_t n)
{
  if (n < 1 || n >= CHAINPROOF_NAME_MAX || s[0] == '.' || s[0] == '-') return 0;
  for (size_t i = 0; i < n; i++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", s[i]) || !s[i])
      return 0;
  return 1;
}

int chainproof_rpc_parse(const char *arg, struct chainproof_rpc *r)
{
  const char *eq = strchr(arg, '='), *scheme = strstr(arg, "://");
  memset(r, 0, sizeof *r);
  r->url = arg;
  if (eq && (!scheme || eq < scheme)) {
    if (!chainproof_name_ok(arg, (size_t)(eq - arg))) return -1;
    memcpy(r->name, arg, (size_t)(eq - arg));
    r->url = eq + 1;
  }
  return !strncmp(r->url, "http://", 7) || !strncmp(r->url, "https://", 8) ? 0 : -1;
}

int chainproof_header_parse(const char *arg, char name[CHAINPROOF_NAME_MAX],
                            char line[CHAINPROOF_HEADER_MAX])
{
  static const char token[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                              "!#$%&'*+-.^_`|~";
  const char *eq = strchr(arg, '='), *colon = strchr(arg, ':'), *h = arg;
  name[0] = 0;
  if (!eq) return -1;
  if (colon && colon < eq) {
    if (!chainproof_name_ok(arg, (size_t)(colon - arg))) return -1;
    memcpy(name, arg, (size_t)(colon - arg));
    name[colon - arg] = 0;
    h = colon + 1;
  }
  size_t hn = (size_t)(eq - h);
  if (hn == 0 || strspn(h, token) < hn || strpbrk(eq + 1, "\r\n")) return -1;
  int n = snprintf(line, CHAINPROOF_HEADER_MAX, "%.*s: %s", (int)hn, h, eq + 1);
  return n > 0 && n < CHAINPROOF_HEADER_MAX ? 0 : -1;
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

/* eth_call anchoredAt(root) on contract to at r: 0 with the answer's block and size, or -1. */
static int chainproof_call(const struct chainproof_rpc *r, const uint8_t to[SECP_ADDR],
                           const uint8_t root[32], uint64_t *block, uint64_t *size)
{
  uint8_t call[4 + ABI_WORD], *ret = NULL;
  size_t len = 0;
  struct evm e = {0};
  if (rpc_open(&e.rpc, r->url) != 0) return -1;
  for (int i = 0; i < r->n_headers; i++)
    if (rpc_header(&e.rpc, r->headers[i]) != 0) {
      rpc_close(&e.rpc);
      return -1;
    }
  snprintf(e.addr_hex, sizeof e.addr_hex, "0x%040d", 0);
  abi_anchored_at(root, call);
  enum rpc_status st = evm_call(&e, to, call, sizeof call, &ret, &len);
  rpc_close(&e.rpc);
  int ok =
      st == RPC_OK && abi_word_u64(ret, len, 0, block) == 0 && abi_word_u64(ret, len, 1, size) == 0;
  free(ret);
  return ok ? 0 : -1;
}

int chainproof_on_chain(json_t *a, const struct chainproof_rpc *r, char *detail, size_t cap)
{
  uint8_t root[32], to[SECP_ADDR];
  uint64_t block = 0, size = 0;
  if (!json_is_object(a) || chainproof_root(a, root) || chainproof_contract(a, to)) {
    snprintf(detail, cap, "the bundle has no well-formed anchor on %s",
             *r->name ? r->name : "the chain");
    return 0;
  }
  if (chainproof_call(r, to, root, &block, &size) != 0) {
    snprintf(detail, cap, "%s (chain %" PRIu64 "): eth_call anchoredAt failed at %s",
             chainproof_name(a), (uint64_t)json_integer_value(json_object_get(a, "chain_id")),
             r->url);
    return -1;
  }
  uint64_t want_block = (uint64_t)json_integer_value(json_object_get(a, "block_number"));
  uint64_t want_size = (uint64_t)json_integer_value(json_object_get(a, "tree_size"));
  snprintf(detail, cap,
           "%s (chain %" PRIu64 "): the contract has this root anchored in block %" PRIu64
           " for %" PRIu64 " leaves (the bundle says block %" PRIu64 ", %" PRIu64 " leaves)",
           chainproof_name(a), (uint64_t)json_integer_value(json_object_get(a, "chain_id")), block,
           size, want_block, want_size);
  return block != 0 && block == want_block && size == want_size;
}
