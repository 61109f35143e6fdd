/* peer.c: pins of other deployments and this side's signatures in the peer protocol (see
 * peer.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "db/peers.h"
#include "domain/peer.h"
#include "peer/peersig.h"

static struct note_signer peer_key; /* the log key; set once by peer_init */
static char peer_vkey[NOTE_VKEY_MAX], peer_url[PEER_URL_MAX + 1];

void peer_init(const struct note_signer *log_key, const char *public_url)
{
  struct note_verifier v;
  peer_key = *log_key;
  note_signer_public(&peer_key, &v);
  if (note_verifier_format(&v, peer_vkey, sizeof peer_vkey) < 0) peer_vkey[0] = 0;
  snprintf(peer_url, sizeof peer_url, "%s", public_url ? public_url : "");
  size_t n = strlen(peer_url);
  while (n && peer_url[n - 1] == '/')
    peer_url[--n] = 0;
}

const char *peer_self_origin(void)
{
  return peer_key.name;
}

const char *peer_self_vkey(void)
{
  return peer_vkey;
}

const char *peer_self_url(void)
{
  return peer_url;
}

int peer_sign_request(const char *method, const char *path_query, const void *body, size_t len,
                      const char *callee, char *out, size_t cap)
{
  return peersig_sign(&peer_key, method, path_query, body, len, callee, (int64_t)time(NULL), out,
                      cap);
}

int peer_sign_statement(json_t *obj)
{
  return peersig_statement_sign(obj, &peer_key);
}

/* The name rule: ^[a-z0-9][a-z0-9-]{0,62}$. */
static int peer_name_ok(const char *s)
{
  size_t n = strlen(s);
  return n >= 1 && n <= PEER_NAME_MAX && strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[0]) &&
         strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* A base URL: http(s)://host..., no query, fragment, space or control character. */
static int peer_url_ok(const char *s)
{
  size_t n = strlen(s), pre = strncmp(s, "https://", 8) == 0  ? 8
                              : strncmp(s, "http://", 7) == 0 ? 7
                                                              : 0;
  if (!pre || n <= pre || n > PEER_URL_MAX || strpbrk(s, "?# \"\\<>")) return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] == 0x7f) return 0;
  return s[pre] != '/';
}

/* Checks witness_keys (an array of cosignature verifier keys) and writes it as JSON text. */
static enum ddc_err peer_witnesses(json_t *keys, char **text)
{
  size_t i;
  json_t *k;
  struct note_verifier v;
  if (keys && (!json_is_array(keys) || json_array_size(keys) > BUNDLE_WITNESSES_MAX))
    return errors_refuse(DDC_ERR_INVALID_FIELD, "witness_keys",
                         "witness_keys must be an array of at most %d verifier keys",
                         BUNDLE_WITNESSES_MAX);
  json_array_foreach(keys, i, k)
  {
    if (!json_is_string(k) || note_verifier_parse(&v, json_string_value(k)) != 0 ||
        v.alg != NOTE_ALG_COSIGNATURE)
      return errors_refuse(DDC_ERR_INVALID_FIELD, "witness_keys",
                           "witness_keys[%zu] must be a witness's verifier key "
                           "(name+keyid+base64, type 4 cosignatures)",
                           i);
  }
  *text = keys ? json_dumps(keys, JSON_COMPACT) : strdup("[]");
  return *text ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

enum ddc_err peer_create(const char *name, const char *url, const char *log_key,
                         json_t *witness_keys, int quorum, char **json)
{
  struct note_verifier v;
  char *keys = NULL, url_c[PEER_URL_MAX + 1];
  *json = NULL;
  if (!peer_name_ok(name))
    return errors_refuse(DDC_ERR_INVALID_FIELD, "name",
                         "name must be 1 to 63 of a-z, 0-9 and '-', starting with a letter or "
                         "digit");
  if (!peer_url_ok(url))
    return errors_refuse(DDC_ERR_INVALID_FIELD, "url",
                         "url must be the peer's base URL, http(s)://host[:port][/path]");
  if (note_verifier_parse(&v, log_key) != 0 || v.alg != NOTE_ALG_ED25519)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "log_key",
                         "log_key must be the peer's log key as GET /v1/log/key prints it "
                         "(name+keyid+base64)");
  if (strcmp(log_key, peer_vkey) == 0)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "log_key", "log_key is this deployment's own");
  enum ddc_err e = peer_witnesses(witness_keys, &keys);
  snprintf(url_c, sizeof url_c, "%s", url);
  for (size_t n = strlen(url_c); n && url_c[n - 1] == '/';)
    url_c[--n] = 0;
  if (e == DDC_ERR_OK) e = db_peer_create(name, url_c, log_key, v.id, keys, quorum, json);
  free(keys);
  return e;
}

enum ddc_err peer_list(char **json)
{
  return db_peer_list(json);
}

/* Fills pin from its JSON (ddc_peer_json). */
static enum ddc_err peer_parse(const char *text, struct peer_pin *pin)
{
  json_t *j = json_loads(text, 0, NULL), *w = json_object_get(j, "witness_keys"), *k;
  const char *name = json_string_value(json_object_get(j, "name"));
  const char *url = json_string_value(json_object_get(j, "url"));
  const char *lk = json_string_value(json_object_get(j, "log_key"));
  size_t i;
  memset(pin, 0, sizeof *pin);
  int ok = name && url && lk && note_verifier_parse(&pin->log, lk) == 0 &&
           json_array_size(w) <= BUNDLE_WITNESSES_MAX;
  if (ok) {
    pin->id = json_integer_value(json_object_get(j, "id"));
    pin->issuer_id = json_integer_value(json_object_get(j, "issuer_id"));
    pin->quorum = (unsigned)json_integer_value(json_object_get(j, "quorum"));
    snprintf(pin->name, sizeof pin->name, "%s", name);
    snprintf(pin->url, sizeof pin->url, "%s", url);
    snprintf(pin->log_key, sizeof pin->log_key, "%s", lk);
    json_array_foreach(w, i, k) ok =
        ok && note_verifier_parse(&pin->witnesses[i], json_string_value(k)) == 0;
    pin->n_witnesses = json_array_size(w);
  }
  json_decref(j);
  return ok ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

enum ddc_err peer_by_keyid(uint32_t keyid, struct peer_pin *pin)
{
  char *text = NULL;
  enum ddc_err e = db_peer_by_keyid(keyid, &text);
  if (e == DDC_ERR_OK) e = peer_parse(text, pin);
  free(text);
  return e;
}

enum ddc_err peer_authenticate(const char *header, const char *method, const char *path_query,
                               const void *body, size_t len, struct peer_pin *pin)
{
  struct peersig_header h;
  char kid[9];
  if (!header || peersig_parse(header, &h) != PEERSIG_OK)
    return errors_refuse(DDC_ERR_PEER_SIGNATURE_INVALID, PEERSIG_HEADER,
                         "send DDC-Peer-Signature: keyid=<8 hex>,created=<unix s>,"
                         "sig=<base64url>");
  peersig_keyid_hex(h.keyid, kid);
  enum ddc_err e = peer_by_keyid(h.keyid, pin);
  if (e == DDC_ERR_NOT_FOUND)
    return errors_refuse(DDC_ERR_PEER_UNKNOWN, PEERSIG_HEADER,
                         "no peer is pinned whose log key has key id %s", kid);
  if (e != DDC_ERR_OK) return e;
  int rc = peersig_verify(&h, &pin->log, method, path_query, body, len, peer_self_origin(),
                          (int64_t)time(NULL));
  if (rc == PEERSIG_EXPIRED)
    return errors_refuse(DDC_ERR_PEER_SIGNATURE_EXPIRED, PEERSIG_HEADER,
                         "created %lld is more than %d s from this server's clock",
                         (long long)h.created, PEERSIG_MAX_SKEW);
  if (rc != PEERSIG_OK)
    return errors_refuse(DDC_ERR_PEER_SIGNATURE_INVALID, PEERSIG_HEADER,
                         "the signature does not verify under peer %s's log key for this "
                         "request to %s",
                         pin->name, peer_self_origin());
  return DDC_ERR_OK;
}
