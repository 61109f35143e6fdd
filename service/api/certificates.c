/* certificates.c: /v1/certificates: mint, read, list and search, the signed document and the
 * events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "domain/cert.h"
#include "http/body.h"
#include "http/reply.h"
#include "kinds.h"
#include "timefmt.h"

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

/* q: at most CERTS_Q_WORDS words (split on ASCII white space and U+3000, as ddc_cert_list
 * splits them) of at most CERTS_Q_CHARS characters each. 0, or -1 with a 400 queued. */
#define CERTS_Q_WORDS 8
#define CERTS_Q_CHARS 100
static int certs_q_check(struct req *r, const char *q)
{
  int words = 0;
  size_t chars = 0;
  for (const unsigned char *p = (const unsigned char *)q; *p;) {
    int sp = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
    int ideo = p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80; /* U+3000 */
    if (sp || ideo) {
      p += ideo ? 3 : 1;
      chars = 0;
      continue;
    }
    if (chars == 0) words++;
    if ((*p & 0xc0) != 0x80) chars++;
    if (chars > CERTS_Q_CHARS || words > CERTS_Q_WORDS) break;
    p++;
  }
  if (words >= 1 && words <= CERTS_Q_WORDS && chars <= CERTS_Q_CHARS) return 0;
  reply_problem(r, DDC_ERR_INVALID_PARAMETER, "q",
                "q must hold 1 to %d words of at most %d characters each", CERTS_Q_WORDS,
                CERTS_Q_CHARS);
  return -1;
}

/* A time query parameter in canonical form into out; out[0] = 0 when absent. 0 or -1 (400). */
static int certs_time(struct req *r, const char *name, char out[TIMEFMT_LEN + 1])
{
  const char *s = query_str(r, name);
  int64_t us;
  out[0] = 0;
  if (!s) return 0;
  if (timefmt_parse(s, &us) != 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, name,
                  "%s must be an RFC 3339 timestamp or a date (YYYY-MM-DD)", name);
    return -1;
  }
  timefmt_format(us, out);
  return 0;
}

/* The search parameters of GET /v1/certificates (external_ref, q, issued_from, issued_to, order)
 * into qy; from and to hold the times. 0, or -1 with a 400 queued. */
static int certs_search_params(struct req *r, struct cert_query *qy, char from[TIMEFMT_LEN + 1],
                               char to[TIMEFMT_LEN + 1])
{
  static const char *const orders[] = {"asc", "desc", NULL};
  const char *order;
  qy->external_ref = query_str(r, "external_ref");
  qy->q = query_str(r, "q");
  if (qy->external_ref && (!qy->external_ref[0] || body_utf8_chars(qy->external_ref) > 200)) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "external_ref",
                  "external_ref must be 1 to 200 characters");
    return -1;
  }
  if ((qy->q && certs_q_check(r, qy->q) != 0) || certs_time(r, "issued_from", from) != 0 ||
      certs_time(r, "issued_to", to) != 0 || certs_choice(r, "order", orders, &order) != 0)
    return -1;
  if (from[0] && to[0] && strcmp(to, from) <= 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "issued_to", "issued_to must be after issued_from");
    return -1;
  }
  qy->issued_from = from[0] ? from : NULL;
  qy->issued_to = to[0] ? to : NULL;
  qy->desc = order && strcmp(order, "desc") == 0;
  return 0;
}

void api_certs_list(struct req *r)
{
  static const char *const statuses[] = {"active", "frozen", "revoked", "burned", NULL};
  struct cert_query qy = {0};
  char from[TIMEFMT_LEN + 1], to[TIMEFMT_LEN + 1];
  int64_t limit;
  if (query_int(r, "issuer_id", 1, INT64_MAX, 0, &qy.issuer) != 0 ||
      query_int(r, "owner_id", 1, INT64_MAX, 0, &qy.owner) != 0 ||
      query_int(r, "limit", 1, CERT_LIST_MAX, 50, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &qy.after) != 0 ||
      certs_choice(r, "status", statuses, &qy.status) != 0 ||
      certs_choice(r, "kind", kinds_names, &qy.kind) != 0 ||
      certs_search_params(r, &qy, from, to) != 0)
    return;
  qy.limit = (int)limit;
  char *json;
  enum ddc_err e = cert_list(&r->who, &qy, &json);
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
