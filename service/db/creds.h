/* creds.h: database reads and writes behind W3C credentials and DID documents
 * (sql/functions/credentials.sql): a certificate's credential material, an issuer's DID material,
 * and the issuer profile. Any thread with a database connection may call. */
#ifndef DDC_DB_CREDS_H
#define DDC_DB_CREDS_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_creds_stmts[];

/* What a certificate's credential is built from; strings and sealed are malloc'ed (free with
 * db_vc_material_free). status_list and status_index are -1 when not drawn yet. */
struct db_vc_material {
  char *document, *code, *issuer_name;
  uint8_t *sealed;
  size_t sealed_len;
  int status_list, status_index;
  int has_holder_key;
  uint8_t holder_key[32];
};

/* By code (public; role NULL) or by ddc_id for role/actor who may read the certificate. */
enum ddc_err db_vc_material(const char *role, int64_t actor, int64_t ddc, const char *code,
                            struct db_vc_material *m);
void db_vc_material_free(struct db_vc_material *m);
/* {issuer_id, name, profile: {url, logo_url, domain, domain_checked_at}, keys: [{key_id,
 * public_key (hex), valid_from, retired_at}]} */
enum ddc_err db_issuer_did(int64_t issuer, char **json);
/* what: "profile" (url, logo_url), "domain" (a new claim) or "checked" (domain passed its check).
 */
enum ddc_err db_profile_write(const char *role, int64_t actor, int64_t issuer, const char *what,
                              const char *url, const char *logo_url, const char *domain,
                              char **json);

#endif
