/* ledger.h: database operations of the log (sql/functions/ledger.sql): its head, the sequencer's
 * step, tiles, checkpoints and the log key. */
#ifndef DDC_DB_LEDGER_H
#define DDC_DB_LEDGER_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "db/pg.h"
#include "db/witness.h"
#include "errors.h"

#define DB_TILE_WIDTH 256
#define DB_HASH 32

extern const struct db_stmt db_ledger_stmts[];

/* The newest checkpoint: its size (0 when there is none), root and (if note is not NULL) its
 * signed note, malloc'ed. */
enum ddc_err db_log_head(uint64_t *size, uint8_t root[DB_HASH], char **note);
/* Up to limit pending events become leaves size, size + 1, ...; their hashes go to hashes
 * (room for limit), their number to *n. Inside the caller's transaction. */
enum ddc_err db_log_take(uint64_t size, int limit, uint8_t (*hashes)[DB_HASH], int *n);
/* Tile (level, idx): its hashes into out (room for DB_TILE_WIDTH), their number to *width
 * (0 when there is no such tile). */
enum ddc_err db_tile_get(int level, uint64_t idx, uint8_t (*out)[DB_HASH], int *width);
/* Stores tile (level, idx) with width hashes (a tile only ever grows). */
enum ddc_err db_tile_put(int level, uint64_t idx, const uint8_t (*hashes)[DB_HASH], int width);
enum ddc_err db_checkpoint_put(uint64_t size, const uint8_t root[DB_HASH], const char *note);
/* The root of the checkpoint of this size, or NOT_FOUND. */
enum ddc_err db_checkpoint_root(uint64_t size, uint8_t root[DB_HASH]);
/* The log key: name, public key and sealed secret (malloc'ed); NOT_FOUND when none yet. */
enum ddc_err db_log_key_get(char *name, size_t name_cap, uint8_t public_key[32], uint8_t **sealed,
                            size_t *sealed_len);
/* Stores the log key unless one exists (then the stored one stands). */
enum ddc_err db_log_key_put(const char *name, const uint8_t public_key[32], const uint8_t *sealed,
                            size_t sealed_len);
/* Public verification's view of the certificate with this code (JSON texts, malloc'ed): the
 * certificate, its document, issuer, signing key (with its key_added event) and events. */
struct db_public_cert {
  char *cert, *document, *issuer, *signing_key, *events;
  /* read with them by db_public_bundle only (else NULL and 0): the newest logged publication of
   * each purpose of its status list ([{purpose, list, index, canonical, leaf_index}]), and the
   * checkpoint db_checkpoint_for gives for the highest leaf of all those (size 0: none yet) */
  char *status_lists;
  struct db_checkpoint cp;
  int cp_read;
};
/* That of the certificate with this code, with status_lists and cp (witnesses and quorum as
 * db_checkpoint_for's), all in one statement: one snapshot, one round trip. */
enum ddc_err db_public_bundle(const char *code, const char *const *witnesses, size_t n, int quorum,
                              struct db_public_cert *out);
void db_public_cert_free(struct db_public_cert *p);
/* {items: [{code, kind, status, issuer_id, issued_at}]} of certificates with this content hash. */
enum ddc_err db_public_by_content(const uint8_t hash[DB_HASH], char **json);
/* The data of leaves [start, start + count) (each event's canonical text) as a C2SP entry bundle:
 * for each, a 2-byte big-endian length and the bytes (malloc'ed); *n leaves found. */
enum ddc_err db_log_entries(uint64_t start, int count, char **bundle, size_t *len, int *n);
/* The code of certificate ddc, for a caller who may read it (rule failures as cert_get's);
 * code has room for 27 bytes. */
enum ddc_err db_cert_code(const char *role, int64_t actor, int64_t ddc, char code[27]);
/* The certificate with this code: the hash of its last event (hex, 65 bytes) and its number of
 * events; NOT_FOUND when there is none. */
enum ddc_err db_cert_head(const char *code, char last_event_hash[65], int64_t *events);
/* The kept verdict on the certificate with this code (sql/schema/020_verdicts.sql) if it still
 * stands for the trust fingerprint trust: its JSON text (malloc'ed) and length; NOT_FOUND when
 * there is none or it no longer stands. One read, fit for a read-only connection. */
enum ddc_err db_verdict_get(const char *code, const char *trust, char **body, size_t *len);
/* A verdict to keep: made from the bundle whose last event hashes to event_hash (hex), against
 * trust, made with the chain anchors up to confirmation anchor_size (the largest confirmed_seq
 * among its bundle's chain_anchors, 0: none), its key retired or not;
 * fresh_until ("" none) is when its result turns with time. */
struct db_verdict {
  const char *code, *event_hash, *trust, *fresh_until, *body;
  int64_t anchor_size;
  int key_retired;
};
enum ddc_err db_verdict_put(const struct db_verdict *v);
/* Rows to store in one statement (verdicts, bundles): each row's small fields an object of a JSON
 * array, its one large text (the verdict's, the bundle's) apart, sent as a binary text[]: neither
 * escaped nor parsed as JSON, which cost more than storing it. Zero-initialised when empty. */
struct db_rows {
  json_t *items;
  char **texts;
  size_t n, cap;
};
/* Appends a row, taking item and text (freed by db_rows_clear, or here on failure: -1). */
int db_rows_add(struct db_rows *r, json_t *item, char *text);
/* Forgets every row (the struct may be used again; freed once empty and cleared). */
void db_rows_clear(struct db_rows *r);
/* Keeps verdicts: items {code, event_hash, trust, fresh_until, anchor_size, key_retired}, the
 * fields of struct db_verdict, and texts their bodies. */
enum ddc_err db_verdicts_put(const struct db_rows *r);
/* The kept bundle of the certificate with this code (sql/schema/031_kept_bundles.sql) if it still
 * stands for the trust fingerprint trust: its JSON text (malloc'ed) and length; NOT_FOUND when
 * there is none or it no longer stands. One read, fit for a read-only connection. */
enum ddc_err db_bundle_kept_get(const char *code, const char *trust, char **body, size_t *len);
/* Keeps bundles: items {code, event_hash (hex), trust, anchor_size, key_retired, key_current,
 * profile_event (null: none), lists (leaf indexes)}, what each bundle was built from
 * (ddc_bundles_keep), and texts the bundles. */
enum ddc_err db_bundles_keep(const struct db_rows *r);
/* The verdict builder (025_verdict_builder.sql), in the caller's transaction: calls fn for each
 * certificate with an event at leaves [from, to) and no verdict kept from its last event against
 * trust, with its code and public view (valid during the call only). */
enum ddc_err
db_verdict_todo(uint64_t from, uint64_t to, const char *trust,
                void (*fn)(const char *code, const struct db_public_cert *p, void *arg), void *arg);
/* How far the builder has gone (its row locked to the transaction's end), and moving it on. */
enum ddc_err db_verdict_cursor(uint64_t *size);
enum ddc_err db_verdict_cursor_set(uint64_t size);
/* Takes the verdict builder's lock on this thread's connection: 1 taken (or held), 0 elsewhere. */
enum ddc_err db_verdict_lock(int *taken);
/* Takes the sequencer lock on this thread's connection: 1 taken (or held), 0 held elsewhere. */
enum ddc_err db_sequencer_lock(int *taken);

#endif
