/* peersig.c: the ddc peer protocol's request signatures and signed statements (see peersig.h).
 * Owns the byte forms: the request's signed text, the header value, the statement's signed
 * text. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "peer/peersig.h"

#define PEERSIG_REQ_TAG "ddc-peer-request/v1\n"
#define PEERSIG_STMT_TAG "ddc-peer-statement/v1\n"
#define PEERSIG_B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* The request's signed text, malloc'ed, its length in *len; NULL on failure. */
static char *peersig_text(const char *method, const char *path_query, const void *body,
                          size_t body_len, const char *callee, int64_t created, size_t *len)
{
  uint8_t h[32];
  char hex[65];
  if (!method || !path_query || !callee || (body_len && !body)) return NULL;
  crypto_hash_sha256(h, body_len ? body : (const void *)"", body_len);
  codes_hex(h, 32, hex);
  size_t cap = strlen(method) + strlen(path_query) + strlen(callee) + 128;
  char *t = malloc(cap);
  int n = t ? snprintf(t, cap, PEERSIG_REQ_TAG "%s\n%s\n%" PRId64 "\n%s\n%s", method, path_query,
                       created, hex, callee)
            : -1;
  if (n < 0 || (size_t)n >= cap) {
    free(t);
    return NULL;
  }
  *len = (size_t)n;
  return t;
}

void peersig_keyid_hex(uint32_t id, char out[9])
{
  snprintf(out, 9, "%08" PRIx32, id);
}

int peersig_sign(const struct note_signer *s, const char *method, const char *path_query,
                 const void *body, size_t body_len, const char *callee, int64_t created, char *out,
                 size_t cap)
{
  size_t len;
  uint8_t sig[64];
  char b64[sodium_base64_ENCODED_LEN(64, PEERSIG_B64URL)], kid[9];
  if (!s || cap < PEERSIG_VALUE_MAX || created < 0) return -1;
  char *t = peersig_text(method, path_query, body, body_len, callee, created, &len);
  if (!t) return -1;
  crypto_sign_detached(sig, NULL, (const uint8_t *)t, len, s->sk);
  free(t);
  sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, PEERSIG_B64URL);
  peersig_keyid_hex(s->id, kid);
  return snprintf(out, cap, "keyid=%s,created=%" PRId64 ",sig=%s", kid, created, b64);
}

/* Reads "name=" at *p and the value up to the next ',' (or the end when last) into out (cap
 * bytes); advances *p past the comma. 0 or -1. */
static int peersig_member(const char **p, const char *name, int last, char *out, size_t cap)
{
  size_t nl = strlen(name);
  if (strncmp(*p, name, nl) != 0 || (*p)[nl] != '=') return -1;
  const char *v = *p + nl + 1, *end = last ? v + strlen(v) : strchr(v, ',');
  if (!end || end == v || (size_t)(end - v) >= cap) return -1;
  memcpy(out, v, (size_t)(end - v));
  out[end - v] = 0;
  *p = last ? end : end + 1;
  return 0;
}

int peersig_parse(const char *value, struct peersig_header *h)
{
  char kid[16], created[24], sig[100];
  const char *p = value;
  if (!value || strlen(value) > PEERSIG_VALUE_LIMIT || !h) return PEERSIG_MALFORMED;
  if (peersig_member(&p, "keyid", 0, kid, sizeof kid) != 0 ||
      peersig_member(&p, "created", 0, created, sizeof created) != 0 ||
      peersig_member(&p, "sig", 1, sig, sizeof sig) != 0)
    return PEERSIG_MALFORMED;
  uint8_t id[4];
  if (strlen(kid) != 8 || codes_unhex(kid, id, 4) != 0) return PEERSIG_MALFORMED;
  size_t cl = strlen(created);
  if (cl > 18 || strspn(created, "0123456789") != cl || (created[0] == '0' && cl > 1))
    return PEERSIG_MALFORMED;
  if (codes_unbase64url(sig, h->sig, 64) != 0) return PEERSIG_MALFORMED;
  h->keyid = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
  h->created = strtoll(created, NULL, 10);
  return PEERSIG_OK;
}

int peersig_verify(const struct peersig_header *h, const struct note_verifier *v,
                   const char *method, const char *path_query, const void *body, size_t body_len,
                   const char *callee, int64_t now)
{
  size_t len;
  if (!h || !v || v->alg != NOTE_ALG_ED25519 || v->id != h->keyid) return PEERSIG_BAD;
  if (h->created > now + PEERSIG_MAX_SKEW || h->created < now - PEERSIG_MAX_SKEW)
    return PEERSIG_EXPIRED;
  char *t = peersig_text(method, path_query, body, body_len, callee, h->created, &len);
  if (!t) return PEERSIG_MALFORMED;
  int ok = crypto_sign_verify_detached(h->sig, (const uint8_t *)t, len, v->pub) == 0;
  free(t);
  return ok ? PEERSIG_OK : PEERSIG_BAD;
}

/* "ddc-peer-statement/v1\n" and the JCS text of obj without its signature, malloc'ed. */
static char *peersig_statement_signed_text(const json_t *obj, size_t *len)
{
  json_t *copy = json_is_object(obj) ? json_copy((json_t *)obj) : NULL;
  if (!copy) return NULL;
  json_object_del(copy, "signature");
  size_t jl;
  char *jcs = jcs_canonicalize(copy, &jl);
  json_decref(copy);
  char *t = jcs ? malloc(sizeof PEERSIG_STMT_TAG + jl) : NULL;
  if (t) {
    memcpy(t, PEERSIG_STMT_TAG, sizeof PEERSIG_STMT_TAG - 1);
    memcpy(t + sizeof PEERSIG_STMT_TAG - 1, jcs, jl + 1);
    *len = sizeof PEERSIG_STMT_TAG - 1 + jl;
  }
  free(jcs);
  return t;
}

int peersig_statement_sign(json_t *obj, const struct note_signer *s)
{
  struct note_verifier v;
  char vkey[NOTE_VKEY_MAX], b64[sodium_base64_ENCODED_LEN(64, PEERSIG_B64URL)];
  uint8_t sig[64];
  size_t len;
  if (!json_is_object(obj) || !s) return -1;
  note_signer_public(s, &v);
  if (note_verifier_format(&v, vkey, sizeof vkey) < 0 ||
      json_object_set_new(obj, "log_key", json_string(vkey)) != 0)
    return -1;
  char *t = peersig_statement_signed_text(obj, &len);
  if (!t) return -1;
  crypto_sign_detached(sig, NULL, (const uint8_t *)t, len, s->sk);
  free(t);
  sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, PEERSIG_B64URL);
  return json_object_set_new(obj, "signature", json_string(b64));
}

int peersig_statement_verify(const json_t *obj, const struct note_verifier *v)
{
  struct note_verifier got;
  uint8_t sig[64];
  size_t len;
  const char *vkey = json_string_value(json_object_get(obj, "log_key"));
  const char *s = json_string_value(json_object_get(obj, "signature"));
  if (!vkey || !s || !json_is_string(json_object_get(obj, "type")) ||
      note_verifier_parse(&got, vkey) != 0 || codes_unbase64url(s, sig, 64) != 0)
    return PEERSIG_MALFORMED;
  if (!v || got.id != v->id || got.alg != v->alg || memcmp(got.pub, v->pub, 32) != 0 ||
      strcmp(got.name, v->name) != 0)
    return PEERSIG_BAD;
  char *t = peersig_statement_signed_text(obj, &len);
  if (!t) return PEERSIG_MALFORMED;
  int ok = crypto_sign_verify_detached(sig, (const uint8_t *)t, len, v->pub) == 0;
  free(t);
  return ok ? PEERSIG_OK : PEERSIG_BAD;
}

char *peersig_statement_text(const json_t *obj, size_t *len)
{
  return json_is_object(obj) ? jcs_canonicalize(obj, len) : NULL;
}

int peersig_vkey_id(const char *vkey, uint32_t *id)
{
  struct note_verifier v;
  if (note_verifier_parse(&v, vkey) != 0) return -1;
  *id = v.id;
  return 0;
}
