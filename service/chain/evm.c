/* evm.c: EVM node calls over rpc.c and the sender's key. */
#include <stdlib.h>
#include <string.h>
#include "chain/evm.h"

int evm_open(struct evm *e, const struct config_chain *cc, char *err, size_t errlen)
{
  memset(e, 0, sizeof *e);
  if (!cc->rpc_url[0]) {
    snprintf(err, errlen, "no JSON-RPC URL is set");
    return -1;
  }
  if (secp_key_load(cc->key_file, e->key, err, errlen) != 0) return -1;
  secp_address(e->key, e->addr);
  secp_address_hex(e->addr, e->addr_hex);
  int hdr_ok = rpc_open(&e->rpc, cc->rpc_url) == 0;
  for (unsigned i = 0; hdr_ok && i < cc->n_headers; i++)
    hdr_ok = rpc_header(&e->rpc, cc->headers[i]) == 0;
  if (!hdr_ok) {
    snprintf(err, errlen, "%.200s: cannot open a client", cc->rpc_url);
    return -1;
  }
  if (cc->timeout_ms) e->rpc.timeout_ms = cc->timeout_ms;
  e->max_fee = cc->max_fee_wei;
  e->chain_id = cc->chain_id;
  json_t *r = NULL;
  if (rpc_call(&e->rpc, "eth_chainId", NULL, &r) != RPC_OK) {
    snprintf(err, errlen, "eth_chainId: %s", e->rpc.err);
    return -1;
  }
  uint64_t id = 0;
  int bad = rpc_quantity(r, &id) != 0 || (e->chain_id && id != e->chain_id);
  json_decref(r);
  if (bad) {
    snprintf(err, errlen, "the chain id set is %llu, the node's is %llu",
             (unsigned long long)e->chain_id, (unsigned long long)id);
    return -1;
  }
  e->chain_id = id;
  return 0;
}

void evm_close(struct evm *e)
{
  rpc_close(&e->rpc);
  memset(e->key, 0, sizeof e->key);
}

/* A call answering a QUANTITY. */
static enum rpc_status evm_quantity(struct evm *e, const char *method, json_t *params, uint64_t *v)
{
  json_t *r = NULL;
  enum rpc_status st = rpc_call(&e->rpc, method, params, &r);
  if (st == RPC_OK && rpc_quantity(r, v) != 0) {
    snprintf(e->rpc.err, sizeof e->rpc.err, "%s: not a quantity", method);
    st = RPC_ERROR;
  }
  json_decref(r);
  return st;
}

enum rpc_status evm_block_number(struct evm *e, uint64_t *n)
{
  return evm_quantity(e, "eth_blockNumber", NULL, n);
}

enum rpc_status evm_nonce(struct evm *e, const char *tag, uint64_t *nonce)
{
  return evm_quantity(e, "eth_getTransactionCount", json_pack("[s, s]", e->addr_hex, tag), nonce);
}

/* No more than the chain's max_fee_gwei per gas (the tip within it). */
static void evm_fees_cap(const struct evm *e, struct evm_fees *f)
{
  if (!e->max_fee) return;
  if (f->gas_price > e->max_fee) f->gas_price = e->max_fee;
  if (f->max_fee > e->max_fee) f->max_fee = e->max_fee;
  if (f->max_priority_fee > f->max_fee) f->max_priority_fee = f->max_fee;
}

enum rpc_status evm_fees(struct evm *e, struct evm_fees *f)
{
  json_t *b = NULL;
  memset(f, 0, sizeof *f);
  enum rpc_status st =
      rpc_call(&e->rpc, "eth_getBlockByNumber", json_pack("[s, b]", "latest", 0), &b);
  uint64_t base = 0;
  f->eip1559 = st == RPC_OK && rpc_quantity(json_object_get(b, "baseFeePerGas"), &base) == 0;
  json_decref(b);
  if (st != RPC_OK) return st;
  if (!f->eip1559) {
    st = evm_quantity(e, "eth_gasPrice", NULL, &f->gas_price);
    evm_fees_cap(e, f);
    return st;
  }
  st = evm_quantity(e, "eth_maxPriorityFeePerGas", NULL, &f->max_priority_fee);
  if (st == RPC_ERROR) { /* not every node has it: no tip then */
    f->max_priority_fee = 0;
    st = RPC_OK;
  }
  f->max_fee = 2 * base + f->max_priority_fee;
  evm_fees_cap(e, f);
  return st;
}

int evm_fees_bump(const struct evm *e, struct evm_fees *f)
{
  struct evm_fees old = *f;
  f->gas_price += f->gas_price / 4 + 1;
  f->max_priority_fee += f->max_priority_fee / 4 + 1;
  f->max_fee += f->max_fee / 4 + 1;
  evm_fees_cap(e, f);
  return f->eip1559 ? f->max_fee > old.max_fee + old.max_fee / 10
                    : f->gas_price > old.gas_price + old.gas_price / 10;
}

/* The call object {from, to?, data}. */
static json_t *evm_call_obj(const struct evm *e, const uint8_t *to, const uint8_t *data, size_t len)
{
  char *d = rpc_hex(data, len), *t = to ? rpc_hex(to, SECP_ADDR) : NULL;
  json_t *o = json_pack("{s:s, s:s}", "from", e->addr_hex, "data", d ? d : "0x");
  if (o && t) json_object_set_new(o, "to", json_string(t));
  free(d);
  free(t);
  return o;
}

enum rpc_status evm_estimate(struct evm *e, const uint8_t *to, const uint8_t *data, size_t len,
                             uint64_t *gas)
{
  enum rpc_status st =
      evm_quantity(e, "eth_estimateGas", json_pack("[o]", evm_call_obj(e, to, data, len)), gas);
  if (st == RPC_OK) *gas += *gas / 4;
  return st;
}

void evm_tx(const struct evm *e, const struct evm_fees *f, uint64_t nonce, uint64_t gas,
            const uint8_t *to, const uint8_t *data, size_t len, struct tx *t)
{
  memset(t, 0, sizeof *t);
  t->type = f->eip1559 ? TX_EIP1559 : TX_LEGACY;
  t->chain_id = e->chain_id;
  t->nonce = nonce;
  t->gas = gas;
  t->gas_price = f->gas_price;
  t->max_fee = f->max_fee;
  t->max_priority_fee = f->max_priority_fee;
  t->has_to = to != NULL;
  if (to) memcpy(t->to, to, SECP_ADDR);
  t->data = data;
  t->data_len = len;
}

enum rpc_status evm_send_raw(struct evm *e, const uint8_t *raw, size_t len)
{
  char *hex = rpc_hex(raw, len);
  json_t *r = NULL;
  if (!hex) return RPC_DOWN;
  enum rpc_status st = rpc_call(&e->rpc, "eth_sendRawTransaction", json_pack("[s]", hex), &r);
  free(hex);
  json_decref(r);
  /* geth and anvil say "already known", Besu "Known transaction" */
  if (st == RPC_ERROR &&
      (strcasestr(e->rpc.err, "already known") || strcasestr(e->rpc.err, "known transaction")))
    st = RPC_OK;
  return st;
}

enum rpc_status evm_receipt(struct evm *e, const uint8_t hash[32], struct evm_receipt *rc)
{
  char *h = rpc_hex(hash, 32);
  json_t *r = NULL;
  memset(rc, 0, sizeof *rc);
  enum rpc_status st =
      h ? rpc_call(&e->rpc, "eth_getTransactionReceipt", json_pack("[s]", h), &r) : RPC_DOWN;
  free(h);
  if (st == RPC_OK && json_is_object(r)) {
    uint64_t status = 0;
    size_t n = 0;
    uint8_t *addr = rpc_unhex(json_object_get(r, "contractAddress"), &n);
    rc->found = rpc_quantity(json_object_get(r, "blockNumber"), &rc->block) == 0;
    rc->success = rpc_quantity(json_object_get(r, "status"), &status) == 0 && status == 1;
    rc->has_contract = addr && n == SECP_ADDR;
    if (rc->has_contract) memcpy(rc->contract, addr, SECP_ADDR);
    free(addr);
  }
  json_decref(r);
  return st;
}

enum rpc_status evm_call(struct evm *e, const uint8_t to[SECP_ADDR], const uint8_t *data,
                         size_t len, uint8_t **ret, size_t *ret_len)
{
  json_t *r = NULL;
  *ret = NULL;
  enum rpc_status st = rpc_call(&e->rpc, "eth_call",
                                json_pack("[o, s]", evm_call_obj(e, to, data, len), "latest"), &r);
  if (st == RPC_OK && !(*ret = rpc_unhex(r, ret_len))) st = RPC_ERROR;
  json_decref(r);
  return st;
}
