/* health.h: whether this process is ready to serve (GET /readyz): the database reachable, its
 * schema and functions this build's. Any HTTP thread (uses its connection). */
#ifndef DDC_DOMAIN_HEALTH_H
#define DDC_DOMAIN_HEALTH_H
#include "errors.h"

/* DDC_ERR_OK with the schema version in *schema_version; else DB_UNAVAILABLE or
 * SCHEMA_OUTDATED, its detail recorded (errors_detail). */
enum ddc_err health_ready(int *schema_version);

#endif
