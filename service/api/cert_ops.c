/* cert_ops.c: POST /v1/certificates/{ddc_id}/transfer, approve, freeze, unfreeze, revoke, burn. */
#include "api/api.h"
#include "domain/lifecycle.h"
#include "http/body.h"
#include "http/reply.h"

static const struct field_spec transfer_fields[] = {
    {"to", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
    {NULL},
};

static const struct field_spec holder_sig_fields[] = {
    {"nonce", FIELD_STRING, 1, 0, 1, LIFECYCLE_NONCE_MAX},
    {"deadline", FIELD_TIME, 1, 0, 0, 0},
    {"signature", FIELD_STRING, 1, 0, 86, 86},
    {NULL},
};

void api_certs_transfer(struct req *r)
{
  int64_t ddc;
  json_t *body = path_id(r, 0, &ddc) == 0 ? body_object(r) : NULL;
  json_t *sig = json_object_get(body, "holder_signature");
  if (!body || body_fields(r, body, transfer_fields) != 0 ||
      (json_is_object(sig) &&
       body_fields_in(r, sig, holder_sig_fields, "holder_signature.") != 0)) {
    json_decref(body);
    return;
  }
  struct lifecycle_holder_sig hs = {body_str(sig, "nonce"), body_str(sig, "deadline"),
                                    body_str(sig, "signature")};
  char *json;
  enum ddc_err e = lifecycle_transfer(&r->who, ddc, body_int(body, "to"),
                                      json_is_object(sig) ? &hs : NULL, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

static const struct field_spec approve_fields[] = {
    {"operator_id", FIELD_INT, 1, 1, 1, INT64_MAX},
    {NULL},
};

void api_certs_approve(struct req *r)
{
  int64_t ddc;
  json_t *body = path_id(r, 0, &ddc) == 0 ? body_checked(r, approve_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_approve(&r->who, ddc, body_int(body, "operator_id"), &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

/* freeze, unfreeze, burn (no body fields) and revoke (a reason). */
static void certs_status(struct req *r, const char *op)
{
  static const struct field_spec no_fields[] = {{NULL}};
  static const struct field_spec revoke_fields[] = {
      {"reason", FIELD_STRING, 1, 0, 1, 500},
      {NULL},
  };
  int64_t ddc;
  int revoke = op[0] == 'r';
  json_t *body =
      path_id(r, 0, &ddc) == 0 ? body_checked(r, revoke ? revoke_fields : no_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_set_status(&r->who, ddc, op, body_str(body, "reason"), &json);
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
