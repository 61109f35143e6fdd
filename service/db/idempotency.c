/* idempotency.c: SQL for the idempotency table (claim, store). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db/idempotency.h"

const struct db_stmt db_idempotency_stmts[] = {
    {"idem_claim", "SELECT * FROM ddc_idem_claim($1, $2, $3)"},
    {"idem_store", "UPDATE idempotency SET status = $3, response = $4"
                   " WHERE account_id = $1 AND key = $2"},
    {NULL, NULL},
};

enum ddc_err db_idem_claim(int64_t account, const char *key, const uint8_t hash[32],
                           enum idem_outcome *outcome, int *status, uint8_t **sealed,
                           size_t *sealed_len)
{
  char acc[24];
  snprintf(acc, sizeof acc, "%lld", (long long)account);
  char *h = db_bytea_param(hash, 32);
  const char *v[3] = {acc, key, h};
  PGresult *r = h ? db_exec("idem_claim", 3, v, 0) : NULL;
  free(h);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  const char *word = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
  *outcome = strcmp(word, "new") == 0      ? IDEM_NEW
             : strcmp(word, "replay") == 0 ? IDEM_REPLAY
                                           : IDEM_MISMATCH;
  *sealed = NULL;
  if (*outcome == IDEM_REPLAY) {
    *status = (int)db_int64(r, 0, 1);
    *sealed = db_bytea_result(r, 0, 2, sealed_len);
  }
  PQclear(r);
  return *outcome == IDEM_REPLAY && !*sealed ? DDC_ERR_INTERNAL : DDC_ERR_OK;
}

enum ddc_err db_idem_store(int64_t account, const char *key, int status, const uint8_t *sealed,
                           size_t sealed_len)
{
  char acc[24], st[16];
  snprintf(acc, sizeof acc, "%lld", (long long)account);
  snprintf(st, sizeof st, "%d", status);
  char *box = db_bytea_param(sealed, sealed_len);
  const char *v[4] = {acc, key, st, box};
  PGresult *r = box ? db_exec("idem_store", 4, v, 0) : NULL;
  free(box);
  if (!r) return DDC_ERR_DB_UNAVAILABLE;
  PQclear(r);
  return DDC_ERR_OK;
}
