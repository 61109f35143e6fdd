/* test_openapi.c: api/openapi.yaml documents exactly the routes of service/api/routes.c (method
 * and path, both ways) and names every error code of service/errors.h. The spec is read with a
 * line parser: under "paths:", a path key is "  /...:" and an operation is "    <method>:". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "errors.h"
#include "api/api.h"
#include "http/routes.h"
#include "unit.h"

#define SPEC_FILE "api/openapi.yaml"
#define SPEC_OPS_MAX 128

struct spec_op {
  char method[16];
  char path[256];
};

struct spec_ops {
  struct spec_op op[SPEC_OPS_MAX];
  int n;
  int overflow; /* more operations than SPEC_OPS_MAX */
};

static const char *const spec_methods[] = {"get",   "put",  "post",    "delete",
                                           "patch", "head", "options", NULL};

static char *spec_text; /* the file, loaded once */

static char *read_whole_file(const char *name)
{
  FILE *f = fopen(name, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  long len = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (len >= 0 && fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)len + 1))) {
    if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
      free(buf);
      buf = NULL;
    } else {
      buf[len] = 0;
    }
  }
  fclose(f);
  return buf;
}

/* The HTTP method named by an operation line "    <method>:", or NULL. */
static const char *spec_method_of(const char *line)
{
  if (strncmp(line, "    ", 4) != 0 || line[4] == ' ') return NULL;
  for (const char *const *m = spec_methods; *m; m++) {
    size_t n = strlen(*m);
    if (strncmp(line + 4, *m, n) == 0 && line[4 + n] == ':') return *m;
  }
  return NULL;
}

static void spec_add(struct spec_ops *ops, const char *method, const char *path)
{
  if (ops->n >= SPEC_OPS_MAX) {
    ops->overflow = 1;
    return;
  }
  struct spec_op *o = &ops->op[ops->n++];
  snprintf(o->method, sizeof o->method, "%s", method);
  snprintf(o->path, sizeof o->path, "%s", path);
}

/* Handles one line (no newline, trailing blanks stripped); in_paths and path carry state. */
static void spec_line(struct spec_ops *ops, const char *line, int *in_paths, char *path,
                      size_t path_cap)
{
  size_t len = strlen(line);
  if (len == 0 || line[0] == '#') return;
  if (line[0] != ' ') {
    *in_paths = strcmp(line, "paths:") == 0;
    path[0] = 0;
    return;
  }
  if (!*in_paths) return;
  if (strncmp(line, "  /", 3) == 0 && line[len - 1] == ':') {
    snprintf(path, path_cap, "%.*s", (int)(len - 3), line + 2);
    return;
  }
  const char *m = spec_method_of(line);
  if (m) spec_add(ops, m, path);
}

/* Collects the (method, path) pairs of a spec text. */
static void spec_parse(const char *text, struct spec_ops *ops)
{
  char line[512], path[256] = "";
  int in_paths = 0;
  ops->n = 0;
  ops->overflow = 0;
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    size_t keep = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, p, keep);
    while (keep > 0 && (line[keep - 1] == '\r' || line[keep - 1] == ' ' || line[keep - 1] == '\t'))
      keep--;
    line[keep] = 0;
    spec_line(ops, line, &in_paths, path, sizeof path);
    p += len + (nl ? 1 : 0);
  }
}

/* A route pattern as the spec writes it: a rest-of-path "{name*}" is the path parameter
 * "{name}" there. */
static int same_path(const char *pattern, const char *spec_path)
{
  size_t n = strlen(pattern);
  if (strcmp(pattern, spec_path) == 0) return 1;
  if (n > 3 && strcmp(pattern + n - 2, "*}") == 0)
    return strlen(spec_path) == n - 1 && strncmp(pattern, spec_path, n - 2) == 0 &&
           spec_path[n - 2] == '}';
  return 0;
}

static int spec_has(const struct spec_ops *ops, const char *method, const char *path)
{
  for (int i = 0; i < ops->n; i++)
    if (strcasecmp(ops->op[i].method, method) == 0 && same_path(path, ops->op[i].path)) return 1;
  return 0;
}

static int table_has(const char *method, const char *path)
{
  for (int i = 0; i < api_routes_count; i++)
    if (strcasecmp(api_routes[i].method, method) == 0 && same_path(api_routes[i].pattern, path))
      return 1;
  return 0;
}

/* Routes of the table the spec lacks; each is printed to out unless out is NULL. */
static int spec_missing_routes(const struct spec_ops *ops, FILE *out)
{
  int missing = 0;
  for (int i = 0; i < api_routes_count; i++) {
    if (spec_has(ops, api_routes[i].method, api_routes[i].pattern)) continue;
    missing++;
    if (out)
      fprintf(out, "  openapi: route %s %s is not in %s\n", api_routes[i].method,
              api_routes[i].pattern, SPEC_FILE);
  }
  return missing;
}

/* Operations of the spec the route table lacks; each is printed to out unless out is NULL. */
static int spec_extra_operations(const struct spec_ops *ops, FILE *out)
{
  int extra = 0;
  for (int i = 0; i < ops->n; i++) {
    if (table_has(ops->op[i].method, ops->op[i].path)) continue;
    extra++;
    if (out)
      fprintf(out, "  openapi: %s %s in %s has no route\n", ops->op[i].method,
              ops->op[i].path[0] ? ops->op[i].path : "(no path)", SPEC_FILE);
  }
  return extra;
}

static int is_code_char(char c)
{
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* 1 if word occurs in text with no [a-z0-9_] right before or after it ("not_found" must not
 * count as found inside "route_not_found"). */
static int text_has_word(const char *text, const char *word)
{
  size_t n = strlen(word);
  for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
    if ((p == text || !is_code_char(p[-1])) && !is_code_char(p[n])) return 1;
  return 0;
}

/* A spec text listing every route but skip (-1: none), with lines the parser must ignore:
 * path-level keys, deeper "get:" keys, and path-like lines outside "paths:". */
static char *synthetic_spec(int skip, const char *extra)
{
  size_t cap = 4096 + (size_t)api_routes_count * 512;
  char *s = malloc(cap);
  if (!s) return NULL;
  size_t n = (size_t)snprintf(s, cap, "openapi: 3.1.0\n/top:\n  get:\npaths:\n# comment\n");
  for (int i = 0; i < api_routes_count && n < cap; i++) {
    if (i == skip) continue;
    char lower[16];
    size_t k = 0;
    for (; api_routes[i].method[k] && k < sizeof lower - 1; k++)
      lower[k] = (char)(api_routes[i].method[k] | 0x20);
    lower[k] = 0;
    n += (size_t)snprintf(s + n, cap - n, "  %s:\n    parameters:\n      get:\n    %s:\n\n",
                          api_routes[i].pattern, lower);
  }
  if (n < cap)
    snprintf(s + n, cap - n, "%scomponents:\n  /not/a/path:\n    post:\n", extra ? extra : "");
  return s;
}

static void test_spec_parses(void)
{
  CHECK(spec_text != NULL);
  if (!spec_text) return;
  static struct spec_ops ops;
  spec_parse(spec_text, &ops);
  CHECK(!ops.overflow);
  CHECK(ops.n == api_routes_count);
}

static void test_every_route_is_documented(void)
{
  if (!spec_text) return;
  static struct spec_ops ops;
  spec_parse(spec_text, &ops);
  CHECK(spec_missing_routes(&ops, stderr) == 0);
}

static void test_every_operation_is_routed(void)
{
  if (!spec_text) return;
  static struct spec_ops ops;
  spec_parse(spec_text, &ops);
  CHECK(spec_extra_operations(&ops, stderr) == 0);
}

static void test_every_error_code_is_documented(void)
{
  if (!spec_text) return;
  int missing = 0;
  for (int e = 0; e < DDC_ERR_COUNT; e++) {
    if (e == DDC_ERR_OK) continue;
    const char *code = errors_info((enum ddc_err)e)->code;
    if (text_has_word(spec_text, code)) continue;
    missing++;
    fprintf(stderr, "  openapi: error code %s is not in %s\n", code, SPEC_FILE);
  }
  CHECK(missing == 0);
}

static void test_word_match_needs_edges(void)
{
  CHECK(text_has_word("- not_found\n", "not_found"));
  CHECK(text_has_word("`not_found`", "not_found"));
  CHECK(!text_has_word("route_not_found issuer_not_found", "not_found"));
  CHECK(!text_has_word("not_founds", "not_found"));
}

static void test_complete_synthetic_spec_passes(void)
{
  static struct spec_ops ops;
  char *s = synthetic_spec(-1, NULL);
  CHECK(s != NULL);
  if (!s) return;
  spec_parse(s, &ops);
  CHECK(ops.n == api_routes_count);
  CHECK(spec_missing_routes(&ops, NULL) == 0);
  CHECK(spec_extra_operations(&ops, NULL) == 0);
  free(s);
}

static void test_missing_route_is_detected(void)
{
  static struct spec_ops ops;
  char *s = synthetic_spec(api_routes_count - 1, NULL);
  CHECK(s != NULL);
  if (!s) return;
  spec_parse(s, &ops);
  CHECK(spec_missing_routes(&ops, NULL) == 1);
  CHECK(spec_extra_operations(&ops, NULL) == 0);
  free(s);
}

static void test_extra_operation_is_detected(void)
{
  static struct spec_ops ops;
  char *s = synthetic_spec(-1, "paths:\n  /v1/accounts:\n    PUT:\n  /v1/nope:\n    get:\n");
  CHECK(s != NULL);
  if (!s) return;
  spec_parse(s, &ops);
  CHECK(spec_missing_routes(&ops, NULL) == 0);
  CHECK(spec_extra_operations(&ops, NULL) == 1); /* "PUT:" is not an operation key */
  free(s);
}

int main(void)
{
  spec_text = read_whole_file(SPEC_FILE);
  if (!spec_text)
    fprintf(stderr, "  openapi: cannot read %s (run from the repo root)\n", SPEC_FILE);
  RUN(test_spec_parses);
  RUN(test_every_route_is_documented);
  RUN(test_every_operation_is_routed);
  RUN(test_every_error_code_is_documented);
  RUN(test_word_match_needs_edges);
  RUN(test_complete_synthetic_spec_passes);
  RUN(test_missing_route_is_detected);
  RUN(test_extra_operation_is_detected);
  free(spec_text);
  return UNIT_END();
}
