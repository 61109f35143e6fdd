/* gzip.h: GZIP (RFC 1952) around DEFLATE (RFC 1951), pure code with no library, for the
 * `encodedList` of Bitstring Status Lists. The encoder writes one fixed-Huffman block whose only
 * matches repeat the previous byte (distance 1): a status list is mostly zero bytes, so 16 KiB of
 * them take about a hundred bytes. The decoder reads any single-member GZIP file (stored, fixed and
 * dynamic blocks), as another issuer's encoder may write. Both are reentrant: any thread may call.
 */
#ifndef DDC_GZIP_H
#define DDC_GZIP_H
#include <stddef.h>
#include <stdint.h>

/* Largest output gzip_encode writes for n input bytes (fixed-Huffman literals take at most 9 bits
 * each; plus the 18 bytes of header and trailer and the block's end). */
#define GZIP_ENCODE_MAX(n) ((n) + (n) / 8 + 32)

/* GZIP of in[0..n) into out (room for GZIP_ENCODE_MAX(n) bytes); the header carries no name and
 * mtime 0, so the same input always gives the same bytes. Returns the length written. n must be
 * below 2^32. */
size_t gzip_encode(const uint8_t *in, size_t n, uint8_t *out);

/* Inflates the single GZIP member in[0..n) (header flags FEXTRA, FNAME, FCOMMENT and FHCRC are
 * read; trailing bytes after the member are refused) into a malloc'ed buffer of at most max_out
 * bytes, its length in *out_len. Checks the CRC-32 and the length in the trailer. Never reads
 * outside in[0..n). NULL on any malformed input, on output beyond max_out, or without memory. */
uint8_t *gzip_decode(const uint8_t *in, size_t n, size_t max_out, size_t *out_len);

/* CRC-32 (ISO-HDLC, as GZIP uses) of p[0..n), continued from crc (0 to start). */
uint32_t gzip_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
