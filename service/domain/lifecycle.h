/* lifecycle.h: what happens to a certificate after minting (transfer, approve, freeze, unfreeze,
 * revoke, burn), the units of an edition (transfer, burn, mint more: DDC-1155), and the approvals,
 * holder keys and holder signatures that govern who may move them. The rules are checked in SQL
 * under the certificate's row lock; holder signatures are verified here. Any thread with a
 * database connection may call. */
#ifndef DDC_DOMAIN_LIFECYCLE_H
#define DDC_DOMAIN_LIFECYCLE_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

#define LIFECYCLE_NONCE_MAX 64
#define LIFECYCLE_UNITS_MAX 9007199254740992LL /* 2^53 */

/* A holder's consent to one action (a meta-transaction): Ed25519 by the holder's key over
 * lifecycle_message() of that action. action: optional, the action the holder says it signed. */
struct lifecycle_holder_sig {
  const char *nonce, *deadline, *signature; /* signature: base64url of 64 bytes */
  const char *action;                       /* NULL: not stated */
};

/* The JCS text a holder signs: the members of fields (an object: the action's object and
 * arguments) with "action", "deadline" and "nonce" added, e.g. for a transfer
 * {"action":"transfer","ddc_id":D,"deadline":"...","nonce":"...","to":T}. malloc'ed. Actions and
 * their fields: transfer {ddc_id, to}; approve {ddc_id, operator_id (null clears)}; burn
 * {ddc_id}; approval_for_all {owner_id, operator_id, approved}; edition_transfer {ddc_id, from,
 * to, amount}; edition_burn {ddc_id, from, amount}. */
char *lifecycle_message(const char *action, json_t *fields, const char *nonce, const char *deadline,
                        size_t *len);
char *lifecycle_transfer_message(int64_t ddc, int64_t to, const char *nonce, const char *deadline,
                                 size_t *len);
/* A holder's signature on action over the certificate ddc (fields: the action's object, a new
 * reference, released here), checked against its owner's key, which the caller must be allowed
 * to move it for; *out what the SQL function re-checks and spends. */
struct db_signed;
enum ddc_err lifecycle_cert_sig(const struct principal *who, int64_t ddc, const char *action,
                                json_t *fields, const struct lifecycle_holder_sig *sig,
                                struct db_signed *out);
/* sig may be NULL (in all that follow). */
enum ddc_err lifecycle_transfer(const struct principal *who, int64_t ddc, int64_t to,
                                const struct lifecycle_holder_sig *sig, char **json);
/* operator_id 0 clears the approval. */
enum ddc_err lifecycle_approve(const struct principal *who, int64_t ddc, int64_t operator_id,
                               const struct lifecycle_holder_sig *sig, char **json);
/* op: "freeze", "unfreeze", "revoke" (with a reason) or "burn" (sig: only for a burn). */
enum ddc_err lifecycle_set_status(const struct principal *who, int64_t ddc, const char *op,
                                  const char *reason, const struct lifecycle_holder_sig *sig,
                                  char **json);
enum ddc_err lifecycle_operator_set(const struct principal *who, int64_t owner, int64_t operator_id,
                                    int approved, const struct lifecycle_holder_sig *sig,
                                    char **json);
enum ddc_err lifecycle_operators(const struct principal *who, int64_t owner, char **json);
enum ddc_err lifecycle_issuer_approval_set(const struct principal *who, int64_t issuer,
                                           int64_t other, int approved, char **json);
enum ddc_err lifecycle_issuer_approvals(const struct principal *who, int64_t issuer, char **json);
/* public_key: base64url of 32 bytes. */
enum ddc_err lifecycle_holder_key_set(const struct principal *who, int64_t account,
                                      const char *public_key, char **json);
enum ddc_err lifecycle_holder_key(const struct principal *who, int64_t account, char **json);

/* Editions: from 0 is the caller itself; to 0 (mint_more) the issuer itself. */
enum ddc_err lifecycle_edition_transfer(const struct principal *who, int64_t ddc, int64_t from,
                                        int64_t to, int64_t amount,
                                        const struct lifecycle_holder_sig *sig, char **json);
enum ddc_err lifecycle_edition_burn(const struct principal *who, int64_t ddc, int64_t from,
                                    int64_t amount, const struct lifecycle_holder_sig *sig,
                                    char **json);
enum ddc_err lifecycle_edition_mint_more(const struct principal *who, int64_t ddc, int64_t to,
                                         int64_t amount, char **json);
enum ddc_err lifecycle_edition_balances(const struct principal *who, int64_t ddc, int64_t after,
                                        int limit, char **json);
enum ddc_err lifecycle_account_editions(const struct principal *who, int64_t account, int64_t after,
                                        int limit, char **json);

#endif
