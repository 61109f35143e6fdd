/* locks.h: every PostgreSQL advisory lock ddcd takes, the only place their numbers are written.
 * C statements build their SQL from these macros (string literals, see DB_STR); SQL functions
 * read a class through ddc_lock_<name>(), which `ddcd migrate` creates from DB_LOCK_CLASSES
 * before it loads sql/functions/. The numbers never change: a ddcd of the previous release and
 * one of this release may run against the same database during an upgrade and must agree.
 * Constants only: any thread may use them. */
#ifndef DDC_LOCKS_H
#define DDC_LOCKS_H

#define DB_STR_(x) #x
#define DB_STR(x) DB_STR_(x) /* a macro's value as a string literal */

/* The one-key (bigint) session lock `ddcd migrate` holds while it migrates. */
#define DB_LOCK_MIGRATE 4242001

/* Two-key locks (class, object). */
#define DB_LOCK_ISSUER_KEY 4243   /* object: issuer id mod 2^31-1 */
#define DB_LOCK_WORKERS 4244      /* object: one of the DB_LOCK_WORKER_* below */
#define DB_LOCK_BATCH_RUN 4246    /* object: batch id mod 2^31-1 */
#define DB_LOCK_BATCH_UPLOAD 4247 /* object: ddc_batch_upload_key(batch id) */
#define DB_LOCK_UPLOAD_SLOT 4248  /* object: (issuer id * slots + slot) mod 2^31-1, see below */
#define DB_LOCK_CHAIN 4249        /* object: hashtext(chain name) & (2^31-1), see below */

/* The one-per-database workers, each holding (DB_LOCK_WORKERS, its object) on its own
 * connection for as long as it works. */
#define DB_LOCK_WORKER_SEQUENCER 1 /* the log sequencer (service/ledger/sequencer.c) */
#define DB_LOCK_WORKER_WITNESS 2   /* the witness client (service/ledger/witness_client.c) */
#define DB_LOCK_WORKER_ANCHORER 7  /* the chain anchorer (service/chain/anchorer.c) */
#define DB_LOCK_WORKER_VERDICTS 8  /* the verdict builder (service/ledger/verdictbuild.c) */
#define DB_LOCK_WORKER_EXPORTER 9  /* the export worker (service/peer/exporter.c) */

/* X(name, class, what it guards): the classes SQL reaches as ddc_lock_<name>(). */
#define DB_LOCK_CLASSES(X)                                                                         \
  X(issuer_key, DB_LOCK_ISSUER_KEY,                                                                \
    "an issuer's key retirement (exclusive) against its mints and batch commits (shared), "        \
    "transaction locks")                                                                           \
  X(workers, DB_LOCK_WORKERS, "the one-per-database workers, session locks")                       \
  X(batch_run, DB_LOCK_BATCH_RUN, "the ddcd working a running batch, a session lock")              \
  X(batch_upload, DB_LOCK_BATCH_UPLOAD,                                                            \
    "a validating batch's upload, held by the upload's own connection until it ends")

/* SQL, one row: true when this session holds worker lock OBJ already (a reconnect loses it) or
 * has just taken it. */
/* SQL, $1 the issuer, $2 its number of upload slots: the first of them free in every ddcd on the
 * database, taken as a session lock by the upload's own connection (held until it closes), or no
 * row when all are held. */
/* clang-format off */
#define DB_LOCK_UPLOAD_SLOT_SQL                                                                    \
  "SELECT s FROM generate_series(0, $2::int - 1) s WHERE pg_try_advisory_lock("                     \
  DB_STR(DB_LOCK_UPLOAD_SLOT) ", (($1::bigint * $2::int + s) % 2147483647)::int) LIMIT 1"
/* clang-format on */
/* SQL, $1 a chain's name: as DB_LOCK_WORKER_SQL, the lock of that chain's anchorer. The chain
 * "default" (the DDC_CHAIN_* settings) keeps the anchorer's worker lock of earlier releases, so
 * that an older ddcd and this one never anchor it both during an upgrade. */
/* clang-format off */
#define DB_LOCK_CHAIN_SQL                                                                          \
  "SELECT CASE WHEN $1 = 'default' THEN (" DB_LOCK_WORKER_SQL(DB_LOCK_WORKER_ANCHORER) ")"         \
  " ELSE EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"                               \
  " AND classid = " DB_STR(DB_LOCK_CHAIN) " AND objid = (hashtext($1) & 2147483647)::oid"           \
  " AND objsubid = 2 AND pid = pg_backend_pid() AND granted)"                                      \
  " OR pg_try_advisory_lock(" DB_STR(DB_LOCK_CHAIN) ", hashtext($1) & 2147483647) END"
/* clang-format on */
/* clang-format off */
#define DB_LOCK_WORKER_SQL(obj)                                                                    \
  "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"                              \
  " AND classid = " DB_STR(DB_LOCK_WORKERS) " AND objid = " DB_STR(obj) " AND objsubid = 2"         \
  " AND pid = pg_backend_pid() AND granted)"                                                       \
  " OR pg_try_advisory_lock(" DB_STR(DB_LOCK_WORKERS) ", " DB_STR(obj) ")"
/* clang-format on */

#endif
