/* witness.c: SQL for witness cosignatures (sql/functions/ledger.sql). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/codes.h"
#include "db/witness.h"
#include "db/locks.h"

const struct db_stmt db_witness_stmts[] = {
    {"checkpoint_for",
     "SELECT size, encode(root, 'hex'), note, final FROM ddc_log_checkpoint_for($1,"
     " ARRAY(SELECT jsonb_array_elements_text($2::jsonb)), $3) WHERE size IS NOT NULL"},
    {"cosignature_put", "INSERT INTO log_cosignatures (size, witness, line) VALUES ($1, $2, $3)"
                        " ON CONFLICT (size, witness) DO NOTHING"},
    {"witness_size", "SELECT coalesce(max(size), 0) FROM log_cosignatures WHERE witness = $1"},
    {"witness_lock", DB_LOCK_WORKER_SQL(DB_LOCK_WORKER_WITNESS)},
    {NULL, NULL},
};

char *db_witness_list(const char *const *witnesses, size_t n)
{
  json_t *list = json_array();
  for (size_t i = 0; list && i < n; i++)
    json_array_append_new(list, json_string(witnesses[i]));
  char *keys = list ? json_dumps(list, JSON_COMPACT) : NULL;
  json_decref(list);
  return keys;
}

enum ddc_err db_checkpoint_for(int64_t need, const char *const *witnesses, size_t n, int quorum,
                               struct db_checkpoint *cp)
{
  char *keys = db_witness_list(witnesses, n);
  memset(cp, 0, sizeof *cp);
  if (!keys) return DDC_ERR_INTERNAL;
  struct db_params p = {0};
  db_p_int(&p, need);
  db_p_str(&p, keys);
  db_p_int(&p, quorum);
  PGresult *r = db_exec("checkpoint_for", p.n, p.v, 1);
  db_p_free(&p);
  free(keys);
  if (!r) return db_failure();
  enum ddc_err e = PQntuples(r) == 1 ? DDC_ERR_OK : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK) {
    const char *hex = PQgetvalue(r, 0, 1);
    cp->size = (uint64_t)db_int64(r, 0, 0);
    cp->final = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
    if (strlen(hex) != 64 || codes_unhex(hex, cp->root, 32) != 0 ||
        !(cp->note = strdup(PQgetvalue(r, 0, 2))))
      e = DDC_ERR_INTERNAL;
  }
  PQclear(r);
  return e;
}

enum ddc_err db_cosignature_put(uint64_t size, const char *witness, const char *line)
{
  struct db_params p = {0};
  db_p_int(&p, (int64_t)size);
  db_p_str(&p, witness);
  db_p_str(&p, line);
  PGresult *r = db_exec("cosignature_put", p.n, p.v, 0);
  db_p_free(&p);
  if (!r) return db_failure();
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_witness_size(const char *witness, uint64_t *size)
{
  struct db_params p = {0};
  db_p_str(&p, witness);
  PGresult *r = db_exec("witness_size", p.n, p.v, 1);
  db_p_free(&p);
  if (!r) return db_failure();
  *size = (uint64_t)db_int64(r, 0, 0);
  PQclear(r);
  return DDC_ERR_OK;
}

enum ddc_err db_witness_lock(int *taken)
{
  return db_bool("witness_lock", taken);
}
