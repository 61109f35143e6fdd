/* api_keys.c: /v1/accounts/{id}/api-keys (create, list) and /v1/api-keys/{id} (revoke).
 * The secret is in the 201 response of create and nowhere else, ever. */
#include <sodium.h>
#include "api/api.h"
#include "domain/account.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/reply.h"

static const struct field_spec apikey_create_fields[] = {
    {"name", FIELD_STRING, 1, 0, 1, 200},
    {"rate_per_sec", FIELD_INT, 0, 1, 1, 1000000},
    {"rate_per_day", FIELD_INT, 0, 1, 1, 1000000000},
    {NULL},
};

void api_keys_create(struct req *r)
{
  int64_t account_id;
  json_t *body = body_object(r);
  if (!body || body_fields(r, body, apikey_create_fields) != 0 || path_id(r, 0, &account_id) != 0) {
    json_decref(body);
    return;
  }
  char key[APIKEY_LEN + 1], *json;
  enum ddc_err e = apikey_create(&r->who, account_id, body_str(body, "name"),
                                 (int32_t)body_int(body, "rate_per_sec"),
                                 (int32_t)body_int(body, "rate_per_day"), key, &json);
  json_decref(body);
  sodium_memzero(key, sizeof key);
  reply_result(r, e, 201, json);
}

void api_keys_list(struct req *r)
{
  int64_t account_id;
  if (path_id(r, 0, &account_id) != 0) return;
  char *json;
  enum ddc_err e = apikey_list(&r->who, account_id, &json);
  reply_result(r, e, 200, json);
}

void api_keys_delete(struct req *r)
{
  int64_t key_id;
  if (path_id(r, 0, &key_id) != 0) return;
  enum ddc_err e = apikey_revoke(&r->who, key_id);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  auth_forget_key(key_id);
  reply_empty(r, 204);
}
