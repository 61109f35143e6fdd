/* accounts.c: /v1/accounts: create, read, list (cursor pagination), freeze, unfreeze. */
#include <stdio.h>
#include <stdlib.h>
#include "api/api.h"
#include "domain/account.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/reply.h"

static json_t *render_account(const struct account_row *a)
{
  return json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s}", "id", (json_int_t)a->id, "role", a->role,
                   "name", a->name, "issuer_id",
                   a->issuer_id ? json_integer(a->issuer_id) : json_null(), "status", a->status,
                   "created_at", a->created_at, "updated_at", a->updated_at);
}

static const struct field_spec account_create_fields[] = {
    {"role", FIELD_STRING, 1, 0, 1, 16},
    {"name", FIELD_STRING, 1, 0, 1, 200},
    {"issuer_id", FIELD_INT, 0, 1, 1, INT64_MAX},
    {NULL},
};

void api_accounts_create(struct req *r)
{
  json_t *body = body_checked(r, account_create_fields);
  if (!body) return;
  enum role role;
  json_t *iss = json_object_get(body, "issuer_id");
  int64_t issuer_id = json_is_integer(iss) ? json_integer_value(iss) : 0;
  if (role_parse(json_string_value(json_object_get(body, "role")), &role) != 0)
    reply_problem(r, DDC_ERR_INVALID_FIELD, "role", "role must be operator, issuer or holder");
  else if (role == ROLE_HOLDER && !issuer_id && r->who.role != ROLE_ISSUER)
    reply_problem(r, DDC_ERR_MISSING_FIELD, "issuer_id", "a holder needs issuer_id");
  else if (role != ROLE_HOLDER && issuer_id)
    reply_problem(r, DDC_ERR_INVALID_FIELD, "issuer_id", "only holders have an issuer_id");
  if (r->replied) {
    json_decref(body);
    return;
  }
  struct account_row a;
  enum ddc_err e = account_create(&r->who, role, json_string_value(json_object_get(body, "name")),
                                  issuer_id, &a);
  json_decref(body);
  if (e == DDC_ERR_OK)
    reply_json(r, 201, render_account(&a));
  else if (e == DDC_ERR_ISSUER_NOT_FOUND)
    reply_problem(r, e, "issuer_id", "issuer_id does not name an issuer account");
  else if (e == DDC_ERR_FORBIDDEN)
    reply_problem(r, e, "role", "an issuer may only create holders of its own");
  else
    reply_error(r, e);
}

void api_accounts_get(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  struct account_row a;
  enum ddc_err e = account_get(&r->who, id, &a);
  if (e == DDC_ERR_OK)
    reply_json(r, 200, render_account(&a));
  else
    reply_error(r, e);
}

void api_accounts_list(struct req *r)
{
  int64_t limit, after;
  enum role role = 0;
  const char *rs = query_str(r, "role");
  if (query_int(r, "limit", 1, ACCOUNT_LIST_MAX, 50, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &after) != 0)
    return;
  if (rs && role_parse(rs, &role) != 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "role", "role must be operator, issuer or holder");
    return;
  }
  struct account_row *rows = malloc(sizeof *rows * (size_t)(limit + 1));
  int n = 0;
  enum ddc_err e =
      rows ? account_list(&r->who, role, after, (int)limit + 1, rows, &n) : DDC_ERR_INTERNAL;
  if (e != DDC_ERR_OK) {
    free(rows);
    reply_error(r, e);
    return;
  }
  json_t *items = json_array();
  for (int i = 0; i < n && i < limit; i++)
    json_array_append_new(items, render_account(&rows[i]));
  char cursor[24];
  snprintf(cursor, sizeof cursor, "%lld", n > limit ? (long long)rows[limit - 1].id : 0LL);
  free(rows);
  reply_json(r, 200,
             json_pack("{s:o, s:o}", "items", items, "next_cursor",
                       n > limit ? json_string(cursor) : json_null()));
}

static void accounts_set_frozen(struct req *r, int frozen)
{
  int64_t id;
  if (body_none(r) != 0 || path_id(r, 0, &id) != 0) return;
  struct account_row a;
  enum ddc_err e = account_set_frozen(&r->who, id, frozen, &a);
  if (e == DDC_ERR_OK) {
    auth_forget_account(id);
    reply_json(r, 200, render_account(&a));
  } else {
    reply_error(r, e);
  }
}

void api_accounts_freeze(struct req *r)
{
  accounts_set_frozen(r, 1);
}

void api_accounts_unfreeze(struct req *r)
{
  accounts_set_frozen(r, 0);
}
