/* accounts.c: /v1/accounts: create, read, list (cursor pagination), freeze, unfreeze. */
#include "api/api.h"
#include "domain/account.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/reply.h"

static const struct field_spec account_create_fields[] = {
    {"role", FIELD_STRING, 1, 0, 1, 16},
    {"name", FIELD_STRING, 1, 0, 1, 200},
    {"issuer_id", FIELD_INT, 0, 1, 1, INT64_MAX},
    {"platform_id", FIELD_INT, 0, 1, 1, INT64_MAX},
    {NULL},
};

void api_accounts_create(struct req *r)
{
  json_t *body = body_checked(r, account_create_fields);
  if (!body) return;
  char *json;
  enum ddc_err e =
      account_create(&r->who, body_str(body, "role"), body_str(body, "name"),
                     body_int(body, "issuer_id"), body_int(body, "platform_id"), &json);
  json_decref(body);
  reply_result(r, e, 201, json);
}

void api_accounts_get(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = account_get(&r->who, id, &json);
  reply_result(r, e, 200, json);
}

void api_accounts_list(struct req *r)
{
  int64_t limit, after;
  enum role role;
  const char *rs = query_str(r, "role");
  if (query_int(r, "limit", 1, ACCOUNT_LIST_MAX, 50, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &after) != 0)
    return;
  if (rs && role_parse(rs, &role) != 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "role",
                  "role must be operator, platform, issuer or holder");
    return;
  }
  char *json;
  enum ddc_err e = account_list(&r->who, rs, after, (int)limit, &json);
  reply_result(r, e, 200, json);
}

static void accounts_set_frozen(struct req *r, int frozen)
{
  int64_t id;
  if (body_none(r) != 0 || path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = account_set_frozen(&r->who, id, frozen, &json);
  if (e == DDC_ERR_OK) auth_forget_account(id);
  reply_result(r, e, 200, json);
}

void api_accounts_freeze(struct req *r)
{
  accounts_set_frozen(r, 1);
}

void api_accounts_unfreeze(struct req *r)
{
  accounts_set_frozen(r, 0);
}
