/* certificates.c: /v1/certificates: mint, read, list, the signed document and the events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "domain/cert.h"
#include "http/body.h"
#include "http/reply.h"
#include "kinds.h"

static const struct field_spec mint_fields[] = {
    {"kind", FIELD_STRING, 1, 0, 1, 16},
    {"owner_id", FIELD_INT, 0, 1, 1, INT64_MAX},
    {"metadata", FIELD_OBJECT, 1, 0, 0, 0},
    {"content_hash", FIELD_STRING, 0, 1, 64, 64},
    {"uri", FIELD_STRING, 0, 1, 1, 2048},
    {"valid_from", FIELD_TIME, 0, 1, 0, 0},
    {"valid_until", FIELD_TIME, 0, 1, 0, 0},
    {"external_ref", FIELD_STRING, 0, 1, 1, 200},
    {NULL},
};

void api_certs_create(struct req *r)
{
  json_t *body = body_checked(r, mint_fields);
  if (!body) return;
  struct cert_mint_req m = {
      .kind = body_str(body, "kind"),
      .owner_id = body_int(body, "owner_id"),
      .metadata = json_object_get(body, "metadata"),
      .content_hash = body_str(body, "content_hash"),
      .uri = body_str(body, "uri"),
      .valid_from = body_str(body, "valid_from"),
      .valid_until = body_str(body, "valid_until"),
      .external_ref = body_str(body, "external_ref"),
  };
  char *json;
  enum ddc_err e = cert_mint(&r->who, &m, &json);
  json_decref(body);
  reply_result(r, e, 201, json);
}

void api_certs_get(struct req *r)
{
  int64_t ddc;
  char *json, *doc;
  if (path_id(r, 0, &ddc) != 0) return;
  enum ddc_err e = cert_get(&r->who, ddc, &json, &doc);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  /* the document goes in as stored: re-encoding could change how its numbers are written */
  size_t jl = strlen(json), dl = strlen(doc);
  char *out = malloc(jl + dl + 16);
  if (out && jl > 1)
    snprintf(out, jl + dl + 16, "%.*s, \"document\": %s}", (int)(jl - 1), json, doc);
  free(json);
  free(doc);
  if (out)
    reply_buffer(r, 200, "application/json", out, strlen(out));
  else
    reply_error(r, DDC_ERR_INTERNAL);
}

void api_certs_document(struct req *r)
{
  int64_t ddc;
  char *json, *doc;
  if (path_id(r, 0, &ddc) != 0) return;
  enum ddc_err e = cert_get(&r->who, ddc, &json, &doc);
  free(json);
  if (e == DDC_ERR_OK)
    reply_buffer(r, 200, "application/json", doc, strlen(doc));
  else
    reply_error(r, e);
}

/* A query parameter that must be one of a list; NULL when absent. -1 with a 400 queued. */
static int certs_choice(struct req *r, const char *name, const char *const *allowed,
                        const char **out)
{
  *out = query_str(r, name);
  if (!*out) return 0;
  for (const char *const *a = allowed; *a; a++)
    if (strcmp(*a, *out) == 0) return 0;
  reply_problem(r, DDC_ERR_INVALID_PARAMETER, name, "%s may not be %.40s", name, *out);
  return -1;
}

void api_certs_list(struct req *r)
{
  static const char *const statuses[] = {"active", "frozen", "revoked", "burned", NULL};
  int64_t issuer, owner, limit, after;
  const char *status, *kind;
  if (query_int(r, "issuer_id", 1, INT64_MAX, 0, &issuer) != 0 ||
      query_int(r, "owner_id", 1, INT64_MAX, 0, &owner) != 0 ||
      query_int(r, "limit", 1, CERT_LIST_MAX, 50, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &after) != 0 ||
      certs_choice(r, "status", statuses, &status) != 0 ||
      certs_choice(r, "kind", kinds_names, &kind) != 0)
    return;
  char *json;
  enum ddc_err e = cert_list(&r->who, issuer, owner, status, kind, after, (int)limit, &json);
  reply_result(r, e, 200, json);
}

void api_certs_events(struct req *r)
{
  int64_t ddc;
  if (path_id(r, 0, &ddc) != 0) return;
  char *json;
  enum ddc_err e = cert_events(&r->who, ddc, &json);
  reply_result(r, e, 200, json);
}
