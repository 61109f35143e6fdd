/* verify.c: public verification (no key needed): a certificate by its code (the verdict and its
 * checks, ledger/verdict.c, cached for a moment in this process; of an edition, with ?holder= that
 * holder's balance as of the logged events), its proof bundle (kept in the database once settled,
 * ledger/bundlekeep.h, and cached here until an event drops it, http/respcache.h),
 * certificates by content hash, and
 * checking a bundle or a credential sent in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "crypto/codes.h"
#include "domain/vc.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"
#include "http/respcache.h"
#include "ledger/bundle.h"
#include "ledger/bundlekeep.h"
#include "ledger/verdict.h"
#include "verify/vc.h"

/* The {code} parameter: 26 base32 characters; anything else cannot exist (404). */
static const char *verify_code(struct req *r)
{
  if (addrlimit_take(r) != 0) return NULL;
  const char *code = r->params[0];
  if (codes_is_base32(code, 26)) return code;
  reply_problem(r, DDC_ERR_NOT_FOUND, NULL, "no certificate has this code");
  return NULL;
}

/* Of an edition's verdict, the holder's units as the edition's logged balances show them. */
static void verify_holder(json_t *v, int64_t holder)
{
  json_t *items = json_object_get(json_object_get(v, "edition"), "balances"), *it;
  json_int_t amount = 0;
  size_t i;
  if (!items) return;
  json_array_foreach(items, i,
                     it) if (json_integer_value(json_object_get(it, "account_id")) == holder)
      amount = json_integer_value(json_object_get(it, "amount"));
  json_object_set_new(v, "holder",
                      json_pack("{s:I, s:I}", "account_id", (json_int_t)holder, "amount", amount));
}

void api_verify_code(struct req *r)
{
  const char *code = verify_code(r);
  char key[64], *text;
  const char *hit;
  void *ref;
  size_t len;
  int settled;
  int64_t holder;
  if (!code || query_int(r, "holder", 1, INT64_MAX, 0, &holder) != 0) return;
  snprintf(key, sizeof key, "verify/%s/%lld", code, (long long)holder);
  if (respcache_get(key, &hit, &len, &ref)) {
    reply_shared(r, 200, "application/json", hit, len, respcache_release, ref);
    return;
  }
  uint64_t gen = respcache_generation();
  enum ddc_err e = verdict_public(code, &text, &len, &settled);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  if (holder) {
    json_t *v = json_loadb(text, len, 0, NULL);
    free(text);
    text = NULL;
    if (v) verify_holder(v, holder), text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    if (!text) {
      reply_error(r, DDC_ERR_INTERNAL);
      return;
    }
    len = strlen(text);
  }
  if (settled) respcache_put(key, gen, text, len);
  reply_buffer(r, 200, "application/json", text, len);
}

void api_verify_bundle_get(struct req *r)
{
  const char *code = verify_code(r);
  char key[64], *text;
  const char *hit;
  void *ref;
  size_t len;
  int settled;
  if (!code) return;
  snprintf(key, sizeof key, "bundle/%s", code);
  if (respcache_get(key, &hit, &len, &ref)) {
    reply_shared(r, 200, "application/json", hit, len, respcache_release, ref);
    return;
  }
  uint64_t gen = respcache_generation();
  enum ddc_err e = bundlekeep_public(code, &text, &len, &settled);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  if (settled == BUNDLE_SETTLED_PRIMARY)
    respcache_put_settled(key, gen, text, len);
  else if (settled)
    respcache_put(key, gen, text, len);
  reply_buffer(r, 200, "application/json", text, len);
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

/* A credential sent in (JSON with @context): the issuer's DID document as served here, the
 * certificate's bundle and verdict, the status lists its entries name as published here, then
 * vc_verdict (status from the lists' bits; from the logged events when a list is not here). */
static void verify_credential(struct req *r, json_t *cred)
{
  const char *code =
      json_string_value(json_object_get(json_object_get(cred, "credentialSubject"), "code"));
  json_t *bundle = NULL, *bv = NULL, *doc = NULL, *v = NULL;
  char base[300], *text;
  size_t len;
  if (!code || !codes_is_base32(code, 26)) {
    reply_problem(r, DDC_ERR_INVALID_FIELD, "credentialSubject.code",
                  "a ddcd credential names its certificate's code");
    return;
  }
  enum ddc_err e = bundle_build(code, &bundle);
  json_int_t issuer = json_integer_value(json_object_get(json_object_get(bundle, "issuer"), "id"));
  api_public_base(r, base, sizeof base);
  if (e == DDC_ERR_OK) e = vc_did_document(base, issuer, 0, &text, &len);
  if (e == DDC_ERR_OK) {
    doc = json_loadb(text, len, 0, NULL);
    free(text);
    bv = verdict_judge(bundle, 0);
  }
  if (doc && bv) {
    json_t *lists[3] = {NULL};
    vc_status_lists(cred, lists);
    struct vc_inputs in = {.did_doc = doc, .bundle = bundle, .bundle_verdict = bv};
    for (int i = 0; i < 3; i++)
      in.lists[i] = lists[i];
    v = vc_verdict(cred, &in);
    for (int i = 0; i < 3; i++)
      json_decref(lists[i]);
  }
  if (e != DDC_ERR_OK)
    reply_error(r, e);
  else if (v)
    reply_json(r, 200, v);
  else
    reply_error(r, DDC_ERR_INTERNAL);
  json_decref(bundle);
  json_decref(bv);
  json_decref(doc);
}

void api_verify_post(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  json_t *bundle = body_object(r);
  if (!bundle) return;
  if (json_object_get(bundle, "@context")) {
    verify_credential(r, bundle);
    json_decref(bundle);
    return;
  }
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
