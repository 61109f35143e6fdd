/* chain.c: SQL for chain anchoring (sql/functions/chain.sql). Hashes and addresses travel as hex.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/chain.h"
#include "db/locks.h"

/* A page of anchors, $1 the cursor, $2 the limit, rows of `page` (clang-format off) */
#define DB_CHAIN_PAGE                                                                              \
  " SELECT json_build_object('items', coalesce(json_agg(json_build_object("                        \
  "'id', id, 'chain', chain, 'chain_id', chain_id, 'contract', '0x' || encode(contract, 'hex'),"   \
  " 'tree_size', tree_size, 'root', encode(root, 'hex'), 'status', status,"                        \
  " 'tx_hash', '0x' || encode(tx_hash, 'hex'), 'block_number', block_number,"                      \
  " 'created_at', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"       \
  " 'settled_at', to_char(settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"       \
  " ORDER BY id) FILTER (WHERE n <= $2), '[]'),"                                                   \
  " 'next_cursor', CASE WHEN count(*) > $2 THEN (max(id) FILTER (WHERE n <= $2))::text END)"       \
  " FROM (SELECT *, row_number() OVER (ORDER BY id) AS n FROM page) p"

const struct db_stmt db_chain_stmts[] = {
    {"chain_lock", DB_LOCK_CHAIN_SQL},
    {"chain_status_set", "SELECT ddc_chain_status_set($1, $2, $3, $4)"},
    {"chain_pending", "SELECT id, nonce, tree_size, encode(root, 'hex') FROM chain_anchors"
                      " WHERE chain_id = $1 AND contract = $2 AND sender = $3 AND chain = $4"
                      " AND status = 'pending' ORDER BY nonce LIMIT 1"},
    {"chain_txs", "SELECT encode(tx_hash, 'hex'), encode(raw, 'hex'), tx_type, gas, gas_price,"
                  " max_fee, max_priority_fee, extract(epoch FROM clock_timestamp() - sent_at)"
                  " FROM chain_txs WHERE anchor_id = $1 ORDER BY sent_at DESC LIMIT 16"},
    {"chain_anchored_size", "SELECT coalesce(max(tree_size), 0) FROM chain_anchors"
                            " WHERE chain_id = $1 AND contract = $2 AND chain = $3"
                            " AND status <> 'failed'"},
    {"chain_nonce_take", "SELECT ddc_chain_nonce_take($1, $2, $3)"},
    {"chain_anchor_add",
     "SELECT coalesce(ddc_chain_anchor_add($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
     " $14), 0)"},
    {"chain_tx_replace", "SELECT ddc_chain_tx_replace($1, $2, $3, $4, $5, $6, $7, $8)"},
    {"chain_settle", "SELECT coalesce(ddc_chain_anchor_settle($1, $2, $3, $4), false)"},
    {"chain_anchors", "WITH page AS (SELECT * FROM chain_anchors WHERE id > $1 ORDER BY id LIMIT "
                      "$2 + 1)" DB_CHAIN_PAGE},
    {"chain_anchors_of",
     "WITH page AS (SELECT * FROM chain_anchors WHERE chain = $3 AND id > $1 ORDER BY id"
     " LIMIT $2 + 1)" DB_CHAIN_PAGE},
    {"chain_anchors_for",
     "SELECT coalesce(json_agg(json_build_object('name', c.name, 'chain_id', a.chain_id,"
     " 'contract', '0x' || encode(a.contract, 'hex'), 'tx_hash', '0x' || encode(a.tx_hash, 'hex'),"
     " 'block_number', a.block_number, 'tree_size', a.tree_size,"
     " 'root', encode(a.root, 'base64'), 'confirmed_seq', a.confirmed_seq) ORDER BY c.n), '[]')"
     " FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS c(name, contract, n)"
     " CROSS JOIN LATERAL (SELECT * FROM chain_anchors x WHERE x.chain = c.name"
     " AND x.status = 'confirmed' AND x.tree_size > $1 AND x.tree_size <= $2"
     " AND x.contract = decode(c.contract, 'hex') ORDER BY x.tree_size DESC LIMIT 1) a"},
    {"chain_status", "SELECT ddc_chain_status($1::text[], $2::bigint[])"},
    {NULL, NULL},
};

/* The (chain, contract, sender) parameters. */
static void db_chain_key_params(struct db_params *p, const struct db_chain_key *k, int contract,
                                int sender)
{
  db_p_int(p, (int64_t)k->chain_id);
  if (contract) db_p_bytea(p, k->contract, sizeof k->contract);
  if (sender) db_p_bytea(p, k->sender, sizeof k->sender);
}

/* A one-row, one-column statement's value as an integer (booleans as 1/0). */
static enum ddc_err db_chain_scalar(const char *stmt, struct db_params *p, int read_only,
                                    int64_t *v)
{
  PGresult *r = db_exec(stmt, p->n, p->v, read_only);
  db_p_free(p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    const char *t = PQgetvalue(r, 0, 0);
    *v = strcmp(t, "t") == 0 ? 1 : strcmp(t, "f") == 0 ? 0 : db_int64(r, 0, 0);
  }
  PQclear(r);
  return e;
}

enum ddc_err db_chain_lock(const char *name, int *taken)
{
  struct db_params p = {0};
  int64_t v = 0;
  db_p_str(&p, name);
  enum ddc_err e = db_chain_scalar("chain_lock", &p, 0, &v);
  *taken = e == DDC_ERR_OK && v == 1;
  return e;
}

enum ddc_err db_chain_status_set(const char *name, uint64_t chain_id, uint64_t head,
                                 const char *error)
{
  struct db_params p = {0};
  db_p_str(&p, name);
  db_p_int(&p, (int64_t)chain_id);
  db_p_int(&p, (int64_t)head);
  db_p_str(&p, error);
  PGresult *r = db_exec("chain_status_set", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

/* Reads the pending anchor's transactions, newest first. */
static enum ddc_err db_chain_txs(struct db_chain_pending *p)
{
  struct db_params q = {0};
  db_p_int(&q, p->id);
  PGresult *r = db_exec("chain_txs", q.n, q.v, 1);
  db_p_free(&q);
  if (!r) return db_failure();
  enum ddc_err e = DDC_ERR_OK;
  for (int i = 0; e == DDC_ERR_OK && i < PQntuples(r) && i < DB_CHAIN_TX_MAX; i++) {
    struct db_chain_tx *t = &p->tx[i];
    const char *raw = PQgetvalue(r, i, 1);
    t->raw_len = strlen(raw) / 2;
    t->raw = malloc(t->raw_len ? t->raw_len : 1);
    p->ntx = i + 1;
    if (!t->raw || codes_unhex(PQgetvalue(r, i, 0), t->hash, 32) != 0 ||
        codes_unhex(raw, t->raw, t->raw_len) != 0)
      e = DDC_ERR_INTERNAL;
    t->type = (int)db_int64(r, i, 2);
    t->gas = (uint64_t)db_int64(r, i, 3);
    t->gas_price = (uint64_t)db_int64(r, i, 4);
    t->max_fee = (uint64_t)db_int64(r, i, 5);
    t->max_priority_fee = (uint64_t)db_int64(r, i, 6);
    t->age_s = atof(PQgetvalue(r, i, 7));
  }
  PQclear(r);
  return e;
}

enum ddc_err db_chain_pending(const struct db_chain_key *k, struct db_chain_pending *p, int *found)
{
  struct db_params q = {0};
  memset(p, 0, sizeof *p);
  *found = 0;
  db_chain_key_params(&q, k, 1, 1);
  db_p_str(&q, k->name);
  PGresult *r = db_exec("chain_pending", q.n, q.v, 1);
  db_p_free(&q);
  if (!r) return db_failure();
  enum ddc_err e = DDC_ERR_OK;
  if (PQntuples(r) == 1) {
    p->id = db_int64(r, 0, 0);
    p->nonce = (uint64_t)db_int64(r, 0, 1);
    p->tree_size = (uint64_t)db_int64(r, 0, 2);
    e = codes_unhex(PQgetvalue(r, 0, 3), p->root, 32) == 0 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
    *found = 1;
  }
  PQclear(r);
  if (e == DDC_ERR_OK && *found) e = db_chain_txs(p);
  return e;
}

void db_chain_pending_free(struct db_chain_pending *p)
{
  for (int i = 0; i < p->ntx; i++)
    free(p->tx[i].raw);
  p->ntx = 0;
}

enum ddc_err db_chain_anchored_size(const struct db_chain_key *k, uint64_t *size)
{
  struct db_params p = {0};
  int64_t v = 0;
  db_chain_key_params(&p, k, 1, 0);
  db_p_str(&p, k->name);
  enum ddc_err e = db_chain_scalar("chain_anchored_size", &p, 1, &v);
  *size = (uint64_t)v;
  return e;
}

enum ddc_err db_chain_nonce_take(const struct db_chain_key *k, uint64_t seed, uint64_t *nonce)
{
  struct db_params p = {0};
  int64_t v = 0;
  db_chain_key_params(&p, k, 0, 1);
  db_p_int(&p, (int64_t)seed);
  enum ddc_err e = db_chain_scalar("chain_nonce_take", &p, 0, &v);
  *nonce = (uint64_t)v;
  return e;
}

/* The transaction's columns: hash, raw, type, gas, gas price, max fee, tip. */
static void db_chain_tx_params(struct db_params *p, const struct db_chain_tx *tx)
{
  db_p_bytea(p, tx->hash, 32);
  db_p_bytea(p, tx->raw, tx->raw_len);
  db_p_int(p, tx->type);
  db_p_int(p, (int64_t)tx->gas);
  db_p_int(p, (int64_t)tx->gas_price);
  db_p_int(p, (int64_t)tx->max_fee);
  db_p_int(p, (int64_t)tx->max_priority_fee);
}

enum ddc_err db_chain_anchor_add(const struct db_chain_key *k, uint64_t nonce, uint64_t size,
                                 const uint8_t root[32], const struct db_chain_tx *tx, int64_t *id)
{
  struct db_params p = {0};
  db_chain_key_params(&p, k, 1, 1);
  db_p_int(&p, (int64_t)nonce);
  db_p_int(&p, (int64_t)size);
  db_p_bytea(&p, root, 32);
  db_chain_tx_params(&p, tx);
  db_p_str(&p, k->name);
  return db_chain_scalar("chain_anchor_add", &p, 0, id);
}

enum ddc_err db_chain_tx_replace(int64_t anchor, const struct db_chain_tx *tx, int *ok)
{
  struct db_params p = {0};
  int64_t v = 0;
  db_p_int(&p, anchor);
  db_chain_tx_params(&p, tx);
  enum ddc_err e = db_chain_scalar("chain_tx_replace", &p, 0, &v);
  *ok = v == 1;
  return e;
}

enum ddc_err db_chain_settle(int64_t anchor, const char *status, const uint8_t tx[32],
                             uint64_t block)
{
  struct db_params p = {0};
  int64_t v = 0;
  db_p_int(&p, anchor);
  db_p_str(&p, status);
  db_p_bytea(&p, tx, 32);
  db_p_int(&p, (int64_t)block);
  return db_chain_scalar("chain_settle", &p, 0, &v);
}

enum ddc_err db_chain_anchors_json(const char *chain, int64_t after, int limit, char **json,
                                   size_t *len)
{
  struct db_params p = {0};
  db_p_int(&p, after);
  db_p_int(&p, limit);
  if (chain) db_p_str(&p, chain);
  return db_p_json(chain ? "chain_anchors_of" : "chain_anchors", &p, 1, json, len);
}

/* A PostgreSQL array literal of n strings with no quote or backslash (names, hex) or numbers;
 * malloc'ed. */
static char *db_chain_array(const char *const *s, const uint64_t *u, unsigned n)
{
  size_t cap = 3;
  for (unsigned i = 0; i < n; i++)
    cap += (s ? strlen(s[i]) : 20) + 3;
  char *a = malloc(cap), *p = a;
  if (!a) return NULL;
  *p++ = '{';
  for (unsigned i = 0; i < n; i++)
    p += s ? sprintf(p, "%s\"%s\"", i ? "," : "", s[i])
           : sprintf(p, "%s%llu", i ? "," : "", (unsigned long long)u[i]);
  strcpy(p, "}");
  return a;
}

enum ddc_err db_chain_anchors_for(const char *const *names, const char *const *contracts,
                                  unsigned n, int64_t need, uint64_t max_size, char **json)
{
  struct db_params p = {0};
  char *a = db_chain_array(names, NULL, n), *b = db_chain_array(contracts, NULL, n);
  *json = NULL;
  if (!a || !b) {
    free(a);
    free(b);
    return DDC_ERR_INTERNAL;
  }
  db_p_int(&p, need);
  db_p_int(&p, (int64_t)max_size);
  db_p_str(&p, a);
  db_p_str(&p, b);
  enum ddc_err e = db_p_json("chain_anchors_for", &p, 1, json, NULL);
  free(a);
  free(b);
  return e;
}

enum ddc_err db_chain_status_json(const char *const *names, const uint64_t *ids, unsigned n,
                                  char **json, size_t *len)
{
  struct db_params p = {0};
  char *a = db_chain_array(names, NULL, n), *b = db_chain_array(NULL, ids, n);
  enum ddc_err e = a && b ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    db_p_str(&p, a);
    db_p_str(&p, b);
    e = db_p_json("chain_status", &p, 1, json, len);
  }
  free(a);
  free(b);
  return e;
}
