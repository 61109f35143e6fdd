/* webhooks.h: SQL of the webhook endpoints (API threads) and of the delivery worker (its own
 * thread): one ddc_webhook_* function each (sql/functions/webhooks.sql). */
#ifndef DDC_DB_WEBHOOKS_H
#define DDC_DB_WEBHOOKS_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_webhooks_stmts[];

/* events: a PostgreSQL array literal of checked names ("{mint,revoke}"). */
enum ddc_err db_webhook_create(int64_t actor, const char *url, const char *events,
                               const uint8_t *sealed, size_t sealed_len, int max, char **json);
enum ddc_err db_webhook_list(int64_t actor, char **json);
/* op: "get", "delete" or "enable". */
enum ddc_err db_webhook_op(const char *op, const char *role, int64_t actor, int64_t id,
                           char **json);
enum ddc_err db_webhook_deliveries(const char *role, int64_t actor, int64_t id, int64_t before,
                                   int limit, char **json);

/* A delivery claimed for the current transaction (ddc_webhook_claim). */
struct db_webhook_due {
  int64_t outbox_id, webhook_id;
  int attempts; /* before this one */
  const char *url, *body;
  uint8_t *sealed; /* malloc'ed */
  size_t sealed_len;
};
/* Claims up to limit due deliveries in the open transaction; *res holds their strings (PQclear
 * it after use). Returns how many (0..limit), or -1. */
int db_webhook_claim(int limit, struct db_webhook_due *out, void **res);
void db_webhook_claim_free(struct db_webhook_due *d, int n, void *res);
/* The outcome of an attempt at a claimed row: HTTP status (0: no HTTP answer), what went wrong
 * (NULL on a 2xx), its duration and, when it failed, the wait before the next attempt. */
struct db_webhook_outcome {
  int64_t outbox_id;
  int status, ms;
  const char *error;
  double retry_s;
};
/* Records a round's attempts in one statement (ddc_webhook_results). */
enum ddc_err db_webhook_results(const struct db_webhook_outcome *o, int n, unsigned give_up_s);

#endif
