/* status.c: GET /v1/status/{issuer_id}/{purpose}/{list}, public: an issuer's Bitstring Status
 * List credential as the publisher stored it (ledger/statuspub.c), the same bytes from every
 * ddcd, with an ETag (its SHA-256, which its status_list_published event in the log also holds)
 * and a short Cache-Control. A list that exists but was not published yet is published first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "db/status.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"
#include "http/static.h"
#include "ledger/statuspub.h"

/* The purpose and list parameters; replies and returns -1 when they are not ones. */
static int status_params(struct req *r, const char **purpose, int32_t *list)
{
  const char *p = r->params[1], *n = r->params[2];
  *purpose = NULL;
  for (int k = 0; k < DB_STATUS_PURPOSES; k++)
    if (strcmp(p, db_status_purposes[k]) == 0) *purpose = db_status_purposes[k];
  if (!*purpose) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "purpose",
                  "purpose must be revocation or suspension");
    return -1;
  }
  size_t len = strlen(n);
  if (len == 0 || len > 9 || strspn(n, "0123456789") != len || (n[0] == '0' && len > 1)) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "list", "list must be a list number (0, 1, ...)");
    return -1;
  }
  *list = (int32_t)atol(n);
  return 0;
}

void api_status_get(struct req *r)
{
  int64_t issuer;
  const char *purpose;
  int32_t list;
  if (addrlimit_take(r) != 0 || path_id(r, 0, &issuer) != 0 ||
      status_params(r, &purpose, &list) != 0)
    return;
  char *text, sha[65], etag[70];
  int exists;
  enum ddc_err e = db_status_get(issuer, list, purpose, &text, sha, &exists);
  if (e == DDC_ERR_NOT_FOUND && exists) { /* its first publication is due: make it now */
    e = statuspub_publish(issuer, list);
    if (e == DDC_ERR_OK) e = db_status_get(issuer, list, purpose, &text, sha, &exists);
  }
  if (e != DDC_ERR_OK) {
    if (e == DDC_ERR_NOT_FOUND)
      reply_problem(r, e, NULL, "issuer %lld has no status list %d", (long long)issuer, list);
    else
      reply_error(r, e);
    return;
  }
  snprintf(etag, sizeof etag, "\"%s\"", sha);
  reply_header(r, "ETag", etag);
  reply_header(r, "Cache-Control", REPLY_CACHE_SHORT);
  const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
  if (static_etag_matches(inm, etag)) {
    free(text);
    reply_empty(r, 304);
    return;
  }
  reply_buffer(r, 200, "application/vc+ld+json", text, strlen(text));
}
