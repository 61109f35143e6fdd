/* test_merkle.c: RFC 9162 Merkle trees against the inclusion and consistency proof vectors in
 * tests/vectors/tlog (transparency-dev/merkle testdata, Apache-2.0; every one, the ones that must
 * fail included), the RFC 6962 reference tree they come from, and every proof generated over
 * random trees of up to 2000 leaves (fixed seed), checked against merkle_root and, for all proofs
 * in trees of up to 16 leaves and a sample in larger ones, against every single-bit change. Also
 * proofs in trees of up to 2^64 - 1 leaves. Run from the repo root. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "verify/merkle.h"
#include "unit.h"

#define VECTORS "tests/vectors/tlog"
#define VEC_MAX_PROOF 16 /* more proof elements than any vector has */
#define VEC_MAX_BYTES 64 /* longer than any hash-like string a vector has */

/* ---- vectors ---- */

/* One decoded byte string of a vector: a hash, or whatever a mutation made of one. */
struct vec_bytes {
  uint8_t data[VEC_MAX_BYTES];
  size_t len;
};

struct vec {
  uint64_t a, b; /* leafIdx and treeSize, or size1 and size2 */
  struct vec_bytes leaf, root1, root2, proof[VEC_MAX_PROOF];
  size_t n;
  int want_err;
};

/* The unsigned integer after "key": in text. jansson keeps integers in a long long and reads them
 * here as doubles, so 18446744073709551615 (a leafIdx of 0 minus 1) is taken from the text. */
static int raw_u64(const char *text, const char *key, uint64_t *out)
{
  char quoted[64];
  snprintf(quoted, sizeof quoted, "\"%s\"", key);
  const char *p = strstr(text, quoted);
  if (!p) return -1;
  p += strlen(quoted);
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t' || *p == ':')
    p++;
  if (*p < '0' || *p > '9') return -1;
  errno = 0;
  unsigned long long v = strtoull(p, NULL, 10);
  if (errno) return -1;
  *out = v;
  return 0;
}

/* Decodes the standard base64 string obj[key] (or the string obj itself when key is NULL). */
static int b64_field(json_t *obj, const char *key, struct vec_bytes *out)
{
  json_t *s = key ? json_object_get(obj, key) : obj;
  if (!json_is_string(s)) return -1;
  const char *text = json_string_value(s);
  return sodium_base642bin(out->data, sizeof out->data, text, strlen(text), NULL, &out->len, NULL,
                           sodium_base64_VARIANT_ORIGINAL);
}

/* Decodes v's proof: an array of base64 strings, or null (how Go writes an empty one). */
static int vec_proof(json_t *obj, struct vec *v)
{
  json_t *proof = json_object_get(obj, "proof"), *e;
  size_t i;
  v->n = 0;
  if (json_is_null(proof)) return 0;
  if (!json_is_array(proof) || json_array_size(proof) > VEC_MAX_PROOF) return -1;
  json_array_foreach(proof, i, e) if (b64_field(e, NULL, &v->proof[v->n++]) != 0) return -1;
  return 0;
}

/* Reads the vector at path; inclusion vectors have leafIdx, consistency vectors size1. */
static int vec_load(const char *path, int inclusion, struct vec *v)
{
  size_t len = 0;
  char *text = unit_read_file(path, &len);
  json_t *o = text ? json_loadb(text, len, JSON_DECODE_INT_AS_REAL, NULL) : NULL;
  int bad = !o;
  if (!bad && inclusion)
    bad = raw_u64(text, "leafIdx", &v->a) || raw_u64(text, "treeSize", &v->b) ||
          b64_field(o, "leafHash", &v->leaf) || b64_field(o, "root", &v->root1);
  else if (!bad)
    bad = raw_u64(text, "size1", &v->a) || raw_u64(text, "size2", &v->b) ||
          b64_field(o, "root1", &v->root1) || b64_field(o, "root2", &v->root2);
  bad = bad || vec_proof(o, v) != 0 || !json_is_boolean(json_object_get(o, "wantErr"));
  v->want_err = !bad && json_is_true(json_object_get(o, "wantErr"));
  json_decref(o);
  free(text);
  return bad ? -1 : 0;
}

static struct merkle_span vec_span(const struct vec_bytes *b)
{
  return (struct merkle_span){b->data, b->len};
}

/* Runs the vector at path; 1 when the outcome is the expected one. */
static int vec_check(const char *path, int inclusion)
{
  struct vec v;
  if (vec_load(path, inclusion, &v) != 0) {
    fprintf(stderr, "  vector %s: unreadable\n", path);
    return 0;
  }
  struct merkle_span proof[VEC_MAX_PROOF];
  for (size_t i = 0; i < v.n; i++)
    proof[i] = vec_span(&v.proof[i]);
  int rc =
      inclusion
          ? merkle_verify_inclusion(vec_span(&v.leaf), v.a, v.b, proof, v.n, vec_span(&v.root1))
          : merkle_verify_consistency(v.a, v.b, proof, v.n, vec_span(&v.root1), vec_span(&v.root2));
  if ((rc != 0) == v.want_err) return 1;
  fprintf(stderr, "  vector %s: got %d, wantErr %d\n", path, rc, v.want_err);
  return 0;
}

/* Runs every .json file under dir and below; adds them to *ran and the passing ones to *ok. */
static void vec_walk(const char *dir, int inclusion, int *ran, int *ok)
{
  DIR *d = opendir(dir);
  CHECK(d != NULL);
  if (!d) return;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    size_t n = strlen(e->d_name);
    if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
      (*ran)++;
      *ok += vec_check(path, inclusion);
      continue;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) vec_walk(path, inclusion, ran, ok);
  }
  closedir(d);
}

static void test_vectors(void)
{
  int inc = 0, inc_ok = 0, con = 0, con_ok = 0;
  vec_walk(VECTORS "/inclusion", 1, &inc, &inc_ok);
  vec_walk(VECTORS "/consistency", 0, &con, &con_ok);
  printf("  tlog vectors: %d ran (%d inclusion, %d consistency), %d as expected\n", inc + con, inc,
         con, inc_ok + con_ok);
  CHECK(inc_ok == inc);
  CHECK(con_ok == con);
  CHECK(inc >= 98);
  CHECK(con >= 98);
}

/* ---- a complete-subtree store over a tree in memory ---- */

#define STORE_LEVELS 12 /* 2^11 leaves is more than any tree here */

/* Every complete subtree hash of a tree, by level; limit is the size of the tree being proved, and
 * a subtree that is not complete in it is refused and marks the store bad. */
struct store {
  uint8_t (*level[STORE_LEVELS])[MERKLE_HASH_SIZE];
  uint64_t limit;
  unsigned calls;
  int bad;
};

static int store_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
  struct store *s = ctx;
  s->calls++;
  if (level >= STORE_LEVELS || index >= (s->limit >> level)) {
    s->bad = 1;
    return -1;
  }
  memcpy(out, s->level[level][index], MERKLE_HASH_SIZE);
  return 0;
}

static void store_build(struct store *s, const uint8_t (*leaves)[MERKLE_HASH_SIZE], size_t n)
{
  memset(s, 0, sizeof *s);
  s->limit = n;
  for (unsigned l = 0; l < STORE_LEVELS; l++) {
    size_t count = n >> l;
    s->level[l] = malloc((count ? count : 1) * MERKLE_HASH_SIZE);
    for (size_t i = 0; i < count; i++) {
      if (l == 0)
        memcpy(s->level[0][i], leaves[i], MERKLE_HASH_SIZE);
      else
        merkle_node_hash(s->level[l - 1][2 * i], s->level[l - 1][2 * i + 1], s->level[l][i]);
    }
  }
}

static void store_free(struct store *s)
{
  for (unsigned l = 0; l < STORE_LEVELS; l++)
    free(s->level[l]);
}

/* The number of bits of x: a proof for a tree of n leaves has at most bits(n) levels. */
static unsigned bits(uint64_t x)
{
  unsigned b = 0;
  for (; x; x >>= 1)
    b++;
  return b;
}

/* ---- proofs and their single-bit changes ---- */

struct inc_case {
  uint64_t index, size;
  uint8_t leaf[MERKLE_HASH_SIZE], root[MERKLE_HASH_SIZE];
  uint8_t proof[MERKLE_MAX_PROOF + 1][MERKLE_HASH_SIZE]; /* room for one more, to add */
  size_t n;
};

struct con_case {
  uint64_t size1, size2;
  uint8_t root1[MERKLE_HASH_SIZE], root2[MERKLE_HASH_SIZE];
  uint8_t proof[MERKLE_MAX_PROOF + 1][MERKLE_HASH_SIZE];
  size_t n;
};

static void spans(uint8_t (*proof)[MERKLE_HASH_SIZE], size_t n, struct merkle_span *out)
{
  for (size_t i = 0; i < n; i++)
    out[i] = MERKLE_SPAN(proof[i]);
}

/* merkle_verify_inclusion of the case with its first n proof elements. */
static int inc_verify(void *arg, size_t n)
{
  struct inc_case *c = arg;
  struct merkle_span sp[MERKLE_MAX_PROOF + 1];
  spans(c->proof, n, sp);
  return merkle_verify_inclusion(MERKLE_SPAN(c->leaf), c->index, c->size, sp, n,
                                 MERKLE_SPAN(c->root));
}

static int con_verify(void *arg, size_t n)
{
  struct con_case *c = arg;
  struct merkle_span sp[MERKLE_MAX_PROOF + 1];
  spans(c->proof, n, sp);
  return merkle_verify_consistency(c->size1, c->size2, sp, n, MERKLE_SPAN(c->root1),
                                   MERKLE_SPAN(c->root2));
}

typedef int (*verify_fn)(void *c, size_t n);

static uint64_t rng_state = UINT64_C(0x6d65726b6c652d31); /* fixed: the test is reproducible */

/* splitmix64 */
static uint64_t rng_next(void)
{
  uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Flips each of the 256 bits of h (part of c) in turn, or one of them at random unless every is
 * set; 1 when verify fails for every flip. */
static int flips_fail(uint8_t h[MERKLE_HASH_SIZE], verify_fn verify, void *c, size_t n, int every)
{
  int from = every ? 0 : (int)(rng_next() % (8 * MERKLE_HASH_SIZE));
  int to = every ? 8 * MERKLE_HASH_SIZE : from + 1;
  for (int bit = from; bit < to; bit++) {
    uint8_t mask = (uint8_t)(1u << (bit % 8));
    h[bit / 8] ^= mask;
    int rc = verify(c, n);
    h[bit / 8] ^= mask;
    if (rc == 0) return 0;
  }
  return 1;
}

/* Every single-bit change (or one at random per hash, unless every is set) of a proof element, of
 * the leaf hash or of the root fails, and so does the proof without its last element or with one
 * more. */
static int inc_mutations_fail(struct inc_case *c, int every)
{
  int ok = 1;
  for (size_t i = 0; i < c->n; i++)
    ok &= flips_fail(c->proof[i], inc_verify, c, c->n, every);
  ok &= flips_fail(c->leaf, inc_verify, c, c->n, every);
  ok &= flips_fail(c->root, inc_verify, c, c->n, every);
  if (c->n > 0) ok &= inc_verify(c, c->n - 1) != 0;
  memcpy(c->proof[c->n], c->root, MERKLE_HASH_SIZE);
  ok &= inc_verify(c, c->n + 1) != 0;
  return ok;
}

static int con_mutations_fail(struct con_case *c, int every)
{
  int ok = 1;
  for (size_t i = 0; i < c->n; i++)
    ok &= flips_fail(c->proof[i], con_verify, c, c->n, every);
  ok &= flips_fail(c->root1, con_verify, c, c->n, every);
  ok &= flips_fail(c->root2, con_verify, c, c->n, every);
  if (c->n > 0) ok &= con_verify(c, c->n - 1) != 0;
  memcpy(c->proof[c->n], c->root1, MERKLE_HASH_SIZE);
  ok &= con_verify(c, c->n + 1) != 0;
  return ok;
}

/* ---- the RFC 6962 reference tree ---- */

/* The 8 leaves of the tree the vectors were cut from (Certificate Transparency's reference tree)
 * in hex, and its heads for sizes 0 to 8. */
static const char *const ref_data[8] = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};
static const char *const ref_heads[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* hash equals the hex string want. */
static int hash_is(const uint8_t hash[MERKLE_HASH_SIZE], const char *want)
{
  char hex[2 * MERKLE_HASH_SIZE + 1];
  sodium_bin2hex(hex, sizeof hex, hash, MERKLE_HASH_SIZE);
  if (strcmp(hex, want) == 0) return 1;
  fprintf(stderr, "  got %s, want %s\n", hex, want);
  return 0;
}

static void ref_leaves(uint8_t leaves[8][MERKLE_HASH_SIZE])
{
  for (int i = 0; i < 8; i++) {
    uint8_t data[16];
    size_t len = 0;
    sodium_hex2bin(data, sizeof data, ref_data[i], strlen(ref_data[i]), NULL, &len, NULL);
    merkle_leaf_hash(data, len, leaves[i]);
  }
}

/* The generator gives the happy-path vector's proof byte for byte. */
static int same_proof_as(const char *path, int inclusion, struct store *st)
{
  struct vec v;
  uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
  size_t n = 0;
  if (vec_load(path, inclusion, &v) != 0) return 0;
  st->limit = v.b;
  int rc = inclusion ? merkle_inclusion_proof(store_get, st, v.a, v.b, proof, &n)
                     : merkle_consistency_proof(store_get, st, v.a, v.b, proof, &n);
  int ok = rc == 0 && n == v.n;
  for (size_t i = 0; ok && i < n; i++)
    ok = v.proof[i].len == MERKLE_HASH_SIZE &&
         memcmp(proof[i], v.proof[i].data, MERKLE_HASH_SIZE) == 0;
  if (!ok) fprintf(stderr, "  %s: generated proof differs\n", path);
  return ok;
}

static void test_reference_tree(void)
{
  uint8_t leaves[8][MERKLE_HASH_SIZE], root[MERKLE_HASH_SIZE];
  ref_leaves(leaves);
  struct store st;
  store_build(&st, (const uint8_t(*)[MERKLE_HASH_SIZE])leaves, 8);
  for (uint64_t size = 0; size <= 8; size++) {
    merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])leaves, size, root);
    CHECK(hash_is(root, ref_heads[size]));
    st.limit = size;
    CHECK(merkle_tree_root(store_get, &st, size, root) == 0 && hash_is(root, ref_heads[size]));
  }
  for (int i = 0; i <= 4; i++) {
    char path[256];
    snprintf(path, sizeof path, VECTORS "/inclusion/%d/happy-path.json", i);
    CHECK(same_proof_as(path, 1, &st));
    snprintf(path, sizeof path, VECTORS "/consistency/%d/happy-path.json", i);
    CHECK(same_proof_as(path, 0, &st));
  }
  CHECK(!st.bad);
  store_free(&st);
}

/* ---- random trees ---- */

#define RAND_LEAVES 2000 /* the largest tree */
#define FULL_SIZES 16    /* every tree size up to this: every proof gets every mutation */
#define RAND_SIZES 8     /* larger sizes drawn at random, besides 2000, 1024 and 1025 */
#define SAMPLE 1         /* in larger sizes, proofs per kind on top of the first and last */

/* RAND_LEAVES random leaves, the head of every prefix by merkle_root, their complete subtrees. */
struct rtree {
  uint8_t (*leaves)[MERKLE_HASH_SIZE];
  uint8_t (*heads)[MERKLE_HASH_SIZE];
  struct store st;
  int proofs, mutated;
};

static void rtree_build(struct rtree *t)
{
  t->leaves = malloc(RAND_LEAVES * sizeof *t->leaves);
  t->heads = malloc((RAND_LEAVES + 1) * sizeof *t->heads);
  for (size_t i = 0; i < RAND_LEAVES; i++) {
    uint8_t data[40];
    size_t len = rng_next() % sizeof data;
    for (size_t j = 0; j < len; j++)
      data[j] = (uint8_t)rng_next();
    merkle_leaf_hash(data, len, t->leaves[i]);
  }
  for (size_t m = 0; m <= RAND_LEAVES; m++)
    merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])t->leaves, m, t->heads[m]);
  store_build(&t->st, (const uint8_t(*)[MERKLE_HASH_SIZE])t->leaves, RAND_LEAVES);
  t->proofs = t->mutated = 0;
}

/* Points the store at the tree of size leaves and counts calls from zero. */
static void rtree_limit(struct rtree *t, uint64_t size)
{
  t->st.limit = size;
  t->st.calls = 0;
}

/* The inclusion proof of index in the tree of size leaves verifies against merkle_root, took
 * O(log size) subtree hashes, and, when mutate is set, fails after any mutation. */
static int rtree_inclusion(struct rtree *t, uint64_t index, uint64_t size, int mutate)
{
  struct inc_case c = {.index = index, .size = size};
  rtree_limit(t, size);
  if (merkle_inclusion_proof(store_get, &t->st, index, size, c.proof, &c.n) != 0) return 0;
  if (t->st.calls > 2 * bits(size) + 1) return 0;
  memcpy(c.leaf, t->leaves[index], MERKLE_HASH_SIZE);
  memcpy(c.root, t->heads[size], MERKLE_HASH_SIZE);
  t->proofs++;
  t->mutated += mutate;
  return inc_verify(&c, c.n) == 0 && (!mutate || inc_mutations_fail(&c, 1));
}

static int rtree_consistency(struct rtree *t, uint64_t size1, uint64_t size2, int mutate)
{
  struct con_case c = {.size1 = size1, .size2 = size2};
  rtree_limit(t, size2);
  if (merkle_consistency_proof(store_get, &t->st, size1, size2, c.proof, &c.n) != 0) return 0;
  if (t->st.calls > 2 * bits(size2) + 1) return 0;
  memcpy(c.root1, t->heads[size1], MERKLE_HASH_SIZE);
  memcpy(c.root2, t->heads[size2], MERKLE_HASH_SIZE);
  t->proofs++;
  t->mutated += mutate;
  return con_verify(&c, c.n) == 0 && (!mutate || con_mutations_fail(&c, 1));
}

/* Every proof into the tree of size leaves: inclusion of each leaf, consistency from each size. */
static void rtree_size(struct rtree *t, uint64_t size)
{
  uint8_t head[MERKLE_HASH_SIZE];
  rtree_limit(t, size);
  CHECK(merkle_tree_root(store_get, &t->st, size, head) == 0);
  CHECK(memcmp(head, t->heads[size], MERKLE_HASH_SIZE) == 0);
  int bad = 0;
  for (uint64_t i = 0; i < size; i++) {
    int mutate = size <= FULL_SIZES || i == 0 || i == size - 1 || rng_next() % size < SAMPLE;
    bad += !rtree_inclusion(t, i, size, mutate);
    mutate = size <= FULL_SIZES || i == 0 || i == size - 1 || rng_next() % size < SAMPLE;
    bad += !rtree_consistency(t, i + 1, size, mutate);
  }
  if (bad) fprintf(stderr, "  size %llu: %d proofs failed\n", (unsigned long long)size, bad);
  CHECK(bad == 0);
}

static void test_random_trees(void)
{
  struct rtree t;
  rtree_build(&t);
  for (uint64_t size = 1; size <= FULL_SIZES; size++)
    rtree_size(&t, size);
  rtree_size(&t, 1024);
  rtree_size(&t, 1025);
  rtree_size(&t, RAND_LEAVES);
  for (int i = 0; i < RAND_SIZES; i++)
    rtree_size(&t, FULL_SIZES + 1 + rng_next() % (RAND_LEAVES - FULL_SIZES));
  CHECK(!t.st.bad);
  printf("  random trees: %d proofs verified, %d of them against every single-bit change\n",
         t.proofs, t.mutated);
  store_free(&t.st);
  free(t.leaves);
  free(t.heads);
}

/* ---- trees of up to 2^64 - 1 leaves ---- */

/* A tree whose leaves are all the same: every complete subtree of a level has one hash. */
struct uniform {
  uint8_t level[64][MERKLE_HASH_SIZE];
  uint64_t limit;
  unsigned calls;
  int bad;
};

static int uniform_get(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
  struct uniform *u = ctx;
  u->calls++;
  if (level >= 64 || index >= (u->limit >> level)) {
    u->bad = 1;
    return -1;
  }
  memcpy(out, u->level[level], MERKLE_HASH_SIZE);
  return 0;
}

/* A proof in a huge tree is at most MERKLE_MAX_PROOF long, needs O(log n) subtree hashes,
 * verifies against merkle_tree_root and fails after a random bit flip in any hash; n is its
 * length. */
static int uniform_inclusion(struct uniform *u, uint64_t index, uint64_t size, size_t *n)
{
  struct inc_case c = {.index = index, .size = size};
  u->limit = size;
  u->calls = 0;
  memcpy(c.leaf, u->level[0], MERKLE_HASH_SIZE);
  if (merkle_tree_root(uniform_get, u, size, c.root) != 0) return 0;
  if (merkle_inclusion_proof(uniform_get, u, index, size, c.proof, &c.n) != 0) return 0;
  *n = c.n;
  return u->calls <= 64 + 2 * bits(size) + 1 && c.n <= MERKLE_MAX_PROOF &&
         inc_verify(&c, c.n) == 0 && inc_mutations_fail(&c, 0);
}

static int uniform_consistency(struct uniform *u, uint64_t size1, uint64_t size2, size_t *n)
{
  struct con_case c = {.size1 = size1, .size2 = size2};
  u->limit = size2;
  u->calls = 0;
  if (merkle_tree_root(uniform_get, u, size1, c.root1) != 0) return 0;
  if (merkle_tree_root(uniform_get, u, size2, c.root2) != 0) return 0;
  u->calls = 0;
  if (merkle_consistency_proof(uniform_get, u, size1, size2, c.proof, &c.n) != 0) return 0;
  *n = c.n;
  return u->calls <= 2 * bits(size2) + 1 && c.n <= MERKLE_MAX_PROOF && con_verify(&c, c.n) == 0 &&
         con_mutations_fail(&c, 0);
}

static void test_huge_trees(void)
{
  struct uniform u = {0};
  merkle_leaf_hash((const uint8_t *)"leaf", 4, u.level[0]);
  for (int l = 1; l < 64; l++)
    merkle_node_hash(u.level[l - 1], u.level[l - 1], u.level[l]);
  const uint64_t top = UINT64_C(1) << 63, max = UINT64_MAX;
  size_t n = 0;
  CHECK(uniform_inclusion(&u, max - 1, max, &n) && n == 63);
  CHECK(uniform_inclusion(&u, max - 2, max, &n) && n == 64);
  CHECK(uniform_inclusion(&u, 0, max, &n) && n == 64);
  CHECK(uniform_inclusion(&u, top, top + 1, &n) && n == 1);
  CHECK(uniform_inclusion(&u, 12345, (UINT64_C(1) << 40) + 7, &n) && n == 41);
  /* The longest consistency proof: 64 levels under the old tree's last leaf, plus its subtree. */
  CHECK(uniform_consistency(&u, 3, top + 1, &n) && n == MERKLE_MAX_PROOF);
  CHECK(uniform_consistency(&u, max - 1, max, &n) && n == 64);
  CHECK(uniform_consistency(&u, 1, max, &n) && n == 64);
  CHECK(uniform_consistency(&u, top, max, &n) && n == 1);
  CHECK(uniform_consistency(&u, top - 1, max, &n) && n == MERKLE_MAX_PROOF);
  CHECK(!u.bad);
}

/* ---- arguments ---- */

static void test_generator_arguments(void)
{
  uint8_t leaves[8][MERKLE_HASH_SIZE], proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
  uint8_t root[MERKLE_HASH_SIZE];
  size_t n = 99;
  ref_leaves(leaves);
  struct store st;
  store_build(&st, (const uint8_t(*)[MERKLE_HASH_SIZE])leaves, 8);
  CHECK(merkle_inclusion_proof(store_get, &st, 0, 0, proof, &n) == -1);
  CHECK(merkle_inclusion_proof(store_get, &st, 8, 8, proof, &n) == -1);
  CHECK(merkle_consistency_proof(store_get, &st, 0, 8, proof, &n) == -1);
  CHECK(merkle_consistency_proof(store_get, &st, 0, 0, proof, &n) == -1);
  CHECK(merkle_consistency_proof(store_get, &st, 5, 4, proof, &n) == -1);
  CHECK(merkle_consistency_proof(store_get, &st, 8, 8, proof, &n) == 0 && n == 0);
  CHECK(!st.bad);
  /* A store that cannot give a subtree makes the generator fail. */
  st.limit = 5;
  CHECK(merkle_inclusion_proof(store_get, &st, 0, 8, proof, &n) == -1);
  CHECK(merkle_consistency_proof(store_get, &st, 3, 8, proof, &n) == -1);
  CHECK(merkle_tree_root(store_get, &st, 8, root) == -1);
  store_free(&st);
}

static void test_verifier_arguments(void)
{
  uint8_t leaves[8][MERKLE_HASH_SIZE], proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
  uint8_t root[MERKLE_HASH_SIZE], root5[MERKLE_HASH_SIZE], long_elem[MERKLE_HASH_SIZE + 1];
  size_t n = 0;
  ref_leaves(leaves);
  struct store st;
  store_build(&st, (const uint8_t(*)[MERKLE_HASH_SIZE])leaves, 8);
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])leaves, 8, root);
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])leaves, 5, root5);
  CHECK(merkle_inclusion_proof(store_get, &st, 5, 8, proof, &n) == 0 && n == 3);
  struct merkle_span sp[3];
  spans(proof, 3, sp);
  struct merkle_span leaf = MERKLE_SPAN(leaves[5]);
  CHECK(merkle_verify_inclusion(leaf, 5, 8, sp, 3, MERKLE_SPAN(root)) == 0);
  CHECK(merkle_verify_inclusion(leaf, 5, 8, NULL, 3, MERKLE_SPAN(root)) == -1);
  /* An element one byte too long (its first 32 bytes right) or short fails; so do such hashes. */
  memcpy(long_elem, proof[1], MERKLE_HASH_SIZE);
  long_elem[MERKLE_HASH_SIZE] = 0;
  sp[1] = (struct merkle_span){long_elem, MERKLE_HASH_SIZE + 1};
  CHECK(merkle_verify_inclusion(leaf, 5, 8, sp, 3, MERKLE_SPAN(root)) == -1);
  sp[1].len = MERKLE_HASH_SIZE - 1;
  CHECK(merkle_verify_inclusion(leaf, 5, 8, sp, 3, MERKLE_SPAN(root)) == -1);
  sp[1].len = MERKLE_HASH_SIZE;
  CHECK(merkle_verify_inclusion(leaf, 5, 8, sp, 3, MERKLE_SPAN(root)) == 0);
  CHECK(merkle_verify_inclusion((struct merkle_span){leaves[5], MERKLE_HASH_SIZE - 1}, 5, 8, sp, 3,
                                MERKLE_SPAN(root)) == -1);
  CHECK(merkle_verify_inclusion(leaf, 5, 8, sp, 3, (struct merkle_span){root, 31}) == -1);
  /* Consistency: from 0, backwards, equal sizes with a proof, roots of another length. */
  CHECK(merkle_consistency_proof(store_get, &st, 5, 8, proof, &n) == 0);
  struct merkle_span cp[MERKLE_MAX_PROOF];
  spans(proof, n, cp);
  CHECK(merkle_verify_consistency(5, 8, cp, n, MERKLE_SPAN(root5), MERKLE_SPAN(root)) == 0);
  CHECK(merkle_verify_consistency(5, 8, NULL, n, MERKLE_SPAN(root5), MERKLE_SPAN(root)) == -1);
  CHECK(merkle_verify_consistency(8, 5, cp, n, MERKLE_SPAN(root), MERKLE_SPAN(root5)) == -1);
  CHECK(merkle_verify_consistency(0, 8, cp, 0, MERKLE_SPAN(root5), MERKLE_SPAN(root)) == -1);
  CHECK(merkle_verify_consistency(0, 0, NULL, 0, MERKLE_SPAN(root), MERKLE_SPAN(root)) == -1);
  CHECK(merkle_verify_consistency(8, 8, NULL, 0, MERKLE_SPAN(root), MERKLE_SPAN(root)) == 0);
  CHECK(merkle_verify_consistency(8, 8, cp, 1, MERKLE_SPAN(root), MERKLE_SPAN(root)) == -1);
  CHECK(merkle_verify_consistency(8, 8, NULL, 0, MERKLE_SPAN(root), MERKLE_SPAN(root5)) == -1);
  struct merkle_span short5 = {root5, MERKLE_HASH_SIZE - 1};
  CHECK(merkle_verify_consistency(5, 8, cp, n, short5, MERKLE_SPAN(root)) == -1);
  CHECK(!st.bad);
  store_free(&st);
}

int main(void)
{
  if (sodium_init() < 0) {
    fprintf(stderr, "sodium_init failed\n");
    return 1;
  }
  RUN(test_vectors);
  RUN(test_reference_tree);
  RUN(test_random_trees);
  RUN(test_huge_trees);
  RUN(test_generator_arguments);
  RUN(test_verifier_arguments);
  return UNIT_END();
}
