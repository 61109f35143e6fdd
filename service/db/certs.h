/* certs.h: database operations on certificates, their events, signing keys, holder keys and
 * approvals (sql/functions/certificates.sql). JSON results are malloc'ed in *json. */
#ifndef DDC_DB_CERTS_H
#define DDC_DB_CERTS_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_certs_stmts[];

/* A certificate ready to insert: the document is already canonical, hashed and signed, and its
 * mint event's canonical text written (event, event_hash; its time is issued_at). A single mint
 * hands it to ddc_mint (db_mint), a batch COPYs it (db_batch_copy_mint). */
struct db_mint_row {
  int64_t issuer, ddc_id, owner, key_id; /* owner 0: the issuer */
  const char *code, *kind, *document, *event;
  uint8_t cert_hash[32], signature[64], content_hash[32], event_hash[32];
  int has_content_hash;
  const char *uri, *valid_from, *valid_until, *external_ref, *issued_at; /* NULL: none */
  int64_t supply;                    /* an edition's units (DDC-1155); 0: a single certificate */
  int mintable;                      /* an edition that may be minted more of */
  int32_t status_list, status_index; /* a batch's row: its status-list entry (a single mint's is
                                      * drawn by ddc_mint) */
};

/* n new ddc_ids from ddc_id_seq. */
enum ddc_err db_ddc_ids(int n, int64_t *ids);
/* The issuer's current signing key: its id (0 when it has none) and the sealed secret
 * (malloc'ed). */
enum ddc_err db_current_key(int64_t issuer, int64_t *key_id, uint8_t **sealed, size_t *len);
enum ddc_err db_mint(const struct db_mint_row *m, char **json);
enum ddc_err db_cert_get(const char *role, int64_t actor, int64_t ddc, char **json,
                         char **document);
/* GET /v1/certificates: the filters and page of a list or search (NULL or 0: not given). */
struct cert_query {
  int64_t issuer, owner, after;
  const char *status, *kind, *external_ref;
  const char *q;                       /* words separated by white space, checked by the caller */
  const char *issued_from, *issued_to; /* canonical timestamps */
  int desc, limit;
};
enum ddc_err db_cert_list(const char *role, int64_t actor, const struct cert_query *q, char **json);
enum ddc_err db_cert_events(const char *role, int64_t actor, int64_t ddc, char **json);
/* The owner of a certificate and its holder key (version 0 when none), for a caller who may
 * transfer it. */
enum ddc_err db_transfer_signer(const char *role, int64_t actor, int64_t ddc, int64_t *owner,
                                uint8_t public_key[32], int *version);
/* signed_owner and signed_version 0: no holder signature; else the owner and key version the
 * signature was verified for (the transfer is refused if either changed since). */
enum ddc_err db_transfer(const char *role, int64_t actor, int64_t ddc, int64_t to,
                         int64_t signed_owner, int signed_version, const char *nonce, char **json);
/* A holder's signature on an action, as ddcd verified it: the holder and its key version (0:
 * none, the action is unsigned) and the nonce to spend. */
struct db_signed {
  int64_t holder;
  int version;
  const char *nonce;
};
/* The holder key of an account (version 0 when none), for a caller who may act for it. */
enum ddc_err db_holder_signer(const char *role, int64_t actor, int64_t holder,
                              uint8_t public_key[32], int *version);
enum ddc_err db_approve(const char *role, int64_t actor, int64_t ddc, int64_t operator_id,
                        const struct db_signed *sig, char **json);
/* op: freeze, unfreeze, revoke (with reason) or burn (sig: a holder's signature on it). */
enum ddc_err db_cert_status(const char *role, int64_t actor, int64_t ddc, const char *op,
                            const char *reason, const struct db_signed *sig, char **json);
enum ddc_err db_operator_set(const char *role, int64_t actor, int64_t owner, int64_t operator_id,
                             int approved, const struct db_signed *sig, char **json);
/* Editions (sql/functions/editions.sql): from 0 is the caller; to 0 the issuer (mint_more). */
enum ddc_err db_edition_transfer(const char *role, int64_t actor, int64_t ddc, int64_t from,
                                 int64_t to, int64_t amount, const struct db_signed *sig,
                                 char **json);
enum ddc_err db_edition_burn(const char *role, int64_t actor, int64_t ddc, int64_t from,
                             int64_t amount, const struct db_signed *sig, char **json);
enum ddc_err db_edition_mint_more(const char *role, int64_t actor, int64_t ddc, int64_t to,
                                  int64_t amount, char **json);
enum ddc_err db_edition_balances(const char *role, int64_t actor, int64_t ddc, int64_t after,
                                 int limit, char **json);
enum ddc_err db_account_editions(const char *role, int64_t actor, int64_t account, int64_t after,
                                 int limit, char **json);
enum ddc_err db_operators_list(const char *role, int64_t actor, int64_t owner, char **json);
enum ddc_err db_issuer_approval_set(const char *role, int64_t actor, int64_t issuer, int64_t other,
                                    int approved, char **json);
enum ddc_err db_issuer_approvals_list(const char *role, int64_t actor, int64_t actor_issuer,
                                      int64_t issuer, char **json);
/* actor_key as db_recharge's. */
enum ddc_err db_holder_key_set(int64_t actor, int64_t actor_key, int64_t account,
                               const uint8_t public_key[32], char **json);
enum ddc_err db_holder_key_get(const char *role, int64_t actor, int64_t account, char **json);
enum ddc_err db_key_add(const char *role, int64_t actor, int64_t issuer,
                        const uint8_t public_key[32], const uint8_t *sealed, size_t sealed_len,
                        int if_none, char **json);
enum ddc_err db_key_retire(const char *role, int64_t actor, int64_t issuer, int64_t key_id,
                           char **json);
enum ddc_err db_keys_list(int64_t issuer, char **json);

#endif
