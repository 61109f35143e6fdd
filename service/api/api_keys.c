/* api_keys.c: /v1/accounts/{id}/api-keys (create, list) and /v1/api-keys/{id} (revoke).
 * The secret is in the 201 response of create and nowhere else, ever. */
#include <sodium.h>
#include <stdlib.h>
#include "api/api.h"
#include "domain/account.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/reply.h"

static json_t *render_apikey(const struct apikey_row *k)
{
  return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o, s:s, s:o}", "id", (json_int_t)k->id,
                   "account_id", (json_int_t)k->account_id, "name", k->name, "prefix", k->prefix,
                   "rate_per_sec", k->rate_per_sec ? json_integer(k->rate_per_sec) : json_null(),
                   "rate_per_day", k->rate_per_day ? json_integer(k->rate_per_day) : json_null(),
                   "created_at", k->created_at, "revoked_at",
                   k->revoked_at[0] ? json_string(k->revoked_at) : json_null());
}

static const struct field_spec apikey_create_fields[] = {
    {"name", FIELD_STRING, 1, 0, 1, 200},
    {"rate_per_sec", FIELD_INT, 0, 1, 1, 1000000},
    {"rate_per_day", FIELD_INT, 0, 1, 1, 1000000000},
    {NULL},
};

static int32_t json_int_or_zero(json_t *obj, const char *name)
{
  json_t *v = json_object_get(obj, name);
  return json_is_integer(v) ? (int32_t)json_integer_value(v) : 0;
}

void api_keys_create(struct req *r)
{
  int64_t account_id;
  json_t *body = body_object(r);
  if (!body || body_fields(r, body, apikey_create_fields) != 0 || path_id(r, 0, &account_id) != 0) {
    json_decref(body);
    return;
  }
  struct apikey_row k;
  char key[APIKEY_LEN + 1];
  enum ddc_err e = apikey_create(
      &r->who, account_id, json_string_value(json_object_get(body, "name")),
      json_int_or_zero(body, "rate_per_sec"), json_int_or_zero(body, "rate_per_day"), &k, key);
  json_decref(body);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  json_t *out = render_apikey(&k);
  json_object_set_new(out, "key", json_string(key));
  sodium_memzero(key, sizeof key);
  reply_json(r, 201, out);
}

void api_keys_list(struct req *r)
{
  int64_t account_id;
  if (path_id(r, 0, &account_id) != 0) return;
  struct apikey_row *rows = malloc(sizeof *rows * APIKEY_LIST_MAX);
  int n = 0;
  enum ddc_err e =
      rows ? apikey_list(&r->who, account_id, rows, APIKEY_LIST_MAX, &n) : DDC_ERR_INTERNAL;
  if (e != DDC_ERR_OK) {
    free(rows);
    reply_error(r, e);
    return;
  }
  json_t *items = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(items, render_apikey(&rows[i]));
  free(rows);
  reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void api_keys_delete(struct req *r)
{
  int64_t key_id, account_id;
  if (path_id(r, 0, &key_id) != 0) return;
  enum ddc_err e = apikey_revoke(&r->who, key_id, &account_id);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  auth_forget_key(key_id);
  reply_empty(r, 204);
}
