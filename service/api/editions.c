/* editions.c: /v1/editions: DDC-1155 editions: minting a class of units, its balances, moving,
 * burning and minting more units, and the editions an account holds (/v1/accounts/{id}/editions).
 * Freezing and revoking a class, its document, events and proof are the certificate routes'. */
#include "api/api.h"
#include "domain/cert.h"
#include "domain/lifecycle.h"
#include "http/body.h"
#include "http/reply.h"

#define EDITIONS_LIST_MAX 200

static const struct field_spec edition_fields[] = {
    {"kind", FIELD_STRING, 1, 0, 1, 16},
    {"metadata", FIELD_OBJECT, 1, 0, 0, 0},
    {"supply", FIELD_INT, 1, 0, 1, LIFECYCLE_UNITS_MAX},
    {"mintable", FIELD_BOOL, 0, 1, 0, 0},
    {"owner_id", FIELD_INT, 0, 1, 1, INT64_MAX},
    {"content_hash", FIELD_STRING, 0, 1, 64, 64},
    {"uri", FIELD_STRING, 0, 1, 1, 2048},
    {"valid_from", FIELD_TIME, 0, 1, 0, 0},
    {"valid_until", FIELD_TIME, 0, 1, 0, 0},
    {"external_ref", FIELD_STRING, 0, 1, 1, 200},
    {NULL},
};

void api_editions_create(struct req *r)
{
  json_t *body = body_checked(r, edition_fields);
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
      .supply = body_int(body, "supply"),
      .mintable = json_is_true(json_object_get(body, "mintable")),
  };
  char *json;
  enum ddc_err e = cert_mint(&r->who, &m, &json);
  json_decref(body);
  reply_result(r, e, 201, json);
}

/* ?limit=&cursor= of a list; -1 with a 400 queued. */
static int editions_page(struct req *r, int64_t *limit, int64_t *after)
{
  return query_int(r, "limit", 1, EDITIONS_LIST_MAX, 50, limit) != 0 ||
                 query_int(r, "cursor", 0, INT64_MAX, 0, after) != 0
             ? -1
             : 0;
}

void api_editions_balances(struct req *r)
{
  int64_t ddc, limit, after;
  if (path_id(r, 0, &ddc) != 0 || editions_page(r, &limit, &after) != 0) return;
  char *json;
  enum ddc_err e = lifecycle_edition_balances(&r->who, ddc, after, (int)limit, &json);
  reply_result(r, e, 200, json);
}

void api_account_editions(struct req *r)
{
  int64_t id, limit, after;
  if (path_id(r, 0, &id) != 0 || editions_page(r, &limit, &after) != 0) return;
  char *json;
  enum ddc_err e = lifecycle_account_editions(&r->who, id, after, (int)limit, &json);
  reply_result(r, e, 200, json);
}

static const struct field_spec transfer_fields[] = {
    {"from", FIELD_INT, 0, 1, 1, INT64_MAX},
    {"to", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"amount", FIELD_INT, 1, 0, 1, LIFECYCLE_UNITS_MAX},
    {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
    {NULL},
};

void api_editions_transfer(struct req *r)
{
  int64_t ddc;
  struct lifecycle_holder_sig hs;
  const struct lifecycle_holder_sig *sig;
  json_t *body = path_id(r, 0, &ddc) == 0 ? api_body_signed(r, transfer_fields, &hs, &sig) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e =
      lifecycle_edition_transfer(&r->who, ddc, body_int(body, "from"), body_int(body, "to"),
                                 body_int(body, "amount"), sig, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

static const struct field_spec burn_fields[] = {
    {"from", FIELD_INT, 0, 1, 1, INT64_MAX},
    {"amount", FIELD_INT, 1, 0, 1, LIFECYCLE_UNITS_MAX},
    {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
    {NULL},
};

void api_editions_burn(struct req *r)
{
  int64_t ddc;
  struct lifecycle_holder_sig hs;
  const struct lifecycle_holder_sig *sig;
  json_t *body = path_id(r, 0, &ddc) == 0 ? api_body_signed(r, burn_fields, &hs, &sig) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_edition_burn(&r->who, ddc, body_int(body, "from"),
                                          body_int(body, "amount"), sig, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

static const struct field_spec mint_more_fields[] = {
    {"to", FIELD_INT, 0, 1, 1, INT64_MAX},
    {"amount", FIELD_INT, 1, 0, 1, LIFECYCLE_UNITS_MAX},
    {NULL},
};

void api_editions_mint_more(struct req *r)
{
  int64_t ddc;
  json_t *body = path_id(r, 0, &ddc) == 0 ? body_checked(r, mint_more_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = lifecycle_edition_mint_more(&r->who, ddc, body_int(body, "to"),
                                               body_int(body, "amount"), &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}
