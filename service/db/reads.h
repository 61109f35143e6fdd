/* reads.h: the public read path and the read replicas behind it (DDC_DATABASE_READ_URL). A
 * monitor thread measures how far each replica is behind the primary; db_public_read runs a
 * public read (verification, bundles, proofs, tiles, checkpoints: whatever anyone may read without
 * a key) in one snapshot on a replica that is up and close enough behind, and again on the primary
 * when that replica has not got what was asked for. db_public_read: any HTTP thread; init, start,
 * stop and the replica list: main.c, before serving and after; stats: /metrics. */
#ifndef DDC_DB_READS_H
#define DDC_DB_READS_H
#include <stdint.h>
#include "errors.h"

#define DB_READS_MAX 8 /* replicas in DDC_DATABASE_READ_URL */

/* One public read: only reads, through db_* calls on this thread, and answers a registry code.
 * It may run twice (on a replica, then on the primary), so it must leave nothing behind when it
 * fails. DDC_ERR_NOT_FOUND from a replica means "maybe not there yet": the primary is asked. */
typedef enum ddc_err (*db_read_fn)(void *arg);

/* Runs fn(arg) as a public read, inside one REPEATABLE READ READ ONLY transaction (so that what it
 * reads agrees: a bundle's proofs and its checkpoint), and returns its answer. With replicas: on
 * the next one in turn that is up and at most DDC_READ_MAX_LAG_MS behind (a replica skipped is a
 * fallback, counted by its reason), else on the primary; a replica that answers NOT_FOUND or
 * fails is a fallback too, and the primary answers instead, so that what was acknowledged by the
 * primary (a mint's 201) is never not_found. Inside a transaction of the caller's: fn runs in it.
 */
enum ddc_err db_public_read(db_read_fn fn, void *arg);
/* The same for a read of one statement (its own snapshot): routed alike, without the transaction
 * around it (no BEGIN and ROLLBACK: the one-lookup verify). */
enum ddc_err db_public_read_one(db_read_fn fn, void *arg);
/* Within a public read's fn: whether the primary answers it (not a replica, which may lag). */
int db_reads_on_primary(void);

/* Checks DDC_DATABASE_READ_URL: connection strings separated by ';' (each a libpq key=value string
 * or a postgresql:// URI), at most DB_READS_MAX. The number of them, or -1. */
int db_reads_count(const char *list);
/* The replicas (list as above; "" none) and the lag past which one is skipped. Once, before
 * db_reads_start and any public read. 0 or -1. */
int db_reads_init(const char *list, unsigned max_lag_ms);
/* Starts the monitor (nothing without replicas); db_reads_stop stops it and forgets the list. */
int db_reads_start(void);
void db_reads_stop(void);
/* Replica i's connection string (NULL beyond the list), for db_connect_target. */
const char *db_reads_conninfo(int i);
/* A connection to replica i was lost: it is skipped until the monitor reaches it again. */
void db_reads_down(int i);

/* Why a public read did not stay on the replica it tried first. */
enum db_reads_reason {
  DB_READS_LAG,       /* skipped: more than DDC_READ_MAX_LAG_MS behind */
  DB_READS_DOWN,      /* skipped: not reachable (or not heard from) */
  DB_READS_NOT_FOUND, /* answered not found: asked the primary */
  DB_READS_ERROR,     /* failed (a lost connection, a conflict with recovery): asked the primary */
  DB_READS_REASONS
};
const char *db_reads_reason_name(enum db_reads_reason r);

struct db_reads_stats {
  int n;
  struct {
    char host[64]; /* as its connection string names it */
    int up;
    uint64_t lag_ms; /* how long the oldest primary write it has not replayed is, now */
    uint64_t served; /* public reads it answered */
  } r[DB_READS_MAX];
  uint64_t primary_served; /* public reads the primary answered */
  uint64_t fallbacks[DB_READS_REASONS];
};
void db_reads_stats(struct db_reads_stats *st);

#endif
