/* proofs.h: RFC 9162 proofs served from the stored tiles, against signed checkpoints.
 * proofs_inclusion and proofs_consistency are public reads (db_public_read: a replica may answer).
 */
#ifndef DDC_PROOFS_H
#define DDC_PROOFS_H
#include <jansson.h>
#include <stdint.h>
#include "errors.h"
#include "ledger/tiles.h"

/* {index, size, leaf_hash, root, proof[]} (hashes in base64) proving leaf index in the tree of
 * the checkpoint of this size; NOT_FOUND when there is no such checkpoint. */
enum ddc_err proofs_inclusion(uint64_t index, uint64_t size, json_t **out);
/* The audit path alone (base64 hashes) of leaf index in the tree of size leaves, read through rd
 * (one reader can serve several proofs of one tree); the caller knows the tree is signed. */
enum ddc_err proofs_path(struct tiles_reader *rd, uint64_t index, uint64_t size, json_t **out);
/* {from, to, root_from, root_to, proof[]} between the checkpoints of these sizes. */
enum ddc_err proofs_consistency(uint64_t from, uint64_t to, json_t **out);

#endif
