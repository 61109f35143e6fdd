/* tx.h: Ethereum transactions signed locally: legacy with EIP-155 replay protection (type 0) and
 * EIP-1559 dynamic-fee (type 2, empty access list). Amounts are in wei and fit in 64 bits here. */
#ifndef DDC_TX_H
#define DDC_TX_H
#include <stddef.h>
#include <stdint.h>
#include "chain/secp.h"

enum tx_type { TX_LEGACY = 0, TX_EIP1559 = 2 };

struct tx {
  enum tx_type type;
  uint64_t chain_id, nonce, gas;
  uint64_t gas_price;                 /* legacy */
  uint64_t max_priority_fee, max_fee; /* EIP-1559, per gas */
  int has_to;                         /* 0: contract creation */
  uint8_t to[SECP_ADDR];
  uint64_t value;
  const uint8_t *data;
  size_t data_len;
};

/* The hash the sender signs. 0 or -1. */
int tx_signing_hash(const struct tx *t, uint8_t hash[32]);
/* The signed transaction as sent to eth_sendRawTransaction (*raw malloc'ed) and its hash. */
int tx_sign(const struct tx *t, const uint8_t key[SECP_KEY], uint8_t **raw, size_t *raw_len,
            uint8_t hash[32]);
/* The address of the contract created by sender's transaction with nonce:
 * keccak(rlp([sender, nonce]))[12..32]. */
void tx_create_address(const uint8_t sender[SECP_ADDR], uint64_t nonce, uint8_t out[SECP_ADDR]);

#endif
