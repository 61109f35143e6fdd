/* signing_keys.c: /v1/accounts/{id}/keys: an issuer's Ed25519 signing keys (rotate, list,
 * retire). Only public keys ever leave ddcd. */
#include "api/api.h"
#include "domain/signkey.h"
#include "http/body.h"
#include "http/reply.h"

void api_signing_keys_create(struct req *r)
{
  static const struct field_spec no_fields[] = {{NULL}};
  int64_t id;
  json_t *body = path_id(r, 0, &id) == 0 ? body_object(r) : NULL;
  if (!body || body_fields(r, body, no_fields) != 0) {
    json_decref(body);
    return;
  }
  json_decref(body);
  char *json;
  enum ddc_err e = signkey_rotate(&r->who, id, &json);
  reply_result(r, e, 201, json);
}

void api_signing_keys_list(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = signkey_list(id, &json);
  reply_result(r, e, 200, json);
}

void api_signing_keys_retire(struct req *r)
{
  static const struct field_spec no_fields[] = {{NULL}};
  int64_t id, key;
  json_t *body = path_id(r, 0, &id) == 0 && path_id(r, 1, &key) == 0 ? body_object(r) : NULL;
  if (!body || body_fields(r, body, no_fields) != 0) {
    json_decref(body);
    return;
  }
  json_decref(body);
  char *json;
  enum ddc_err e = signkey_retire(&r->who, id, key, &json);
  reply_result(r, e, 200, json);
}
