/* deploy.c: deploying RootRegistry (its creation bytecode is embedded at build time) and calling
 * setWriter(sender, true), each transaction waited for until mined. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "chain/abi.h"
#include "chain/contract.h"
#include "chain/deploy.h"
#include "chain/evm.h"
#include "crypto/codes.h"

#define DEPLOY_WAIT_S 120

/* Signs and sends one transaction from the sender, then waits for its receipt. 0 or -1. */
static int deploy_send(struct evm *e, uint64_t nonce, const uint8_t *to, const uint8_t *data,
                       size_t len, struct evm_receipt *rc)
{
  struct evm_fees f;
  struct tx t;
  uint64_t gas = 0;
  uint8_t *raw = NULL, hash[32];
  size_t raw_len = 0;
  if (evm_fees(e, &f) != RPC_OK || evm_estimate(e, to, data, len, &gas) != RPC_OK) {
    fprintf(stderr, "ddcd: chain: %s\n", e->rpc.err);
    return -1;
  }
  evm_tx(e, &f, nonce, gas, to, data, len, &t);
  int rc_send = tx_sign(&t, e->key, &raw, &raw_len, hash) == 0 ? 0 : -1;
  if (rc_send == 0 && evm_send_raw(e, raw, raw_len) != RPC_OK) {
    fprintf(stderr, "ddcd: chain: eth_sendRawTransaction: %s\n", e->rpc.err);
    rc_send = -1;
  }
  free(raw);
  for (int i = 0; rc_send == 0 && i < DEPLOY_WAIT_S * 5; i++) {
    if (evm_receipt(e, hash, rc) == RPC_OK && rc->found) return rc->success ? 0 : -1;
    struct timespec ts = {0, 200000000L};
    nanosleep(&ts, NULL);
  }
  if (rc_send == 0) fprintf(stderr, "ddcd: chain: no receipt after %d s\n", DEPLOY_WAIT_S);
  return -1;
}

/* The chain to deploy on: the one named name, or the only one; NULL (reported) when none. */
static const struct config_chain *deploy_chain(const struct config *c, const char *name)
{
  for (unsigned i = 0; name && i < c->n_chains; i++)
    if (!strcmp(c->chains[i].name, name)) return &c->chains[i];
  if (name)
    fprintf(stderr, "ddcd: chain deploy: --chain %s: no chain of that name is configured%s\n", name,
            c->chains_file[0] ? " in DDC_CHAINS_FILE" : " (DDC_CHAIN_* make one named default)");
  else if (c->n_chains == 1)
    return &c->chains[0];
  else if (c->n_chains == 0)
    fprintf(stderr, "ddcd: chain deploy: no chain is configured (DDC_CHAIN_RPC_URL or "
                    "DDC_CHAINS_FILE)\n");
  else
    fprintf(stderr,
            "ddcd: chain deploy: DDC_CHAINS_FILE names %u chains: say which with --chain "
            "NAME\n",
            c->n_chains);
  return NULL;
}

int deploy_cli(const struct config *c, const char *name)
{
  struct evm e;
  char err[512];
  const struct config_chain *cc = deploy_chain(c, name);
  if (!cc) return 2;
  if (evm_open(&e, cc, err, sizeof err) != 0) {
    fprintf(stderr, "ddcd: chain %s: %s\n", cc->name, err);
    evm_close(&e);
    return 1;
  }
  size_t len = strlen(contract_bytecode_hex) / 2;
  uint8_t *code = malloc(len), call[4 + 2 * ABI_WORD];
  uint64_t nonce = 0;
  struct evm_receipt rc;
  int ok = code && codes_unhex(contract_bytecode_hex, code, len) == 0 &&
           evm_nonce(&e, "pending", &nonce) == RPC_OK;
  fprintf(stderr, "chain %s (%llu): deploying RootRegistry (solc %s) from %s\n", cc->name,
          (unsigned long long)e.chain_id, contract_solc_version, e.addr_hex);
  ok = ok && deploy_send(&e, nonce, NULL, code, len, &rc) == 0 && rc.has_contract;
  char addr[43] = "";
  if (ok) {
    secp_address_hex(rc.contract, addr);
    fprintf(stderr, "deployed at %s in block %llu; allowing %s to anchor\n", addr,
            (unsigned long long)rc.block, e.addr_hex);
    abi_set_writer(e.addr, 1, call);
    uint8_t contract[SECP_ADDR];
    memcpy(contract, rc.contract, SECP_ADDR);
    ok = deploy_send(&e, nonce + 1, contract, call, sizeof call, &rc) == 0;
  }
  if (ok)
    printf("%s\n", addr);
  else
    fprintf(stderr, "ddcd: chain deploy failed%s%s\n", e.rpc.err[0] ? ": " : "", e.rpc.err);
  free(code);
  evm_close(&e);
  return ok ? 0 : 1;
}
