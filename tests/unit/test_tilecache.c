/* test_tilecache.c: the tile cache's inner nodes against merkle_root of the same hashes, for a
 * full tile and a partial one, at every level and position; a partial tile answers only the
 * subtrees it holds whole, and grows when a longer copy is put; tile 0 of two levels keep
 * separate entries. */
#include <sodium.h>
#include <string.h>
#include "ledger/tilecache.h"
#include "unit.h"

static struct tiles_tile tc_tile(uint64_t idx, int width, uint8_t seed)
{
  struct tiles_tile t = {.idx = idx, .width = width};
  for (int i = 0; i < width; i++) {
    uint8_t in[2] = {seed, (uint8_t)i};
    crypto_hash_sha256(t.h[i], in, sizeof in);
  }
  return t;
}

/* Every subtree (k, pos) of t: from the cache exactly when t holds it whole, equal to its root. */
static int tc_matches(int level, const struct tiles_tile *t)
{
  int bad = 0;
  for (int k = 0; k <= 8; k++)
    for (int pos = 0; pos < TILES_WIDTH; pos += 1 << k) {
      uint8_t got[MERKLE_HASH_SIZE], want[MERKLE_HASH_SIZE];
      int whole = pos + (1 << k) <= t->width;
      int hit = tilecache_subtree(level, t->idx, k, (uint64_t)pos, got);
      if (hit != whole) bad++;
      if (!hit || !whole) continue;
      merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])t->h[pos], (size_t)1 << k, want);
      bad += memcmp(got, want, sizeof want) != 0;
    }
  return bad;
}

static void test_full_and_partial(void)
{
  struct tiles_tile full = tc_tile(7, TILES_WIDTH, 1), part = tc_tile(0, 77, 2);
  tilecache_put(0, &full);
  tilecache_put(1, &part);
  CHECK(tc_matches(0, &full) == 0);
  CHECK(tc_matches(1, &part) == 0);
  uint8_t h[MERKLE_HASH_SIZE];
  CHECK(!tilecache_subtree(0, 8, 0, 0, h)); /* not cached */
  CHECK(!tilecache_subtree(0, 7, 1, 1, h)); /* not a subtree's start */
}

static void test_growth(void)
{
  struct tiles_tile small = tc_tile(3, 10, 3), big = tc_tile(3, 200, 3);
  tilecache_put(2, &small);
  CHECK(tc_matches(2, &small) == 0);
  tilecache_put(2, &big);
  CHECK(tc_matches(2, &big) == 0);
  tilecache_put(2, &small); /* a shorter copy does not replace the longer */
  CHECK(tc_matches(2, &big) == 0);
}

static void test_levels_apart(void)
{
  struct tiles_tile a = tc_tile(0, TILES_WIDTH, 4), b = tc_tile(0, TILES_WIDTH, 5);
  tilecache_put(0, &a);
  tilecache_put(1, &b);
  CHECK(tc_matches(0, &a) == 0);
  CHECK(tc_matches(1, &b) == 0);
}

int main(void)
{
  if (sodium_init() < 0) return 1;
  RUN(test_full_and_partial);
  RUN(test_growth);
  RUN(test_levels_apart);
  return UNIT_END();
}
