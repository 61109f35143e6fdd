/* tx.c: RLP payloads of legacy (EIP-155) and EIP-1559 transactions, their signing hashes and
 * signed encodings. */
#include <stdlib.h>
#include <string.h>
#include "chain/keccak.h"
#include "chain/rlp.h"
#include "chain/tx.h"

/* The fields every transaction has after its fee fields: gas, to, value, data. */
static void tx_body(struct rlp_buf *b, const struct tx *t)
{
  rlp_uint(b, t->gas);
  rlp_bytes(b, t->has_to ? t->to : NULL, t->has_to ? SECP_ADDR : 0);
  rlp_uint(b, t->value);
  rlp_bytes(b, t->data, t->data_len);
}

/* The fields up to the signature; for legacy, the EIP-155 tail (chain id, 0, 0) if unsigned. */
static void tx_fields(struct rlp_buf *b, const struct tx *t, const struct secp_sig *sig)
{
  if (t->type == TX_EIP1559) {
    rlp_uint(b, t->chain_id);
    rlp_uint(b, t->nonce);
    rlp_uint(b, t->max_priority_fee);
    rlp_uint(b, t->max_fee);
    tx_body(b, t);
    rlp_list_end(b, rlp_list_begin(b)); /* access list: empty */
    if (sig) {
      rlp_uint(b, (uint64_t)sig->recid);
      rlp_uint256(b, sig->r);
      rlp_uint256(b, sig->s);
    }
    return;
  }
  rlp_uint(b, t->nonce);
  rlp_uint(b, t->gas_price);
  tx_body(b, t);
  if (sig) {
    rlp_uint(b, (uint64_t)sig->recid + t->chain_id * 2 + 35);
    rlp_uint256(b, sig->r);
    rlp_uint256(b, sig->s);
  } else {
    rlp_uint(b, t->chain_id);
    rlp_uint(b, 0);
    rlp_uint(b, 0);
  }
}

/* The whole encoding: type byte (typed transactions) and the list. */
static int tx_encode(const struct tx *t, const struct secp_sig *sig, struct rlp_buf *b)
{
  uint8_t type = (uint8_t)t->type;
  if (t->type == TX_EIP1559) rlp_raw(b, &type, 1);
  size_t list = rlp_list_begin(b);
  tx_fields(b, t, sig);
  rlp_list_end(b, list);
  return b->err ? -1 : 0;
}

int tx_signing_hash(const struct tx *t, uint8_t hash[32])
{
  struct rlp_buf b = {0};
  int rc = tx_encode(t, NULL, &b);
  if (rc == 0) keccak256(b.p, b.n, hash);
  rlp_free(&b);
  return rc;
}

int tx_sign(const struct tx *t, const uint8_t key[SECP_KEY], uint8_t **raw, size_t *raw_len,
            uint8_t hash[32])
{
  uint8_t h[32];
  struct secp_sig sig;
  struct rlp_buf b = {0};
  *raw = NULL;
  if (tx_signing_hash(t, h) != 0 || secp_sign(key, h, &sig) != 0 || tx_encode(t, &sig, &b) != 0) {
    rlp_free(&b);
    return -1;
  }
  keccak256(b.p, b.n, hash);
  *raw = b.p;
  *raw_len = b.n;
  return 0;
}

void tx_create_address(const uint8_t sender[SECP_ADDR], uint64_t nonce, uint8_t out[SECP_ADDR])
{
  struct rlp_buf b = {0};
  uint8_t h[32];
  size_t list = rlp_list_begin(&b);
  rlp_bytes(&b, sender, SECP_ADDR);
  rlp_uint(&b, nonce);
  rlp_list_end(&b, list);
  keccak256(b.p, b.n, h);
  memcpy(out, h + 12, SECP_ADDR);
  rlp_free(&b);
}
