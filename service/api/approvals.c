/* approvals.c: who may move an account's certificates: its operators (approval for all), the
 * issuers it accepts certificates from, and its holder key. */
#include "api/api.h"
#include "domain/lifecycle.h"
#include "http/body.h"
#include "http/reply.h"

static const struct field_spec operator_fields[] = {
    {"operator_id", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"approved", FIELD_BOOL, 1, 0, 0, 0},
    {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
    {NULL},
};

void api_operators_set(struct req *r)
{
  int64_t id;
  struct lifecycle_holder_sig hs;
  const struct lifecycle_holder_sig *sig;
  json_t *body = path_id(r, 0, &id) == 0 ? api_body_signed(r, operator_fields, &hs, &sig) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e =
      lifecycle_operator_set(&r->who, id, body_int(body, "operator_id"),
                             json_is_true(json_object_get(body, "approved")), sig, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

void api_operators_list(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = lifecycle_operators(&r->who, id, &json);
  reply_result(r, e, 200, json);
}

static const struct field_spec approval_fields[] = {
    {"issuer_id", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"approved", FIELD_BOOL, 1, 0, 0, 0},
    {NULL},
};

void api_approvals_set(struct req *r)
{
  int64_t id;
  json_t *body = path_id(r, 0, &id) == 0 ? body_checked(r, approval_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e =
      lifecycle_issuer_approval_set(&r->who, id, body_int(body, "issuer_id"),
                                    json_is_true(json_object_get(body, "approved")), &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

void api_approvals_list(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = lifecycle_issuer_approvals(&r->who, id, &json);
  reply_result(r, e, 200, json);
}

static const struct field_spec holder_key_fields[] = {
    {"public_key", FIELD_STRING, 1, 0, 43, 43},
    {NULL},
};

void api_holder_key_put(struct req *r)
{
  int64_t id;
  json_t *body = path_id(r, 0, &id) == 0 ? body_checked(r, holder_key_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_holder_key_set(&r->who, id, body_str(body, "public_key"), &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

void api_holder_key_get(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = lifecycle_holder_key(&r->who, id, &json);
  reply_result(r, e, 200, json);
}
