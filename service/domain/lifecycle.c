/* lifecycle.c: certificate operations after the mint, approvals and holder keys. A holder
 * signature is checked here (deadline, Ed25519 over the JCS message); its nonce is spent and the
 * key version re-checked in ddc_transfer, in the same transaction as the move. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "db/certs.h"
#include "domain/lifecycle.h"
#include "ledger/statuspub.h"
#include "timefmt.h"

char *lifecycle_transfer_message(int64_t ddc, int64_t to, const char *nonce, const char *deadline,
                                 size_t *len)
{
  json_t *m =
      json_pack("{s:s, s:I, s:s, s:s, s:I}", "action", "transfer", "ddc_id", (json_int_t)ddc,
                "deadline", deadline, "nonce", nonce, "to", (json_int_t)to);
  char *text = m ? jcs_canonicalize(m, len) : NULL;
  json_decref(m);
  return text;
}

/* Verifies the holder's signature; *version gets the key version it was checked against. */
static enum ddc_err lifecycle_check_sig(const struct principal *who, int64_t ddc, int64_t to,
                                        const struct lifecycle_holder_sig *sig, int64_t *owner,
                                        int *version)
{
  int64_t deadline;
  uint8_t pk[32], raw[64];
  enum ddc_err e =
      db_transfer_signer(role_name(who->role), who->account_id, ddc, owner, pk, version);
  if (e != DDC_ERR_OK) return e;
  if (!*version)
    return errors_refuse(DDC_ERR_HOLDER_KEY_NOT_SET, "holder_signature",
                         "the owner has no holder key; send the transfer without a signature");
  if (timefmt_parse(sig->deadline, &deadline) != 0 || deadline <= timefmt_now())
    return errors_refuse(DDC_ERR_HOLDER_SIGNATURE_EXPIRED, "holder_signature.deadline",
                         "the deadline has passed");
  if (codes_unbase64url(sig->signature, raw, sizeof raw) != 0)
    return errors_refuse(DDC_ERR_HOLDER_SIGNATURE_INVALID, "holder_signature.signature",
                         "signature must be 64 bytes in unpadded base64url");
  size_t len;
  char *msg = lifecycle_transfer_message(ddc, to, sig->nonce, sig->deadline, &len);
  if (!msg) return DDC_ERR_INTERNAL;
  int ok = crypto_sign_verify_detached(raw, (const uint8_t *)msg, len, pk) == 0;
  free(msg);
  return ok ? DDC_ERR_OK
            : errors_refuse(DDC_ERR_HOLDER_SIGNATURE_INVALID, "holder_signature.signature",
                            "the signature does not verify with the owner's holder key over "
                            "the JCS of {action, ddc_id, deadline, nonce, to}");
}

enum ddc_err lifecycle_transfer(const struct principal *who, int64_t ddc, int64_t to,
                                const struct lifecycle_holder_sig *sig, char **json)
{
  int version = 0;
  int64_t owner = 0;
  *json = NULL;
  if (sig) {
    enum ddc_err e = lifecycle_check_sig(who, ddc, to, sig, &owner, &version);
    if (e != DDC_ERR_OK) return e;
  }
  return db_transfer(role_name(who->role), who->account_id, ddc, to, owner, version,
                     sig ? sig->nonce : NULL, json);
}

enum ddc_err lifecycle_approve(const struct principal *who, int64_t ddc, int64_t operator_id,
                               char **json)
{
  return db_approve(role_name(who->role), who->account_id, ddc, operator_id, json);
}

enum ddc_err lifecycle_set_status(const struct principal *who, int64_t ddc, const char *op,
                                  const char *reason, char **json)
{
  enum ddc_err e = db_cert_status(role_name(who->role), who->account_id, ddc, op, reason, json);
  if (e == DDC_ERR_OK) statuspub_poke(); /* the certificate's status list changed */
  return e;
}

enum ddc_err lifecycle_operator_set(const struct principal *who, int64_t owner, int64_t operator_id,
                                    int approved, char **json)
{
  return db_operator_set(role_name(who->role), who->account_id, owner, operator_id, approved, json);
}

enum ddc_err lifecycle_operators(const struct principal *who, int64_t owner, char **json)
{
  return db_operators_list(role_name(who->role), who->account_id, owner, json);
}

enum ddc_err lifecycle_issuer_approval_set(const struct principal *who, int64_t issuer,
                                           int64_t other, int approved, char **json)
{
  return db_issuer_approval_set(role_name(who->role), who->account_id, issuer, other, approved,
                                json);
}

enum ddc_err lifecycle_issuer_approvals(const struct principal *who, int64_t issuer, char **json)
{
  return db_issuer_approvals_list(role_name(who->role), who->account_id, who->issuer_id, issuer,
                                  json);
}

enum ddc_err lifecycle_holder_key_set(const struct principal *who, int64_t account,
                                      const char *public_key, char **json)
{
  uint8_t pk[32];
  *json = NULL;
  if (codes_unbase64url(public_key, pk, sizeof pk) != 0)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "public_key",
                         "public_key must be an Ed25519 key: 32 bytes in unpadded base64url");
  return db_holder_key_set(who->account_id, who->key_id, account, pk, json);
}

enum ddc_err lifecycle_holder_key(const struct principal *who, int64_t account, char **json)
{
  return db_holder_key_get(role_name(who->role), who->account_id, account, json);
}
