/* codes.h: text encodings of binary values (RFC 4648 base32 lowercase without padding, base64url
 * without padding, hex). */
#ifndef DDC_CODES_H
#define DDC_CODES_H
#include <stddef.h>
#include <stdint.h>

/* Characters base32 needs for n bytes, without the NUL. */
#define CODES_BASE32_LEN(n) (((n)*8 + 4) / 5)

/* Writes CODES_BASE32_LEN(n) characters and a NUL to out. */
void codes_base32(const uint8_t *in, size_t n, char *out);
/* 1 if s is n characters long and every character is in the lowercase base32 alphabet. */
int codes_is_base32(const char *s, size_t n);
/* Writes 2n hex digits and a NUL. */
void codes_hex(const uint8_t *in, size_t n, char *out);
/* Decodes unpadded base64url (RFC 4648 §5) of exactly n bytes; returns 0 or -1. */
int codes_unbase64url(const char *s, uint8_t *out, size_t n);
/* Decodes s[0..n), canonical standard padded base64 (RFC 4648 §4) and nothing else, into at most
 * cap bytes of out; the byte count, or -1. */
long codes_unbase64(const char *s, size_t n, uint8_t *out, size_t cap);
/* Decodes exactly 2n hex digits; returns 0 or -1. */
int codes_unhex(const char *s, uint8_t *out, size_t n);

#endif
