/* migrate.h: the embedded sql/ migrations, applying them, and checking the schema version. */
#ifndef DDC_MIGRATE_H
#define DDC_MIGRATE_H
#include <libpq-fe.h>

struct db_migration {
  int version;
  const char *name;
  const char *sql;
};

extern const struct db_migration db_migrations[];
extern const unsigned db_migrations_count;

/* The version this build needs: the highest embedded migration. */
int db_schema_wanted(void);
/* The version recorded in the database (0 when none), or -1 when it cannot be read. */
int db_schema_version(PGconn *c);
/* Applies every missing migration, each in its own transaction, under an advisory lock so that
 * concurrent runs are safe. Returns the number applied, or -1 (logged). */
int db_migrate(const char *conninfo);

#endif
