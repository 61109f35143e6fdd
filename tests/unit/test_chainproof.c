/* test_chainproof.c: the chain anchors of a proof bundle (verify/chainproof.h) without a chain:
 * the --rpc NAME=URL and --rpc-header NAME:Header=value arguments of `ddcd verify`, the anchors a
 * bundle carries (chain_anchors, or the single chain_anchor of an older bundle), which anchor an
 * --rpc names, and one chain_anchor check per chain, each with its own consistency proof to the
 * checkpoint, over a tree of 12 leaves. */
#include <jansson.h>
#include <sodium.h>
#include <string.h>
#include "verify/chainproof.h"
#include "verify/merkle.h"
#include "unit.h"

#define LEAVES 12

static uint8_t leaves[LEAVES][MERKLE_HASH_SIZE];

static int subtree(void *ctx, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_SIZE])
{
  (void)ctx;
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])leaves[index << level], (size_t)1 << level, out);
  return 0;
}

static json_t *b64(const uint8_t *h)
{
  char s[sodium_base64_ENCODED_LEN(MERKLE_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(s, sizeof s, h, MERKLE_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL);
  return json_string(s);
}

/* An anchor on chain name (NULL: none, as an older bundle's) of the tree of size leaves, with its
 * consistency proof to the tree of LEAVES; spoil flips a bit of its root. */
static json_t *anchor(const char *name, uint64_t chain_id, uint64_t size, int spoil)
{
  uint8_t root[MERKLE_HASH_SIZE], proof[MERKLE_MAX_PROOF][MERKLE_HASH_SIZE];
  size_t n = 0;
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])leaves, size, root);
  CHECK(merkle_consistency_proof(subtree, NULL, size, LEAVES, proof, &n) == 0);
  root[0] ^= (uint8_t)spoil;
  json_t *cons = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(cons, b64(proof[i]));
  json_t *a =
      json_pack("{s:I, s:s, s:s, s:I, s:I, s:o, s:o, s:I}", "chain_id", (json_int_t)chain_id,
                "contract", "0x1111111111111111111111111111111111111111", "tx_hash", "0x2222",
                "block_number", (json_int_t)(100 + size), "tree_size", (json_int_t)size, "root",
                b64(root), "consistency", cons, "checkpoint_size", (json_int_t)LEAVES);
  if (name) json_object_set_new(a, "name", json_string(name));
  return a;
}

static struct note_checkpoint checkpoint(void)
{
  struct note_checkpoint cp = {.origin = "test", .origin_len = 4, .size = LEAVES};
  merkle_root((const uint8_t(*)[MERKLE_HASH_SIZE])leaves, LEAVES, cp.root);
  return cp;
}

static void test_rpc_parse(void)
{
  struct chainproof_rpc r;
  CHECK(chainproof_rpc_parse("a=http://127.0.0.1:8545", &r) == 0);
  CHECK(!strcmp(r.name, "a") && !strcmp(r.url, "http://127.0.0.1:8545") && r.n_headers == 0);
  CHECK(chainproof_rpc_parse("bsn-gw.1_x=https://gw.example/api?key=v", &r) == 0);
  CHECK(!strcmp(r.name, "bsn-gw.1_x") && !strcmp(r.url, "https://gw.example/api?key=v"));
  /* a bare URL names no chain, even with an '=' in its query */
  CHECK(chainproof_rpc_parse("http://h:1/rpc?x=y", &r) == 0);
  CHECK(!strcmp(r.name, "") && !strcmp(r.url, "http://h:1/rpc?x=y"));
  CHECK(chainproof_rpc_parse("https://h", &r) == 0 && !*r.name);
  CHECK(chainproof_rpc_parse("ftp://h", &r) == -1);
  CHECK(chainproof_rpc_parse("a=ftp://h", &r) == -1);
  CHECK(chainproof_rpc_parse("a=", &r) == -1);
  CHECK(chainproof_rpc_parse("=http://h", &r) == -1);
  CHECK(chainproof_rpc_parse("-a=http://h", &r) == -1);
  CHECK(chainproof_rpc_parse("a b=http://h", &r) == -1);
  CHECK(chainproof_rpc_parse("a/b=http://h", &r) == -1);
  CHECK(chainproof_rpc_parse("127.0.0.1:8545", &r) == -1);
  char name[80];
  memset(name, 'n', 63);
  strcpy(name + 63, "=http://h");
  CHECK(chainproof_rpc_parse(name, &r) == 0 && strlen(r.name) == 63);
  memset(name, 'n', 64);
  strcpy(name + 64, "=http://h");
  CHECK(chainproof_rpc_parse(name, &r) == -1);
}

static void test_header_parse(void)
{
  char name[CHAINPROOF_NAME_MAX], line[CHAINPROOF_HEADER_MAX];
  CHECK(chainproof_header_parse("c:x-api-key=s3cr=t", name, line) == 0);
  CHECK(!strcmp(name, "c") && !strcmp(line, "x-api-key: s3cr=t"));
  CHECK(chainproof_header_parse("x-api-key=abc", name, line) == 0);
  CHECK(!strcmp(name, "") && !strcmp(line, "x-api-key: abc"));
  CHECK(chainproof_header_parse("c:Authorization=Bearer a:b", name, line) == 0);
  CHECK(!strcmp(name, "c") && !strcmp(line, "Authorization: Bearer a:b"));
  CHECK(chainproof_header_parse("c:x-empty=", name, line) == 0 && !strcmp(line, "x-empty: "));
  CHECK(chainproof_header_parse("x-api-key", name, line) == -1);
  CHECK(chainproof_header_parse("c:=v", name, line) == -1);
  CHECK(chainproof_header_parse(":x=v", name, line) == -1);
  CHECK(chainproof_header_parse("c:bad header=v", name, line) == -1);
  CHECK(chainproof_header_parse("c:x(y)=v", name, line) == -1);
  CHECK(chainproof_header_parse("c:x=a\r\nInjected: 1", name, line) == -1);
  CHECK(chainproof_header_parse("c:x=a\nb", name, line) == -1);
  char *big = malloc(CHAINPROOF_HEADER_MAX + 8);
  memset(big, 'v', CHAINPROOF_HEADER_MAX + 7);
  memcpy(big, "c:x=", 4);
  big[CHAINPROOF_HEADER_MAX + 7] = 0;
  CHECK(chainproof_header_parse(big, name, line) == -1);
  free(big);
}

static void test_anchors_and_find(void)
{
  json_t *b = json_pack("{s:[o, o, o]}", "chain_anchors", anchor("a", 1, 4, 0),
                        anchor("b", 2, 7, 0), anchor("c", 3, 12, 0));
  json_t *list = chainproof_anchors(b);
  CHECK(json_array_size(list) == 3);
  CHECK(chainproof_find(list, "b") == json_array_get(list, 1));
  CHECK(chainproof_find(list, "d") == NULL);
  CHECK(chainproof_find(list, "") == NULL); /* several, none named default */
  json_array_append_new(list, anchor("default", 4, 5, 0));
  CHECK(chainproof_find(list, "") == json_array_get(list, 3));
  json_decref(list);
  json_decref(b);
  /* an older bundle's single chain_anchor is the chain named default */
  b = json_pack("{s:o}", "chain_anchor", anchor(NULL, 31337, 9, 0));
  list = chainproof_anchors(b);
  CHECK(json_array_size(list) == 1 && !strcmp(chainproof_name(json_array_get(list, 0)), "default"));
  CHECK(chainproof_find(list, "") == json_array_get(list, 0));
  CHECK(chainproof_find(list, "default") == json_array_get(list, 0));
  CHECK(chainproof_find(list, "a") == NULL);
  json_decref(list);
  json_decref(b);
  /* one named anchor answers a bare --rpc URL */
  b = json_pack("{s:[o]}", "chain_anchors", anchor("a", 1, 4, 0));
  list = chainproof_anchors(b);
  CHECK(chainproof_find(list, "") == json_array_get(list, 0));
  json_decref(list);
  json_decref(b);
  b = json_pack("{s:n, s:[]}", "chain_anchor", "chain_anchors");
  list = chainproof_anchors(b);
  CHECK(json_array_size(list) == 0);
  json_decref(list);
  json_decref(b);
}

/* The checks chain_anchor of b: their count, and ok for each in order as a string of 0/1. */
static int run_checks(json_t *b, char *oks, const char *names[])
{
  struct note_checkpoint cp = checkpoint();
  json_t *checks = json_array(), *c;
  size_t i;
  int ok = chainproof_check(checks, b, &cp);
  json_array_foreach(checks, i, c)
  {
    CHECK(!strcmp(json_string_value(json_object_get(c, "name")), "chain_anchor"));
    CHECK(!strcmp(json_string_value(json_object_get(c, "chain")), names[i]));
    /* a named anchor's detail starts with its chain's name; an older bundle's does not */
    char lead[80];
    snprintf(lead, sizeof lead, "chain %s: the checkpoint extends", names[i]);
    const char *detail = json_string_value(json_object_get(c, "detail"));
    CHECK(!strncmp(detail, strcmp(names[i], "default") ? lead : "the checkpoint extends",
                   strlen(strcmp(names[i], "default") ? lead : "the checkpoint extends")));
    oks[i] = json_is_true(json_object_get(c, "ok")) ? '1' : '0';
  }
  oks[json_array_size(checks)] = 0;
  json_decref(checks);
  return ok;
}

static void test_checks_per_chain(void)
{
  char oks[8];
  const char *abc[] = {"a", "b", "c"}, *dflt[] = {"default"};
  json_t *b = json_pack("{s:[o, o, o]}", "chain_anchors", anchor("a", 1, 4, 0),
                        anchor("b", 2, 7, 0), anchor("c", 3, 12, 0));
  CHECK(run_checks(b, oks, abc) == 1 && !strcmp(oks, "111"));
  json_decref(b);
  /* one chain's root altered: that chain's check alone fails */
  b = json_pack("{s:[o, o, o]}", "chain_anchors", anchor("a", 1, 4, 0), anchor("b", 2, 7, 1),
                anchor("c", 3, 12, 0));
  CHECK(run_checks(b, oks, abc) == 0 && !strcmp(oks, "101"));
  json_decref(b);
  /* another chain's proof under this one's size */
  b = json_pack("{s:[o, o, o]}", "chain_anchors", anchor("a", 1, 4, 0), anchor("b", 2, 7, 0),
                anchor("c", 3, 12, 0));
  json_t *a0 = json_array_get(json_object_get(b, "chain_anchors"), 0);
  json_object_set(
      a0, "consistency",
      json_object_get(json_array_get(json_object_get(b, "chain_anchors"), 1), "consistency"));
  CHECK(run_checks(b, oks, abc) == 0 && !strcmp(oks, "011"));
  json_decref(b);
  /* an older bundle */
  b = json_pack("{s:o}", "chain_anchor", anchor(NULL, 31337, 9, 0));
  CHECK(run_checks(b, oks, dflt) == 1 && !strcmp(oks, "1"));
  json_decref(b);
  b = json_pack("{s:o}", "chain_anchor", anchor(NULL, 31337, 9, 1));
  CHECK(run_checks(b, oks, dflt) == 0 && !strcmp(oks, "0"));
  json_decref(b);
  /* no anchor: no check; chain_anchors not an array: one failed check */
  b = json_object();
  CHECK(run_checks(b, oks, dflt) == 1 && !strcmp(oks, ""));
  json_decref(b);
  b = json_pack("{s:s}", "chain_anchors", "x");
  CHECK(run_checks(b, oks, dflt) == 0 && !strcmp(oks, "0"));
  json_decref(b);
}

int main(void)
{
  if (sodium_init() < 0) return 1;
  for (int i = 0; i < LEAVES; i++) {
    uint8_t data[4] = {(uint8_t)i, 0xdd, 0xc0, 0xde};
    merkle_leaf_hash(data, sizeof data, leaves[i]);
  }
  RUN(test_rpc_parse);
  RUN(test_header_parse);
  RUN(test_anchors_and_find);
  RUN(test_checks_per_chain);
  return UNIT_END();
}
