/* health.c: readiness: db_ready's answer as a registry code and the sentence an operator needs. */
#include "db/migrate.h"
#include "domain/health.h"

enum ddc_err health_ready(int *schema_version)
{
  switch (db_ready(schema_version)) {
  case DB_READY_OK:
    return DDC_ERR_OK;
  case DB_READY_SCHEMA:
    return errors_refuse(DDC_ERR_SCHEMA_OUTDATED, NULL, "schema %d, this ddcd needs %d",
                         *schema_version, db_schema_wanted());
  case DB_READY_FUNCTIONS:
    return errors_refuse(DDC_ERR_SCHEMA_OUTDATED, NULL,
                         "the database functions are not this ddcd's (%.12s): run ddcd migrate",
                         db_functions_hash());
  default:
    return errors_refuse(DDC_ERR_DB_UNAVAILABLE, NULL, "the database cannot be reached");
  }
}
