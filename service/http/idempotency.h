/* idempotency.h: running a request under its Idempotency-Key. */
#ifndef DDC_HTTP_IDEMPOTENCY_H
#define DDC_HTTP_IDEMPOTENCY_H
#include "http/request.h"

#define IDEM_KEY_MAX 200

/* 1 if the request carries an Idempotency-Key and the route takes one (POST/PUT, authenticated). */
int idem_applies(struct req *r);
/* Runs the route's handler inside a transaction with the key claimed; a replay sets the stored
 * response instead. On return a response is set and the transaction has ended. */
void idem_run(struct req *r);

#endif
