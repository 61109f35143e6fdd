/* batch_ops.c: POST /v1/certificates/batch/{op}, POST /v1/recharges/batch (up to 10,000 items,
 * all or nothing) and PUT /v1/certificates/{ddc_id}/uri (write-once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "domain/billing.h"
#include "domain/tier.h"
#include "http/body.h"
#include "http/reply.h"

/* The body's "items": an array of 1..TIER_BATCH_MAX objects, each checked against spec with
 * its index in the field named (items[3].to). Its compact JSON text (to free), or NULL with a
 * 400 queued. */
static char *batch_items(struct req *r, const struct field_spec *spec)
{
  json_t *body = body_object(r);
  if (!body) return NULL;
  json_t *items = json_object_get(body, "items");
  const char *unknown = NULL, *key;
  json_t *v;
  json_object_foreach(body, key, v) if (strcmp(key, "items")) unknown = key;
  if (unknown)
    reply_problem(r, DDC_ERR_UNKNOWN_FIELD, unknown, "%s is not a field of this operation",
                  unknown);
  else if (!items)
    reply_problem(r, DDC_ERR_MISSING_FIELD, "items", "items is required");
  else if (!json_is_array(items) || json_array_size(items) < 1 ||
           json_array_size(items) > TIER_BATCH_MAX)
    reply_problem(r, DDC_ERR_INVALID_FIELD, "items", "items must be an array of 1 to %d objects",
                  TIER_BATCH_MAX);
  char *text = NULL;
  size_t i;
  json_array_foreach(unknown || !json_is_array(items) ? NULL : items, i, v)
  {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "items[%zu].", i);
    if (!json_is_object(v)) {
      prefix[strlen(prefix) - 1] = 0;
      reply_problem(r, DDC_ERR_INVALID_FIELD, prefix, "%s must be an object", prefix);
      break;
    }
    if (body_fields_in(r, v, spec, prefix) != 0) break;
    if (i + 1 == json_array_size(items)) text = json_dumps(items, JSON_COMPACT);
  }
  json_decref(body);
  return text;
}

/* A batch's outcome: its answer, or the refusal with every refused item. */
static void batch_reply(struct req *r, enum ddc_err e, char *json)
{
  if (e != DDC_ERR_BATCH_REFUSED) {
    reply_result(r, e, 200, json);
    return;
  }
  json_t *answer = json_loads(json, 0, NULL);
  free(json);
  char detail[160];
  snprintf(detail, sizeof detail, "%lld item(s) were refused; nothing was applied",
           (long long)json_integer_value(json_object_get(answer, "refused")));
  json_t *members = json_pack("{s:O}", "items", json_object_get(answer, "items"));
  json_decref(answer);
  reply_problem_members(r, e, detail, members);
}

static const struct field_spec recharge_item_fields[] = {
    {"account_id", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"amount_minor", FIELD_INT, 1, 0, 1, BILLING_AMOUNT_MAX},
    {"currency", FIELD_STRING, 1, 0, 3, 3},
    {"reference", FIELD_STRING, 1, 0, 1, 200},
    {NULL},
};

void api_recharges_batch(struct req *r)
{
  char *items = batch_items(r, recharge_item_fields), *json;
  if (!items) return;
  enum ddc_err e = tier_recharge_batch(&r->who, items, &json);
  free(items);
  batch_reply(r, e, json);
}

static const struct field_spec transfer_item_fields[] = {
    {"ddc_id", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"to", FIELD_INT, 1, 0, 1, INT64_MAX},
    {NULL},
};
static const struct field_spec revoke_item_fields[] = {
    {"ddc_id", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"reason", FIELD_STRING, 1, 0, 1, 500},
    {NULL},
};
static const struct field_spec status_item_fields[] = {
    {"ddc_id", FIELD_INT, 1, 0, 1, INT64_MAX},
    {NULL},
};

void api_certs_batch(struct req *r)
{
  const char *op = r->params[0];
  if (!tier_batch_op_known(op)) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "op",
                  "op must be transfer, burn, freeze, unfreeze or revoke");
    return;
  }
  char *items = batch_items(r, op[0] == 't'   ? transfer_item_fields
                               : op[0] == 'r' ? revoke_item_fields
                                              : status_item_fields);
  if (!items) return;
  char *json;
  enum ddc_err e = tier_cert_batch(&r->who, op, items, &json);
  free(items);
  batch_reply(r, e, json);
}

static const struct field_spec uri_fields[] = {
    {"uri", FIELD_STRING, 1, 0, 1, 2048},
    {NULL},
};

void api_certs_uri_put(struct req *r)
{
  int64_t ddc;
  json_t *body = path_id(r, 0, &ddc) == 0 ? body_checked(r, uri_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = tier_uri_set(&r->who, ddc, body_str(body, "uri"), &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}
