/* webhook.h: the rules of webhook endpoints for the API threads: each account manages its own
 * (an operator reads any); the URL must pass the address rules (webhook/ssrf.h); the secret is
 * drawn here (or brought by the caller), sealed at rest and shown only in the answer to create. */
#ifndef DDC_DOMAIN_WEBHOOK_H
#define DDC_DOMAIN_WEBHOOK_H
#include <jansson.h>
#include <stdint.h>
#include "domain/account.h"
#include "errors.h"

#define WEBHOOK_PER_ACCOUNT 16
#define WEBHOOK_EVENTS_MAX 32
#define WEBHOOK_DELIVERIES_MAX 200

/* url and events are checked (a 400 problem detail recorded names the field on refusal);
 * secret may be NULL (one is drawn). *json: the endpoint with its "secret". */
enum ddc_err webhook_create(const struct principal *who, const char *url, json_t *events,
                            const char *secret, char **json);
enum ddc_err webhook_list(const struct principal *who, char **json);
/* op: "get", "delete" or "enable". */
enum ddc_err webhook_op(const struct principal *who, const char *op, int64_t id, char **json);
enum ddc_err webhook_deliveries(const struct principal *who, int64_t id, int64_t before, int limit,
                                char **json);

#endif
