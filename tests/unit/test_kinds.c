/* test_kinds.c: the certificate kinds registry (kinds.h) against the places that list kinds and
 * their required metadata outside C: web/certificate.js (KIND_FIELDS, the order the citizen's page
 * shows them in) and api/openapi.yaml (the <Kind>Metadata schemas' required lists), member for
 * member and in the same order. Run from the repo root. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "kinds.h"
#include "unit.h"

/* The kind's required names as "a, b, c" into out. */
static void kind_list(const struct kind *k, const char *quote, char *out, size_t cap)
{
  size_t o = 0;
  out[0] = 0;
  for (int i = 0; i < KIND_MEMBERS_MAX && k->required[i].name; i++)
    o += (size_t)snprintf(out + o, cap - o, "%s%s%s%s", i ? ", " : "", quote, k->required[i].name,
                          quote);
}

static void test_table(void)
{
  CHECK(kinds_count == 3);
  for (size_t i = 0; i < kinds_count; i++) {
    CHECK(kinds_names[i] && strcmp(kinds_names[i], kinds[i].name) == 0);
    CHECK(kinds_find(kinds[i].name) == &kinds[i]);
    CHECK(strstr(kinds_choice_text, kinds[i].name) != NULL);
  }
  CHECK(kinds_names[kinds_count] == NULL);
  CHECK(kinds_find("Copyright") == NULL && kinds_find("") == NULL && kinds_find(NULL) == NULL);
}

static void test_web_page(void)
{
  char *js = unit_read_file("web/certificate.js", NULL), want[512], line[600];
  CHECK(js != NULL);
  for (size_t i = 0; js && i < kinds_count; i++) {
    kind_list(&kinds[i], "'", want, sizeof want);
    snprintf(line, sizeof line, "  %s: [%s],\n", kinds[i].name, want);
    if (!strstr(js, line)) fprintf(stderr, "  web/certificate.js lacks: %s", line);
    CHECK(strstr(js, line) != NULL);
  }
  free(js);
}

static void test_openapi(void)
{
  char *spec = unit_read_file("api/openapi.yaml", NULL), want[512], schema[64];
  CHECK(spec != NULL);
  for (size_t i = 0; spec && i < kinds_count; i++) {
    snprintf(schema, sizeof schema, "    %c%sMetadata:\n", toupper((unsigned char)kinds[i].name[0]),
             kinds[i].name + 1);
    const char *at = strstr(spec, schema), *req = at ? strstr(at, "      required: [") : NULL;
    kind_list(&kinds[i], "", want, sizeof want);
    size_t n = strlen(want);
    int ok = req && strncmp(req + 17, want, n) == 0 && req[17 + n] == ']';
    if (!ok)
      fprintf(stderr, "  api/openapi.yaml %.*s: required is not [%s]\n", (int)strlen(schema) - 1,
              schema, want);
    CHECK(ok);
  }
  free(spec);
}

int main(void)
{
  RUN(test_table);
  RUN(test_web_page);
  RUN(test_openapi);
  return UNIT_END();
}
