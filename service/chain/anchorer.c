/* anchorer.c: one step per interval. With a pending anchor: look for a receipt of any of its
 * transactions; settle it once the receipt is deep enough (confirmed, or failed if it reverted,
 * after which the next step anchors again with a new nonce); replace a transaction stuck for
 * three intervals by one with the same nonce and a higher fee; otherwise send the newest one
 * again (a node that lost it, or restarted, gets it back). Without one: if the newest checkpoint
 * is larger than what was anchored, take the next nonce, sign anchor(root, size) and store both
 * in one transaction, then send. A node that is down only delays this; nothing else waits. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bgthread.h"
#include "chain/abi.h"
#include "chain/anchorer.h"
#include "chain/evm.h"
#include "db/chain.h"
#include "db/ledger.h"
#include "log.h"

static struct {
  struct bgthread bg;
  int ready;
  struct config_chain cfg;
  struct evm evm;
  struct db_chain_key key;
  uint64_t session; /* the connection that took the anchoring lock this round (db_session) */
} anc = {.bg = BGTHREAD_INIT};

/* Signs a transaction calling the contract with fees f and fills *out (raw malloc'ed). */
static int anchorer_sign(const struct evm_fees *f, uint64_t nonce, uint64_t gas,
                         const uint8_t *call, size_t call_len, struct db_chain_tx *out)
{
  struct tx t;
  evm_tx(&anc.evm, f, nonce, gas, anc.key.contract, call, call_len, &t);
  memset(out, 0, sizeof *out);
  out->type = (int)t.type;
  out->gas = gas;
  out->gas_price = f->gas_price;
  out->max_fee = f->max_fee;
  out->max_priority_fee = f->max_priority_fee;
  return tx_sign(&t, anc.evm.key, &out->raw, &out->raw_len, out->hash);
}

static void anchorer_send(const struct db_chain_tx *tx, uint64_t nonce)
{
  if (evm_send_raw(&anc.evm, tx->raw, tx->raw_len) != RPC_OK)
    log_msg(LOG_WARN, "chain: sending the transaction with nonce %llu: %s; will send again",
            (unsigned long long)nonce, anc.evm.rpc.err);
}

/* A new anchor for the newest checkpoint when the log grew past what was anchored. */
static void anchorer_new(void)
{
  uint64_t size = 0, anchored = 0, gas = 0, seed = 0, nonce = 0;
  uint8_t root[32], call[4 + 2 * ABI_WORD];
  struct evm_fees f;
  if (db_log_head(&size, root, NULL) != DDC_ERR_OK ||
      db_chain_anchored_size(&anc.key, &anchored) != DDC_ERR_OK || size <= anchored)
    return;
  abi_anchor(root, size, call);
  if (evm_fees(&anc.evm, &f) != RPC_OK ||
      evm_estimate(&anc.evm, anc.key.contract, call, sizeof call, &gas) != RPC_OK ||
      evm_nonce(&anc.evm, "latest", &seed) != RPC_OK) {
    log_msg(LOG_WARN, "chain: cannot prepare the anchor of size %llu: %s", (unsigned long long)size,
            anc.evm.rpc.err);
    return;
  }
  struct db_chain_tx tx = {0};
  int64_t id = 0;
  enum ddc_err e = db_tx_begin() == 0 ? DDC_ERR_OK : DDC_ERR_DB_UNAVAILABLE;
  if (e == DDC_ERR_OK && db_session() != anc.session) e = DDC_ERR_DB_UNAVAILABLE; /* lock lost */
  if (e == DDC_ERR_OK) e = db_chain_nonce_take(&anc.key, seed, &nonce);
  if (e == DDC_ERR_OK && anchorer_sign(&f, nonce, gas, call, sizeof call, &tx) != 0)
    e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) e = db_chain_anchor_add(&anc.key, nonce, size, root, &tx, &id);
  if (e == DDC_ERR_OK && id == 0) e = DDC_ERR_INTERNAL; /* already anchored: take no nonce */
  if (e == DDC_ERR_OK && db_tx_commit() != 0) e = DDC_ERR_DB_UNAVAILABLE;
  if (e != DDC_ERR_OK)
    db_tx_rollback();
  else {
    log_msg(LOG_INFO, "chain: anchoring size %llu with nonce %llu", (unsigned long long)size,
            (unsigned long long)nonce);
    anchorer_send(&tx, nonce);
  }
  free(tx.raw);
}

/* Replaces the newest transaction of p by one with fees a quarter higher. */
static void anchorer_bump(const struct db_chain_pending *p)
{
  const struct db_chain_tx *old = &p->tx[0];
  struct evm_fees f = {old->type == TX_EIP1559, old->gas_price, old->max_fee,
                       old->max_priority_fee};
  uint8_t call[4 + 2 * ABI_WORD];
  struct db_chain_tx tx = {0};
  int ok = 0;
  evm_fees_bump(&f);
  abi_anchor(p->root, p->tree_size, call);
  if (anchorer_sign(&f, p->nonce, old->gas, call, sizeof call, &tx) == 0 &&
      db_chain_tx_replace(p->id, &tx, &ok) == DDC_ERR_OK && ok) {
    log_msg(LOG_INFO, "chain: nonce %llu stuck for %.0f s; replaced with a higher fee",
            (unsigned long long)p->nonce, old->age_s);
    anchorer_send(&tx, p->nonce);
  }
  free(tx.raw);
}

/* Receipts of the pending anchor's transactions; settles, bumps or re-sends. */
static void anchorer_pending(const struct db_chain_pending *p)
{
  uint64_t head = 0;
  for (int i = 0; i < p->ntx; i++) {
    struct evm_receipt rc;
    if (evm_receipt(&anc.evm, p->tx[i].hash, &rc) != RPC_OK) return; /* the node is down */
    if (!rc.found) continue;
    if (evm_block_number(&anc.evm, &head) != RPC_OK || head + 1 < rc.block + anc.cfg.confirmations)
      return;
    const char *status = rc.success ? "confirmed" : "failed";
    if (db_chain_settle(p->id, status, p->tx[i].hash, rc.block) == DDC_ERR_OK)
      log_msg(rc.success ? LOG_INFO : LOG_WARN, "chain: size %llu %s in block %llu",
              (unsigned long long)p->tree_size, status, (unsigned long long)rc.block);
    return;
  }
  if (p->ntx > 0 && p->tx[0].age_s >= 3.0 * anc.cfg.interval_s)
    anchorer_bump(p);
  else if (p->ntx > 0)
    anchorer_send(&p->tx[0], p->nonce);
}

static void anchorer_step(void)
{
  struct db_chain_pending p;
  int found = 0;
  if (db_chain_pending(&anc.key, &p, &found) != DDC_ERR_OK) {
    db_chain_pending_free(&p);
    return;
  }
  if (found)
    anchorer_pending(&p);
  else
    anchorer_new();
  db_chain_pending_free(&p);
}

/* Connects to the node once it answers (the chain id comes from it). */
static int anchorer_ready(void)
{
  char err[512];
  if (anc.ready) return 1;
  evm_close(&anc.evm);
  if (evm_open(&anc.evm, &anc.cfg, err, sizeof err) != 0) {
    log_msg(LOG_WARN, "chain: %s; trying again in %u s", err, anc.cfg.interval_s);
    return 0;
  }
  anc.evm.rpc.timeout_ms = 3000;
  anc.key.chain_id = anc.evm.chain_id;
  memcpy(anc.key.sender, anc.evm.addr, sizeof anc.key.sender);
  log_msg(LOG_INFO, "chain: %llu, contract %s, sender %s", (unsigned long long)anc.key.chain_id,
          anc.cfg.contract, anc.evm.addr_hex);
  return anc.ready = 1;
}

static void *anchorer_main(void *arg)
{
  (void)arg;
  int leading = 0, taken = 0;
  while (!bgthread_wait(&anc.bg, anc.cfg.interval_s * 1000)) {
    db_reset();
    if (db_chain_lock(&taken) != DDC_ERR_OK || !taken) {
      leading = 0;
      continue;
    }
    anc.session = db_session();
    if (!leading) log_msg(LOG_INFO, "chain: this ddcd anchors");
    leading = 1;
    if (anchorer_ready()) anchorer_step();
  }
  return NULL;
}

int anchorer_start(const struct config *c)
{
  if (!c->chain.rpc_url[0]) return 0;
  if (!c->chain.contract[0] || secp_address_parse(c->chain.contract, anc.key.contract) != 0) {
    log_msg(LOG_ERROR, "chain: DDC_CHAIN_CONTRACT is not set (run `ddcd chain deploy`)");
    return -1;
  }
  anc.cfg = c->chain;
  anc.ready = 0;
  return bgthread_start(&anc.bg, anchorer_main, NULL);
}

void anchorer_stop(void)
{
  if (!anc.bg.running) return;
  bgthread_stop(&anc.bg);
  evm_close(&anc.evm);
}

enum ddc_err anchorer_list(int64_t after, int limit, char **json)
{
  return db_chain_anchors_json(after, limit, json, NULL);
}
