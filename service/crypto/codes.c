/* codes.c: base32 and hex encoders for keys, codes and hashes. */
#include <sodium.h>
#include <string.h>
#include "codes.h"

static const char codes_b32[] = "abcdefghijklmnopqrstuvwxyz234567";

void codes_base32(const uint8_t *in, size_t n, char *out)
{
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8) | in[i];
    bits += 8;
    while (bits >= 5) {
      out[o++] = codes_b32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out[o++] = codes_b32[(acc << (5 - bits)) & 31];
  out[o] = 0;
}

int codes_is_base32(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!s[i] || !strchr(codes_b32, s[i])) return 0;
  return s[n] == 0;
}

void codes_hex(const uint8_t *in, size_t n, char *out)
{
  static const char hx[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hx[in[i] >> 4];
    out[2 * i + 1] = hx[in[i] & 15];
  }
  out[2 * n] = 0;
}

static int codes_nibble(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int codes_unhex(const char *s, uint8_t *out, size_t n)
{
  if (strlen(s) != 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    int hi = codes_nibble(s[2 * i]), lo = codes_nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return 0;
}

/* 1 when s[0..n) holds only the variant's alphabet (and '=' when padded). libsodium's decoder
 * alone is not enough: it takes some bytes above 0x7F for alphabet characters. */
static int codes_b64_alphabet(const char *s, size_t n, int url)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == (url ? '-' : '+') || c == (url ? '_' : '/') || (!url && c == '=');
    if (!ok) return 0;
  }
  return 1;
}

long codes_unbase64(const char *s, size_t n, uint8_t *out, size_t cap)
{
  size_t len = 0;
  if (!codes_b64_alphabet(s, n, 0) ||
      sodium_base642bin(out, cap, s, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
    return -1;
  return (long)len;
}

int codes_unbase64url(const char *s, uint8_t *out, size_t n)
{
  size_t len;
  return codes_b64_alphabet(s, strlen(s), 1) &&
                 sodium_base642bin(out, n, s, strlen(s), NULL, &len, NULL,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
                 len == n
             ? 0
             : -1;
}
