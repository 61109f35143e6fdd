/* chain.h: database operations of chain anchoring (sql/functions/chain.sql): the anchorer's lock,
 * the sender's nonce, anchors and the transactions sent for them, and the public list. */
#ifndef DDC_DB_CHAIN_H
#define DDC_DB_CHAIN_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

#define DB_CHAIN_TX_MAX 16 /* newest transactions of a pending anchor looked at */

extern const struct db_stmt db_chain_stmts[];

/* Which chain, contract and sender an anchorer works for. */
struct db_chain_key {
  uint64_t chain_id;
  uint8_t contract[20], sender[20];
};

struct db_chain_tx {
  uint8_t hash[32];
  uint8_t *raw; /* malloc'ed */
  size_t raw_len;
  int type;
  uint64_t gas, gas_price, max_fee, max_priority_fee;
  double age_s; /* since it was first sent */
};

struct db_chain_pending {
  int64_t id;
  uint64_t nonce, tree_size;
  uint8_t root[32];
  int ntx; /* newest first */
  struct db_chain_tx tx[DB_CHAIN_TX_MAX];
};

/* The anchorer's advisory lock (db/locks.h), held by this thread's connection. */
enum ddc_err db_chain_lock(int *taken);
/* The oldest pending anchor, if any (*found). */
enum ddc_err db_chain_pending(const struct db_chain_key *k, struct db_chain_pending *p, int *found);
void db_chain_pending_free(struct db_chain_pending *p);
/* The largest tree size anchored or being anchored (0: none). */
enum ddc_err db_chain_anchored_size(const struct db_chain_key *k, uint64_t *size);
/* Takes the next nonce (seed starts a new sender); inside the caller's transaction. */
enum ddc_err db_chain_nonce_take(const struct db_chain_key *k, uint64_t seed, uint64_t *nonce);
/* Stores a new anchor and its first transaction; *id 0 if the root is already anchored. */
enum ddc_err db_chain_anchor_add(const struct db_chain_key *k, uint64_t nonce, uint64_t size,
                                 const uint8_t root[32], const struct db_chain_tx *tx, int64_t *id);
/* Stores a replacement transaction; *ok 0 if the anchor is no longer pending. */
enum ddc_err db_chain_tx_replace(int64_t anchor, const struct db_chain_tx *tx, int *ok);
/* Settles a pending anchor: "confirmed" or "failed", with the mined transaction and block. */
enum ddc_err db_chain_settle(int64_t anchor, const char *status, const uint8_t tx[32],
                             uint64_t block);
/* A page of anchors after id `after`, oldest first, as {"items":[...],"next_cursor":...}. */
/* The newest confirmed anchor in the contract (40 hex digits) on chain_id (0: the chain of the
 * contract's newest anchor) whose tree holds leaf need and has at most max_size leaves, as JSON
 * {chain_id, contract, tx_hash, block_number, tree_size, root (base64)}; NOT_FOUND when none. */
enum ddc_err db_chain_anchor_for(uint64_t chain_id, const char *contract, int64_t need,
                                 uint64_t max_size, char **json);
enum ddc_err db_chain_anchors_json(int64_t after, int limit, char **json, size_t *len);

#endif
