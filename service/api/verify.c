/* verify.c: public verification (no key needed): a certificate by its code (the verdict and its
 * checks, ledger/verdict.c, cached for a moment in this process), its proof bundle, certificates by
 * content hash, and checking a bundle sent in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "crypto/codes.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"
#include "http/respcache.h"
#include "ledger/bundle.h"
#include "ledger/verdict.h"

/* The {code} parameter: 26 base32 characters; anything else cannot exist (404). */
static const char *verify_code(struct req *r)
{
  if (addrlimit_take(r) != 0) return NULL;
  const char *code = r->params[0];
  if (codes_is_base32(code, 26)) return code;
  reply_problem(r, DDC_ERR_NOT_FOUND, NULL, "no certificate has this code");
  return NULL;
}

void api_verify_code(struct req *r)
{
  const char *code = verify_code(r);
  char key[40], *text;
  size_t len;
  int settled;
  if (!code) return;
  snprintf(key, sizeof key, "verify/%s", code);
  if (respcache_get(key, &text, &len)) {
    reply_buffer(r, 200, "application/json", text, len);
    return;
  }
  uint64_t gen = respcache_generation();
  enum ddc_err e = verdict_public(code, &text, &len, &settled);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  if (settled) respcache_put(key, gen, text, len);
  reply_buffer(r, 200, "application/json", text, len);
}

void api_verify_bundle_get(struct req *r)
{
  const char *code = verify_code(r);
  json_t *bundle;
  if (!code) return;
  enum ddc_err e = bundle_build(code, &bundle);
  if (e == DDC_ERR_OK)
    reply_json(r, 200, bundle);
  else
    reply_error(r, e);
}

void api_verify_by_content(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  const char *hex = query_str(r, "content_hash");
  uint8_t hash[32];
  if (!hex || strlen(hex) != 64 || codes_unhex(hex, hash, 32) != 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "content_hash",
                  "content_hash must be a SHA-256 in 64 hex digits");
    return;
  }
  char *json;
  enum ddc_err e = bundle_by_content(hash, &json);
  reply_result(r, e, 200, json);
}

void api_verify_post(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  json_t *bundle = body_object(r);
  if (!bundle) return;
  const char *type = json_string_value(json_object_get(bundle, "type"));
  if (!type || strcmp(type, "ddc.bundle/v1") != 0) {
    json_decref(bundle);
    reply_problem(r, DDC_ERR_INVALID_FIELD, "type", "a proof bundle has type ddc.bundle/v1");
    return;
  }
  json_t *v = verdict_judge(bundle, 1);
  json_decref(bundle);
  if (v)
    reply_json(r, 200, v);
  else
    reply_error(r, DDC_ERR_INTERNAL);
}

/* GET /v1/certificates/{ddc_id}/proof: the same bundle, for a caller who may read the
 * certificate. */
void api_certs_proof(struct req *r)
{
  int64_t ddc;
  json_t *bundle;
  if (path_id(r, 0, &ddc) != 0) return;
  enum ddc_err e = bundle_build_for(role_name(r->who.role), r->who.account_id, ddc, &bundle);
  if (e == DDC_ERR_OK)
    reply_json(r, 200, bundle);
  else
    reply_error(r, e);
}
