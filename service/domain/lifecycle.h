/* lifecycle.h: what happens to a certificate after minting (transfer, approve, freeze, unfreeze,
 * revoke, burn) and the approvals and holder keys that govern who may move it. The rules are
 * checked in SQL under the certificate's row lock; holder signatures are verified here. */
#ifndef DDC_DOMAIN_LIFECYCLE_H
#define DDC_DOMAIN_LIFECYCLE_H
#include <stddef.h>
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

#define LIFECYCLE_NONCE_MAX 64

/* A holder's consent to one transfer: Ed25519 over lifecycle_transfer_message(). */
struct lifecycle_holder_sig {
  const char *nonce, *deadline, *signature; /* signature: base64url of 64 bytes */
};

/* The JCS text a holder signs to allow moving ddc to `to`:
 * {"action":"transfer","ddc_id":D,"deadline":"...","nonce":"...","to":T}. malloc'ed. */
char *lifecycle_transfer_message(int64_t ddc, int64_t to, const char *nonce, const char *deadline,
                                 size_t *len);
/* sig may be NULL. */
enum ddc_err lifecycle_transfer(const struct principal *who, int64_t ddc, int64_t to,
                                const struct lifecycle_holder_sig *sig, char **json);
/* operator_id 0 clears the approval. */
enum ddc_err lifecycle_approve(const struct principal *who, int64_t ddc, int64_t operator_id,
                               char **json);
/* op: "freeze", "unfreeze", "revoke" (with a reason) or "burn". */
enum ddc_err lifecycle_set_status(const struct principal *who, int64_t ddc, const char *op,
                                  const char *reason, char **json);
enum ddc_err lifecycle_operator_set(const struct principal *who, int64_t owner, int64_t operator_id,
                                    int approved, char **json);
enum ddc_err lifecycle_operators(const struct principal *who, int64_t owner, char **json);
enum ddc_err lifecycle_issuer_approval_set(const struct principal *who, int64_t issuer,
                                           int64_t other, int approved, char **json);
enum ddc_err lifecycle_issuer_approvals(const struct principal *who, int64_t issuer, char **json);
/* public_key: base64url of 32 bytes. */
enum ddc_err lifecycle_holder_key_set(const struct principal *who, int64_t account,
                                      const char *public_key, char **json);
enum ddc_err lifecycle_holder_key(const struct principal *who, int64_t account, char **json);

#endif
