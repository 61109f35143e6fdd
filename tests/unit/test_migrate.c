/* test_migrate.c: the embedded SQL keeps its rules: schema migrations define no function, view
 * or trigger; each function is defined once in sql/functions/; the advisory-lock numbers of
 * db/locks.h appear in no SQL file (SQL reads them through ddc_lock_<name>()); the functions hash
 * is a stable SHA-256. */
#include <ctype.h>
#include <string.h>
#include "db/locks.h"
#include "db/migrate.h"
#include "unit.h"

/* How many times "CREATE FUNCTION name(" (case-insensitive CREATE) occurs in every function file.
 */
static int definitions(const char *name)
{
  char pat[160];
  snprintf(pat, sizeof pat, "CREATE FUNCTION %s(", name);
  int n = 0;
  for (unsigned i = 0; i < db_function_files_count; i++)
    for (const char *p = db_function_files[i].sql; (p = strstr(p, pat)); p++)
      n++;
  return n;
}

static void test_schema_defines_no_functions(void)
{
  CHECK(db_migrations_count >= 1);
  for (unsigned i = 0; i < db_migrations_count; i++) {
    const char *s = db_migrations[i].sql;
    CHECK(!strstr(s, "CREATE FUNCTION") && !strstr(s, "CREATE OR REPLACE FUNCTION"));
    CHECK(!strstr(s, "CREATE VIEW") && !strstr(s, "CREATE TRIGGER"));
    CHECK(i == 0 || db_migrations[i].version > db_migrations[i - 1].version);
  }
}

static void test_each_function_once(void)
{
  int seen = 0;
  for (unsigned i = 0; i < db_function_files_count; i++) {
    const char *s = db_function_files[i].sql;
    CHECK(!strstr(s, "CREATE OR REPLACE")); /* the reload drops everything first */
    for (const char *p = s; (p = strstr(p, "CREATE FUNCTION ")); p++) {
      char name[128];
      size_t n = 0;
      for (const char *q = p + 16; (isalnum((unsigned char)*q) || *q == '_') && n < 127; q++)
        name[n++] = *q;
      name[n] = 0;
      CHECK(strncmp(name, "ddc_", 4) == 0); /* the reload drops ddc_% functions only */
      if (definitions(name) != 1)
        fprintf(stderr, "  %s: %d definitions\n", name, definitions(name));
      CHECK(definitions(name) == 1);
      seen++;
    }
  }
  CHECK(seen > 50);
  CHECK(definitions("ddc_event_json") == 1 && definitions("ddc_batch_commit") == 1);
  CHECK(definitions("ddc_batch_chunk") == 0); /* dead since migration 011 */
}

static void test_no_lock_numbers_in_sql(void)
{
  static const char *ids[] = {DB_STR(DB_LOCK_MIGRATE),      DB_STR(DB_LOCK_ISSUER_KEY),
                              DB_STR(DB_LOCK_WORKERS),      DB_STR(DB_LOCK_BATCH_RUN),
                              DB_STR(DB_LOCK_BATCH_UPLOAD), DB_STR(DB_LOCK_UPLOAD_SLOT)};
  for (unsigned i = 0; i < db_function_files_count; i++)
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
      CHECK(!strstr(db_function_files[i].sql, ids[k]));
}

static void test_hash(void)
{
  const char *h = db_functions_hash();
  CHECK(strlen(h) == 64);
  for (const char *p = h; *p; p++)
    CHECK(isxdigit((unsigned char)*p));
  CHECK(db_functions_hash() == h); /* made once */
}

int main(void)
{
  RUN(test_schema_defines_no_functions);
  RUN(test_each_function_once);
  RUN(test_no_lock_numbers_in_sql);
  RUN(test_hash);
  return UNIT_END();
}
