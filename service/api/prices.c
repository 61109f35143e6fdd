/* prices.c: /v1/prices: the price list an issuer pays, and the operator's changes to it. */
#include "api/api.h"
#include "domain/billing.h"
#include "http/body.h"
#include "http/reply.h"

void api_prices_list(struct req *r)
{
  int64_t issuer;
  if (query_int(r, "issuer_id", 1, INT64_MAX, 0, &issuer) != 0) return;
  char *json;
  enum ddc_err e = billing_prices(&r->who, issuer, &json);
  reply_result(r, e, 200, json);
}

/* The {operation} path parameter, checked; NULL with a 400 queued. */
static const char *prices_operation(struct req *r)
{
  const char *op = r->params[0];
  if (billing_operation_known(op)) return op;
  reply_problem(r, DDC_ERR_INVALID_PARAMETER, "operation",
                "operation must be mint, transfer, approve, freeze, unfreeze, revoke, burn, "
                "batch_row, edition_mint, edition_transfer, edition_burn or edition_mint_more");
  return NULL;
}

static const struct field_spec price_fields[] = {
    {"amount_minor", FIELD_INT, 1, 0, 0, BILLING_AMOUNT_MAX},
    {"currency", FIELD_STRING, 1, 0, 3, 3},
    {"issuer_id", FIELD_INT, 0, 1, 1, INT64_MAX},
    {NULL},
};

void api_prices_set(struct req *r)
{
  const char *op = prices_operation(r);
  json_t *body = op ? body_checked(r, price_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e =
      billing_price_set(&r->who, op, body_int(body, "issuer_id"), body_int(body, "amount_minor"),
                        body_str(body, "currency"), &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

void api_prices_delete(struct req *r)
{
  int64_t issuer;
  const char *op = prices_operation(r);
  if (!op || query_int(r, "issuer_id", 1, INT64_MAX, 0, &issuer) != 0) return;
  if (!issuer) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "issuer_id",
                  "issuer_id names the override to remove; default prices cannot be removed");
    return;
  }
  char *json;
  enum ddc_err e = billing_price_delete(&r->who, op, issuer, &json);
  reply_result(r, e, 200, json);
}
