/* test_gzip.c: the GZIP encoder and inflater of crypto/gzip.c. Round trips of status-list-like
 * bitstrings and of arbitrary bytes; files written by zlib (Python's gzip module: a dynamic-Huffman
 * block with a file name in the header, a stored block) and the example `encodedList` of the W3C
 * Bitstring Status List v1.0 specification (16 KiB of zeros, a dynamic block); and refusals:
 * a changed CRC, a truncated file, output beyond the limit, trailing bytes. */
#include <string.h>
#include "crypto/codes.h"
#include "crypto/gzip.h"
#include "unit.h"

/* zlib level 9, FNAME "ab.txt", mtime 0: a dynamic block. */
static const char dynamic_hex[] =
    "1f8b08080000000002ff61622e747874002d508b154521085ac5d540d1fd3778d0bb9df2170a4534b0e04100da"
    "09b671f0be7b19d836c775edc0c4406d736e48237ca7e23854fbbe32f048d60dc0f231b089209285c67e7a099f"
    "6668de2acfcff5f2683db3edf5061afe3acdbdcf9b89995d53953c895fa0e8b3610e76f5c74201d1869fe68a52"
    "a46a02585dcf27c3aa2bad89955e649c1f497f8cfb4fad902892de242b9236fe69d43818970c7659d6b3c6b629"
    "1e5d3051e7f6fc035af902a6c4fd011fada82f90010000";
static const char dynamic_text[] =
    "bacaafabgaeaaaccaaafcagaagaggcaaafabcafagbfaaggabafagaa fcbdgdbbaaaagbe bdbaaecaba caafgbb"
    "b gdaab aabgdbcbadbaa aabaacc aadcfbacfbcbcaaaaaaaa gabbaacfbgbaeadfcccca caaaadaabaaagafa"
    "baaacabbb aa d  baaabb aeaaebafaebabebabaffebaaacaae baab babdbbaaaa aba a baaca acbacdcaa"
    "aaaagda baffaaaaeacaaababeagbbfcaabdgeceafaeeadaaaaa afabeef afaaabaaedfaadbeeabdef eaebfa"
    "dacacdbaacaabaababadaac aaacecbcabbababf";
/* zlib level 0: a stored block of "stored block bytes". */
static const char stored_hex[] =
    "1f8b0800000000000403011200edff73746f72656420626c6f636b206279746573"
    "ffef467312000000";
/* The specification's example list, base64url without its multibase "u". */
static const char spec_list[] =
    "H4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA";

static uint8_t *from_hex(const char *hex, size_t *n)
{
  *n = strlen(hex) / 2;
  uint8_t *b = malloc(*n);
  if (b && codes_unhex(hex, b, *n)) {
    free(b);
    return NULL;
  }
  return b;
}

/* Encodes in[0..n), checks the bound and that decoding gives in back; the encoded length. */
static size_t round_trip(const uint8_t *in, size_t n)
{
  uint8_t *gz = malloc(GZIP_ENCODE_MAX(n));
  size_t len = gzip_encode(in, n, gz), back_len = 0;
  CHECK(len <= GZIP_ENCODE_MAX(n));
  uint8_t *back = gzip_decode(gz, len, n, &back_len);
  CHECK(back != NULL && back_len == n && memcmp(back, in, n) == 0);
  if (n) CHECK(gzip_decode(gz, len, n - 1, &back_len) == NULL); /* one byte over the limit */
  free(back);
  free(gz);
  return len;
}

static void test_round_trip_bitstrings(void)
{
  static uint8_t list[16384];
  size_t empty = round_trip(list, sizeof list);
  CHECK(empty < 200); /* 16 KiB of zeros: runs of 258 */
  uint32_t x = 12345;
  for (int i = 0; i < 500; i++) { /* 500 bits set at pseudo-random places */
    x = x * 1103515245u + 12345u;
    list[(x >> 8) % sizeof list] |= (uint8_t)(0x80u >> (x & 7));
  }
  CHECK(round_trip(list, sizeof list) < 2000);
  memset(list, 0xff, sizeof list);
  CHECK(round_trip(list, sizeof list) < 200);
}

static void test_round_trip_bytes(void)
{
  uint8_t buf[3000];
  uint32_t x = 99;
  for (size_t i = 0; i < sizeof buf; i++) {
    x = x * 1664525u + 1013904223u;
    buf[i] = (uint8_t)(x >> 24);
  }
  round_trip(buf, 0);
  round_trip(buf, 1);
  round_trip(buf, sizeof buf); /* incompressible: literals only, within the bound */
  memset(buf + 100, 7, 3);     /* runs of exactly 3, 4, 258, 259 and 260 */
  memset(buf + 200, 8, 4);
  memset(buf + 300, 9, 259);
  memset(buf + 1000, 10, 260);
  memset(buf + 1500, 11, 261);
  round_trip(buf, sizeof buf);
}

static void test_zlib_files(void)
{
  size_t n, out_len = 0;
  uint8_t *gz = from_hex(dynamic_hex, &n);
  uint8_t *out = gz ? gzip_decode(gz, n, 1 << 20, &out_len) : NULL;
  CHECK(out != NULL && out_len == strlen(dynamic_text) && memcmp(out, dynamic_text, out_len) == 0);
  free(out);
  free(gz);
  gz = from_hex(stored_hex, &n);
  out = gz ? gzip_decode(gz, n, 1 << 20, &out_len) : NULL;
  CHECK(out != NULL && out_len == 18 && memcmp(out, "stored block bytes", 18) == 0);
  free(out);
  free(gz);
}

static void test_spec_example(void)
{
  uint8_t gz[64];
  size_t n = strlen(spec_list) * 3 / 4, out_len = 0;
  CHECK(n <= sizeof gz && codes_unbase64url(spec_list, gz, n) == 0);
  uint8_t *out = gzip_decode(gz, n, 16384, &out_len);
  CHECK(out != NULL && out_len == 16384);
  int zero = 1;
  for (size_t i = 0; out && i < out_len; i++)
    zero &= out[i] == 0;
  CHECK(zero);
  free(out);
}

static void test_refusals(void)
{
  static uint8_t list[16384];
  list[5] = 0x40;
  uint8_t gz[GZIP_ENCODE_MAX(sizeof list)];
  size_t len = gzip_encode(list, sizeof list, gz), out_len;
  uint8_t *out = gzip_decode(gz, len, sizeof list, &out_len);
  CHECK(out != NULL);
  free(out);
  for (size_t cut = 0; cut < len; cut++) /* every truncation */
    CHECK(gzip_decode(gz, cut, sizeof list, &out_len) == NULL);
  uint8_t longer[sizeof gz + 1];
  memcpy(longer, gz, len);
  longer[len] = 0;
  CHECK(gzip_decode(longer, len + 1, sizeof list, &out_len) == NULL); /* trailing byte */
  gz[len - 8] ^= 1;                                                   /* the CRC */
  CHECK(gzip_decode(gz, len, sizeof list, &out_len) == NULL);
  gz[len - 8] ^= 1;
  gz[len - 4] ^= 1; /* the length */
  CHECK(gzip_decode(gz, len, sizeof list, &out_len) == NULL);
  gz[len - 4] ^= 1;
  gz[0] = 0x1e; /* the magic */
  CHECK(gzip_decode(gz, len, sizeof list, &out_len) == NULL);
}

static void test_crc32(void)
{
  CHECK(gzip_crc32(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u); /* the check value */
  CHECK(gzip_crc32(gzip_crc32(0, (const uint8_t *)"1234", 4), (const uint8_t *)"56789", 5) ==
        0xCBF43926u);
}

int main(void)
{
  RUN(test_crc32);
  RUN(test_round_trip_bitstrings);
  RUN(test_round_trip_bytes);
  RUN(test_zlib_files);
  RUN(test_spec_example);
  RUN(test_refusals);
  return UNIT_END();
}
