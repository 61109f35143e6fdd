/* cert.c: the certificate document and minting. The document is
 * {"type":"ddc.certificate/v1", ddcId, code, issuer, kind, metadata, contentHash, uri, validFrom,
 *  validUntil, issuedAt, keyId}, and for an edition (DDC-1155) also "standard":"ddc-1155", its
 *  supply and whether it is mintable; cert_hash = SHA-256(JCS(document)), and the issuer's Ed25519
 * signature is over the same JCS bytes. Anyone can recompute both from the document alone. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "crypto/jcs.h"
#include "db/certs.h"
#include "domain/cert.h"
#include "domain/mintprep.h"
#include "domain/signkey.h"
#include "kinds.h"
#include "timefmt.h"

#define CERT_TEXT_MAX 1000 /* characters of a required text field */

static int cert_text_ok(json_t *v)
{
  size_t n = json_is_string(v) ? json_string_length(v) : 0;
  return n > 0 && n <= 4 * CERT_TEXT_MAX && strlen(json_string_value(v)) == n;
}

/* "metadata.NAME" in field (64 bytes), for a refusal: made only when one is given. */
static const char *cert_field(char *field, const char *name)
{
  snprintf(field, 64, "metadata.%s", name);
  return field;
}

/* Whether v is what a required member of this type must be. */
static int cert_member_ok(enum kind_member_type type, json_t *v)
{
  size_t i;
  json_t *x;
  int ok = 1;
  switch (type) {
  case KIND_TEXT:
    return cert_text_ok(v);
  case KIND_DATE:
    return json_is_string(v) && timefmt_is_date(json_string_value(v));
  case KIND_LIST:
    ok = json_is_array(v) && json_array_size(v) >= 1 && json_array_size(v) <= KIND_LIST_ITEMS;
    json_array_foreach(v, i, x) ok = ok && cert_text_ok(x);
    return ok;
  }
  return 0;
}

static enum ddc_err cert_check_metadata(const struct kind *k, json_t *md)
{
  static const char *const must[] = {[KIND_TEXT] = "a non-empty string",
                                     [KIND_DATE] = "a date, YYYY-MM-DD",
                                     [KIND_LIST] = "a list of 1 to " KIND_LIST_ITEMS_TEXT
                                                   " non-empty strings"};
  char f[64];
  for (const struct kind_member *m = k->required; m < k->required + KIND_MEMBERS_MAX && m->name;
       m++) {
    json_t *v = json_object_get(md, m->name);
    if (!v)
      return errors_refuse(DDC_ERR_MISSING_FIELD, cert_field(f, m->name), "a %s needs %s", k->name,
                           f);
    if (!cert_member_ok(m->type, v))
      return errors_refuse(DDC_ERR_INVALID_FIELD, cert_field(f, m->name), "%s must be %s", f,
                           must[m->type]);
  }
  char path[128] = "metadata";
  if (jcs_integer_beyond(md, path, sizeof path))
    return errors_refuse(DDC_ERR_INVALID_FIELD, path, "%s: " JCS_INTEGER_RULE, path);
  return DDC_ERR_OK;
}

int cert_uri_ok(const char *s)
{
  size_t n = strlen(s), i = 0;
  if (n == 0 || n > 2048 || !((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z')) return 0;
  while (i < n && (strchr("+.-", s[i]) || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') ||
                   (s[i] >= '0' && s[i] <= '9')))
    i++;
  if (i == n || s[i] != ':' || i + 1 == n) return 0;
  for (; i < n; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return 0;
  return 1;
}

enum ddc_err cert_check(const struct cert_mint_req *m, char **metadata_jcs)
{
  const struct kind *k = kinds_find(m->kind);
  if (!k) return errors_refuse(DDC_ERR_INVALID_FIELD, "kind", "kind must be %s", kinds_choice_text);
  uint8_t h[32];
  if (m->content_hash && (strlen(m->content_hash) != 64 || codes_unhex(m->content_hash, h, 32)))
    return errors_refuse(DDC_ERR_INVALID_FIELD, "content_hash",
                         "content_hash must be a SHA-256 in 64 hex digits");
  if (m->uri && !cert_uri_ok(m->uri))
    return errors_refuse(DDC_ERR_INVALID_FIELD, "uri",
                         "uri must be an absolute URI (scheme:...) of at most 2048 printable "
                         "ASCII characters");
  int64_t from = 0, until = 0;
  if (m->valid_from) timefmt_parse(m->valid_from, &from);
  if (m->valid_until) timefmt_parse(m->valid_until, &until);
  if (m->valid_from && m->valid_until && until <= from)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "valid_until",
                         "valid_until must be after valid_from");
  size_t len = 0;
  char *canon = jcs_canonicalize(m->metadata, &len);
  if (!canon)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "metadata",
                         "metadata cannot be canonicalized (RFC 8785)");
  enum ddc_err e = len > CERT_METADATA_MAX
                       ? errors_refuse(DDC_ERR_INVALID_FIELD, "metadata",
                                       "metadata is %zu bytes in canonical form; at most %d", len,
                                       CERT_METADATA_MAX)
                       : cert_check_metadata(k, m->metadata);
  if (e == DDC_ERR_OK && metadata_jcs)
    *metadata_jcs = canon;
  else
    free(canon);
  return e;
}

/* The canonical form of an optional timestamp, or JSON null. */
/* The canonical form of a time field into out, or "" when it is absent or unreadable. */
static void cert_time(const char *s, char out[TIMEFMT_LEN + 1])
{
  int64_t us;
  out[0] = 0;
  if (s && timefmt_parse(s, &us) == 0) timefmt_format(us, out);
}

/* JCS of a string or, for NULL, null; malloc'ed. */
static char *cert_jcs_string(const char *s)
{
  if (!s) return strdup("null");
  json_t *v = json_string(s);
  char *text = v ? jcs_canonicalize(v, NULL) : NULL;
  json_decref(v);
  return text;
}

/* The document's JCS text, written out member by member in JCS order (RFC 8785 sorts names by
 * UTF-16 code units; every name here is ASCII); md is the metadata's own JCS text. */
static char *cert_jcs_document(const struct cert_doc *d, const struct cert_mint_req *m,
                               const char *chex, const char *md, size_t *len)
{
  char *kind = cert_jcs_string(m->kind), *uri = cert_jcs_string(m->uri);
  char hash[68] = "null", from[TIMEFMT_LEN + 3] = "null", until[TIMEFMT_LEN + 3] = "null";
  char edition[80] = "";
  if (chex) snprintf(hash, sizeof hash, "\"%s\"", chex);
  if (m->supply)
    snprintf(edition, sizeof edition, ",\"mintable\":%s,\"standard\":\"ddc-1155\",\"supply\":%lld",
             m->mintable ? "true" : "false", (long long)m->supply);
  if (d->from[0]) snprintf(from, sizeof from, "\"%s\"", d->from);
  if (d->until[0]) snprintf(until, sizeof until, "\"%s\"", d->until);
  char *text = NULL;
  int n =
      kind && uri
          ? asprintf(&text,
                     "{\"code\":\"%s\",\"contentHash\":%s,\"ddcId\":%lld,\"issuedAt\":\"%s\","
                     "\"issuer\":%lld,\"keyId\":%lld,\"kind\":%s,\"metadata\":%s%s,"
                     "\"type\":\"ddc.certificate/v1\",\"uri\":%s,\"validFrom\":%s,"
                     "\"validUntil\":%s}",
                     d->code, hash, (long long)d->row.ddc_id, d->issued, (long long)d->row.issuer,
                     (long long)d->row.key_id, kind, md, edition, uri, from, until)
          : -1;
  free(kind);
  free(uri);
  if (n < 0) return NULL;
  *len = (size_t)n;
  return text;
}

size_t cert_mint_event(const struct cert_doc *d, char *out, size_t cap, uint8_t hash[32])
{
  char chex[65];
  char supply[32] = "";
  long long issuer = (long long)d->row.issuer;
  codes_hex(d->row.cert_hash, 32, chex);
  if (d->row.supply) snprintf(supply, sizeof supply, ",\"supply\":%lld", (long long)d->row.supply);
  int n = snprintf(out, cap,
                   "{\"account\":null,\"actor\":%lld,\"data\":{\"certHash\":\"%s\",\"issuer\":%lld,"
                   "\"keyId\":%lld,\"kind\":\"%s\",\"owner\":%lld%s},\"ddcId\":%lld,\"prev\":null,"
                   "\"time\":\"%s\",\"type\":\"mint\",\"v\":\"ddc.event/v1\"}",
                   issuer, chex, issuer, (long long)d->row.key_id, d->row.kind,
                   (long long)(d->row.owner ? d->row.owner : d->row.issuer), supply,
                   (long long)d->row.ddc_id, d->issued);
  if (n <= 0 || (size_t)n >= cap) return 0;
  crypto_hash_sha256(hash, (const uint8_t *)out, (size_t)n);
  return (size_t)n;
}

enum ddc_err cert_document(int64_t issuer, int64_t ddc_id, int64_t key_id,
                           const uint8_t sk[crypto_sign_SECRETKEYBYTES],
                           const struct cert_mint_req *m, struct cert_doc *d)
{
  uint8_t rnd[16];
  memset(d, 0, sizeof *d);
  d->row = (struct db_mint_row){.issuer = issuer,
                                .ddc_id = ddc_id,
                                .owner = m->owner_id,
                                .key_id = key_id,
                                .kind = m->kind,
                                .uri = m->uri,
                                .external_ref = m->external_ref,
                                .supply = m->supply,
                                .mintable = m->mintable};
  char chex[65];
  randombytes_buf(rnd, sizeof rnd);
  codes_base32(rnd, sizeof rnd, d->code);
  timefmt_format(timefmt_now(), d->issued);
  if (m->content_hash) {
    codes_unhex(m->content_hash, d->row.content_hash, 32);
    codes_hex(d->row.content_hash, 32, chex); /* lowercase */
    d->row.has_content_hash = 1;
  }
  cert_time(m->valid_from, d->from);
  cert_time(m->valid_until, d->until);
  char *md = m->metadata_jcs ? NULL : jcs_canonicalize(m->metadata, NULL);
  if (md || m->metadata_jcs)
    d->text =
        cert_jcs_document(d, m, m->content_hash ? chex : NULL, md ? md : m->metadata_jcs, &d->len);
  free(md);
  if (!d->text) return DDC_ERR_INTERNAL;
  crypto_hash_sha256(d->row.cert_hash, (const uint8_t *)d->text, d->len);
  crypto_sign_detached(d->row.signature, NULL, (const uint8_t *)d->text, d->len, sk);
  d->row.code = d->code;
  d->row.document = d->text;
  d->row.issued_at = d->issued;
  d->row.valid_from = d->from[0] ? d->from : NULL;
  d->row.valid_until = d->until[0] ? d->until : NULL;
  if (!cert_mint_event(d, d->event, sizeof d->event, d->row.event_hash)) return DDC_ERR_INTERNAL;
  d->row.event = d->event;
  return DDC_ERR_OK;
}

void cert_doc_free(struct cert_doc *d)
{
  free(d->text);
  d->text = NULL;
}

/* One attempt: draws a ddc_id, builds, canonicalizes and signs the document with the issuer's
 * current key, then inserts. */
static enum ddc_err cert_mint_once(const struct principal *who, const struct cert_mint_req *m,
                                   char **json)
{
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  int64_t ddc_id, key_id;
  struct cert_doc d;
  enum ddc_err e = mintprep_id(&ddc_id);
  if (e == DDC_ERR_OK) e = mintprep_key(who, &key_id, sk);
  if (e != DDC_ERR_OK) return e;
  e = cert_document(who->account_id, ddc_id, key_id, sk, m, &d);
  sodium_memzero(sk, sizeof sk);
  if (e == DDC_ERR_OK) e = db_mint(&d.row, json);
  cert_doc_free(&d);
  return e;
}

enum ddc_err cert_mint(const struct principal *who, const struct cert_mint_req *m, char **json)
{
  *json = NULL;
  if (who->role != ROLE_ISSUER)
    return errors_refuse(DDC_ERR_FORBIDDEN, "kind", "only issuers mint certificates");
  if (m->supply < 0 || m->supply > CERT_SUPPLY_MAX)
    return errors_refuse(DDC_ERR_INVALID_FIELD, "supply",
                         "supply must be an integer from 1 to 2^53 (9007199254740992)");
  char *md = NULL;
  enum ddc_err e = cert_check(m, &md);
  struct cert_mint_req checked = *m;
  checked.metadata_jcs = md; /* canonicalized once */
  /* a key retired between drawing it and inserting: sign again with the new current key
   * (not inside a transaction, Idempotency-Key's: the refusal has aborted it; the client retries)
   */
  for (int attempt = 0; e == DDC_ERR_OK && attempt < 3; attempt++) {
    e = cert_mint_once(who, &checked, json);
    if (e != DDC_ERR_SIGNING_KEY_RETIRED) break;
    mintprep_forget_key(who->account_id);
    if (db_in_transaction()) break;
    if (attempt < 2) e = DDC_ERR_OK;
  }
  free(md);
  return e;
}

enum ddc_err cert_get(const struct principal *who, int64_t ddc, char **json, char **document)
{
  return db_cert_get(role_name(who->role), who->account_id, ddc, json, document);
}

enum ddc_err cert_list(const struct principal *who, const struct cert_query *q, char **json)
{
  return db_cert_list(role_name(who->role), who->account_id, q, json);
}

enum ddc_err cert_events(const struct principal *who, int64_t ddc, char **json)
{
  return db_cert_events(role_name(who->role), who->account_id, ddc, json);
}
