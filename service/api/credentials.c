/* credentials.c: W3C Verifiable Credentials of certificates (public by code, or for a caller who
 * may read the certificate), ddcd's JSON-LD context, issuers' DID documents (did:web), the issuer
 * profile and claimed domain, and the log's key published for pinning (/.well-known/ddc-log). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "crypto/codes.h"
#include "domain/profile.h"
#include "domain/vc.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"
#include "http/respcache.h"
#include "ledger/logkey.h"
#include "ledger/witness_client.h"

#define VC_MEDIA_TYPE "application/vc+ld+json"

/* A cache key for a credential: its code and the base it names (the Host may vary). */
static void cred_cache_key(const char *base, const char *code, char key[RESPCACHE_KEY_MAX])
{
  unsigned long h = 5381;
  for (const char *p = base; *p; p++)
    h = h * 33 + (unsigned char)*p;
  snprintf(key, RESPCACHE_KEY_MAX, "vc/%s/%lx", code, h & 0xffffffffUL);
}

void api_vc_code(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  const char *code = r->params[0];
  char base[300], key[RESPCACHE_KEY_MAX], *text;
  const char *hit;
  void *ref;
  size_t len;
  if (!codes_is_base32(code, 26)) {
    reply_problem(r, DDC_ERR_NOT_FOUND, NULL, "no certificate has this code");
    return;
  }
  api_public_base(r, base, sizeof base);
  cred_cache_key(base, code, key);
  if (respcache_get(key, &hit, &len, &ref)) {
    reply_shared(r, 200, VC_MEDIA_TYPE, hit, len, respcache_release, ref);
    return;
  }
  uint64_t gen = respcache_generation();
  enum ddc_err e = vc_by_code(base, code, &text, &len);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  respcache_put(key, gen, text, len);
  reply_buffer(r, 200, VC_MEDIA_TYPE, text, len);
}

void api_certs_vc(struct req *r)
{
  int64_t ddc;
  char base[300], *text;
  size_t len;
  if (path_id(r, 0, &ddc) != 0) return;
  api_public_base(r, base, sizeof base);
  enum ddc_err e = vc_by_ddc(base, &r->who, ddc, &text, &len);
  if (e == DDC_ERR_OK)
    reply_buffer(r, 200, VC_MEDIA_TYPE, text, len);
  else
    reply_error(r, e);
}

void api_vc_context(struct req *r)
{
  char base[300];
  size_t len;
  api_public_base(r, base, sizeof base);
  char *text = vc_context(base, &len);
  if (!text) {
    reply_error(r, DDC_ERR_INTERNAL);
    return;
  }
  reply_buffer(r, 200, "application/ld+json", text, len);
  reply_cache(r, "public, max-age=86400");
}

static void cred_did(struct req *r, int domain_doc)
{
  int64_t issuer;
  char base[300], *text;
  size_t len;
  if (path_id(r, 0, &issuer) != 0) return;
  api_public_base(r, base, sizeof base);
  enum ddc_err e = vc_did_document(base, issuer, domain_doc, &text, &len);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  reply_buffer(r, 200, "application/did+json", text, len);
  if (!domain_doc) reply_cache(r, REPLY_CACHE_SHORT);
}

void api_did_issuer(struct req *r)
{
  cred_did(r, 0);
}

void api_did_domain(struct req *r)
{
  cred_did(r, 1);
}

static const struct field_spec domain_fields[] = {
    {"domain", FIELD_STRING, 1, 0, 1, 253},
    {NULL},
};

void api_domain_put(struct req *r)
{
  int64_t issuer;
  char domain[256], *json;
  if (path_id(r, 0, &issuer) != 0) return;
  json_t *body = body_checked(r, domain_fields);
  if (!body) return;
  snprintf(domain, sizeof domain, "%s", body_str(body, "domain"));
  json_decref(body);
  if (!profile_domain_valid(domain)) {
    reply_problem(r, DDC_ERR_INVALID_FIELD, "domain",
                  "domain must be a host name, optionally with :port");
    return;
  }
  enum ddc_err e = profile_set_domain(&r->who, issuer, domain, &json);
  reply_result(r, e, 200, json);
}

void api_domain_check(struct req *r)
{
  int64_t issuer;
  char base[300], *json;
  if (path_id(r, 0, &issuer) != 0 || body_none(r) != 0) return;
  api_public_base(r, base, sizeof base);
  enum ddc_err e = profile_check_domain(&r->who, base, issuer, &json);
  reply_result(r, e, 200, json);
}

static const struct field_spec profile_fields[] = {
    {"url", FIELD_STRING, 0, 1, 1, 500},
    {"logo_url", FIELD_STRING, 0, 1, 1, 500},
    {NULL},
};

/* An https:// URL (or NULL). */
static int cred_url_ok(const char *u)
{
  return !u || (strncmp(u, "https://", 8) == 0 && strlen(u) > 8 && !strpbrk(u, " \t\r\n\"<>"));
}

void api_profile_put(struct req *r)
{
  int64_t issuer;
  char *json;
  if (path_id(r, 0, &issuer) != 0) return;
  json_t *body = body_checked(r, profile_fields);
  if (!body) return;
  const char *url = body_str(body, "url"), *logo = body_str(body, "logo_url");
  if (!cred_url_ok(url) || !cred_url_ok(logo)) {
    reply_problem(r, DDC_ERR_INVALID_FIELD, cred_url_ok(url) ? "logo_url" : "url",
                  "must be an https:// URL");
    json_decref(body);
    return;
  }
  enum ddc_err e = profile_set(&r->who, issuer, url, logo, &json);
  json_decref(body);
  reply_result(r, e, 200, json);
}

/* {origin, verifier_key, witnesses: [verifier keys], quorum}: what a verifier pins once. */
void api_well_known_log(struct req *r)
{
  char vkey[NOTE_VKEY_MAX + 1];
  struct note_verifier v;
  enum ddc_err e = logkey_public(&v);
  int n = e == DDC_ERR_OK ? note_verifier_format(&v, vkey, sizeof vkey) : -1;
  if (n < 0) {
    reply_error(r, e == DDC_ERR_OK ? DDC_ERR_INTERNAL : e);
    return;
  }
  vkey[n] = 0;
  const struct witness_set *ws = witness_client_set();
  json_t *w = json_array();
  for (size_t i = 0; i < ws->n; i++)
    json_array_append_new(w, json_string(ws->vkeys[i]));
  reply_json(r, 200,
             json_pack("{s:s, s:s, s:o, s:i}", "origin", v.name, "verifier_key", vkey, "witnesses",
                       w, "quorum", ws->n ? (int)ws->quorum : 0));
  reply_cache(r, REPLY_CACHE_SHORT);
}
