/* verify_cli.c: `ddcd verify BUNDLE.json [--log-key KEY]`: checks a proof bundle offline, with
 * no database and no network, and prints each check. The log key to trust is --log-key (a C2SP
 * verifier key, as GET /v1/log/key serves it); without it, the bundle's own, which proves
 * integrity but not whose log it is. Exit 0: every check passed against --log-key and the
 * certificate is valid; 1: a check failed; 3: every check passed but the certificate is not valid
 * (revoked, frozen, burned, expired, not yet valid or not yet anchored); 4: every check passed
 * but no --log-key was given, so the log could be anyone's; 2: usage or unreadable input. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "ledger/bundle.h"
#include "ledger/note.h"
#include "verify_cli.h"

int verify_cli(int argc, char **argv)
{
  const char *file = NULL, *log_key = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--log-key") == 0 && i + 1 < argc)
      log_key = argv[++i];
    else if (!file && argv[i][0] != '-')
      file = argv[i];
    else {
      fprintf(stderr, "usage: ddcd verify BUNDLE.json [--log-key KEY]\n");
      return 2;
    }
  }
  struct note_verifier v;
  if (!file || (log_key && note_verifier_parse(&v, log_key) != 0)) {
    fprintf(stderr, file ? "ddcd verify: --log-key is not a C2SP verifier key\n"
                         : "usage: ddcd verify BUNDLE.json [--log-key KEY]\n");
    return 2;
  }
  json_error_t err;
  json_t *bundle = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
  if (!json_is_object(bundle)) {
    fprintf(stderr, "ddcd verify: %s: %s\n", file, bundle ? "not a JSON object" : err.text);
    json_decref(bundle);
    return 2;
  }
  json_t *verdict = bundle_verdict(bundle, log_key ? &v : NULL);
  json_decref(bundle);
  if (!verdict) return 2;
  int failed = 0;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(verdict, "checks"), i, c)
  {
    int ok = json_is_true(json_object_get(c, "ok"));
    failed |= !ok;
    printf("%s %s: %s\n", ok ? "\u2713" : "\u2717", json_string_value(json_object_get(c, "name")),
           json_string_value(json_object_get(c, "detail")));
  }
  const char *result = json_string_value(json_object_get(verdict, "result"));
  printf("result: %s%s\n", result, log_key ? "" : " (trusting the bundle's own log key)");
  int rc = failed ? 1 : strcmp(result, "valid") ? 3 : log_key ? 0 : 4;
  json_decref(verdict);
  return rc;
}
