/* fuzz_jcs.c: RFC 8785 canonicalization of hostile JSON. Whatever parses canonicalizes, and the
 * canonical form is a fixed point: parsing and canonicalizing it again gives the same bytes. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  json_t *v = jcs_parse((const char *)data, size, NULL);
  if (!v) return 0;
  size_t len, len2;
  char *c = jcs_canonicalize(v, &len);
  json_decref(v);
  if (!c) return 0;
  json_t *again = jcs_parse(c, len, NULL);
  char *c2 = again ? jcs_canonicalize(again, &len2) : NULL;
  if (!c2 || len2 != len || memcmp(c, c2, len) != 0) abort();
  json_decref(again);
  free(c);
  free(c2);
  return 0;
}
