/* proof_bench.c: for `make bench`, inclusion and consistency proof times against logs of growing
 * size. Into an empty, migrated database it appends synthetic leaves (leaf i hashes its 8-byte
 * index) through the sequencer's own tiles code (service/ledger/tiles.c, one transaction per
 * chunk), signs a checkpoint at each size asked for, and times proofs_inclusion (the code behind
 * GET /v1/log/proof/inclusion, without HTTP) for random leaves at each size, then one consistency
 * proof between consecutive sizes.
 *   proof_bench CONNINFO SAMPLES SIZE...   (sizes ascending)
 * Prints one line per size: its append time, the inclusion proof times (p50, p99 in us), the
 * proof's length, the tiles a proof reads and the consistency proof time from the previous size. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "db/ledger.h"
#include "db/pg.h"
#include "verify/note.h"
#include "ledger/proofs.h"
#include "ledger/tiles.h"

#define BENCH_CHUNK 65536

static double bench_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int bench_cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Appends leaves [e->size, to) in chunks, each chunk one transaction through the tiles code. */
static int bench_append(struct tiles_edge *e, uint64_t to, uint8_t (*h)[MERKLE_HASH_SIZE])
{
  while (e->size < to) {
    uint64_t from = e->size;
    int n = to - from < BENCH_CHUNK ? (int)(to - from) : BENCH_CHUNK;
    for (int i = 0; i < n; i++) {
      uint64_t idx = from + (uint64_t)i;
      merkle_leaf_hash((const uint8_t *)&idx, sizeof idx, h[i]);
    }
    if (db_tx_begin() != 0 || tiles_load(e, from) != DDC_ERR_OK ||
        tiles_append(e, (const uint8_t(*)[MERKLE_HASH_SIZE])h, n) != DDC_ERR_OK ||
        tiles_store(e) != DDC_ERR_OK || db_tx_commit() != 0)
      return -1;
  }
  return 0;
}

/* Signs and stores the checkpoint of the edge's tree. */
static int bench_checkpoint(struct tiles_edge *e, const struct note_signer *s)
{
  uint8_t root[MERKLE_HASH_SIZE];
  char body[512];
  size_t len;
  if (tiles_root(e, root) != 0) return -1;
  int n = note_checkpoint_format("bench.local/log", e->size, root, body, sizeof body);
  char *note = n > 0 ? note_sign(body, (size_t)n, s, 1, &len) : NULL;
  int rc = note && db_checkpoint_put(e->size, root, note) == DDC_ERR_OK ? 0 : -1;
  free(note);
  return rc;
}

/* Times samples inclusion proofs of random leaves in the tree of size leaves; p50 and p99 in us. */
static int bench_inclusion(uint64_t size, int samples, double *p50, double *p99, size_t *hashes)
{
  double *t = malloc(sizeof *t * (size_t)samples);
  if (!t) return -1;
  for (int i = 0; i < samples; i++) {
    uint64_t idx = ((uint64_t)randombytes_random() << 32 | randombytes_random()) % size;
    json_t *proof;
    double t0 = bench_now();
    enum ddc_err err = proofs_inclusion(idx, size, &proof);
    t[i] = (bench_now() - t0) * 1e6;
    if (err != DDC_ERR_OK) {
      free(t);
      return -1;
    }
    *hashes = json_array_size(json_object_get(proof, "proof"));
    json_decref(proof);
  }
  qsort(t, (size_t)samples, sizeof *t, bench_cmp);
  *p50 = t[samples / 2];
  *p99 = t[(samples * 99 + 99) / 100 - 1];
  free(t);
  return 0;
}

/* The stored tiles a proof at this size reads: one per tile level holding a hash. */
static int bench_tile_levels(uint64_t size)
{
  int levels = 0;
  for (uint64_t n = size; n > 0; n >>= 8)
    levels++;
  return levels;
}

int main(int argc, char **argv)
{
  if (argc < 4 || sodium_init() < 0 || db_init(argv[1]) != 0) {
    fprintf(stderr, "usage: proof_bench CONNINFO SAMPLES SIZE...\n");
    return 2;
  }
  int samples = atoi(argv[2]);
  uint8_t seed[32];
  struct note_signer signer;
  randombytes_buf(seed, sizeof seed);
  struct tiles_edge *e = calloc(1, sizeof *e);
  uint8_t(*h)[MERKLE_HASH_SIZE] = malloc(sizeof *h * BENCH_CHUNK);
  if (samples < 1 || !e || !h ||
      note_signer_init(&signer, "bench.local/log", NOTE_ALG_ED25519, seed) != 0)
    return 1;
  uint64_t prev = 0;
  for (int a = 3; a < argc; a++) {
    uint64_t size = strtoull(argv[a], NULL, 10);
    double p50, p99, t0 = bench_now(), append_s = 0;
    size_t hashes = 0;
    if (size <= prev || bench_append(e, size, h) != 0 || bench_checkpoint(e, &signer) != 0 ||
        (append_s = bench_now() - t0) < 0 ||
        bench_inclusion(size, samples, &p50, &p99, &hashes) != 0) {
      fprintf(stderr, "proof_bench: failed at size %llu\n", (unsigned long long)size);
      return 1;
    }
    json_t *c = NULL;
    double c0 = bench_now();
    if (prev && proofs_consistency(prev, size, &c) != DDC_ERR_OK) return 1;
    double cons_us = (bench_now() - c0) * 1e6;
    json_decref(c);
    printf("size %llu append_s %.1f inclusion_us p50 %.0f p99 %.0f proof_hashes %zu tiles %d "
           "consistency_from_prev_us %.0f\n",
           (unsigned long long)size, append_s, p50, p99, hashes, bench_tile_levels(size),
           prev ? cons_us : 0.0);
    prev = size;
  }
  note_signer_wipe(&signer);
  free(h);
  free(e);
  db_shutdown();
  return 0;
}
