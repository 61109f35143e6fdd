/* migrate.c: applies sql/schema/NNN_*.sql (embedded at build time) in order, recorded in
 * ddc_schema, and reloads sql/functions/ (every ddc_ function, view and trigger) whenever its
 * text changed, recorded by hash in ddc_schema_functions; all in one transaction under the
 * migrate lock. Reads both records for start-up and readiness checks. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db/locks.h"
#include "db/migrate.h"
#include "db/pg.h"
#include "log.h"

/* ddc_lock_<name>(): the advisory lock classes of db/locks.h, for the SQL functions. */
#define MIGRATE_LOCK_FN(name, class, what)                                                         \
  "-- " what "\n"                                                                                  \
  "CREATE FUNCTION ddc_lock_" #name "() RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE"      \
  " AS $$ SELECT " DB_STR(class) " $$;\n"
static const char migrate_lock_sql[] = DB_LOCK_CLASSES(MIGRATE_LOCK_FN);

/* What a reload must not drop silently: objects that depend on a ddc_ function or a view but are
 * not views or triggers (which the function files recreate, checked after the reload). */
static const char migrate_dependents_sql[] =
    "SELECT string_agg(DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid), ', ')"
    " FROM pg_depend d"
    " LEFT JOIN pg_proc p ON d.refclassid = 'pg_proc'::regclass AND p.oid = d.refobjid"
    " LEFT JOIN pg_class v ON d.refclassid = 'pg_class'::regclass AND v.oid = d.refobjid"
    " LEFT JOIN pg_rewrite w ON d.classid = 'pg_rewrite'::regclass AND w.oid = d.objid"
    " LEFT JOIN pg_class wv ON wv.oid = w.ev_class"
    " LEFT JOIN pg_proc dp ON d.classid = 'pg_proc'::regclass AND dp.oid = d.objid"
    " WHERE d.deptype = 'n' AND (p.pronamespace = 'public'::regnamespace"
    "   AND p.proname LIKE 'ddc\\_%' OR v.relnamespace = 'public'::regnamespace AND v.relkind = "
    "'v')"
    " AND d.classid <> 'pg_trigger'::regclass AND coalesce(wv.relkind, '-') <> 'v'"
    " AND NOT coalesce(dp.proname LIKE 'ddc\\_%', false)"
    " AND NOT (d.classid = 'pg_rewrite'::regclass AND w.ev_class = d.refobjid)";

/* Every view and trigger before the reload, to check that the files made each again. */
static const char migrate_objects_sql[] =
    "CREATE TEMP TABLE ddc_reload_objects ON COMMIT DROP AS"
    " SELECT 'view ' || c.relname AS name FROM pg_class c"
    " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'"
    " UNION ALL SELECT 'trigger ' || t.tgname || ' on ' || c.relname FROM pg_trigger t"
    " JOIN pg_class c ON c.oid = t.tgrelid"
    " WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal";
static const char migrate_missing_sql[] =
    "SELECT string_agg(o.name, ', ' ORDER BY o.name) FROM ddc_reload_objects o WHERE NOT EXISTS ("
    " SELECT 1 FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'v'"
    " AND 'view ' || c.relname = o.name UNION ALL SELECT 1 FROM pg_trigger t"
    " JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace"
    " AND 'trigger ' || t.tgname || ' on ' || c.relname = o.name)";

static const char migrate_drop_sql[] =
    "DO $$ DECLARE f regprocedure; v regclass; BEGIN"
    " FOR f IN SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace"
    "   AND p.proname LIKE 'ddc\\_%' LOOP EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', f);"
    " END LOOP;"
    " FOR v IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
    "   AND c.relkind = 'v' LOOP EXECUTE format('DROP VIEW IF EXISTS %s CASCADE', v); END LOOP;"
    " END $$";

static char migrate_hash_hex[2 * crypto_hash_sha256_BYTES + 1];
static pthread_once_t migrate_hash_once = PTHREAD_ONCE_INIT;

static void migrate_hash_make(void)
{
  crypto_hash_sha256_state st;
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const unsigned char *)migrate_lock_sql, sizeof migrate_lock_sql);
  for (unsigned i = 0; i < db_function_files_count; i++) {
    const struct db_function_file *f = &db_function_files[i];
    crypto_hash_sha256_update(&st, (const unsigned char *)f->name, strlen(f->name) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)f->sql, strlen(f->sql) + 1);
  }
  crypto_hash_sha256_final(&st, h);
  sodium_bin2hex(migrate_hash_hex, sizeof migrate_hash_hex, h, sizeof h);
}

const char *db_functions_hash(void)
{
  pthread_once(&migrate_hash_once, migrate_hash_make);
  return migrate_hash_hex;
}

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

int db_functions_current(PGconn *c)
{
  int exists = migrate_int(c, "SELECT (to_regclass('ddc_schema_functions') IS NOT NULL)::int");
  if (exists <= 0) return exists;
  const char *hash = db_functions_hash();
  PGresult *r = PQexecParams(c, "SELECT count(*) FROM ddc_schema_functions WHERE hash = $1", 1,
                             NULL, &hash, NULL, NULL, 0);
  int v = PQresultStatus(r) == PGRES_TUPLES_OK ? atoi(PQgetvalue(r, 0, 0)) > 0 : -1;
  PQclear(r);
  return v;
}

enum db_ready db_ready(int *have)
{
  *have = -1;
  /* db_get_raw replaces a connection found dead; one lost under the query is replaced once */
  for (int attempt = 0; attempt < 2 && *have < 0; attempt++) {
    PGconn *c = db_get_raw();
    if (!c) break; /* a connect failed: answer now */
    *have = db_schema_version(c);
    if (*have < 0) db_forget();
  }
  if (*have < 0) return DB_READY_DOWN;
  if (*have != db_schema_wanted()) return DB_READY_SCHEMA;
  PGconn *c = db_get_raw();
  int current = c ? db_functions_current(c) : -1;
  return current < 0 ? DB_READY_DOWN : current ? DB_READY_OK : DB_READY_FUNCTIONS;
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

/* The text of a one-value query into buf: 1, or 0 for NULL, or -1 (logged). */
static int migrate_text(PGconn *c, const char *sql, char *buf, size_t len)
{
  PGresult *r = PQexec(c, sql);
  int rc = -1;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
    rc = !PQgetisnull(r, 0, 0);
    snprintf(buf, len, "%s", PQgetvalue(r, 0, 0));
  } else {
    log_msg(LOG_ERROR, "migrate: %s", PQerrorMessage(c));
  }
  PQclear(r);
  return rc;
}

/* Applies the migrations after version have; returns how many, or -1. */
static int migrate_apply(PGconn *c, int have)
{
  int n = 0;
  for (unsigned i = 0; i < db_migrations_count; i++) {
    const struct db_migration *m = &db_migrations[i];
    if (m->version <= have) continue;
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO ddc_schema (version, name) VALUES (%d, '%s')",
             m->version, m->name);
    if (migrate_exec(c, m->sql, m->name) != 0 || migrate_exec(c, sql, m->name) != 0) return -1;
    log_msg(LOG_INFO, "migrate: applied %s", m->name);
    n++;
  }
  return n;
}

/* Drops every ddc_ function and every view (CASCADE takes their triggers), then runs the lock
 * functions and sql/functions/ in order and records the hash. Refuses, naming them, when other
 * objects depend on what it drops or when a view or trigger is not made again. */
static int migrate_reload(PGconn *c)
{
  char names[2048];
  int rc = migrate_text(c, migrate_dependents_sql, names, sizeof names);
  if (rc != 0) {
    if (rc > 0)
      log_msg(LOG_ERROR, "migrate: cannot reload the functions: %s depend%s on them (drop %s)",
              names, strchr(names, ',') ? "" : "s", strchr(names, ',') ? "them" : "it");
    return -1;
  }
  if (migrate_exec(c, migrate_objects_sql, "views and triggers") != 0 ||
      migrate_exec(c, migrate_drop_sql, "dropping the functions") != 0 ||
      migrate_exec(c, migrate_lock_sql, "lock classes") != 0)
    return -1;
  for (unsigned i = 0; i < db_function_files_count; i++)
    if (migrate_exec(c, db_function_files[i].sql, db_function_files[i].name) != 0) return -1;
  rc = migrate_text(c, migrate_missing_sql, names, sizeof names);
  if (rc != 0) {
    if (rc > 0)
      log_msg(LOG_ERROR, "migrate: sql/functions/ does not make again what the reload dropped: %s",
              names);
    return -1;
  }
  const char *hash = db_functions_hash();
  PGresult *r = PQexecParams(c,
                             "WITH gone AS (DELETE FROM ddc_schema_functions)"
                             " INSERT INTO ddc_schema_functions (hash) VALUES ($1)",
                             1, NULL, &hash, NULL, NULL, 0);
  rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
  if (rc != 0) log_msg(LOG_ERROR, "migrate: recording the functions: %s", PQerrorMessage(c));
  PQclear(r);
  if (rc == 0) log_msg(LOG_INFO, "migrate: functions loaded (%.12s)", hash);
  return rc;
}

/* The records' tables (made here: every database has them, whatever its migrations), and the
 * version recorded, refused when this build cannot migrate from it. */
static int migrate_start(PGconn *c)
{
  if (migrate_exec(c,
                   "CREATE TABLE IF NOT EXISTS ddc_schema (version integer PRIMARY KEY,"
                   " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());"
                   "CREATE TABLE IF NOT EXISTS ddc_schema_functions (hash text NOT NULL,"
                   " loaded_at timestamptz NOT NULL DEFAULT now())",
                   "schema tables") != 0)
    return -1;
  int have = db_schema_version(c), base = db_migrations[0].version;
  if (have > db_schema_wanted()) {
    log_msg(LOG_ERROR, "migrate: the database is at schema %d, newer than this ddcd (%d)", have,
            db_schema_wanted());
    return -1;
  }
  if (have > 0 && have < base) {
    log_msg(LOG_ERROR,
            "migrate: the database is at schema %d, older than this ddcd's baseline (%d):"
            " upgrade it with the previous release first (ddcd migrate of a release carrying"
            " sql/%03d_*.sql), then with this one",
            have, base, base);
    return -1;
  }
  return have;
}

/* Connects, waiting up to 30 s for a database that may be starting. */
static PGconn *migrate_connect(const char *conninfo)
{
  PGconn *c = PQconnectdb(conninfo);
  for (int i = 0; i < 60 && PQstatus(c) != CONNECTION_OK; i++) {
    usleep(500000);
    PQfinish(c);
    c = PQconnectdb(conninfo);
  }
  if (PQstatus(c) == CONNECTION_OK) return c;
  log_msg(LOG_ERROR, "migrate: cannot connect: %s", PQerrorMessage(c));
  PQfinish(c);
  return NULL;
}

int db_migrate(const char *conninfo, int *reloaded)
{
  *reloaded = 0;
  PGconn *c = migrate_connect(conninfo);
  if (!c) return -1;
  int applied = -1, have = -1;
  if (migrate_exec(c, "SET client_min_messages = warning", "settings") == 0 &&
      migrate_exec(c, "SELECT pg_advisory_lock(" DB_STR(DB_LOCK_MIGRATE) ")", "lock") == 0 &&
      migrate_exec(c, "BEGIN", "begin") == 0 && (have = migrate_start(c)) >= 0)
    applied = migrate_apply(c, have);
  int current = applied >= 0 ? db_functions_current(c) : -1;
  if (applied >= 0 && current >= 0 && (applied > 0 || !current)) {
    if (migrate_reload(c) == 0)
      *reloaded = 1;
    else
      applied = -1;
  }
  if (applied < 0 || current < 0 || migrate_exec(c, "COMMIT", "commit") != 0) {
    migrate_exec(c, "ROLLBACK", "rollback");
    *reloaded = 0;
    applied = -1;
  }
  PQfinish(c);
  return applied;
}
