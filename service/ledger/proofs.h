/* proofs.h: RFC 9162 proofs served from the stored tiles, against signed checkpoints. */
#ifndef DDC_PROOFS_H
#define DDC_PROOFS_H
#include <jansson.h>
#include <stdint.h>
#include "errors.h"

/* {index, size, leaf_hash, root, proof[]} (hashes in base64) proving leaf index in the tree of
 * the checkpoint of this size; NOT_FOUND when there is no such checkpoint. */
enum ddc_err proofs_inclusion(uint64_t index, uint64_t size, json_t **out);
/* {from, to, root_from, root_to, proof[]} between the checkpoints of these sizes. */
enum ddc_err proofs_consistency(uint64_t from, uint64_t to, json_t **out);

#endif
