/* migrate.h: the embedded SQL (sql/schema/ migrations, sql/functions/ files), applying it, and
 * checking that a database is at this build's schema version and functions. db_migrate runs on
 * the main thread (`ddcd migrate`); the checks may be called from any thread. */
#ifndef DDC_MIGRATE_H
#define DDC_MIGRATE_H
#include <libpq-fe.h>

/* sql/schema/NNN_name.sql: tables and data, applied once each, in order. The first is the
 * baseline: a database recorded below its version predates it and is refused. */
struct db_migration {
  int version;
  const char *name;
  const char *sql;
};
/* sql/functions/NAME.sql: functions, views and triggers, reloaded whole whenever they change. */
struct db_function_file {
  const char *name;
  const char *sql;
};

extern const struct db_migration db_migrations[];
extern const unsigned db_migrations_count;
extern const struct db_function_file db_function_files[];
extern const unsigned db_function_files_count;

/* The version this build needs: the highest embedded migration. */
int db_schema_wanted(void);
/* The version recorded in the database (0 when none), or -1 when it cannot be read. */
int db_schema_version(PGconn *c);
/* The SHA-256 (hex) of what a reload runs: the lock-class functions and the function files. */
const char *db_functions_hash(void);
/* 1 when the database's functions were loaded from this build's text, 0 when not (or never),
 * -1 when that cannot be read. */
int db_functions_current(PGconn *c);
/* Whether this thread's connection can serve (GET /readyz): OK, DOWN (the database cannot be
 * reached), SCHEMA (its schema version, *have, is not db_schema_wanted()) or FUNCTIONS (its
 * functions are not this build's: run ddcd migrate). */
enum db_ready { DB_READY_OK, DB_READY_DOWN, DB_READY_SCHEMA, DB_READY_FUNCTIONS };
enum db_ready db_ready(int *have);
/* Under an advisory lock (concurrent runs wait for each other) and in one transaction: applies
 * every missing migration, then reloads the functions if a migration was applied or their text
 * differs from the one recorded (*reloaded = 1). Returns the number of migrations applied, or -1
 * (logged; nothing changed). */
int db_migrate(const char *conninfo, int *reloaded);

#endif
