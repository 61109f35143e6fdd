/* vc.h: W3C Verifiable Credentials (VC Data Model 2.0) of certificates, signed with Data
 * Integrity eddsa-jcs-2022 by the issuer key that signed the certificate; Open Badges 3.0 for
 * diplomas; ddcd's JSON-LD context; and issuers' DID documents (did:web). Credentials are
 * deterministic: the same certificate (and holder key) gives the same bytes, its proof created at
 * the certificate's issuedAt. base is the public URL (no final '/'). Any thread with a database
 * connection may call. Answers are malloc'ed JCS text. */
#ifndef DDC_DOMAIN_VC_H
#define DDC_DOMAIN_VC_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "db/creds.h"
#include "domain/account.h"
#include "errors.h"

#define VC_CONTEXT_V2 "https://www.w3.org/ns/credentials/v2"
#define VC_CONTEXT_OB3 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#define VC_CONTEXT_PATH "/contexts/ddc/v1"
#define VC_STATUS_PURPOSES                                                                         \
  {                                                                                                \
    "revocation", "suspension"                                                                     \
  }

/* The unsigned credential for the signed document text m->document (NULL if it is not one). */
json_t *vc_unsigned(const char *base, const struct db_vc_material *m);
/* The signed credential of the certificate with this code (public). */
enum ddc_err vc_by_code(const char *base, const char *code, char **text, size_t *len);
/* ... of certificate ddc, for a caller who may read it. */
enum ddc_err vc_by_ddc(const char *base, const struct principal *who, int64_t ddc, char **text,
                       size_t *len);
/* ddcd's JSON-LD context, served at base + VC_CONTEXT_PATH. */
char *vc_context(const char *base, size_t *len);
/* The issuer's DID document: a Multikey verification method for every key it ever had (listed in
 * assertionMethod) and its profile as a service. domain_doc: the document the issuer must host at
 * https://<its claimed domain>/.well-known/did.json instead (DDC_ERR_DOMAIN_NOT_CLAIMED without
 * a claim). */
enum ddc_err vc_did_document(const char *base, int64_t issuer, int domain_doc, char **text,
                             size_t *len);
/* The status list credentials this ddcd holds for the entries of cred (each statusListCredential
 * a /v1/status/<issuer>/<purpose>/<list> URL), parsed into lists[0..3) in the entries' order
 * (a list that exists but was never published is published first). Returns how many: 0, leaving
 * lists all NULL, when any entry names a list this ddcd does not have. */
int vc_status_lists(const json_t *cred, json_t *lists[3]);

#endif
