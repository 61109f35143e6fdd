/* fuzz_bundle.c: the verdict on hostile proof bundles (any JSON, mutated real bundles from the
 * corpus). It reads only the bundle, so it runs without a database; it must never crash, and a
 * bundle that is not a JSON object is never valid. */
#include <jansson.h>
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "verify/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int ready;
  if (!ready && sodium_init() < 0) abort();
  ready = 1;
  json_t *b = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  if (!b) return 0;
  struct bundle_trust t = {0};
  json_t *v = bundle_verdict(b, &t);
  const char *result = json_string_value(json_object_get(v, "result"));
  if (!json_is_object(b) && result && !strcmp(result, "valid")) abort();
  json_decref(v);
  json_decref(b);
  return 0;
}
