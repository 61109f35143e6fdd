/* lifecycle.c: certificate operations after the mint, edition units, approvals and holder keys.
 * A holder signature is checked here (the action it names, deadline, Ed25519 over the JCS
 * message); its nonce is spent and the key version re-checked in SQL, in the same transaction as
 * the action. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "db/certs.h"
#include "domain/lifecycle.h"
#include "ledger/statuspub.h"
#include "timefmt.h"

char *lifecycle_message(const char *action, json_t *fields, const char *nonce, const char *deadline,
                        size_t *len)
{
  json_t *m = json_deep_copy(fields);
  if (!m || json_object_set_new(m, "action", json_string(action)) ||
      json_object_set_new(m, "deadline", json_string(deadline)) ||
      json_object_set_new(m, "nonce", json_string(nonce))) {
    json_decref(m);
    return NULL;
  }
  char *text = jcs_canonicalize(m, len);
  json_decref(m);
  return text;
}

char *lifecycle_transfer_message(int64_t ddc, int64_t to, const char *nonce, const char *deadline,
                                 size_t *len)
{
  json_t *f = json_pack("{s:I, s:I}", "ddc_id", (json_int_t)ddc, "to", (json_int_t)to);
  char *text = f ? lifecycle_message("transfer", f, nonce, deadline, len) : NULL;
  json_decref(f);
  return text;
}

/* Verifies a holder's signature on action (its fields: a new reference, released here) with the
 * holder key pk of the given version (0: the holder has none). */
static enum ddc_err lifecycle_verify(const uint8_t pk[32], int version, const char *action,
                                     json_t *fields, const struct lifecycle_holder_sig *sig)
{
  int64_t deadline;
  uint8_t raw[64];
  enum ddc_err e = DDC_ERR_OK;
  if (!version)
    e = errors_refuse(DDC_ERR_HOLDER_KEY_NOT_SET, "holder_signature",
                      "the holder has no holder key; send the %s without a signature", action);
  else if (sig->action && strcmp(sig->action, action) != 0)
    e = errors_refuse(DDC_ERR_HOLDER_SIGNATURE_INVALID, "holder_signature.action",
                      "the signature is for the action %.40s; this request is a %s", sig->action,
                      action);
  else if (timefmt_parse(sig->deadline, &deadline) != 0 || deadline <= timefmt_now())
    e = errors_refuse(DDC_ERR_HOLDER_SIGNATURE_EXPIRED, "holder_signature.deadline",
                      "the deadline has passed");
  else if (codes_unbase64url(sig->signature, raw, sizeof raw) != 0)
    e = errors_refuse(DDC_ERR_HOLDER_SIGNATURE_INVALID, "holder_signature.signature",
                      "signature must be 64 bytes in unpadded base64url");
  size_t len;
  char *msg = e == DDC_ERR_OK && fields
                  ? lifecycle_message(action, fields, sig->nonce, sig->deadline, &len)
                  : NULL;
  if (e == DDC_ERR_OK && !msg) e = DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK && crypto_sign_verify_detached(raw, (const uint8_t *)msg, len, pk) != 0)
    e = errors_refuse(DDC_ERR_HOLDER_SIGNATURE_INVALID, "holder_signature.signature",
                      "the signature does not verify with the holder's key over %.300s (signed "
                      "for another action or object, other arguments, or with another key)",
                      msg);
  free(msg);
  json_decref(fields);
  return e;
}

enum ddc_err lifecycle_cert_sig(const struct principal *who, int64_t ddc, const char *action,
                                json_t *fields, const struct lifecycle_holder_sig *sig,
                                struct db_signed *out)
{
  uint8_t pk[32];
  enum ddc_err e = db_transfer_signer(role_name(who->role), who->account_id, ddc, &out->holder, pk,
                                      &out->version);
  if (e != DDC_ERR_OK) {
    json_decref(fields);
    return e;
  }
  out->nonce = sig->nonce;
  return lifecycle_verify(pk, out->version, action, fields, sig);
}

/* The same for a signature by the account holder (edition units, approvals for all). */
static enum ddc_err lifecycle_holder_sig(const struct principal *who, int64_t holder,
                                         const char *action, json_t *fields,
                                         const struct lifecycle_holder_sig *sig,
                                         struct db_signed *out)
{
  uint8_t pk[32];
  out->holder = holder;
  out->nonce = sig->nonce;
  enum ddc_err e =
      db_holder_signer(role_name(who->role), who->account_id, holder, pk, &out->version);
  if (e != DDC_ERR_OK) {
    json_decref(fields);
    return e;
  }
  return lifecycle_verify(pk, out->version, action, fields, sig);
}

enum ddc_err lifecycle_transfer(const struct principal *who, int64_t ddc, int64_t to,
                                const struct lifecycle_holder_sig *sig, char **json)
{
  struct db_signed s = {0};
  *json = NULL;
  if (sig) {
    json_t *f = json_pack("{s:I, s:I}", "ddc_id", (json_int_t)ddc, "to", (json_int_t)to);
    enum ddc_err e = lifecycle_cert_sig(who, ddc, "transfer", f, sig, &s);
    if (e != DDC_ERR_OK) return e;
  }
  return db_transfer(role_name(who->role), who->account_id, ddc, to, s.holder, s.version,
                     sig ? sig->nonce : NULL, json);
}

enum ddc_err lifecycle_approve(const struct principal *who, int64_t ddc, int64_t operator_id,
                               const struct lifecycle_holder_sig *sig, char **json)
{
  struct db_signed s = {0};
  *json = NULL;
  if (sig) {
    json_t *f = json_pack("{s:I, s:o}", "ddc_id", (json_int_t)ddc, "operator_id",
                          operator_id ? json_integer(operator_id) : json_null());
    enum ddc_err e = lifecycle_cert_sig(who, ddc, "approve", f, sig, &s);
    if (e != DDC_ERR_OK) return e;
  }
  return db_approve(role_name(who->role), who->account_id, ddc, operator_id, &s, json);
}

enum ddc_err lifecycle_set_status(const struct principal *who, int64_t ddc, const char *op,
                                  const char *reason, const struct lifecycle_holder_sig *sig,
                                  char **json)
{
  struct db_signed s = {0};
  *json = NULL;
  if (sig) {
    json_t *f = json_pack("{s:I}", "ddc_id", (json_int_t)ddc);
    enum ddc_err e = lifecycle_cert_sig(who, ddc, op, f, sig, &s);
    if (e != DDC_ERR_OK) return e;
  }
  enum ddc_err e = db_cert_status(role_name(who->role), who->account_id, ddc, op, reason, &s, json);
  if (e == DDC_ERR_OK) statuspub_poke(); /* the certificate's status list changed */
  return e;
}

enum ddc_err lifecycle_operator_set(const struct principal *who, int64_t owner, int64_t operator_id,
                                    int approved, const struct lifecycle_holder_sig *sig,
                                    char **json)
{
  struct db_signed s = {0};
  *json = NULL;
  if (sig) {
    json_t *f = json_pack("{s:I, s:I, s:b}", "owner_id", (json_int_t)owner, "operator_id",
                          (json_int_t)operator_id, "approved", approved);
    enum ddc_err e = lifecycle_holder_sig(who, owner, "approval_for_all", f, sig, &s);
    if (e != DDC_ERR_OK) return e;
  }
  return db_operator_set(role_name(who->role), who->account_id, owner, operator_id, approved, &s,
                         json);
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

enum ddc_err lifecycle_edition_transfer(const struct principal *who, int64_t ddc, int64_t from,
                                        int64_t to, int64_t amount,
                                        const struct lifecycle_holder_sig *sig, char **json)
{
  struct db_signed s = {0};
  int64_t holder = from ? from : who->account_id;
  *json = NULL;
  if (sig) {
    json_t *f = json_pack("{s:I, s:I, s:I, s:I}", "ddc_id", (json_int_t)ddc, "from",
                          (json_int_t)holder, "to", (json_int_t)to, "amount", (json_int_t)amount);
    enum ddc_err e = lifecycle_holder_sig(who, holder, "edition_transfer", f, sig, &s);
    if (e != DDC_ERR_OK) return e;
  }
  return db_edition_transfer(role_name(who->role), who->account_id, ddc, from, to, amount, &s,
                             json);
}

enum ddc_err lifecycle_edition_burn(const struct principal *who, int64_t ddc, int64_t from,
                                    int64_t amount, const struct lifecycle_holder_sig *sig,
                                    char **json)
{
  struct db_signed s = {0};
  int64_t holder = from ? from : who->account_id;
  *json = NULL;
  if (sig) {
    json_t *f = json_pack("{s:I, s:I, s:I}", "ddc_id", (json_int_t)ddc, "from", (json_int_t)holder,
                          "amount", (json_int_t)amount);
    enum ddc_err e = lifecycle_holder_sig(who, holder, "edition_burn", f, sig, &s);
    if (e != DDC_ERR_OK) return e;
  }
  return db_edition_burn(role_name(who->role), who->account_id, ddc, from, amount, &s, json);
}

enum ddc_err lifecycle_edition_mint_more(const struct principal *who, int64_t ddc, int64_t to,
                                         int64_t amount, char **json)
{
  return db_edition_mint_more(role_name(who->role), who->account_id, ddc, to, amount, json);
}

enum ddc_err lifecycle_edition_balances(const struct principal *who, int64_t ddc, int64_t after,
                                        int limit, char **json)
{
  return db_edition_balances(role_name(who->role), who->account_id, ddc, after, limit, json);
}

enum ddc_err lifecycle_account_editions(const struct principal *who, int64_t account, int64_t after,
                                        int limit, char **json)
{
  return db_account_editions(role_name(who->role), who->account_id, account, after, limit, json);
}
