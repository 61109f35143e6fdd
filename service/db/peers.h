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

#endif
