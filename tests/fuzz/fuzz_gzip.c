/* fuzz_gzip.c: the GZIP inflater on hostile files and the encoder on any bytes. Inflating the input
 * must stay inside it (libFuzzer hands it over in a buffer of exactly its size, so ASan sees any
 * read past the end) and within the output limit; whatever inflates must encode and inflate back
 * to the same bytes; and the input itself, taken as a bitstring, must round-trip through
 * gzip_encode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/gzip.h"

#define FUZZ_MAX_OUT (1u << 20)

static void fuzz_round_trip(const uint8_t *data, size_t size)
{
  uint8_t *gz = malloc(GZIP_ENCODE_MAX(size));
  if (!gz) return;
  size_t len = gzip_encode(data, size, gz), back_len = 0;
  if (len > GZIP_ENCODE_MAX(size)) abort();
  uint8_t *back = gzip_decode(gz, len, size, &back_len);
  if (!back || back_len != size || memcmp(back, data, size) != 0) abort();
  free(back);
  free(gz);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t out_len = 0;
  uint8_t *out = gzip_decode(data, size, FUZZ_MAX_OUT, &out_len);
  if (out) {
    if (out_len > FUZZ_MAX_OUT) abort();
    fuzz_round_trip(out, out_len);
    free(out);
  }
  fuzz_round_trip(data, size);
  return 0;
}
