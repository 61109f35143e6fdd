/* test_evm.c: RLP (the examples of the RLP specification), secp256k1 addresses, the EIP-155
 * example transaction reproduced byte for byte (tests/vectors/evm/eip155.md), an EIP-1559
 * transaction against the encoding of an independent implementation (tests/vectors/evm/
 * eip1559.md), contract creation addresses, and ABI selectors and arguments. */
#include <string.h>
#include "chain/abi.h"
#include "chain/keccak.h"
#include "chain/rlp.h"
#include "chain/secp.h"
#include "chain/tx.h"
#include "crypto/codes.h"
#include "unit.h"

static const char *KEY46 = "4646464646464646464646464646464646464646464646464646464646464646";

/* The text between the first backquotes after label in a vector file. */
static char *vector(const char *file, const char *label)
{
  static char buf[1024];
  char *md = unit_read_file(file, NULL);
  const char *p = md ? strstr(md, label) : NULL, *a = p ? strchr(p, '`') : NULL,
             *b = a ? strchr(a + 1, '`') : NULL;
  buf[0] = 0;
  if (b && (size_t)(b - a) < sizeof buf) {
    memcpy(buf, a + 1, (size_t)(b - a - 1));
    buf[b - a - 1] = 0;
  }
  free(md);
  return buf;
}

static int rlp_is(struct rlp_buf *b, const char *hex)
{
  char got[512];
  int ok = !b->err && 2 * b->n < sizeof got;
  if (ok) codes_hex(b->p, b->n, got);
  ok = ok && strcmp(got, hex) == 0;
  if (!ok) fprintf(stderr, "  rlp: got %s want %s\n", b->err ? "(error)" : got, hex);
  rlp_free(b);
  return ok;
}

static void test_rlp_spec(void)
{
  struct rlp_buf b = {0};
  rlp_bytes(&b, (const uint8_t *)"dog", 3);
  CHECK(rlp_is(&b, "83646f67"));
  size_t l = rlp_list_begin(&b);
  rlp_bytes(&b, (const uint8_t *)"cat", 3);
  rlp_bytes(&b, (const uint8_t *)"dog", 3);
  rlp_list_end(&b, l);
  CHECK(rlp_is(&b, "c88363617483646f67"));
  rlp_bytes(&b, NULL, 0);
  CHECK(rlp_is(&b, "80"));
  rlp_list_end(&b, rlp_list_begin(&b));
  CHECK(rlp_is(&b, "c0"));
  rlp_uint(&b, 0);
  rlp_uint(&b, 15);
  rlp_uint(&b, 1024);
  CHECK(rlp_is(&b, "800f820400"));
  /* [ [], [[]], [ [], [[]] ] ] */
  size_t outer = rlp_list_begin(&b), x, y;
  rlp_list_end(&b, rlp_list_begin(&b));
  x = rlp_list_begin(&b);
  rlp_list_end(&b, rlp_list_begin(&b));
  rlp_list_end(&b, x);
  x = rlp_list_begin(&b);
  rlp_list_end(&b, rlp_list_begin(&b));
  y = rlp_list_begin(&b);
  rlp_list_end(&b, rlp_list_begin(&b));
  rlp_list_end(&b, y);
  rlp_list_end(&b, x);
  rlp_list_end(&b, outer);
  CHECK(rlp_is(&b, "c7c0c1c0c3c0c1c0"));
  const char *lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
  rlp_bytes(&b, (const uint8_t *)lorem, strlen(lorem));
  CHECK(b.n == 2 + 56 && b.p[0] == 0xb8 && b.p[1] == 0x38);
  rlp_free(&b);
  uint8_t big[1024] = {0};
  l = rlp_list_begin(&b);
  rlp_bytes(&b, big, sizeof big);
  rlp_list_end(&b, l);
  CHECK(b.n == 3 + 3 + 1024 && b.p[0] == 0xf9 && b.p[1] == 0x04 && b.p[2] == 0x03);
  CHECK(b.p[3] == 0xb9 && b.p[4] == 0x04 && b.p[5] == 0x00);
  rlp_free(&b);
}

static void test_eip155_example(void)
{
  const char *f = "tests/vectors/evm/eip155.md";
  uint8_t key[SECP_KEY], addr[SECP_ADDR], h[32], *raw = NULL;
  char hex[1024], want_addr[64];
  size_t raw_len = 0;
  CHECK(secp_key_parse(vector(f, "private key"), key) == 0);
  struct tx t = {.type = TX_LEGACY,
                 .chain_id = 1,
                 .nonce = 9,
                 .gas_price = 20000000000ULL,
                 .gas = 21000,
                 .has_to = 1,
                 .value = 1000000000000000000ULL};
  memset(t.to, 0x35, sizeof t.to);
  CHECK(tx_signing_hash(&t, h) == 0);
  codes_hex(h, 32, hex + 2);
  hex[0] = '0', hex[1] = 'x';
  CHECK(strcmp(hex, vector(f, "signing hash")) == 0);
  CHECK(tx_sign(&t, key, &raw, &raw_len, h) == 0);
  CHECK(raw && 2 * raw_len + 3 < sizeof hex);
  if (raw) codes_hex(raw, raw_len, hex + 2);
  CHECK(strcmp(hex, vector(f, "signed tx")) == 0);
  free(raw);
  CHECK(secp_address(key, addr) == 0);
  secp_address_hex(addr, want_addr);
  CHECK(strcmp(want_addr, vector(f, "The signer's address")) == 0);
}

static void test_eip1559(void)
{
  uint8_t key[SECP_KEY], h[32], *raw = NULL, data[4] = {0xde, 0xad, 0xbe, 0xef}, addr[SECP_ADDR],
                                signer[SECP_ADDR];
  char hex[1024] = "0x";
  size_t raw_len = 0;
  CHECK(secp_key_parse(KEY46, key) == 0);
  struct tx t = {.type = TX_EIP1559,
                 .chain_id = 1337,
                 .nonce = 7,
                 .gas = 100000,
                 .max_priority_fee = 2000000000ULL,
                 .max_fee = 30000000000ULL,
                 .has_to = 1,
                 .value = 5,
                 .data = data,
                 .data_len = sizeof data};
  memset(t.to, 0x35, sizeof t.to);
  CHECK(tx_sign(&t, key, &raw, &raw_len, h) == 0);
  if (raw) codes_hex(raw, raw_len, hex + 2);
  CHECK(strcmp(hex, vector("tests/vectors/evm/eip1559.md", "signed tx")) == 0);
  free(raw);
  /* the signature recovers to the signer; another fee gives another signing hash */
  struct secp_sig sig;
  CHECK(tx_signing_hash(&t, h) == 0 && secp_sign(key, h, &sig) == 0);
  CHECK(secp_recover(h, &sig, signer) == 0 && secp_address(key, addr) == 0);
  CHECK(memcmp(signer, addr, SECP_ADDR) == 0);
  uint8_t h2[32];
  t.max_fee++;
  CHECK(tx_signing_hash(&t, h2) == 0 && memcmp(h, h2, 32) != 0);
}

static void test_keys_and_addresses(void)
{
  uint8_t key[SECP_KEY], a[SECP_ADDR], c[SECP_ADDR];
  char hex[64];
  CHECK(secp_key_parse("0x"
                       "4646464646464646464646464646464646464646464646464646464646464646\n",
                       key) == 0);
  CHECK(secp_key_parse("46464646", key) != 0);
  CHECK(secp_key_parse("0000000000000000000000000000000000000000000000000000000000000000", key) !=
        0);
  CHECK(secp_key_parse("4646464646464646464646464646464646464646464646464646464646464646 x", key) !=
        0);
  const char *f = "tests/vectors/evm/eip1559.md";
  CHECK(secp_address_parse("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0", a) == 0);
  tx_create_address(a, 0, c);
  secp_address_hex(c, hex);
  CHECK(strcmp(hex, vector(f, "nonce 0")) == 0);
  tx_create_address(a, 1, c);
  secp_address_hex(c, hex);
  CHECK(strcmp(hex, vector(f, "nonce 1")) == 0);
  CHECK(secp_address_parse("0x6ac7ea33f8831ea9dcc53393aaa88b25a785dbf", a) != 0);
  CHECK(secp_address_parse("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf012", a) != 0);
}

static void test_abi(void)
{
  uint8_t sel[4], root[32], call[4 + 64], w[SECP_ADDR];
  uint64_t v = 0;
  abi_selector("transfer(address,uint256)", sel);
  CHECK(memcmp(sel, "\xa9\x05\x9c\xbb", 4) == 0);
  memset(root, 0xab, sizeof root);
  abi_anchor(root, 0x0102030405ULL, call);
  abi_selector("anchor(bytes32,uint64)", sel);
  CHECK(memcmp(call, sel, 4) == 0 && memcmp(call + 4, root, 32) == 0);
  CHECK(abi_word_u64(call + 4, 64, 1, &v) == 0 && v == 0x0102030405ULL);
  CHECK(abi_word_u64(call + 4, 64, 0, &v) != 0); /* 0xabab... does not fit */
  CHECK(abi_word_u64(call + 4, 63, 1, &v) != 0); /* too short */
  memset(w, 0x11, sizeof w);
  abi_set_writer(w, 1, call);
  CHECK(call[4] == 0 && call[4 + 11] == 0 && call[4 + 12] == 0x11 && call[4 + 31] == 0x11);
  CHECK(call[4 + 63] == 1);
  abi_anchored_at(root, call);
  abi_selector("anchoredAt(bytes32)", sel);
  CHECK(memcmp(call, sel, 4) == 0 && memcmp(call + 4, root, 32) == 0);
}

int main(void)
{
  RUN(test_rlp_spec);
  RUN(test_eip155_example);
  RUN(test_eip1559);
  RUN(test_keys_and_addresses);
  RUN(test_abi);
  return UNIT_END();
}
