/* creds.c: SQL for credentials, DID documents and issuer profiles; see creds.h. */
#include <stdlib.h>
#include <string.h>
#include "db/creds.h"

const struct db_stmt db_creds_stmts[] = {
    {"vc_material", "SELECT document, code, issuer_name, sealed_secret, status_list,"
                    " status_index, holder_key FROM ddc_vc_material($1, $2, $3, $4)"},
    {"issuer_did", "SELECT ddc_issuer_did($1)"},
    {"profile_write", "SELECT ddc_profile_write($1, $2, $3, $4, $5, $6, $7)"},
    {NULL, NULL},
};

void db_vc_material_free(struct db_vc_material *m)
{
  free(m->document);
  free(m->code);
  free(m->issuer_name);
  free(m->sealed);
  memset(m, 0, sizeof *m);
}

static enum ddc_err db_vc_decode(PGresult *r, struct db_vc_material *m)
{
  size_t hl = 0;
  m->document = strdup(PQgetvalue(r, 0, 0));
  m->code = strdup(PQgetvalue(r, 0, 1));
  m->issuer_name = strdup(PQgetvalue(r, 0, 2));
  m->sealed = db_bytea_result(r, 0, 3, &m->sealed_len);
  m->status_list = PQgetisnull(r, 0, 4) ? -1 : (int)db_int64(r, 0, 4);
  m->status_index = PQgetisnull(r, 0, 5) ? -1 : (int)db_int64(r, 0, 5);
  if (!PQgetisnull(r, 0, 6)) {
    uint8_t *hk = db_bytea_result(r, 0, 6, &hl);
    m->has_holder_key = hk && hl == 32;
    if (m->has_holder_key) memcpy(m->holder_key, hk, 32);
    free(hk);
  }
  if (m->document && m->code && m->issuer_name && m->sealed) return DDC_ERR_OK;
  db_vc_material_free(m);
  return DDC_ERR_INTERNAL;
}

enum ddc_err db_vc_material(const char *role, int64_t actor, int64_t ddc, const char *code,
                            struct db_vc_material *m)
{
  struct db_params p = {0};
  memset(m, 0, sizeof *m);
  db_p_str(&p, role);
  db_p_id(&p, actor);
  db_p_id(&p, ddc);
  db_p_str(&p, code);
  PGresult *r = db_exec("vc_material", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? db_vc_decode(r, m) : DDC_ERR_INTERNAL;
  PQclear(r);
  return e;
}

enum ddc_err db_issuer_did(int64_t issuer, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, issuer);
  return db_p_json("issuer_did", &p, 1, json, NULL);
}

enum ddc_err db_profile_write(const char *role, int64_t actor, int64_t issuer, const char *what,
                              const char *url, const char *logo_url, const char *domain,
                              char **json)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, issuer);
  db_p_str(&p, what);
  db_p_str(&p, url);
  db_p_str(&p, logo_url);
  db_p_str(&p, domain);
  return db_p_json("profile_write", &p, 0, json, NULL);
}
