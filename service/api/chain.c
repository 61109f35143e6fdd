/* chain.c: GET /v1/chain/anchors: the checkpoint roots anchored (or being anchored) on the EVM
 * chain, with their status, oldest first, a page at a time. Public. */
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
  if (query_int(r, "limit", 1, 100, 100, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &after) != 0)
    return;
  char *json = NULL;
  enum ddc_err e = anchorer_list(after, (int)limit, &json);
  reply_result(r, e, 200, json);
}
