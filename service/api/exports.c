/* exports.c: POST /v1/certificates/{ddc_id}/export and /export/cancel, cross-operator transfer
 * at the source (docs/transfer.md). */
#include "api/api.h"
#include "http/body.h"
#include "http/reply.h"
#include "peer/export.h"

static const struct field_spec export_fields[] = {
    {"peer", FIELD_STRING, 1, 0, 1, 63},
    {"to", FIELD_INT, 1, 0, 1, INT64_MAX},
    {"holder_signature", FIELD_OBJECT, 0, 1, 0, 0},
    {NULL},
};

void api_certs_export(struct req *r)
{
  int64_t ddc;
  struct lifecycle_holder_sig hs;
  const struct lifecycle_holder_sig *sig;
  json_t *body = path_id(r, 0, &ddc) == 0 ? api_body_signed(r, export_fields, &hs, &sig) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e =
      export_start(&r->who, ddc, body_str(body, "peer"), body_int(body, "to"), sig, &json);
  json_decref(body);
  reply_result(r, e, 202, json);
}

void api_certs_export_cancel(struct req *r)
{
  int64_t ddc;
  static const struct field_spec none[] = {{NULL}};
  json_t *body = path_id(r, 0, &ddc) == 0 ? body_checked(r, none) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = export_cancel(&r->who, ddc, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}
