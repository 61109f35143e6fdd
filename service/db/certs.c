/* certs.c: SQL for certificates, events, signing keys, holder keys and approvals. Writes call one
 * PL/pgSQL function each (sql/functions/certificates.sql); the mint takes one more call before
 * signing to draw the ddc_id and fetch the issuer's current key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/certs.h"

const struct db_stmt db_certs_stmts[] = {
    {"ddc_ids", "SELECT nextval('ddc_id_seq') FROM generate_series(1, $1)"},
    {"current_key", "SELECT id, sealed_secret FROM issuer_keys WHERE issuer_id = $1"
                    " AND retired_at IS NULL ORDER BY id DESC LIMIT 1"},
    {"mint",
     "SELECT ddc_mint($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
     " $18)"},
    {"cert_get", "SELECT cert, document FROM ddc_cert_get($1, $2, $3)"},
    {"cert_list", "SELECT ddc_cert_list($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"},
    {"cert_events", "SELECT ddc_cert_events($1, $2, $3)"},
    {"transfer_signer", "SELECT owner_id, encode(public_key, 'hex'), version"
                        " FROM ddc_transfer_signer($1, $2, $3)"},
    {"transfer", "SELECT ddc_transfer($1, $2, $3, $4, $5, $6, $7)"},
    {"approve", "SELECT ddc_approve($1, $2, $3, $4, $5, $6, $7)"},
    {"cert_status", "SELECT ddc_cert_status($1, $2, $3, $4, $5, $6, $7, $8)"},
    {"operator_set", "SELECT ddc_operator_set($1, $2, $3, $4, $5, $6, $7)"},
    {"holder_signer",
     "SELECT encode(public_key, 'hex'), version FROM ddc_holder_signer($1, $2, $3)"},
    {"edition_transfer", "SELECT ddc_edition_transfer($1, $2, $3, $4, $5, $6, $7, $8)"},
    {"edition_burn", "SELECT ddc_edition_burn($1, $2, $3, $4, $5, $6, $7)"},
    {"edition_mint_more", "SELECT ddc_edition_mint_more($1, $2, $3, $4, $5)"},
    {"edition_balances", "SELECT ddc_edition_balances($1, $2, $3, $4, $5)"},
    {"account_editions", "SELECT ddc_account_editions($1, $2, $3, $4, $5)"},
    {"operators_list", "SELECT ddc_operators_list($1, $2, $3)"},
    {"issuer_approval_set", "SELECT ddc_issuer_approval_set($1, $2, $3, $4, $5)"},
    {"issuer_approvals_list", "SELECT ddc_issuer_approvals_list($1, $2, $3, $4)"},
    {"holder_key_set", "SELECT ddc_holder_key_set($1, $2, $3, $4)"},
    {"holder_key_get", "SELECT ddc_holder_key_get($1, $2, $3)"},
    {"key_add", "SELECT ddc_key_add($1, $2, $3, $4, $5, $6)"},
    {"key_retire", "SELECT ddc_key_retire($1, $2, $3, $4)"},
    {"keys_list", "SELECT ddc_keys_list($1)"},
    {NULL, NULL},
};

enum ddc_err db_ddc_ids(int n, int64_t *ids)
{
  struct db_params p = {0};
  db_p_int(&p, n);
  PGresult *r = db_exec("ddc_ids", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == n ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  for (int i = 0; e == DDC_ERR_OK && i < n; i++)
    ids[i] = db_int64(r, i, 0);
  PQclear(r);
  return e;
}

enum ddc_err db_current_key(int64_t issuer, int64_t *key_id, uint8_t **sealed, size_t *len)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  PGresult *r = db_exec("current_key", p.n, p.v, 1);
  db_p_free(&p);
  *key_id = 0;
  *sealed = NULL;
  if (!r) return db_failure();
  if (PQntuples(r) == 1) {
    *key_id = db_int64(r, 0, 0);
    *sealed = db_bytea_result(r, 0, 1, len);
  }
  PQclear(r);
  return *key_id && !*sealed ? DDC_ERR_INTERNAL : DDC_ERR_OK;
}

enum ddc_err db_mint(const struct db_mint_row *m, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, m->issuer);
  db_p_int(&p, m->ddc_id);
  db_p_str(&p, m->code);
  db_p_id(&p, m->owner);
  db_p_str(&p, m->kind);
  db_p_str(&p, m->document);
  db_p_bytea(&p, m->cert_hash, 32);
  db_p_bytea(&p, m->signature, 64);
  db_p_int(&p, m->key_id);
  db_p_bytea(&p, m->has_content_hash ? m->content_hash : NULL, 32);
  db_p_str(&p, m->uri);
  db_p_str(&p, m->valid_from);
  db_p_str(&p, m->valid_until);
  db_p_str(&p, m->external_ref);
  db_p_str(&p, m->issued_at);
  db_p_str(&p, m->event);
  db_p_id(&p, m->supply);
  db_p_str(&p, m->supply ? (m->mintable ? "true" : "false") : NULL);
  return db_p_json("mint", &p, 0, json, NULL);
}

enum ddc_err db_cert_get(const char *role, int64_t actor, int64_t ddc, char **json, char **document)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, ddc);
  PGresult *r = db_exec("cert_get", p.n, p.v, 1);
  db_p_free(&p);
  *json = *document = NULL;
  if (!r) return db_failure();
  if (PQntuples(r) == 1) {
    *json = strdup(PQgetvalue(r, 0, 0));
    *document = strdup(PQgetvalue(r, 0, 1));
  }
  PQclear(r);
  if (*json && *document) return DDC_ERR_OK;
  free(*json);
  free(*document);
  *json = *document = NULL;
  return DDC_ERR_INTERNAL;
}

enum ddc_err db_cert_list(const char *role, int64_t actor, const struct cert_query *q, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_id(&p, q->issuer);
  db_p_id(&p, q->owner);
  db_p_str(&p, q->status);
  db_p_str(&p, q->kind);
  db_p_int(&p, q->after);
  db_p_int(&p, q->limit);
  db_p_str(&p, q->external_ref);
  db_p_str(&p, q->q);
  db_p_str(&p, q->issued_from);
  db_p_str(&p, q->issued_to);
  db_p_str(&p, q->desc ? "true" : "false");
  return db_p_json("cert_list", &p, 1, json, NULL);
}

/* The three parameters every read or write of one thing by a caller starts with. */
static void db_p_who(struct db_params *p, const char *role, int64_t actor, int64_t id)
{
  db_p_str(p, role);
  db_p_int(p, actor);
  db_p_int(p, id);
}

enum ddc_err db_cert_events(const char *role, int64_t actor, int64_t ddc, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  return db_p_json("cert_events", &p, 1, json, NULL);
}

enum ddc_err db_transfer_signer(const char *role, int64_t actor, int64_t ddc, int64_t *owner,
                                uint8_t public_key[32], int *version)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  PGresult *r = db_exec("transfer_signer", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) {
    *owner = db_int64(r, 0, 0);
    *version = (int)db_int64(r, 0, 2);
    if (*version && codes_unhex(PQgetvalue(r, 0, 1), public_key, 32) != 0) e = DDC_ERR_INTERNAL;
  }
  PQclear(r);
  return e;
}

enum ddc_err db_transfer(const char *role, int64_t actor, int64_t ddc, int64_t to,
                         int64_t signed_owner, int signed_version, const char *nonce, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  db_p_int(&p, to);
  db_p_id(&p, signed_owner);
  db_p_id(&p, signed_version);
  db_p_str(&p, nonce);
  return db_p_json("transfer", &p, 0, json, NULL);
}

enum ddc_err db_holder_signer(const char *role, int64_t actor, int64_t holder,
                              uint8_t public_key[32], int *version)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, holder);
  PGresult *r = db_exec("holder_signer", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    *version = (int)db_int64(r, 0, 1);
    if (*version && codes_unhex(PQgetvalue(r, 0, 0), public_key, 32) != 0) e = DDC_ERR_INTERNAL;
  }
  PQclear(r);
  return e;
}

/* A signature's parameters, or NULLs (holder only when with_holder). */
static void db_p_signed(struct db_params *p, const struct db_signed *sig, int with_holder)
{
  int signed_ = sig && sig->version;
  if (with_holder) db_p_id(p, signed_ ? sig->holder : 0);
  db_p_id(p, signed_ ? sig->version : 0);
  db_p_str(p, signed_ ? sig->nonce : NULL);
}

enum ddc_err db_approve(const char *role, int64_t actor, int64_t ddc, int64_t operator_id,
                        const struct db_signed *sig, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  db_p_id(&p, operator_id);
  db_p_signed(&p, sig, 1);
  return db_p_json("approve", &p, 0, json, NULL);
}

enum ddc_err db_cert_status(const char *role, int64_t actor, int64_t ddc, const char *op,
                            const char *reason, const struct db_signed *sig, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  db_p_str(&p, op);
  db_p_str(&p, reason);
  db_p_signed(&p, sig, 1);
  return db_p_json("cert_status", &p, 0, json, NULL);
}

enum ddc_err db_operator_set(const char *role, int64_t actor, int64_t owner, int64_t operator_id,
                             int approved, const struct db_signed *sig, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, owner);
  db_p_int(&p, operator_id);
  db_p_str(&p, approved ? "true" : "false");
  db_p_signed(&p, sig, 0);
  return db_p_json("operator_set", &p, 0, json, NULL);
}

enum ddc_err db_edition_transfer(const char *role, int64_t actor, int64_t ddc, int64_t from,
                                 int64_t to, int64_t amount, const struct db_signed *sig,
                                 char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  db_p_id(&p, from);
  db_p_int(&p, to);
  db_p_int(&p, amount);
  db_p_signed(&p, sig, 0);
  return db_p_json("edition_transfer", &p, 0, json, NULL);
}

enum ddc_err db_edition_burn(const char *role, int64_t actor, int64_t ddc, int64_t from,
                             int64_t amount, const struct db_signed *sig, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  db_p_id(&p, from);
  db_p_int(&p, amount);
  db_p_signed(&p, sig, 0);
  return db_p_json("edition_burn", &p, 0, json, NULL);
}

enum ddc_err db_edition_mint_more(const char *role, int64_t actor, int64_t ddc, int64_t to,
                                  int64_t amount, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  db_p_id(&p, to);
  db_p_int(&p, amount);
  return db_p_json("edition_mint_more", &p, 0, json, NULL);
}

enum ddc_err db_edition_balances(const char *role, int64_t actor, int64_t ddc, int64_t after,
                                 int limit, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, ddc);
  db_p_int(&p, after);
  db_p_int(&p, limit);
  return db_p_json("edition_balances", &p, 1, json, NULL);
}

enum ddc_err db_account_editions(const char *role, int64_t actor, int64_t account, int64_t after,
                                 int limit, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, account);
  db_p_int(&p, after);
  db_p_int(&p, limit);
  return db_p_json("account_editions", &p, 1, json, NULL);
}

enum ddc_err db_operators_list(const char *role, int64_t actor, int64_t owner, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, owner);
  return db_p_json("operators_list", &p, 1, json, NULL);
}

enum ddc_err db_issuer_approval_set(const char *role, int64_t actor, int64_t issuer, int64_t other,
                                    int approved, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, issuer);
  db_p_int(&p, other);
  db_p_str(&p, approved ? "true" : "false");
  return db_p_json("issuer_approval_set", &p, 0, json, NULL);
}

enum ddc_err db_issuer_approvals_list(const char *role, int64_t actor, int64_t actor_issuer,
                                      int64_t issuer, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_id(&p, actor_issuer);
  db_p_int(&p, issuer);
  return db_p_json("issuer_approvals_list", &p, 1, json, NULL);
}

enum ddc_err db_holder_key_set(int64_t actor, int64_t actor_key, int64_t account,
                               const uint8_t public_key[32], char **json)
{
  struct db_params p = {0};
  db_p_int(&p, actor);
  db_p_int(&p, account);
  db_p_bytea(&p, public_key, 32);
  db_p_id(&p, actor_key);
  return db_p_json("holder_key_set", &p, 0, json, NULL);
}

enum ddc_err db_holder_key_get(const char *role, int64_t actor, int64_t account, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, account);
  return db_p_json("holder_key_get", &p, 1, json, NULL);
}

enum ddc_err db_key_add(const char *role, int64_t actor, int64_t issuer,
                        const uint8_t public_key[32], const uint8_t *sealed, size_t sealed_len,
                        int if_none, char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, issuer);
  db_p_bytea(&p, public_key, 32);
  db_p_bytea(&p, sealed, sealed_len);
  db_p_str(&p, if_none ? "true" : "false");
  return db_p_json("key_add", &p, 0, json, NULL);
}

enum ddc_err db_key_retire(const char *role, int64_t actor, int64_t issuer, int64_t key_id,
                           char **json)
{
  struct db_params p = {0};
  db_p_who(&p, role, actor, issuer);
  db_p_int(&p, key_id);
  return db_p_json("key_retire", &p, 0, json, NULL);
}

enum ddc_err db_keys_list(int64_t issuer, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  return db_p_json("keys_list", &p, 1, json, NULL);
}
