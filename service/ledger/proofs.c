/* proofs.c: inclusion and consistency proofs built from tiles (O(log n) tile reads each) for
 * sizes that have a signed checkpoint, so that every root served is one the log signed. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "db/ledger.h"
#include "db/reads.h"
#include "ledger/proofs.h"
#include "ledger/tiles.h"

static json_t *proofs_b64(const uint8_t h[MERKLE_HASH_SIZE])
{
  char out[sodium_base64_ENCODED_LEN(MERKLE_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, h, MERKLE_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
  return json_string(out);
}

static json_t *proofs_list(uint8_t (*proof)[MERKLE_HASH_SIZE], size_t n)
{
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++)
    json_array_append_new(a, proofs_b64(proof[i]));
  return a;
}

enum ddc_err proofs_path(struct tiles_reader *rd, uint64_t index, uint64_t size, json_t **out)
{
  uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
  size_t n;
  *out = NULL;
  if (index >= size) return DDC_ERR_INVALID_PARAMETER;
  if (merkle_inclusion_proof(tiles_read_subtree, rd, index, size, proof, &n))
    return rd->err != DDC_ERR_OK ? rd->err : DDC_ERR_INTERNAL;
  return (*out = proofs_list(proof, n)) ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

/* The arguments and answer of a proof read as a public read (db_public_read). */
struct proofs_read {
  uint64_t a, b;
  json_t **out;
};

static enum ddc_err proofs_inclusion_read(void *arg)
{
  struct proofs_read *p = arg;
  uint64_t index = p->a, size = p->b;
  json_t **out = p->out;
  uint8_t root[MERKLE_HASH_SIZE], leaf[MERKLE_HASH_SIZE];
  json_t *path = NULL;
  struct tiles_reader *rd = calloc(1, sizeof *rd);
  *out = NULL;
  if (!rd) return DDC_ERR_INTERNAL;
  enum ddc_err e = index < size ? db_checkpoint_root(size, root) : DDC_ERR_INVALID_PARAMETER;
  if (e == DDC_ERR_OK && tiles_read_subtree(rd, 0, index, leaf) != 0)
    e = rd->err != DDC_ERR_OK ? rd->err : DDC_ERR_INTERNAL;
  if (e == DDC_ERR_OK) e = proofs_path(rd, index, size, &path);
  free(rd);
  if (e != DDC_ERR_OK) return e;
  *out =
      json_pack("{s:I, s:I, s:o, s:o, s:o}", "index", (json_int_t)index, "size", (json_int_t)size,
                "leaf_hash", proofs_b64(leaf), "root", proofs_b64(root), "proof", path);
  return *out ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

static enum ddc_err proofs_consistency_read(void *arg)
{
  struct proofs_read *p = arg;
  uint64_t from = p->a, to = p->b;
  json_t **out = p->out;
  uint8_t r1[MERKLE_HASH_SIZE], r2[MERKLE_HASH_SIZE], proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
  size_t n;
  struct tiles_reader *rd = calloc(1, sizeof *rd);
  *out = NULL;
  if (!rd) return DDC_ERR_INTERNAL;
  enum ddc_err e =
      from > 0 && from <= to ? db_checkpoint_root(from, r1) : DDC_ERR_INVALID_PARAMETER;
  if (e == DDC_ERR_OK) e = db_checkpoint_root(to, r2);
  if (e == DDC_ERR_OK && merkle_consistency_proof(tiles_read_subtree, rd, from, to, proof, &n))
    e = rd->err != DDC_ERR_OK ? rd->err : DDC_ERR_INTERNAL;
  free(rd);
  if (e != DDC_ERR_OK) return e;
  *out = json_pack("{s:I, s:I, s:o, s:o, s:o}", "from", (json_int_t)from, "to", (json_int_t)to,
                   "root_from", proofs_b64(r1), "root_to", proofs_b64(r2), "proof",
                   proofs_list(proof, n));
  return *out ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}

enum ddc_err proofs_inclusion(uint64_t index, uint64_t size, json_t **out)
{
  struct proofs_read p = {index, size, out};
  return db_public_read(proofs_inclusion_read, &p);
}

enum ddc_err proofs_consistency(uint64_t from, uint64_t to, json_t **out)
{
  struct proofs_read p = {from, to, out};
  return db_public_read(proofs_consistency_read, &p);
}
