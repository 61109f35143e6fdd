/* signing_keys.c: /v1/accounts/{id}/keys: an issuer's Ed25519 signing keys (rotate, list,
 * retire). Only public keys ever leave ddcd. */
#include "api/api.h"
#include "domain/signkey.h"
#include "http/body.h"
#include "http/reply.h"

void api_signing_keys_create(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0 || body_none(r) != 0) return;
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
  int64_t id, key;
  if (path_id(r, 0, &id) != 0 || path_id(r, 1, &key) != 0 || body_none(r) != 0) return;
  char *json;
  enum ddc_err e = signkey_retire(&r->who, id, key, &json);
  reply_result(r, e, 200, json);
}
