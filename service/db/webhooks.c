/* webhooks.c: SQL of the webhook endpoints and their deliveries (see webhooks.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/webhooks.h"

const struct db_stmt db_webhooks_stmts[] = {
    {"webhook_create", "SELECT ddc_webhook_create($1, $2, $3::text[], $4, $5)"},
    {"webhook_list", "SELECT ddc_webhook_list($1)"},
    {"webhook_get", "SELECT ddc_webhook_get($1, $2, $3)"},
    {"webhook_delete", "SELECT ddc_webhook_delete($1, $2, $3)"},
    {"webhook_enable", "SELECT ddc_webhook_enable($1, $2, $3)"},
    {"webhook_deliveries", "SELECT ddc_webhook_deliveries($1, $2, $3, $4, $5)"},
    {"webhook_claim", "SELECT outbox_id, webhook_id, url, sealed_secret, attempts, body"
                      " FROM ddc_webhook_claim($1)"},
    {"webhook_results", "SELECT ddc_webhook_results($1::jsonb, $2)"},
    {NULL, NULL},
};

enum ddc_err db_webhook_create(int64_t actor, const char *url, const char *events,
                               const uint8_t *sealed, size_t sealed_len, int max, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, actor);
  db_p_str(&p, url);
  db_p_str(&p, events);
  db_p_bytea(&p, sealed, sealed_len);
  db_p_int(&p, max);
  return db_p_json("webhook_create", &p, 0, json, NULL);
}

enum ddc_err db_webhook_list(int64_t actor, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, actor);
  return db_p_json("webhook_list", &p, 1, json, NULL);
}

enum ddc_err db_webhook_op(const char *op, const char *role, int64_t actor, int64_t id, char **json)
{
  char stmt[32] = "webhook_";
  struct db_params p = {0};
  strncat(stmt, op, sizeof stmt - strlen(stmt) - 1);
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, id);
  return db_p_json(stmt, &p, 0, json, NULL);
}

enum ddc_err db_webhook_deliveries(const char *role, int64_t actor, int64_t id, int64_t before,
                                   int limit, char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, id);
  db_p_int(&p, before);
  db_p_int(&p, limit);
  return db_p_json("webhook_deliveries", &p, 0, json, NULL);
}

int db_webhook_claim(int limit, struct db_webhook_due *out, void **res)
{
  struct db_params p = {0};
  db_p_int(&p, limit);
  PGresult *r = db_exec("webhook_claim", p.n, p.v, 0);
  db_p_free(&p);
  *res = r;
  if (!r) return -1;
  int n = PQntuples(r) < limit ? PQntuples(r) : limit;
  for (int i = 0; i < n; i++) {
    out[i] = (struct db_webhook_due){.outbox_id = db_int64(r, i, 0),
                                     .webhook_id = db_int64(r, i, 1),
                                     .url = db_text(r, i, 2),
                                     .attempts = (int)db_int64(r, i, 4),
                                     .body = db_text(r, i, 5)};
    out[i].sealed = db_bytea_result(r, i, 3, &out[i].sealed_len);
  }
  return n;
}

void db_webhook_claim_free(struct db_webhook_due *d, int n, void *res)
{
  for (int i = 0; i < n; i++)
    free(d[i].sealed);
  PQclear(res);
}

enum ddc_err db_webhook_results(const struct db_webhook_outcome *o, int n, unsigned give_up_s)
{
  json_t *a = json_array();
  for (int i = 0; a && i < n; i++) {
    json_t *x = json_pack("{s:I, s:o, s:s?, s:i, s:f}", "id", (json_int_t)o[i].outbox_id, "status",
                          o[i].status ? json_integer(o[i].status) : json_null(), "error",
                          o[i].error, "ms", o[i].ms, "retry_s", o[i].retry_s);
    if (!x || json_array_append_new(a, x) != 0) {
      json_decref(a);
      a = NULL;
    }
  }
  char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
  json_decref(a);
  if (!text) return DDC_ERR_INTERNAL;
  struct db_params p = {0};
  db_p_str(&p, text);
  db_p_int(&p, give_up_s);
  PGresult *r = db_exec("webhook_results", p.n, p.v, 0);
  db_p_free(&p);
  free(text);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}
