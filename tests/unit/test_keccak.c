/* test_keccak.c: Keccak-256 against the Keccak team's known answers in tests/vectors/keccak
 * (empty, short and multi-block messages), the Ethereum answers for "" and "abc", and the same
 * answers when the message is fed in pieces across the 136-byte block boundary. Run from the repo
 * root. */
#include <string.h>
#include "chain/keccak.h"
#include "crypto/codes.h"
#include "unit.h"

#define KAT "tests/vectors/keccak/ShortMsgKAT_256.txt"

static void hex_lower(char *s)
{
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'F') *s = (char)(*s - 'A' + 'a');
}

/* The value after "label = " on the line at p, lowercased, into out; p moves past the line. */
static int kat_field(const char **p, const char *label, char *out, size_t cap)
{
  const char *at = strstr(*p, label);
  if (!at) return -1;
  at += strlen(label);
  size_t n = strcspn(at, "\r\n");
  if (n >= cap) return -1;
  memcpy(out, at, n);
  out[n] = 0;
  hex_lower(out);
  *p = at + n;
  return 0;
}

static uint8_t msg[4096];
static char msg_hex[8192];

static void test_kat_file(void)
{
  char *kat = unit_read_file(KAT, NULL);
  CHECK(kat != NULL);
  if (!kat) return;
  const char *p = kat;
  int count = 0, multi_block = 0;
  char len_s[16], md_hex[65], got[65];
  while (kat_field(&p, "Len = ", len_s, sizeof len_s) == 0) {
    size_t bytes = (size_t)atoi(len_s) / 8;
    CHECK(kat_field(&p, "Msg = ", msg_hex, sizeof msg_hex) == 0);
    CHECK(kat_field(&p, "MD = ", md_hex, sizeof md_hex) == 0);
    if (bytes) CHECK(codes_unhex(msg_hex, msg, bytes) == 0);
    uint8_t out[KECCAK_HASH];
    keccak256(msg, bytes, out);
    codes_hex(out, sizeof out, got);
    CHECK(strcmp(got, md_hex) == 0);
    /* fed one byte, then 135, then the rest: crosses the block boundary mid-call */
    struct keccak_ctx c;
    keccak_init(&c);
    size_t a = bytes < 1 ? bytes : 1, b = bytes - a < 135 ? bytes - a : 135;
    keccak_update(&c, msg, a);
    keccak_update(&c, msg + a, b);
    keccak_update(&c, msg + a + b, bytes - a - b);
    keccak_final(&c, out);
    codes_hex(out, sizeof out, got);
    CHECK(strcmp(got, md_hex) == 0);
    count++;
    multi_block += bytes >= KECCAK_RATE;
  }
  CHECK(count == 8);
  CHECK(multi_block == 3);
  free(kat);
}

static void test_ethereum_answers(void)
{
  uint8_t out[KECCAK_HASH];
  char got[65];
  keccak256("", 0, out);
  codes_hex(out, sizeof out, got);
  CHECK(strcmp(got, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470") == 0);
  keccak256("abc", 3, out);
  codes_hex(out, sizeof out, got);
  CHECK(strcmp(got, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45") == 0);
}

/* Every split point of a 300-byte message gives the one-call answer. */
static void test_splits(void)
{
  uint8_t m[300], want[KECCAK_HASH], out[KECCAK_HASH];
  for (size_t i = 0; i < sizeof m; i++)
    m[i] = (uint8_t)(i * 7 + 3);
  keccak256(m, sizeof m, want);
  for (size_t cut = 0; cut <= sizeof m; cut++) {
    struct keccak_ctx c;
    keccak_init(&c);
    keccak_update(&c, m, cut);
    keccak_update(&c, m + cut, sizeof m - cut);
    keccak_final(&c, out);
    CHECK(memcmp(out, want, sizeof out) == 0);
  }
  m[299] ^= 1;
  keccak256(m, sizeof m, out);
  CHECK(memcmp(out, want, sizeof out) != 0);
}

int main(void)
{
  RUN(test_kat_file);
  RUN(test_ethereum_answers);
  RUN(test_splits);
  return UNIT_END();
}
