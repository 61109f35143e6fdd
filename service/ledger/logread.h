/* logread.h: the public log as the API serves it (GET /v1/log/...): the checkpoint a reader
 * should use, how far the witnesses got, C2SP tiles and entry bundles. Any HTTP thread; each is a
 * public read (db_public_read: a read replica may answer); proofs are in ledger/proofs.h. */
#ifndef DDC_LOGREAD_H
#define DDC_LOGREAD_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "errors.h"
#include "ledger/tiles.h"

/* With witnesses, the newest final checkpoint (cosigned by the quorum), or the newest if none is
 * final yet: its signed note with the cosignatures after the log's signature (malloc'ed).
 * NOT_FOUND when the log has no checkpoint yet. */
enum ddc_err logread_checkpoint(char **note);
/* {witnesses: [{key, cosigned_size}], quorum, size, final_size, final}: the newest size each
 * witness cosigned, the log's newest checkpoint and the newest final one (new reference). */
enum ddc_err logread_witnesses(json_t **out);
/* Tile (level, n) cut to width hashes (TILES_WIDTH: the full tile), as its bytes (malloc'ed,
 * width * 32 in *len); NOT_FOUND (detail recorded) while it holds fewer. */
enum ddc_err logread_tile(int level, uint64_t n, int width, char **data, size_t *len);
/* Entry bundle n of width leaves (C2SP tlog-tiles; malloc'ed, *len bytes); NOT_FOUND as tiles. */
enum ddc_err logread_entries(uint64_t n, int width, char **data, size_t *len);

#endif
