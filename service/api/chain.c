/* chain.c: GET /v1/chain/anchors: the checkpoint roots anchored (or being anchored) on the
 * configured chains, with their status, oldest first, a page at a time (?chain=NAME: one chain's);
 * GET /v1/chain/status: each chain's head block, anchored size, lag and last error as its anchorer
 * last saw them. Public. */
#include <stdint.h>
#include "api/api.h"
#include "chain/anchorer.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"

void api_chain_anchors(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  int64_t after = 0, limit = 0;
  const char *chain = query_str(r, "chain");
  if (query_int(r, "limit", 1, 100, 100, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &after) != 0)
    return;
  if (chain && !anchorer_chain_known(chain)) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "chain", "no chain named \"%.64s\" is configured",
                  chain);
    return;
  }
  char *json = NULL;
  enum ddc_err e = anchorer_list(chain, after, (int)limit, &json);
  reply_result(r, e, 200, json);
}

void api_chain_status(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  char *json = NULL;
  size_t len = 0;
  enum ddc_err e = anchorer_status(&json, &len);
  reply_result(r, e, 200, json);
}
