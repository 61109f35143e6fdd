/* vc.h: the verdict on a W3C Verifiable Credential of a ddcd certificate, from the credential and
 * what a verifier resolved for it: the issuer's DID document, its status list credentials, and the
 * certificate's proof bundle with the log trust. Pure: no database, no network; any thread. */
#ifndef DDC_VERIFY_VC_H
#define DDC_VERIFY_VC_H
#include <jansson.h>
#include "verify/bundle.h"

#define VC_LIST_MAX (16 * 1024 * 1024) /* bytes a status list's bitstring may inflate to */

struct vc_inputs {
  const json_t *did_doc;  /* the issuer's DID document (required) */
  const json_t *lists[4]; /* BitstringStatusListCredentials, any purposes; NULL-terminated */
  json_t *bundle;         /* the certificate's proof bundle, or NULL */
  json_t *bundle_verdict; /* its verdict (bundle_verdict), or NULL to have it computed */
  const struct bundle_trust *trust; /* for the bundle */
};

/* {result, checks[{name, ok, detail}], credential{id, issuer, verification_method},
 * issuer_profile (the bundle verdict's issuer.profile: the logged profile, when proven)}. Checks:
 * proof (eddsa-jcs-2022 by a key of the issuer's DID document listed as an assertion method),
 * key_in_log (the bundle's signing key is that key, valid at issuance by the log), document_in_log
 * (the evidence's digest is the bundle's document, whose events the log holds), status (the status
 * list bits, each list signed by the issuer; without lists, the log's events), anchored.
 * result: invalid when a check failed, else revoked or suspended by the status bits, else the
 * bundle's result (valid, frozen, expired, not_yet_anchored ...); "unchecked" without a bundle. */
json_t *vc_verdict(const json_t *cred, const struct vc_inputs *in);
/* The bit at index of a status list credential's encodedList: 0 or 1, or -1 with why. */
int vc_status_bit(const json_t *list_cred, long index, char *why, size_t whylen);

#endif
