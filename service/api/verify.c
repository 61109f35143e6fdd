/* verify.c: public verification (no key needed): a certificate by its code (the verdict and its
 * checks), its proof bundle, certificates by content hash, and checking a bundle sent in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "crypto/codes.h"
#include "domain/cert.h"
#include "db/ledger.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"
#include "ledger/bundle.h"
#include "ledger/logkey.h"

/* The {code} parameter: 26 base32 characters; anything else cannot exist (404). */
static const char *verify_code(struct req *r)
{
  if (addrlimit_take(r) != 0) return NULL;
  const char *code = r->params[0];
  if (codes_is_base32(code, 26)) return code;
  reply_problem(r, DDC_ERR_NOT_FOUND, NULL, "no certificate has this code");
  return NULL;
}

static int verify_is_current(json_t *bundle);

/* The verdict on a bundle against the log's own key. */
static void verify_reply(struct req *r, json_t *bundle, const char *code)
{
  struct note_verifier log_key;
  enum ddc_err e = logkey_public(&log_key);
  json_t *v = e == DDC_ERR_OK ? bundle_verdict(bundle, &log_key) : NULL;
  if (!v) {
    reply_error(r, e == DDC_ERR_OK ? DDC_ERR_INTERNAL : e);
    return;
  }
  if (!code) { /* a bundle sent in */
    int current = verify_is_current(bundle);
    json_array_append_new(json_object_get(v, "checks"),
                          json_pack("{s:s, s:b, s:s}", "name", "bundle_is_current", "ok", current,
                                    "detail", "the bundle holds every event the log has for it"));
    if (!current) json_object_set_new(v, "result", json_string("invalid"));
  }
  if (code) {
    char url[64];
    snprintf(url, sizeof url, "/v1/verify/%s/bundle", code);
    json_object_set_new(v, "bundle_url", json_string(url));
  }
  reply_json(r, 200, v);
}

void api_verify_code(struct req *r)
{
  const char *code = verify_code(r);
  json_t *bundle;
  if (!code) return;
  enum ddc_err e = bundle_build(code, &bundle);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  verify_reply(r, bundle, code);
  json_decref(bundle);
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
  enum ddc_err e = db_public_by_content(hash, &json);
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
  verify_reply(r, bundle, NULL);
  json_decref(bundle);
}

/* For a bundle sent in: is it the certificate's whole history as the log has it now? (An old or
 * cut-short bundle can hide a revocation; offline nobody can tell, here we can.) */
static int verify_is_current(json_t *bundle)
{
  json_t *events = json_object_get(bundle, "events"), *now = NULL;
  const char *text = json_string_value(json_object_get(bundle, "document"));
  json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
  const char *code = json_string_value(json_object_get(doc, "code"));
  int current = code && bundle_build(code, &now) == DDC_ERR_OK;
  json_t *mine = json_array_get(events, json_array_size(events) - 1);
  json_t *theirs = json_array_get(json_object_get(now, "events"),
                                  json_array_size(json_object_get(now, "events")) - 1);
  current = current && json_array_size(events) == json_array_size(json_object_get(now, "events")) &&
            json_equal(json_object_get(mine, "canonical"), json_object_get(theirs, "canonical"));
  json_decref(now);
  json_decref(doc);
  return current;
}

/* GET /v1/certificates/{ddc_id}/proof: the same bundle, for a caller who may read the
 * certificate. */
void api_certs_proof(struct req *r)
{
  int64_t ddc;
  char *json, *doc;
  if (path_id(r, 0, &ddc) != 0) return;
  enum ddc_err e = cert_get(&r->who, ddc, &json, &doc);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  json_t *cert = json_loads(json, 0, NULL), *bundle = NULL;
  const char *code = json_string_value(json_object_get(cert, "code"));
  e = code ? bundle_build(code, &bundle) : DDC_ERR_INTERNAL;
  json_decref(cert);
  free(json);
  free(doc);
  if (e == DDC_ERR_OK)
    reply_json(r, 200, bundle);
  else
    reply_error(r, e);
}
