/* peers.h: SQL of the pinned peers and of the imports from them (sql/functions/peers.sql and
 * imports.sql), one ddc_* function each. Any HTTP thread. */
#ifndef DDC_DB_PEERS_H
#define DDC_DB_PEERS_H
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

extern const struct db_stmt db_peers_stmts[];

/* witness_keys: a JSON array of checked verifier keys; quorum < 0: a majority. */
enum ddc_err db_peer_create(const char *name, const char *url, const char *log_key, uint32_t key_id,
                            const char *witness_keys, int quorum, char **json);
enum ddc_err db_peer_list(char **json);
/* The pin whose log key has this key id (ddc_peer_json), or NOT_FOUND. */
enum ddc_err db_peer_by_keyid(uint32_t key_id, char **json);
/* What this side holds of export export_id of peer peer_id (ddc_import_state). */
enum ddc_err db_import_state(int64_t peer_id, int64_t export_id, char **json);
/* The import of a checked packet (ddc_import); its outcome as JSON {state, code, ddc_id, ...}. */
struct db_import_row {
  int64_t peer_id, export_id, to, ddc_id, source_ddc_id;
  const char *code, *document, *source_code, *bundle;
  uint8_t cert_hash[32], signature[64], export_event_hash[32];
};
enum ddc_err db_import(const struct db_import_row *row, char **json);
/* A tombstone: kind "refused" or "closed", with its signed statement (ddc_import_tombstone). */
enum ddc_err db_import_tombstone(int64_t peer_id, int64_t export_id, const char *kind,
                                 const char *reason, const char *statement, char **json);
/* Where an imported certificate came from (ddc_import_source); NOT_FOUND for one minted here. */
enum ddc_err db_import_source(int64_t ddc_id, char **json);

#endif
