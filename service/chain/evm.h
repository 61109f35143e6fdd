/* evm.h: what ddcd asks of an EVM node over JSON-RPC (chain id, nonce, fees, gas, sending,
 * receipts, calls), with the sender's key. One per thread. */
#ifndef DDC_EVM_H
#define DDC_EVM_H
#include "chain/rpc.h"
#include "chain/secp.h"
#include "chain/tx.h"
#include "config.h"

struct evm {
  struct rpc_client rpc;
  uint64_t chain_id;
  uint8_t key[SECP_KEY], addr[SECP_ADDR];
  char addr_hex[43];
  uint64_t max_fee; /* wei per gas a transaction may offer at most; 0: no cap */
};

struct evm_fees {
  int eip1559; /* the node's latest block has a base fee */
  uint64_t gas_price, max_fee, max_priority_fee;
};

struct evm_receipt {
  int found, success;
  uint64_t block;
  int has_contract;
  uint8_t contract[SECP_ADDR];
};

/* Loads the key and opens the RPC client (with the chain's headers, timeout and fee cap); the
 * chain id is the configured one, else the node's. 0, or -1 with a reason in err. */
int evm_open(struct evm *e, const struct config_chain *cc, char *err, size_t errlen);
void evm_close(struct evm *e);
enum rpc_status evm_block_number(struct evm *e, uint64_t *n);
/* The sender's transaction count at block tag ("latest" or "pending"). */
enum rpc_status evm_nonce(struct evm *e, const char *tag, uint64_t *nonce);
enum rpc_status evm_fees(struct evm *e, struct evm_fees *f);
/* Fees 25 % (and 1 wei) above f, to replace a transaction stuck with f, within the cap: 1 when
 * they are still more than 10 % above (what a node wants of a replacement), 0 when the cap
 * holds them back. */
int evm_fees_bump(const struct evm *e, struct evm_fees *f);
/* Gas for a call from the sender (to NULL: contract creation), with a 25 % margin. */
enum rpc_status evm_estimate(struct evm *e, const uint8_t *to, const uint8_t *data, size_t len,
                             uint64_t *gas);
/* Fills t for the sender with the given fees. */
void evm_tx(const struct evm *e, const struct evm_fees *f, uint64_t nonce, uint64_t gas,
            const uint8_t *to, const uint8_t *data, size_t len, struct tx *t);
/* eth_sendRawTransaction. A node that already has the transaction answers RPC_OK too. */
enum rpc_status evm_send_raw(struct evm *e, const uint8_t *raw, size_t len);
enum rpc_status evm_receipt(struct evm *e, const uint8_t hash[32], struct evm_receipt *r);
/* eth_call at "latest"; *ret malloc'ed. */
enum rpc_status evm_call(struct evm *e, const uint8_t to[SECP_ADDR], const uint8_t *data,
                         size_t len, uint8_t **ret, size_t *ret_len);

#endif
