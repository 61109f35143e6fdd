/* witness.h: database operations for witness cosignatures (sql/functions/ledger.sql): storing them,
 * each witness's newest cosigned size, and the checkpoint a bundle or a reader should use. */
#ifndef DDC_DB_WITNESS_H
#define DDC_DB_WITNESS_H
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_witness_stmts[];

/* A checkpoint as read for serving: size, root, the signed note with its cosignatures
 * (malloc'ed) and whether it is final. */
struct db_checkpoint {
  uint64_t size;
  uint8_t root[32];
  char *note;
  int final;
};

/* The newest checkpoint cosigned by quorum of the witnesses (verifier keys) whose tree holds leaf
 * need (need < 0: any), final; else the newest checkpoint, final only when n is 0. NOT_FOUND when
 * the log has no checkpoint. Free cp->note. */
enum ddc_err db_checkpoint_for(int64_t need, const char *const *witnesses, size_t n, int quorum,
                               struct db_checkpoint *cp);
/* The witnesses' verifier keys as a JSON array text (malloc'ed; NULL when out of memory): how the
 * statements here take them. */
char *db_witness_list(const char *const *witnesses, size_t n);
/* Stores a witness's cosignature line of the checkpoint of this size (a second one is ignored). */
enum ddc_err db_cosignature_put(uint64_t size, const char *witness, const char *line);
/* The newest size the witness cosigned, 0 when none. */
enum ddc_err db_witness_size(const char *witness, uint64_t *size);
/* Takes (or confirms) the witnessing lock on this thread's connection; *taken 1 when held. */
enum ddc_err db_witness_lock(int *taken);

#endif
