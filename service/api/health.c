/* health.c: GET /healthz (process up), GET /readyz (database reachable, schema and functions
 * current), GET /metrics (Prometheus text). */
#include "api/api.h"
#include "domain/health.h"
#include "http/metrics.h"
#include "http/reply.h"

void api_healthz(struct req *r)
{
  static const char ok[] = "{\"status\":\"ok\"}";
  reply_text(r, 200, "application/json", ok, sizeof ok - 1);
}

void api_readyz(struct req *r)
{
  int version;
  enum ddc_err e = health_ready(&version);
  if (e == DDC_ERR_OK)
    reply_json(r, 200, json_pack("{s:s, s:i}", "status", "ready", "schema_version", version));
  else
    reply_error(r, e);
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
