/* anchorer.c: one thread per chain (DDC_CHAINS_FILE, or the DDC_CHAIN_* settings as "default"),
 * each with its own node connection, timeouts, advisory lock, nonce row and anchors: a chain that
 * is down, hanging or slow delays only itself, and when back anchors the newest checkpoint in one
 * transaction. Each thread, one step per interval, once its node answers its head block (kept in
 * chain_status with the round's error, for GET /v1/chain/status). With a pending anchor: look for a
 * receipt of any of its transactions; settle it once the receipt is deep enough (confirmed, or
 * failed if it reverted, after which the next step anchors again with a new nonce); replace a
 * transaction stuck for three intervals by one with the same nonce and a higher fee; otherwise send
 * the newest one again (a node that lost it, or restarted, gets it back). Without one: if the
 * newest checkpoint is larger than what was anchored, take the next nonce, sign anchor(root, size)
 * and store both in one transaction, then send. A node that is down only delays this; nothing else
 * waits. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
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

/* One chain's anchorer; its fields belong to its thread once started. */
struct anchorer {
  struct bgthread bg;
  int ready;
  struct config_chain cfg;
  struct evm evm;
  struct db_chain_key key;
  uint64_t session; /* the connection that took the anchoring lock this round (db_session) */
  char err[256];    /* what went wrong this round, "" nothing */
  int awaiting;     /* a transaction of this round awaits its receipt: look again soon */
};

static struct anchorer anc[CONFIG_CHAINS_MAX];
static unsigned anc_n;
/* The chains as configured (names, ids, registries), for the API and bundles: set once before
 * serving, read by any thread. */
static const char *anc_names[CONFIG_CHAINS_MAX], *anc_contracts[CONFIG_CHAINS_MAX];
static uint64_t anc_ids[CONFIG_CHAINS_MAX];

/* Logs a warning for the chain and keeps it as the round's error. */
static void anchorer_fail(struct anchorer *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void anchorer_fail(struct anchorer *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(a->err, sizeof a->err, fmt, ap);
  va_end(ap);
  log_msg(LOG_WARN, "chain %s: %s", a->cfg.name, a->err);
}

/* Signs a transaction calling the contract with fees f and fills *out (raw malloc'ed). */
static int anchorer_sign(struct anchorer *a, const struct evm_fees *f, uint64_t nonce, uint64_t gas,
                         const uint8_t *call, size_t call_len, struct db_chain_tx *out)
{
  struct tx t;
  evm_tx(&a->evm, f, nonce, gas, a->key.contract, call, call_len, &t);
  memset(out, 0, sizeof *out);
  out->type = (int)t.type;
  out->gas = gas;
  out->gas_price = f->gas_price;
  out->max_fee = f->max_fee;
  out->max_priority_fee = f->max_priority_fee;
  return tx_sign(&t, a->evm.key, &out->raw, &out->raw_len, out->hash);
}

static void anchorer_send(struct anchorer *a, const struct db_chain_tx *tx, uint64_t nonce)
{
  if (evm_send_raw(&a->evm, tx->raw, tx->raw_len) != RPC_OK)
    anchorer_fail(a, "sending the transaction with nonce %llu: %s; will send again",
                  (unsigned long long)nonce, a->evm.rpc.err);
}

/* The fees, gas (the chain's gas_limit, else estimated) and the node's nonce for call. */
static int anchorer_prepare(struct anchorer *a, const uint8_t *call, size_t len, struct evm_fees *f,
                            uint64_t *gas, uint64_t *seed)
{
  *gas = a->cfg.gas_limit;
  return evm_fees(&a->evm, f) == RPC_OK &&
                 (*gas || evm_estimate(&a->evm, a->key.contract, call, len, gas) == RPC_OK) &&
                 evm_nonce(&a->evm, "latest", seed) == RPC_OK
             ? 0
             : -1;
}

/* A new anchor for the newest checkpoint when the log grew past what was anchored. */
static void anchorer_new(struct anchorer *a)
{
  uint64_t size = 0, anchored = 0, gas = 0, seed = 0, nonce = 0;
  uint8_t root[32], call[4 + 2 * ABI_WORD];
  struct evm_fees f;
  if (db_log_head(&size, root, NULL) != DDC_ERR_OK ||
      db_chain_anchored_size(&a->key, &anchored) != DDC_ERR_OK || size <= anchored)
    return;
  abi_anchor(root, size, call);
  if (anchorer_prepare(a, call, sizeof call, &f, &gas, &seed) != 0) {
    anchorer_fail(a, "cannot prepare the anchor of size %llu: %s", (unsigned long long)size,
                  a->evm.rpc.err);
    return;
  }
  struct db_chain_tx tx = {0};
  int64_t id = 0;
  enum ddc_err e = db_tx_begin() == 0 ? DDC_ERR_OK : DDC_ERR_DB_UNAVAILABLE;
  if (e == DDC_ERR_OK && db_session() != a->session) e = DDC_ERR_DB_UNAVAILABLE; /* lock lost */
  if (e == DDC_ERR_OK) e = db_chain_nonce_take(&a->key, seed, &nonce);
  if (e == DDC_ERR_OK && anchorer_sign(a, &f, nonce, gas, call, sizeof call, &tx) != 0)
    e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) e = db_chain_anchor_add(&a->key, nonce, size, root, &tx, &id);
  if (e == DDC_ERR_OK && id == 0) e = DDC_ERR_INTERNAL; /* already anchored: take no nonce */
  if (e == DDC_ERR_OK && db_tx_commit() != 0) e = DDC_ERR_DB_UNAVAILABLE;
  if (e != DDC_ERR_OK)
    db_tx_rollback();
  else {
    log_msg(LOG_INFO, "chain %s: anchoring size %llu with nonce %llu", a->cfg.name,
            (unsigned long long)size, (unsigned long long)nonce);
    anchorer_send(a, &tx, nonce);
    a->awaiting = 1;
  }
  free(tx.raw);
}

/* Replaces the newest transaction of p by one with fees a quarter higher (within the chain's
 * max_fee_gwei: at the cap, the same one is sent again). */
static void anchorer_bump(struct anchorer *a, const struct db_chain_pending *p)
{
  const struct db_chain_tx *old = &p->tx[0];
  struct evm_fees f = {old->type == TX_EIP1559, old->gas_price, old->max_fee,
                       old->max_priority_fee};
  uint8_t call[4 + 2 * ABI_WORD];
  struct db_chain_tx tx = {0};
  int ok = 0;
  if (!evm_fees_bump(&a->evm, &f)) {
    anchorer_send(a, old, p->nonce);
    return;
  }
  abi_anchor(p->root, p->tree_size, call);
  if (anchorer_sign(a, &f, p->nonce, old->gas, call, sizeof call, &tx) == 0 &&
      db_chain_tx_replace(p->id, &tx, &ok) == DDC_ERR_OK && ok) {
    log_msg(LOG_INFO, "chain %s: nonce %llu stuck for %.0f s; replaced with a higher fee",
            a->cfg.name, (unsigned long long)p->nonce, old->age_s);
    anchorer_send(a, &tx, p->nonce);
  }
  free(tx.raw);
}

/* Receipts of the pending anchor's transactions; settles (returns 1), bumps or re-sends (a
 * transaction younger than an interval is only looked for: the node has it). head: the node's head
 * block this round. */
static int anchorer_pending(struct anchorer *a, const struct db_chain_pending *p, uint64_t head)
{
  for (int i = 0; i < p->ntx; i++) {
    struct evm_receipt rc;
    if (evm_receipt(&a->evm, p->tx[i].hash, &rc) != RPC_OK) {
      anchorer_fail(a, "eth_getTransactionReceipt: %s", a->evm.rpc.err);
      return 0;
    }
    if (!rc.found) continue;
    if (head + 1 < rc.block + a->cfg.confirmations) {
      a->awaiting = 1;
      return 0;
    }
    const char *status = rc.success ? "confirmed" : "failed";
    if (db_chain_settle(p->id, status, p->tx[i].hash, rc.block) != DDC_ERR_OK) return 0;
    log_msg(rc.success ? LOG_INFO : LOG_WARN, "chain %s: size %llu %s in block %llu", a->cfg.name,
            (unsigned long long)p->tree_size, status, (unsigned long long)rc.block);
    return 1;
  }
  if (p->ntx == 0) return 0;
  if (p->tx[0].age_s >= 3.0 * a->cfg.interval_s)
    anchorer_bump(a, p);
  else if (p->tx[0].age_s >= a->cfg.interval_s)
    anchorer_send(a, &p->tx[0], p->nonce);
  else
    a->awaiting = 1;
  return 0;
}

static void anchorer_step(struct anchorer *a, uint64_t head)
{
  struct db_chain_pending p;
  int found = 0;
  if (db_chain_pending(&a->key, &p, &found) != DDC_ERR_OK) {
    db_chain_pending_free(&p);
    return;
  }
  if (!found || anchorer_pending(a, &p, head)) anchorer_new(a); /* settled: the next at once */
  db_chain_pending_free(&p);
}

/* Connects to the node once it answers (the chain id comes from it). */
static int anchorer_ready(struct anchorer *a)
{
  char err[512];
  if (a->ready) return 1;
  evm_close(&a->evm);
  if (evm_open(&a->evm, &a->cfg, err, sizeof err) != 0) {
    anchorer_fail(a, "%.200s; trying again in %u s", err, a->cfg.interval_s);
    return 0;
  }
  a->evm.rpc.attempts = 2; /* a node that does not answer waits for the next round */
  a->key.chain_id = a->evm.chain_id;
  memcpy(a->key.sender, a->evm.addr, sizeof a->key.sender);
  log_msg(LOG_INFO, "chain %s: %llu, contract %s, sender %s", a->cfg.name,
          (unsigned long long)a->key.chain_id, a->cfg.contract, a->evm.addr_hex);
  return a->ready = 1;
}

/* One round of the anchorer that holds its chain's lock: the node's head block, then a step. */
static void anchorer_round(struct anchorer *a)
{
  uint64_t head = 0;
  a->err[0] = 0;
  a->awaiting = 0;
  if (anchorer_ready(a)) {
    if (evm_block_number(&a->evm, &head) != RPC_OK)
      anchorer_fail(a, "eth_blockNumber: %s", a->evm.rpc.err);
    else
      anchorer_step(a, head);
  }
  db_chain_status_set(a->cfg.name, a->ready ? a->key.chain_id : a->cfg.chain_id, head,
                      a->err[0] ? a->err : NULL);
}

static void *anchorer_main(void *arg)
{
  struct anchorer *a = arg;
  int leading = 0, taken = 0;
  /* a receipt awaited is looked for four times an interval (at least every 250 ms), so that an
   * anchor settles about a block after it is mined rather than an interval later */
  unsigned every = a->cfg.interval_s * 1000, soon = every / 4 > 250 ? every / 4 : 250;
  while (!bgthread_wait(&a->bg, a->awaiting && soon < every ? soon : every)) {
    db_reset();
    if (db_chain_lock(a->cfg.name, &taken) != DDC_ERR_OK || !taken) {
      leading = a->awaiting = 0;
      continue;
    }
    a->session = db_session();
    if (!leading) log_msg(LOG_INFO, "chain %s: this ddcd anchors", a->cfg.name);
    leading = 1;
    anchorer_round(a);
  }
  return NULL;
}

void anchorer_init(const struct config *c)
{
  anc_n = c->n_chains;
  for (unsigned i = 0; i < anc_n; i++) {
    anc_names[i] = c->chains[i].name;
    anc_contracts[i] = strlen(c->chains[i].contract) == 42 ? c->chains[i].contract + 2 : "";
    anc_ids[i] = c->chains[i].chain_id;
  }
}

int anchorer_start(const struct config *c)
{
  anchorer_init(c);
  for (unsigned i = 0; i < c->n_chains; i++) {
    const struct config_chain *cc = &c->chains[i];
    if (!cc->contract[0] || secp_address_parse(cc->contract, anc[i].key.contract) != 0) {
      log_msg(LOG_ERROR, "chain %s: no contract is set (run `ddcd chain deploy%s%s`)", cc->name,
              c->chains_file[0] ? " --chain " : "", c->chains_file[0] ? cc->name : "");
      return -1;
    }
  }
  for (unsigned i = 0; i < c->n_chains; i++) {
    struct anchorer *a = &anc[i];
    a->cfg = c->chains[i];
    a->ready = 0;
    memcpy(a->key.name, a->cfg.name, sizeof a->key.name);
    pthread_mutex_init(&a->bg.mu, NULL);
    pthread_cond_init(&a->bg.cv, NULL);
    if (bgthread_start(&a->bg, anchorer_main, a) != 0) return -1;
  }
  return 0;
}

void anchorer_stop(void)
{
  for (unsigned i = 0; i < anc_n; i++) {
    if (!anc[i].bg.running) continue;
    bgthread_stop(&anc[i].bg);
    evm_close(&anc[i].evm);
  }
}

int anchorer_chain_known(const char *name)
{
  for (unsigned i = 0; i < anc_n; i++)
    if (!strcmp(anc_names[i], name)) return 1;
  return 0;
}

void anchorer_chains(const char *const **names, const char *const **contracts, unsigned *n)
{
  *names = anc_names;
  *contracts = anc_contracts;
  *n = anc_n;
}

enum ddc_err anchorer_list(const char *chain, int64_t after, int limit, char **json)
{
  return db_chain_anchors_json(chain, after, limit, json, NULL);
}

enum ddc_err anchorer_status(char **json, size_t *len)
{
  return db_chain_status_json(anc_names, anc_ids, anc_n, json, len);
}
