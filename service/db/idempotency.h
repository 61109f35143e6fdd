/* idempotency.h: claiming an Idempotency-Key and storing the response, inside a transaction. */
#ifndef DDC_DB_IDEMPOTENCY_H
#define DDC_DB_IDEMPOTENCY_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

enum idem_outcome { IDEM_NEW, IDEM_REPLAY, IDEM_MISMATCH };

extern const struct db_stmt db_idempotency_stmts[];

/* On IDEM_REPLAY, *status and the sealed response (malloc'ed) are set. */
enum ddc_err db_idem_claim(int64_t account, const char *key, const uint8_t hash[32],
                           enum idem_outcome *outcome, int *status, uint8_t **sealed,
                           size_t *sealed_len);
enum ddc_err db_idem_store(int64_t account, const char *key, int status, const uint8_t *sealed,
                           size_t sealed_len);

#endif
