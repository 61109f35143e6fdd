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

/* Which chain (its name and id), contract and sender an anchorer works for. */
struct db_chain_key {
  char name[64];
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

/* The advisory lock of the anchorer of the chain named name (db/locks.h), held by this thread's
 * connection. */
enum ddc_err db_chain_lock(const char *name, int *taken);
/* What the anchorer saw of its node this round: the chain id and head block (0: unknown), the
 * error (NULL: none). */
enum ddc_err db_chain_status_set(const char *name, uint64_t chain_id, uint64_t head,
                                 const char *error);
/* The oldest pending anchor of the chain, if any (*found). */
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
/* For each chain (names[i] with its registry contracts[i], 40 hex digits), in that order, the
 * newest confirmed anchor in the contract whose tree holds leaf need and has at most max_size
 * leaves, as a JSON array of {name, chain_id, contract, tx_hash, block_number, tree_size, root
 * (base64), confirmed_seq}; a chain with none is left out. */
enum ddc_err db_chain_anchors_for(const char *const *names, const char *const *contracts,
                                  unsigned n, int64_t need, uint64_t max_size, char **json);
/* A page of anchors after id `after` (of the chain named chain; NULL: every chain), oldest first,
 * as {"items":[...],"next_cursor":...}. */
enum ddc_err db_chain_anchors_json(const char *chain, int64_t after, int limit, char **json,
                                   size_t *len);
/* GET /v1/chain/status of the chains names[i] (configured chain ids ids[i], 0: as the node says),
 * in that order (ddc_chain_status). */
enum ddc_err db_chain_status_json(const char *const *names, const uint64_t *ids, unsigned n,
                                  char **json, size_t *len);

#endif
