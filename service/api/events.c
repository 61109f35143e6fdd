/* events.c: GET /v1/events, the event feed integrators poll: the log's events in the caller's
 * scope, in log order, after a cursor (a leaf index). */
#include "api/api.h"
#include "domain/tier.h"
#include "http/body.h"
#include "http/reply.h"

void api_events_list(struct req *r)
{
  int64_t after, limit;
  if (query_int(r, "after", 0, INT64_MAX, -1, &after) != 0 ||
      query_int(r, "limit", 1, TIER_FEED_MAX, 100, &limit) != 0)
    return;
  char *json;
  enum ddc_err e = tier_events(&r->who, after, (int)limit, query_str(r, "type"), &json);
  reply_result(r, e, 200, json);
}
