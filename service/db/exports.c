/* exports.c: SQL for the source side of cross-operator transfer (see exports.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/exports.h"
#include "db/locks.h"

const struct db_stmt db_exports_stmts[] = {
    {"export", "SELECT ddc_export($1, $2, $3, $4, $5, $6, $7, $8, $9)"},
    {"export_open", "SELECT export_id, peer_url, peer_log_key FROM ddc_export_open($1, $2, $3)"},
    {"export_due",
     "SELECT export_id, ddc_id, code, state, attempts, peer_url, peer_log_key, peer_witnesses,"
     " peer_quorum, cert_hash, expired FROM ddc_export_due($1, $2)"},
    {"export_retry", "SELECT ddc_export_retry($1, $2, $3, $4)"},
    {"export_lock", DB_LOCK_WORKER_SQL(DB_LOCK_WORKER_EXPORTER)},
    {"export_settle", "SELECT ddc_export_settle($1, $2, $3, $4::jsonb, $5)"},
    {NULL, NULL},
};

enum ddc_err db_export(const char *role, int64_t actor, int64_t ddc, const char *peer, int64_t to,
                       const struct db_signed *sig, unsigned deadline_s, char **json)
{
  struct db_params p = {0};
  int signed_ = sig && sig->version;
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, ddc);
  db_p_str(&p, peer);
  db_p_int(&p, to);
  db_p_id(&p, signed_ ? sig->holder : 0);
  db_p_id(&p, signed_ ? sig->version : 0);
  db_p_str(&p, signed_ ? sig->nonce : NULL);
  db_p_int(&p, deadline_s);
  return db_p_json("export", &p, 0, json, NULL);
}

void db_export_row_free(struct db_export_row *x)
{
  free(x->code);
  free(x->state);
  free(x->peer_url);
  free(x->peer_log_key);
  free(x->peer_witnesses);
  memset(x, 0, sizeof *x);
}

static char *db_export_dup(const PGresult *r, int row, int col)
{
  return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

enum ddc_err db_export_open(const char *role, int64_t actor, int64_t ddc, struct db_export_row *x)
{
  struct db_params p = {0};
  db_p_str(&p, role);
  db_p_int(&p, actor);
  db_p_int(&p, ddc);
  PGresult *r = db_exec("export_open", p.n, p.v, 0);
  db_p_free(&p);
  memset(x, 0, sizeof *x);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) {
    x->export_id = db_int64(r, 0, 0);
    x->peer_url = db_export_dup(r, 0, 1);
    x->peer_log_key = db_export_dup(r, 0, 2);
    if (!x->peer_url || !x->peer_log_key) e = DDC_ERR_INTERNAL;
  }
  PQclear(r);
  if (e != DDC_ERR_OK) db_export_row_free(x);
  return e;
}

int db_export_due(int max, int all, struct db_export_row *rows)
{
  struct db_params p = {0};
  db_p_int(&p, max);
  db_p_str(&p, all ? "true" : "false");
  PGresult *r = db_exec("export_due", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return -1;
  int n = PQntuples(r) < max ? PQntuples(r) : max;
  for (int i = 0; i < n; i++) {
    struct db_export_row *x = &rows[i];
    memset(x, 0, sizeof *x);
    x->export_id = db_int64(r, i, 0);
    x->ddc_id = db_int64(r, i, 1);
    x->code = db_export_dup(r, i, 2);
    x->state = db_export_dup(r, i, 3);
    x->attempts = (int)db_int64(r, i, 4);
    x->peer_url = db_export_dup(r, i, 5);
    x->peer_log_key = db_export_dup(r, i, 6);
    x->peer_witnesses = db_export_dup(r, i, 7);
    x->peer_quorum = (int)db_int64(r, i, 8);
    db_copy(x->cert_hash, sizeof x->cert_hash, r, i, 9);
    x->expired = !strcmp(db_text(r, i, 10), "t");
  }
  PQclear(r);
  return n;
}

enum ddc_err db_export_retry(int64_t export_id, const char *state, const char *error,
                             double retry_s)
{
  struct db_params p = {0};
  char s[32];
  snprintf(s, sizeof s, "%.3f", retry_s);
  db_p_int(&p, export_id);
  db_p_str(&p, state);
  db_p_str(&p, error);
  db_p_str(&p, s);
  PGresult *r = db_exec("export_retry", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_export_settle(int64_t export_id, const char *outcome, const char *statement,
                              const char *data_json, int64_t actor, char **json)
{
  struct db_params p = {0};
  db_p_int(&p, export_id);
  db_p_str(&p, outcome);
  db_p_str(&p, statement);
  db_p_str(&p, data_json ? data_json : "{}");
  db_p_id(&p, actor);
  return db_p_json("export_settle", &p, 0, json, NULL);
}

enum ddc_err db_export_lock(int *taken)
{
  return db_bool("export_lock", taken);
}
