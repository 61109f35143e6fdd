/* test_keys.c: API key generation, parsing and keyed hashing; master key files and subkey
 * derivation; base32 (RFC 4648 vectors) and hex encoders. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "crypto/apikey.h"
#include "crypto/codes.h"
#include "crypto/keys.h"
#include "unit.h"

/* A well-formed key: "ddc_" + 10 base32 + "_" + 52 base32. */
static const char good_key[] =
    "ddc_abcdefgh23_ijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvwxyz23";

static void test_generate(void)
{
  CHECK(strlen(good_key) == APIKEY_LEN);
  char seen[4][APIKEY_LEN + 1];
  for (int i = 0; i < 4; i++) {
    char key[APIKEY_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1], parsed[APIKEY_PREFIX_LEN + 1];
    memset(key, 'Z', sizeof key);
    apikey_generate(key, prefix);
    CHECK(strlen(key) == APIKEY_LEN);
    CHECK(strncmp(key, "ddc_", 4) == 0);
    CHECK(strlen(prefix) == APIKEY_PREFIX_LEN);
    CHECK(memcmp(key + 4, prefix, APIKEY_PREFIX_LEN) == 0);
    CHECK(key[4 + APIKEY_PREFIX_LEN] == '_');
    CHECK(codes_is_base32(key + 5 + APIKEY_PREFIX_LEN, APIKEY_SECRET_LEN));
    CHECK(apikey_parse(key, parsed) == 0);
    CHECK(strcmp(parsed, prefix) == 0);
    strcpy(seen[i], key);
    for (int j = 0; j < i; j++)
      CHECK(strcmp(seen[j], key) != 0);
  }
}

/* key with position i set to c. */
static int parse_with(size_t i, char c)
{
  char k[APIKEY_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1];
  strcpy(k, good_key);
  k[i] = c;
  return apikey_parse(k, prefix);
}

static void test_parse(void)
{
  char prefix[APIKEY_PREFIX_LEN + 1], k[APIKEY_LEN + 8];
  CHECK(apikey_parse(good_key, prefix) == 0);
  CHECK(strcmp(prefix, "abcdefgh23") == 0);

  /* Wrong lengths. */
  strcpy(k, good_key);
  k[APIKEY_LEN - 1] = 0;
  CHECK(apikey_parse(k, prefix) == -1);
  strcpy(k, good_key);
  strcat(k, "a");
  CHECK(apikey_parse(k, prefix) == -1);
  CHECK(apikey_parse("", prefix) == -1);
  CHECK(apikey_parse("ddc_", prefix) == -1);

  /* Wrong prefix, uppercase, characters outside the alphabet, missing underscores. */
  CHECK(parse_with(2, 'k') == -1); /* "ddk_" */
  CHECK(parse_with(1, 'x') == -1);
  CHECK(parse_with(0, 'D') == -1);
  CHECK(parse_with(3, '-') == -1);
  CHECK(parse_with(5, 'B') == -1);
  CHECK(parse_with(30, 'Q') == -1);
  static const char notb32[] = {'0', '1', '8', '9', '=', '_', ' '};
  for (size_t i = 0; i < sizeof notb32; i++) {
    CHECK(parse_with(6, notb32[i]) == -1);                     /* in the prefix */
    CHECK(parse_with(APIKEY_LEN - 1, notb32[i]) == -1);        /* in the secret */
    CHECK(parse_with(5 + APIKEY_PREFIX_LEN, notb32[i]) == -1); /* first secret char */
  }
  CHECK(parse_with(4 + APIKEY_PREFIX_LEN, 'a') == -1); /* no separator */
  CHECK(parse_with(4 + APIKEY_PREFIX_LEN, '-') == -1);
  /* Positive control for parse_with: a valid substitution still parses. */
  CHECK(parse_with(6, '7') == 0);
  CHECK(parse_with(APIKEY_LEN - 1, 'q') == 0);
}

static void test_hash(void)
{
  uint8_t hk1[32] = {0}, hk2[32] = {0};
  hk2[0] = 1;
  uint8_t a[APIKEY_HASH_BYTES], b[APIKEY_HASH_BYTES], c[APIKEY_HASH_BYTES];

  apikey_set_hashkey(hk1);
  apikey_hash(good_key, a);
  apikey_hash(good_key, b);
  CHECK(memcmp(a, b, sizeof a) == 0);

  /* Known answer: BLAKE2b-256 of the key keyed with 32 zero bytes, computed directly. */
  uint8_t want[32];
  crypto_generichash(want, sizeof want, (const unsigned char *)good_key, strlen(good_key), hk1,
                     sizeof hk1);
  CHECK(memcmp(a, want, sizeof a) == 0);
  uint8_t unkeyed[32];
  crypto_generichash(unkeyed, sizeof unkeyed, (const unsigned char *)good_key, strlen(good_key),
                     NULL, 0);
  CHECK(memcmp(a, unkeyed, sizeof a) != 0);

  /* One character changed. */
  char k2[APIKEY_LEN + 1];
  strcpy(k2, good_key);
  k2[APIKEY_LEN - 1] = 'a';
  apikey_hash(k2, c);
  CHECK(memcmp(a, c, sizeof a) != 0);

  /* Another hash key. */
  apikey_set_hashkey(hk2);
  apikey_hash(good_key, c);
  CHECK(memcmp(a, c, sizeof a) != 0);
  apikey_set_hashkey(hk1);
  apikey_hash(good_key, c);
  CHECK(memcmp(a, c, sizeof a) == 0);
}

static void test_derive(void)
{
  uint8_t m1[KEYS_MASTER_BYTES], m2[KEYS_MASTER_BYTES];
  for (int i = 0; i < KEYS_MASTER_BYTES; i++) {
    m1[i] = (uint8_t)i;
    m2[i] = (uint8_t)i;
  }
  m2[31] ^= 0x80;
  uint8_t h1[32], h2[32], s1[32], x[32];
  keys_derive(m1, KEYS_APIKEY_HASH, h1);
  keys_derive(m1, KEYS_APIKEY_HASH, h2);
  keys_derive(m1, KEYS_SIGNING_KEYS, s1);
  CHECK(memcmp(h1, h2, 32) == 0);
  CHECK(memcmp(h1, s1, 32) != 0);
  CHECK(memcmp(h1, m1, 32) != 0);
  keys_derive(m2, KEYS_APIKEY_HASH, x);
  CHECK(memcmp(h1, x, 32) != 0);
  /* It is crypto_kdf with the context "ddcdkeys" and the purpose as subkey id. */
  uint8_t want[32];
  crypto_kdf_derive_from_key(want, 32, KEYS_SIGNING_KEYS, "ddcdkeys", m1);
  CHECK(memcmp(s1, want, 32) == 0);
}

static void test_master_file(void)
{
  const char *tmp = getenv("TMPDIR");
  char dir[256];
  snprintf(dir, sizeof dir, "%s/ddcd_keys_XXXXXX", tmp && tmp[0] ? tmp : P_tmpdir);
  CHECK(mkdtemp(dir) != NULL);
  char path[300], missing[300], shortf[300], longf[300], err[1024];
  snprintf(path, sizeof path, "%s/master.key", dir);
  snprintf(missing, sizeof missing, "%s/nope.key", dir);
  snprintf(shortf, sizeof shortf, "%s/short.key", dir);
  snprintf(longf, sizeof longf, "%s/long.key", dir);

  err[0] = 0;
  CHECK(keys_master_create(path, err, sizeof err) == 1);
  struct stat st;
  CHECK(stat(path, &st) == 0);
  CHECK(st.st_size == KEYS_MASTER_BYTES);
  CHECK((st.st_mode & 0777) == 0600);

  uint8_t raw[KEYS_MASTER_BYTES + 1];
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  size_t got = f ? fread(raw, 1, sizeof raw, f) : 0;
  if (f) fclose(f);
  CHECK(got == KEYS_MASTER_BYTES);

  /* A second create leaves the file alone. */
  CHECK(keys_master_create(path, err, sizeof err) == 0);
  uint8_t key[KEYS_MASTER_BYTES];
  memset(key, 0, sizeof key);
  CHECK(keys_master_load(path, key, err, sizeof err) == 0);
  CHECK(memcmp(key, raw, KEYS_MASTER_BYTES) == 0);
  uint8_t zero[KEYS_MASTER_BYTES] = {0};
  CHECK(memcmp(key, zero, sizeof zero) != 0);

  err[0] = 0;
  CHECK(keys_master_load(missing, key, err, sizeof err) == -1);
  CHECK(strstr(err, missing) != NULL);

  f = fopen(shortf, "wb");
  if (f) {
    fwrite(raw, 1, 31, f);
    fclose(f);
  }
  err[0] = 0;
  CHECK(keys_master_load(shortf, key, err, sizeof err) == -1);
  CHECK(strstr(err, shortf) != NULL && strstr(err, "32") != NULL);

  f = fopen(longf, "wb");
  if (f) {
    fwrite(raw, 1, 32, f);
    fwrite("x", 1, 1, f);
    fclose(f);
  }
  err[0] = 0;
  CHECK(keys_master_load(longf, key, err, sizeof err) == -1);
  CHECK(err[0] != 0);

  /* Creating in a directory that does not exist fails with a reason. */
  char nodir[320];
  snprintf(nodir, sizeof nodir, "%s/no/such/dir/master.key", dir);
  err[0] = 0;
  CHECK(keys_master_create(nodir, err, sizeof err) == -1);
  CHECK(strstr(err, nodir) != NULL);

  unlink(path);
  unlink(shortf);
  unlink(longf);
  CHECK(rmdir(dir) == 0);
}

static int b32_is(const char *in, const char *want)
{
  char out[64];
  memset(out, 'X', sizeof out);
  codes_base32((const uint8_t *)in, strlen(in), out);
  size_t n = strlen(in);
  return strcmp(out, want) == 0 && strlen(out) == (size_t)CODES_BASE32_LEN(n);
}

static void test_base32(void)
{
  CHECK(b32_is("", ""));
  CHECK(b32_is("f", "my"));
  CHECK(b32_is("fo", "mzxq"));
  CHECK(b32_is("foo", "mzxw6"));
  CHECK(b32_is("foob", "mzxw6yq"));
  CHECK(b32_is("fooba", "mzxw6ytb"));
  CHECK(b32_is("foobar", "mzxw6ytboi"));
  CHECK(!b32_is("foobar", "mzxw6ytboq"));
  uint8_t ff[5] = {0xff, 0xff, 0xff, 0xff, 0xff};
  char out[16];
  codes_base32(ff, 5, out);
  CHECK(strcmp(out, "77777777") == 0);
  uint8_t z[6] = {0};
  codes_base32(z, 6, out);
  CHECK(strcmp(out, "aaaaaaaaaa") == 0);
  CHECK(CODES_BASE32_LEN(6) == APIKEY_PREFIX_LEN && CODES_BASE32_LEN(32) == APIKEY_SECRET_LEN);

  CHECK(codes_is_base32("mzxw6", 5));
  CHECK(!codes_is_base32("mzxw6", 4)); /* longer than n */
  CHECK(!codes_is_base32("mzx", 5));   /* shorter than n */
  CHECK(!codes_is_base32("mzxW6", 5));
  CHECK(!codes_is_base32("mzx16", 5));
}

static void test_hex(void)
{
  uint8_t in[5] = {0x00, 0x01, 0xab, 0x7f, 0xff}, back[5];
  char out[11];
  codes_hex(in, 5, out);
  CHECK(strcmp(out, "0001ab7fff") == 0);
  memset(back, 0x55, sizeof back);
  CHECK(codes_unhex(out, back, 5) == 0);
  CHECK(memcmp(in, back, 5) == 0);
  CHECK(codes_unhex("0001AB7FFF", back, 5) == 0 && memcmp(in, back, 5) == 0);
  uint8_t big[32], big2[32];
  char hx[65];
  for (int i = 0; i < 32; i++)
    big[i] = (uint8_t)(i * 37 + 11);
  codes_hex(big, 32, hx);
  CHECK(strlen(hx) == 64);
  CHECK(codes_unhex(hx, big2, 32) == 0 && memcmp(big, big2, 32) == 0);

  CHECK(codes_unhex("abc", back, 2) == -1); /* odd */
  CHECK(codes_unhex("0001ab7ff", back, 5) == -1);
  CHECK(codes_unhex("0001ab7fff00", back, 5) == -1);
  CHECK(codes_unhex("0001ag7fff", back, 5) == -1);
  CHECK(codes_unhex("0001 b7fff", back, 5) == -1);
  CHECK(codes_unhex("0x01ab7fff", back, 5) == -1);
  CHECK(codes_unhex("", back, 0) == 0);
  CHECK(codes_unhex("", back, 1) == -1);
}

int main(void)
{
  if (sodium_init() < 0) {
    fprintf(stderr, "sodium_init failed\n");
    return 1;
  }
  RUN(test_generate);
  RUN(test_parse);
  RUN(test_hash);
  RUN(test_derive);
  RUN(test_master_file);
  RUN(test_base32);
  RUN(test_hex);
  return UNIT_END();
}
