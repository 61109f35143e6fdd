/* migrate.c: applies sql/NNN_*.sql (embedded at build time) in order, one transaction each,
 * recorded in ddc_schema; reads the recorded version for start-up and readiness checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db/migrate.h"
#include "log.h"

#define MIGRATE_LOCK_ID "4242001"

int db_schema_wanted(void)
{
  return db_migrations[db_migrations_count - 1].version;
}

static int migrate_int(PGconn *c, const char *sql)
{
  PGresult *r = PQexec(c, sql);
  int v =
      PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 ? atoi(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return v;
}

int db_schema_version(PGconn *c)
{
  int exists = migrate_int(c, "SELECT (to_regclass('ddc_schema') IS NOT NULL)::int");
  if (exists <= 0) return exists;
  return migrate_int(c, "SELECT coalesce(max(version), 0) FROM ddc_schema");
}

static int migrate_exec(PGconn *c, const char *sql, const char *what)
{
  PGresult *r = PQexec(c, sql);
  ExecStatusType st = PQresultStatus(r);
  PQclear(r);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return 0;
  log_msg(LOG_ERROR, "migrate: %s: %s", what, PQerrorMessage(c));
  return -1;
}

static int migrate_one(PGconn *c, const struct db_migration *m)
{
  char sql[256];
  if (migrate_exec(c, "BEGIN", "begin") != 0) return -1;
  snprintf(sql, sizeof sql, "SELECT 1 FROM ddc_schema WHERE version = %d", m->version);
  PGresult *r = PQexec(c, sql);
  int done = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
  PQclear(r);
  if (done) return migrate_exec(c, "COMMIT", "commit") == 0 ? 0 : -1;
  snprintf(sql, sizeof sql, "INSERT INTO ddc_schema (version, name) VALUES (%d, '%s')", m->version,
           m->name);
  if (migrate_exec(c, m->sql, m->name) != 0 || migrate_exec(c, sql, m->name) != 0 ||
      migrate_exec(c, "COMMIT", "commit") != 0) {
    migrate_exec(c, "ROLLBACK", "rollback");
    return -1;
  }
  log_msg(LOG_INFO, "migrate: applied %s", m->name);
  return 1;
}

int db_migrate(const char *conninfo)
{
  PGconn *c = PQconnectdb(conninfo);
  for (int i = 0; i < 60 && PQstatus(c) != CONNECTION_OK; i++) { /* the database may be starting */
    usleep(500000);
    PQfinish(c);
    c = PQconnectdb(conninfo);
  }
  if (PQstatus(c) != CONNECTION_OK) {
    log_msg(LOG_ERROR, "migrate: cannot connect: %s", PQerrorMessage(c));
    PQfinish(c);
    return -1;
  }
  int applied = 0;
  if (migrate_exec(c, "SET client_min_messages = warning", "settings") != 0 ||
      migrate_exec(c, "SELECT pg_advisory_lock(" MIGRATE_LOCK_ID ")", "lock") != 0 ||
      migrate_exec(c,
                   "CREATE TABLE IF NOT EXISTS ddc_schema (version integer PRIMARY KEY, "
                   "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                   "schema table") != 0)
    applied = -1;
  for (unsigned i = 0; i < db_migrations_count && applied >= 0; i++) {
    int rc = migrate_one(c, &db_migrations[i]);
    applied = rc < 0 ? -1 : applied + rc;
  }
  if (applied >= 0 && db_schema_version(c) > db_schema_wanted()) {
    log_msg(LOG_ERROR, "migrate: the database is at schema %d, newer than this ddcd (%d)",
            db_schema_version(c), db_schema_wanted());
    applied = -1;
  }
  PQfinish(c);
  return applied;
}
