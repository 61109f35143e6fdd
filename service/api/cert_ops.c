/* cert_ops.c: POST /v1/certificates/{ddc_id}/transfer, approve, freeze, unfreeze, revoke, burn,
 * and the holder_signature member that any holder action may carry (api_holder_sig). */
#include "api/api.h"
#include "domain/lifecycle.h"
#include "http/body.h"
#include "http/reply.h"
#include <string.h>

static const struct field_spec transfer_fields[] = {
    {"to", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
    {NULL},
};

static const struct field_spec holder_sig_fields[] = {
    {"nonce", FIELD_STRING, 1, 0, 1, LIFECYCLE_NONCE_MAX},
    {"deadline", FIELD_TIME, 1, 0, 0, 0},
    {"signature", FIELD_STRING, 1, 0, 86, 86},
    {"action", FIELD_STRING, 0, 1, 1, 40},
    {NULL},
};

int api_holder_sig(struct req *r, json_t *body, struct lifecycle_holder_sig *hs)
{
  json_t *sig = json_object_get(body, "holder_signature");
  if (!json_is_object(sig)) return 0;
  if (body_fields_in(r, sig, holder_sig_fields, "holder_signature.") != 0) return -1;
  *hs = (struct lifecycle_holder_sig){body_str(sig, "nonce"), body_str(sig, "deadline"),
                                      body_str(sig, "signature"), body_str(sig, "action")};
  return 1;
}

/* The body checked against fields (which must list holder_signature) and its holder signature:
 * the body, with *sig NULL or hs; NULL with a 400 queued. */
json_t *api_body_signed(struct req *r, const struct field_spec *fields,
                        struct lifecycle_holder_sig *hs, const struct lifecycle_holder_sig **sig)
{
  json_t *body = body_object(r);
  int n = body && body_fields(r, body, fields) == 0 ? api_holder_sig(r, body, hs) : -1;
  *sig = n == 1 ? hs : NULL;
  if (n >= 0) return body;
  json_decref(body);
  return NULL;
}

void api_certs_transfer(struct req *r)
{
  int64_t ddc;
  struct lifecycle_holder_sig hs;
  const struct lifecycle_holder_sig *sig;
  json_t *body = path_id(r, 0, &ddc) == 0 ? api_body_signed(r, transfer_fields, &hs, &sig) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_transfer(&r->who, ddc, body_int(body, "to"), sig, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

static const struct field_spec approve_fields[] = {
    {"operator_id", FIELD_INT, 1, 1, 1, INT64_MAX},
    {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
    {NULL},
};

void api_certs_approve(struct req *r)
{
  int64_t ddc;
  struct lifecycle_holder_sig hs;
  const struct lifecycle_holder_sig *sig;
  json_t *body = path_id(r, 0, &ddc) == 0 ? api_body_signed(r, approve_fields, &hs, &sig) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_approve(&r->who, ddc, body_int(body, "operator_id"), sig, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

/* freeze, unfreeze (a reason, optional), burn (a holder signature, optional) and revoke (a
 * reason). */
static void certs_status(struct req *r, const char *op)
{
  static const struct field_spec freeze_fields[] = {
      {"reason", FIELD_STRING, 0, 0, 1, 500},
      {NULL},
  };
  static const struct field_spec burn_fields[] = {
      {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
      {NULL},
  };
  static const struct field_spec revoke_fields[] = {
      {"reason", FIELD_STRING, 1, 0, 1, 500},
      {NULL},
  };
  int64_t ddc;
  struct lifecycle_holder_sig hs;
  const struct lifecycle_holder_sig *sig = NULL;
  const struct field_spec *fields = op[0] == 'r' ? revoke_fields : freeze_fields;
  json_t *body = NULL;
  if (path_id(r, 0, &ddc) == 0)
    body =
        !strcmp(op, "burn") ? api_body_signed(r, burn_fields, &hs, &sig) : body_checked(r, fields);
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_set_status(&r->who, ddc, op, body_str(body, "reason"), sig, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

void api_certs_freeze(struct req *r)
{
  certs_status(r, "freeze");
}

void api_certs_unfreeze(struct req *r)
{
  certs_status(r, "unfreeze");
}

void api_certs_revoke(struct req *r)
{
  certs_status(r, "revoke");
}

void api_certs_burn(struct req *r)
{
  certs_status(r, "burn");
}
