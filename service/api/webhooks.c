/* webhooks.c: /v1/webhooks: an account's endpoints (create with the secret shown once, list,
 * read, delete, enable again after being disabled) and each endpoint's delivery attempts. */
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "domain/webhook.h"
#include "http/body.h"
#include "http/reply.h"

void api_webhooks_create(struct req *r)
{
  json_t *body = body_object(r);
  if (!body) return;
  json_t *events = json_incref(json_object_get(body, "events"));
  json_object_del(body, "events"); /* an array: checked by webhook_create */
  static const struct field_spec fields[] = {
      {"url", FIELD_STRING, 1, 0, 1, 2048},
      {"secret", FIELD_STRING, 0, 1, 1, 200},
      {NULL},
  };
  if (body_fields(r, body, fields) != 0) {
    json_decref(events);
    json_decref(body);
    return;
  }
  char *json = NULL;
  enum ddc_err e = events ? webhook_create(&r->who, body_str(body, "url"), events,
                                           body_str(body, "secret"), &json)
                          : errors_refuse(DDC_ERR_MISSING_FIELD, "events", "events is required");
  json_decref(events);
  json_decref(body);
  reply_result(r, e, 201, json);
}

void api_webhooks_list(struct req *r)
{
  char *json;
  enum ddc_err e = webhook_list(&r->who, &json);
  reply_result(r, e, 200, json);
}

static void api_webhooks_op(struct req *r, const char *op)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json = NULL;
  enum ddc_err e = webhook_op(&r->who, op, id, &json);
  if (e == DDC_ERR_OK && strcmp(op, "delete") == 0) {
    free(json);
    reply_empty(r, 204);
    return;
  }
  reply_result(r, e, 200, json);
}

void api_webhooks_get(struct req *r)
{
  api_webhooks_op(r, "get");
}

void api_webhooks_delete(struct req *r)
{
  api_webhooks_op(r, "delete");
}

void api_webhooks_enable(struct req *r)
{
  if (body_none(r) != 0) return;
  api_webhooks_op(r, "enable");
}

void api_webhooks_deliveries(struct req *r)
{
  int64_t id, limit, before;
  if (path_id(r, 0, &id) != 0 ||
      query_int(r, "limit", 1, WEBHOOK_DELIVERIES_MAX, 50, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &before) != 0)
    return;
  char *json;
  enum ddc_err e = webhook_deliveries(&r->who, id, before, (int)limit, &json);
  reply_result(r, e, 200, json);
}
