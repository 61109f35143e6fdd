/* vc.c: credentials, the JSON-LD context and DID documents; see vc.h. */
#include "domain/vc.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/dataint.h"
#include "crypto/jcs.h"
#include "db/reads.h"
#include "domain/did.h"
#include "domain/signkey.h"
#include "db/status.h"
#include "ledger/statuspub.h"

/* "u" + base64url(multihash sha2-256 of text): a digestMultibase. */
static void vc_digest(const char *text, char out[64])
{
  uint8_t mh[34] = {0x12, 0x20};
  crypto_hash_sha256(mh + 2, (const uint8_t *)text, strlen(text));
  out[0] = 'u';
  sodium_bin2base64(out + 1, 63, mh, sizeof mh, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static const char *vc_str(const json_t *o, const char *name)
{
  return json_string_value(json_object_get(o, name));
}

/* The two BitstringStatusListEntry of the certificate's status entry. */
static json_t *vc_status(const char *base, int64_t issuer, const struct db_vc_material *m)
{
  static const char *const purposes[] = VC_STATUS_PURPOSES;
  json_t *a = json_array();
  for (int i = 0; i < 2; i++) {
    char list[512], id[560], index[16];
    snprintf(list, sizeof list, "%s/v1/status/%lld/%s/%d", base, (long long)issuer, purposes[i],
             m->status_list);
    snprintf(id, sizeof id, "%s#%d", list, m->status_index);
    snprintf(index, sizeof index, "%d", m->status_index);
    json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "type",
                                       "BitstringStatusListEntry", "statusPurpose", purposes[i],
                                       "statusListIndex", index, "statusListCredential", list));
  }
  return a;
}

/* The diploma as an Open Badges 3.0 Achievement. */
static json_t *vc_achievement(const char *page, const json_t *md)
{
  const char *degree = vc_str(md, "degree"), *major = vc_str(md, "major"),
             *inst = vc_str(md, "institution"), *on = vc_str(md, "conferred_on");
  char id[600], desc[2048], narrative[2048];
  snprintf(id, sizeof id, "%s#achievement", page);
  snprintf(desc, sizeof desc, "%s, %s, %s", degree ? degree : "", major ? major : "",
           inst ? inst : "");
  snprintf(narrative, sizeof narrative, "Conferred by %s on %s.", inst ? inst : "", on ? on : "");
  json_t *a = json_pack("{s:s, s:[s], s:s, s:s, s:s, s:{s:s}}", "id", id, "type", "Achievement",
                        "achievementType", "Diploma", "name", degree ? degree : "diploma",
                        "description", desc, "criteria", "narrative", narrative);
  if (a && major) json_object_set_new(a, "fieldOfStudy", json_string(major));
  return a;
}

/* credentialSubject: the holder's did:key when it registered one, the certificate's facts. */
static json_t *vc_subject(const char *page, const json_t *doc, const struct db_vc_material *m,
                          int diploma)
{
  json_t *s = json_object();
  if (m->has_holder_key) {
    char mk[DATAINT_MULTIKEY_MAX], did[DATAINT_MULTIKEY_MAX + 8];
    dataint_multikey(m->holder_key, mk);
    snprintf(did, sizeof did, "did:key:%s", mk);
    json_object_set_new(s, "id", json_string(did));
  }
  json_object_set_new(s, "type", json_pack("[s]", diploma ? "AchievementSubject" : "DdcSubject"));
  json_object_set(s, "ddcId", json_object_get(doc, "ddcId"));
  json_object_set(s, "code", json_object_get(doc, "code"));
  json_object_set(s, "kind", json_object_get(doc, "kind"));
  json_object_set(s, "metadata", json_object_get(doc, "metadata"));
  if (vc_str(doc, "contentHash"))
    json_object_set(s, "contentHash", json_object_get(doc, "contentHash"));
  if (vc_str(doc, "uri")) json_object_set(s, "uri", json_object_get(doc, "uri"));
  if (diploma)
    json_object_set_new(s, "achievement", vc_achievement(page, json_object_get(doc, "metadata")));
  return s;
}

/* The credential's name: the work's title, the diploma's degree, else the kind. */
static const char *vc_name(const json_t *doc)
{
  const json_t *md = json_object_get(doc, "metadata");
  const char *n = vc_str(md, "title");
  if (!n) n = vc_str(md, "degree");
  return n ? n : vc_str(doc, "kind");
}

/* The credential's frame: context, id, type, name, issuer, validity, evidence. */
static json_t *vc_frame(const char *base, const json_t *doc, const struct db_vc_material *m,
                        const char *did, int diploma)
{
  char ctx[400], page[400], bundle[400], digest[64];
  snprintf(ctx, sizeof ctx, "%s%s", base, VC_CONTEXT_PATH);
  snprintf(page, sizeof page, "%s/c/%s", base, m->code);
  snprintf(bundle, sizeof bundle, "%s/v1/verify/%s/bundle", base, m->code);
  vc_digest(m->document, digest);
  const char *from = vc_str(doc, "validFrom");
  json_t *v =
      json_pack("{s:[s], s:s, s:[s], s:s, s:{s:s, s:s}, s:s, s:[{s:[s], s:s}, {s:s, s:[s]}]}",
                "@context", VC_CONTEXT_V2, "id", page, "type", "VerifiableCredential", "name",
                vc_name(doc), "issuer", "id", did, "name", m->issuer_name, "validFrom",
                from ? from : vc_str(doc, "issuedAt"), "evidence", "type", "DdcDocument",
                "digestMultibase", digest, "id", bundle, "type", "DdcProofBundle");
  if (!v) return NULL;
  json_t *c = json_object_get(v, "@context"), *t = json_object_get(v, "type");
  if (diploma) {
    json_array_append_new(c, json_string(VC_CONTEXT_OB3));
    json_array_append_new(t, json_string("OpenBadgeCredential"));
    json_object_set_new(json_object_get(v, "issuer"), "type", json_pack("[s]", "Profile"));
  } else
    json_array_append_new(t, json_string("DdcCredential"));
  json_array_append_new(c, json_string(ctx));
  if (vc_str(doc, "validUntil"))
    json_object_set(v, "validUntil", json_object_get(doc, "validUntil"));
  return v;
}

json_t *vc_unsigned(const char *base, const struct db_vc_material *m)
{
  json_t *doc = jcs_load(m->document, strlen(m->document), NULL);
  char did[DID_MAX], page[400];
  json_t *v = NULL;
  json_int_t issuer = json_integer_value(json_object_get(doc, "issuer"));
  if (doc && vc_str(doc, "kind") && did_issuer(base, issuer, did) == 0) {
    int diploma = !strcmp(vc_str(doc, "kind"), "diploma");
    snprintf(page, sizeof page, "%s/c/%s", base, m->code);
    v = vc_frame(base, doc, m, did, diploma);
    if (v) json_object_set_new(v, "credentialSubject", vc_subject(page, doc, m, diploma));
    if (v && m->status_list >= 0)
      json_object_set_new(v, "credentialStatus", vc_status(base, issuer, m));
  }
  json_decref(doc);
  return v;
}

/* Signs the credential of m with the key that signed the certificate. */
static enum ddc_err vc_sign(const char *base, const struct db_vc_material *m, char **text,
                            size_t *len)
{
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  json_t *doc = jcs_load(m->document, strlen(m->document), NULL), *v = vc_unsigned(base, m),
         *signed_vc = NULL;
  char did[DID_MAX], vm[DID_MAX];
  *text = NULL;
  if (doc && v && did_issuer(base, json_integer_value(json_object_get(doc, "issuer")), did) == 0 &&
      did_vm(did, json_integer_value(json_object_get(doc, "keyId")), vm) == 0 &&
      signkey_open(m->sealed, m->sealed_len, sk) == 0) {
    signed_vc = dataint_sign(v, vm, vc_str(doc, "issuedAt"), sk);
    sodium_memzero(sk, sizeof sk);
  }
  if (signed_vc) *text = jcs_canonicalize(signed_vc, len);
  json_decref(signed_vc);
  json_decref(v);
  json_decref(doc);
  return *text ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

/* The public reads of credentials (a replica may answer): a certificate's material by its code,
 * an issuer's keys and profile. */
struct vc_read {
  const char *code;
  int64_t issuer;
  struct db_vc_material *m;
  char **json;
};

static enum ddc_err vc_material_read(void *arg)
{
  struct vc_read *q = arg;
  return db_vc_material(NULL, 0, 0, q->code, q->m);
}

static enum ddc_err vc_issuer_read(void *arg)
{
  struct vc_read *q = arg;
  return db_issuer_did(q->issuer, q->json);
}

enum ddc_err vc_by_code(const char *base, const char *code, char **text, size_t *len)
{
  struct db_vc_material m;
  struct vc_read q = {.code = code, .m = &m};
  *text = NULL;
  enum ddc_err e = db_public_read_one(vc_material_read, &q);
  if (e != DDC_ERR_OK) return e;
  e = vc_sign(base, &m, text, len);
  db_vc_material_free(&m);
  return e;
}

enum ddc_err vc_by_ddc(const char *base, const struct principal *who, int64_t ddc, char **text,
                       size_t *len)
{
  struct db_vc_material m;
  *text = NULL;
  enum ddc_err e = db_vc_material(role_name(who->role), who->account_id, ddc, NULL, &m);
  if (e != DDC_ERR_OK) return e;
  e = vc_sign(base, &m, text, len);
  db_vc_material_free(&m);
  return e;
}

char *vc_context(const char *base, size_t *len)
{
  char vocab[400];
  snprintf(vocab, sizeof vocab, "%s%s#", base, VC_CONTEXT_PATH);
  json_t *c = json_pack(
      "{s:{s:f, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s, "
      "s:s}}",
      "@context", "@version", 1.1, "@protected", 1, "id", "@id", "type", "@type", "ddc", vocab,
      "DdcCredential", "ddc:DdcCredential", "DdcSubject", "ddc:DdcSubject", "DdcDocument",
      "ddc:DdcDocument", "DdcProofBundle", "ddc:DdcProofBundle", "ddcId", "ddc:ddcId", "code",
      "ddc:code", "kind", "ddc:kind", "contentHash", "ddc:contentHash", "metadata", "@id",
      "ddc:metadata", "@type", "@json", "uri", "ddc:uri", "DdcIssuerProfile",
      "ddc:DdcIssuerProfile");
  char *text = c ? jcs_canonicalize(c, len) : NULL;
  json_decref(c);
  return text;
}

/* One Multikey verification method: <did>#<key_id> with the key of hex public_key. */
static json_t *vc_vm(const char *did, const json_t *key)
{
  uint8_t pk[32];
  char vm[DID_MAX], mk[DATAINT_MULTIKEY_MAX];
  const char *hex = vc_str(key, "public_key");
  if (!hex || sodium_hex2bin(pk, 32, hex, strlen(hex), NULL, NULL, NULL) != 0 ||
      did_vm(did, json_integer_value(json_object_get(key, "key_id")), vm) != 0)
    return NULL;
  dataint_multikey(pk, mk);
  return json_pack("{s:s, s:s, s:s, s:s}", "id", vm, "type", "Multikey", "controller", did,
                   "publicKeyMultibase", mk);
}

/* The profile as a service of the DID document (members that are set only). */
static json_t *vc_profile_service(const char *did, const json_t *mat)
{
  const json_t *p = json_object_get(mat, "profile");
  char id[DID_MAX + 16];
  snprintf(id, sizeof id, "%s#profile", did);
  json_t *ep = json_pack("{s:O}", "name", json_object_get(mat, "name"));
  const char *names[][2] = {{"url", "url"},
                            {"logo_url", "logoUrl"},
                            {"domain", "domain"},
                            {"domain_checked_at", "domainCheckedAt"}};
  for (size_t i = 0; ep && i < sizeof names / sizeof names[0]; i++)
    if (vc_str(p, names[i][0])) json_object_set(ep, names[i][1], json_object_get(p, names[i][0]));
  return json_pack("{s:s, s:s, s:o}", "id", id, "type", "DdcIssuerProfile", "serviceEndpoint", ep);
}

/* The DID document of did over the issuer's material mat; also_known_as may be NULL. */
static json_t *vc_did_build(const char *did, const char *also_known_as, const json_t *mat)
{
  json_t *d = json_pack("{s:[s, s], s:s, s:[], s:[]}", "@context", "https://www.w3.org/ns/did/v1",
                        "https://w3id.org/security/multikey/v1", "id", did, "verificationMethod",
                        "assertionMethod");
  if (!d) return NULL;
  if (also_known_as) json_object_set_new(d, "alsoKnownAs", json_pack("[s]", also_known_as));
  size_t i;
  json_t *key;
  json_array_foreach(json_object_get(mat, "keys"), i, key)
  {
    json_t *vm = vc_vm(did, key);
    if (!vm) {
      json_decref(d);
      return NULL;
    }
    json_array_append(json_object_get(d, "assertionMethod"), json_object_get(vm, "id"));
    json_array_append_new(json_object_get(d, "verificationMethod"), vm);
  }
  json_object_set_new(d, "service", json_pack("[o]", vc_profile_service(did, mat)));
  return d;
}

enum ddc_err vc_did_document(const char *base, int64_t issuer, int domain_doc, char **text,
                             size_t *len)
{
  char *json, did[DID_MAX], ddid[DID_MAX];
  struct vc_read q = {.issuer = issuer, .json = &json};
  *text = NULL;
  enum ddc_err e = db_public_read_one(vc_issuer_read, &q);
  if (e != DDC_ERR_OK) return e;
  json_t *mat = json_loads(json, 0, NULL), *d = NULL;
  free(json);
  const json_t *p = json_object_get(mat, "profile");
  const char *domain = vc_str(p, "domain");
  int have_domain = domain && did_domain(domain, ddid) == 0;
  if (!mat || did_issuer(base, issuer, did) != 0)
    e = DDC_ERR_INTERNAL;
  else if (domain_doc && !have_domain)
    e = DDC_ERR_DOMAIN_NOT_CLAIMED;
  else if (domain_doc)
    d = vc_did_build(ddid, did, mat);
  else
    d = vc_did_build(did, have_domain && vc_str(p, "domain_checked_at") ? ddid : NULL, mat);
  if (d) *text = jcs_canonicalize(d, len);
  if (e == DDC_ERR_OK && !*text) e = DDC_ERR_INTERNAL;
  json_decref(d);
  json_decref(mat);
  return e;
}

/* The issuer, purpose and list of a status list URL (…/v1/status/<issuer>/<purpose>/<list>): 0,
 * or -1 when it is not one. */
static int vc_list_ref(const char *url, int64_t *issuer, const char **purpose, int32_t *list)
{
  const char *at = url ? strstr(url, "/v1/status/") : NULL;
  char p[16];
  long long id;
  int l, used = 0;
  if (!at || sscanf(at + 11, "%lld/%15[a-z]/%d%n", &id, p, &l, &used) != 3 || at[11 + used] ||
      id <= 0 || l < 0)
    return -1;
  for (int k = 0; k < DB_STATUS_PURPOSES; k++)
    if (!strcmp(p, db_status_purposes[k])) {
      *issuer = id, *purpose = db_status_purposes[k], *list = l;
      return 0;
    }
  return -1;
}

/* The newest publication of one list, published now if it never was: parsed, or NULL. */
static json_t *vc_status_list(int64_t issuer, const char *purpose, int32_t list)
{
  char *text = NULL, sha[65];
  int exists = 0;
  enum ddc_err e = db_status_get(issuer, list, purpose, &text, sha, &exists);
  if (e == DDC_ERR_NOT_FOUND && exists && statuspub_publish(issuer, list) == DDC_ERR_OK)
    e = db_status_get(issuer, list, purpose, &text, sha, &exists);
  json_t *l = e == DDC_ERR_OK ? json_loads(text, 0, NULL) : NULL;
  free(text);
  return l;
}

int vc_status_lists(const json_t *cred, json_t *lists[3])
{
  size_t i;
  const json_t *e;
  int n = 0;
  json_array_foreach(json_object_get(cred, "credentialStatus"), i, e)
  {
    int64_t issuer;
    const char *purpose;
    int32_t list;
    if (n == 3 || vc_list_ref(vc_str(e, "statusListCredential"), &issuer, &purpose, &list) != 0 ||
        !(lists[n] = vc_status_list(issuer, purpose, list))) {
      while (n > 0)
        json_decref(lists[--n]), lists[n] = NULL;
      return 0;
    }
    n++;
  }
  return n;
}
