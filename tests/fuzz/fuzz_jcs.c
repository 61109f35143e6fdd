/* fuzz_jcs.c: RFC 8785 canonicalization of hostile JSON. Whatever parses canonicalizes, and the
 * canonical form is a fixed point: parsing and canonicalizing it again gives the same bytes. The
 * canonical form also survives the way back from storage: PostgreSQL keeps a signed document as
 * text, which holds it unchanged when it is valid UTF-8 without a NUL byte, and the verifier reads
 * it with jcs_load, which must take every number JCS writes (1e20 is "100000000000000000000") and
 * give the same canonical bytes again. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/jcs.h"

/* Whether s[0..len) is what a PostgreSQL text value in a UTF8 database holds unchanged. */
static int fuzz_pg_text_ok(const char *s, size_t len)
{
  json_t *str = memchr(s, 0, len) ? NULL : json_stringn(s, len); /* jansson checks the UTF-8 */
  json_decref(str);
  return str != NULL;
}

/* Reads text with read and canonicalizes it again: must be text itself. */
static void fuzz_fixed_point(const char *text, size_t len, int verifier)
{
  size_t len2;
  json_t *again = verifier ? jcs_load(text, len, NULL) : jcs_parse(text, len, NULL);
  char *c2 = again ? jcs_canonicalize(again, &len2) : NULL;
  if (!c2 || len2 != len || memcmp(text, c2, len) != 0) abort();
  json_decref(again);
  free(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  json_t *v = jcs_parse((const char *)data, size, NULL);
  if (!v) return 0;
  size_t len;
  char *c = jcs_canonicalize(v, &len);
  json_decref(v);
  if (!c) return 0;
  if (!fuzz_pg_text_ok(c, len)) abort();
  fuzz_fixed_point(c, len, 0);
  fuzz_fixed_point(c, len, 1);
  free(c);
  return 0;
}
