/* health.c: GET /healthz (process up), GET /readyz (database reachable, schema and functions
 * current), GET /metrics (Prometheus text). */
#include <string.h>
#include "api/api.h"
#include "db/migrate.h"
#include "db/pg.h"
#include "http/metrics.h"
#include "http/reply.h"

void api_healthz(struct req *r)
{
  static const char ok[] = "{\"status\":\"ok\"}";
  reply_text(r, 200, "application/json", ok, sizeof ok - 1);
}

void api_readyz(struct req *r)
{
  int have = -1;
  /* db_get_raw replaces a connection found dead; one lost under the query is replaced once */
  for (int attempt = 0; attempt < 2 && have < 0; attempt++) {
    PGconn *c = db_get_raw();
    if (!c) break; /* a connect failed: answer now */
    have = db_schema_version(c);
    if (have < 0) db_forget();
  }
  if (have < 0) {
    reply_problem(r, DDC_ERR_DB_UNAVAILABLE, NULL, "the database cannot be reached");
    return;
  }
  if (have != db_schema_wanted()) {
    reply_problem(r, DDC_ERR_SCHEMA_OUTDATED, NULL, "schema %d, this ddcd needs %d", have,
                  db_schema_wanted());
    return;
  }
  PGconn *c = db_get_raw();
  int current = c ? db_functions_current(c) : -1;
  if (current < 0) {
    reply_problem(r, DDC_ERR_DB_UNAVAILABLE, NULL, "the database cannot be reached");
    return;
  }
  if (!current) {
    reply_problem(r, DDC_ERR_SCHEMA_OUTDATED, NULL,
                  "the database functions are not this ddcd's (%.12s): run ddcd migrate",
                  db_functions_hash());
    return;
  }
  reply_json(r, 200, json_pack("{s:s, s:i}", "status", "ready", "schema_version", have));
}

void api_metrics(struct req *r)
{
  size_t len;
  char *text = metrics_render(&len);
  if (!text) {
    reply_error(r, DDC_ERR_INTERNAL);
    return;
  }
  reply_buffer(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}
