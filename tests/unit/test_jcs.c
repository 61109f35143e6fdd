/* test_jcs.c: RFC 8785 canonicalization against the RFC 8785 test vectors in tests/vectors/jcs
 * (cyberphone/json-canonicalization testdata, Apache-2.0), number serialisation cases from the
 * ECMAScript spec and RFC 8785 Appendix B, UTF-16 key order, escaping and parse rules. Run from the
 * repo root. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/jcs.h"
#include "unit.h"

#define VECTORS "tests/vectors/jcs"

/* Decodes whitespace-separated hex pairs in place; returns the byte count, or -1 on bad input. */
static long hex_decode(char *s)
{
  long n = 0;
  for (char *p = s; *p;) {
    if (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
      p++;
      continue;
    }
    unsigned v;
    if (sscanf(p, "%2x", &v) != 1 || !p[1] || p[1] == ' ' || p[1] == '\n') return -1;
    s[n++] = (char)v;
    p += 2;
  }
  return n;
}

/* Canonicalizes text; NULL when parsing or canonicalizing fails. */
static char *canon_text(const char *text, size_t len, size_t *outlen)
{
  json_t *v = jcs_parse(text, len, NULL);
  char *out = v ? jcs_canonicalize(v, outlen) : NULL;
  json_decref(v);
  return out;
}

/* One vector: input/<name>.json against output/<name>.json and outhex/<name>.txt. */
static int check_vector(const char *name)
{
  char path[512], base[256];
  size_t ilen = 0, olen = 0, hlen = 0, clen = 0;
  snprintf(base, sizeof base, "%.*s", (int)(strlen(name) - 5), name);
  snprintf(path, sizeof path, VECTORS "/input/%s", name);
  char *in = unit_read_file(path, &ilen);
  snprintf(path, sizeof path, VECTORS "/output/%s", name);
  char *want = unit_read_file(path, &olen);
  snprintf(path, sizeof path, VECTORS "/outhex/%s.txt", base);
  char *hex = unit_read_file(path, &hlen);
  char *got = in ? canon_text(in, ilen, &clen) : NULL;
  long hn = hex ? hex_decode(hex) : -1;
  int ok = got && want && clen == olen && memcmp(got, want, olen) == 0 && hn == (long)clen &&
           memcmp(got, hex, clen) == 0;
  if (!ok) fprintf(stderr, "  vector %s: got %s\n", name, got ? got : "(null)");
  free(in);
  free(want);
  free(hex);
  free(got);
  return ok;
}

static void test_vectors(void)
{
  DIR *d = opendir(VECTORS "/input");
  CHECK(d != NULL);
  if (!d) return;
  int count = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t n = strlen(e->d_name);
    if (n <= 5 || strcmp(e->d_name + n - 5, ".json") != 0) continue;
    CHECK(check_vector(e->d_name));
    count++;
  }
  closedir(d);
  CHECK(count >= 6);
}

/* jcs_format_number(x) equals want. */
static int num_is(double x, const char *want)
{
  char out[JCS_NUMBER_MAX];
  int n = jcs_format_number(x, out);
  if (n >= 0 && (size_t)n == strlen(want) && strcmp(out, want) == 0) return 1;
  fprintf(stderr, "  number %.17g: got %s, want %s\n", x, n >= 0 ? out : "(fail)", want);
  return 0;
}

static void test_numbers(void)
{
  CHECK(num_is(0.0, "0"));
  CHECK(num_is(-0.0, "0"));
  CHECK(num_is(1, "1"));
  CHECK(num_is(-1, "-1"));
  CHECK(num_is(1e21, "1e+21"));
  CHECK(num_is(1e20, "100000000000000000000"));
  CHECK(num_is(1e-6, "0.000001"));
  CHECK(num_is(1e-7, "1e-7"));
  CHECK(num_is(1.5e-6, "0.0000015"));
  CHECK(num_is(-1.5e-7, "-1.5e-7"));
  CHECK(num_is(123456789012345680000.0, "123456789012345680000"));
  CHECK(num_is(4.5, "4.5"));
  CHECK(num_is(2e-3, "0.002"));
  CHECK(num_is(5e-324, "5e-324"));
  CHECK(num_is(-5e-324, "-5e-324"));
  CHECK(num_is(1.7976931348623157e308, "1.7976931348623157e+308"));
  CHECK(num_is(-1.7976931348623157e308, "-1.7976931348623157e+308"));
  CHECK(num_is(2.2250738585072014e-308, "2.2250738585072014e-308"));
  CHECK(num_is(9007199254740992.0, "9007199254740992"));
  CHECK(num_is(333333333.33333329, "333333333.3333333"));
  CHECK(num_is(0.1 + 0.2, "0.30000000000000004"));
  CHECK(num_is(1e30, "1e+30"));
  CHECK(num_is(1e-27, "1e-27"));
  CHECK(num_is(1.23e-18, "1.23e-18"));
  CHECK(num_is(295147905179352830000.0, "295147905179352830000"));
  /* Just above a power of two the shortest digits are not the nearest ones (2^-1017, 2^-1007). */
  CHECK(num_is(ldexp(1, -1017), "7.120236347223045e-307"));
  CHECK(num_is(ldexp(1, -1007), "7.291122019556398e-304"));
  CHECK(num_is(ldexp(1, -44), "5.684341886080802e-14"));
  char out[JCS_NUMBER_MAX];
  CHECK(jcs_format_number(INFINITY, out) == -1);
  CHECK(jcs_format_number(-INFINITY, out) == -1);
  CHECK(jcs_format_number(NAN, out) == -1);
}

/* Canonical form of text equals want. */
static int canon_is(const char *text, const char *want)
{
  size_t n = 0;
  char *got = canon_text(text, strlen(text), &n);
  int ok = got && n == strlen(want) && memcmp(got, want, n) == 0;
  if (!ok) fprintf(stderr, "  %s: got %s, want %s\n", text, got ? got : "(null)", want);
  free(got);
  return ok;
}

/* Numbers as parsed text: every one is a double, including integers beyond 2^53 and int64. */
static void test_parsed_numbers(void)
{
  CHECK(canon_is("9007199254740993", "9007199254740992"));
  CHECK(canon_is("-9007199254740993", "-9007199254740992"));
  CHECK(canon_is("1000000000000000000000", "1e+21"));
  CHECK(canon_is("123456789012345678901234", "1.2345678901234569e+23"));
  CHECK(canon_is("[-0, 0.0, -0.0, 1E2, 1e-400]", "[0,0,0,100,0]"));
  CHECK(canon_is("[56.0, 4.50, 1E30]", "[56,4.5,1e+30]"));
  CHECK(jcs_parse("1e400", 5, NULL) == NULL);
}

/* A json_integer goes through the double path: exact up to 2^53, rounded beyond. */
static void test_integers(void)
{
  json_t *a = json_pack("[I,I,I,I]", (json_int_t)0, (json_int_t)9007199254740992LL,
                        (json_int_t)9007199254740993LL, (json_int_t)-42);
  size_t n = 0;
  char *got = jcs_canonicalize(a, &n);
  CHECK(got && strcmp(got, "[0,9007199254740992,9007199254740992,-42]") == 0);
  CHECK(got && n == strlen(got));
  free(got);
  json_decref(a);
}

static void test_non_finite(void)
{
  /* jansson refuses to build a non-finite real, so the NULL it returns must fail too. */
  json_t *inf = json_real(INFINITY);
  char *got = jcs_canonicalize(inf, NULL);
  CHECK(got == NULL);
  free(got);
  json_decref(inf);
  CHECK(jcs_canonicalize(NULL, NULL) == NULL);
}

static void test_key_order(void)
{
  /* U+1F602 is D83D DE02 in UTF-16: before U+FB33 although its code point is larger. */
  CHECK(canon_is("{\"\\ufb33\":1,\"\\ud83d\\ude02\":2}",
                 "{\"\xF0\x9F\x98\x82\":2,\"\xEF\xAC\xB3\":1}"));
  CHECK(canon_is("{\"b\":1,\"a\":2,\"\":3,\"ab\":4,\"B\":5}",
                 "{\"\":3,\"B\":5,\"a\":2,\"ab\":4,\"b\":1}"));
  CHECK(canon_is("{\"\\u00e9\":1,\"e\":2,\"\\u20ac\":3}",
                 "{\"e\":2,\"\xC3\xA9\":1,\"\xE2\x82\xAC\":3}"));
  CHECK(canon_is("{\"z\":{\"y\":[{\"b\":1,\"a\":2}],\"x\":null}}",
                 "{\"z\":{\"x\":null,\"y\":[{\"a\":2,\"b\":1}]}}"));
}

static void test_escaping(void)
{
  CHECK(canon_is("\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\"",
                 "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f\""));
  CHECK(canon_is("\"\\u001A\\u001b\"", "\"\\u001a\\u001b\""));
  CHECK(canon_is("\"\\\"\\\\\\/\"", "\"\\\"\\\\/\""));
  CHECK(canon_is("\"\\u007f\\u2028\\u2029\\u00e9\"", "\"\x7F\xE2\x80\xA8\xE2\x80\xA9\xC3\xA9\""));
  CHECK(canon_is("{\"a\":\"x\\u0000y\"}", "{\"a\":\"x\\u0000y\"}"));
  /* jansson cannot hold U+0000 in an object name, so such input is refused. */
  const char *nul_key = "{\"a\\u0000b\":1}";
  CHECK(jcs_parse(nul_key, strlen(nul_key), NULL) == NULL);
  /* A string that bypassed jansson's UTF-8 check is refused. */
  json_t *bad = json_stringn_nocheck("\xC0\xAF", 2);
  CHECK(jcs_canonicalize(bad, NULL) == NULL);
  json_decref(bad);
}

static void test_literals_and_parse(void)
{
  CHECK(canon_is(" [ null , true , false , { } , [ ] , \"\" ] ", "[null,true,false,{},[],\"\"]"));
  CHECK(canon_is("\"top\"", "\"top\""));
  json_error_t err;
  const char *dup = "{\"a\":1,\"b\":2,\"a\":3}";
  CHECK(jcs_parse(dup, strlen(dup), &err) == NULL);
  const char *dup_escaped = "{\"a\":1,\"\\u0061\":2}";
  CHECK(jcs_parse(dup_escaped, strlen(dup_escaped), NULL) == NULL);
  const char *lone = "\"\\ud83d\"";
  CHECK(jcs_parse(lone, strlen(lone), NULL) == NULL);
  CHECK(jcs_parse("[1,]", 4, NULL) == NULL);
}

/* jcs_load reads what JCS writes: whole numbers within 2^53 as integers, the rest as reals, and
 * whole numbers beyond int64 without failing (json_loads refuses "100000000000000000000"). */
static void test_load(void)
{
  const char *doc = "{\"a\":[1,0,1.5,9007199254740992,18014398509481984,"
                    "100000000000000000000,1e+21,-9300000000000000000]}";
  json_t *v = jcs_load(doc, strlen(doc), NULL), *a = json_object_get(v, "a");
  CHECK(json_loads(doc, 0, NULL) == NULL); /* the fault jcs_load is for */
  CHECK(json_is_integer(json_array_get(a, 0)) && json_integer_value(json_array_get(a, 0)) == 1);
  CHECK(json_is_integer(json_array_get(a, 1)) && json_integer_value(json_array_get(a, 1)) == 0);
  CHECK(json_is_real(json_array_get(a, 2)));
  CHECK(json_is_integer(json_array_get(a, 3)) &&
        json_integer_value(json_array_get(a, 3)) == 9007199254740992LL);
  CHECK(json_is_real(json_array_get(a, 4)) && json_real_value(json_array_get(a, 5)) == 1e20);
  CHECK(json_is_real(json_array_get(a, 6)) && json_real_value(json_array_get(a, 7)) == -9.3e18);
  size_t n;
  char *again = v ? jcs_canonicalize(v, &n) : NULL;
  CHECK(again && strcmp(again, doc) == 0);
  free(again);
  json_decref(v);
  json_t *top = jcs_load("42", 2, NULL);
  CHECK(json_is_integer(top) && json_integer_value(top) == 42);
  json_decref(top);
  CHECK(jcs_load("{\"a\":1,\"a\":2}", 13, NULL) == NULL);
}

/* The name of an integer beyond 2^53, and of one beyond int64 that jansson cannot read. */
static void test_integer_names(void)
{
  char path[128] = "metadata";
  json_t *v = json_loads("{\"a\":[1e20,{\"b\":9007199254740993}],\"c\":1}", 0, NULL);
  CHECK(jcs_integer_beyond(v, path, sizeof path) && strcmp(path, "metadata.a[1].b") == 0);
  json_decref(v);
  strcpy(path, "metadata");
  v = json_loads("{\"a\":[1e20,9007199254740992,-9007199254740992]}", 0, NULL);
  CHECK(!jcs_integer_beyond(v, path, sizeof path) && strcmp(path, "metadata") == 0);
  json_decref(v);
  const char *cases[][2] = {
      {"{\"a\":[1e20, 100000000000000000000 ,3]}", "a[1]"},
      {"{\"x\\\"y\":{\"n\":-99999999999999999999999}}", "x\"y.n"},
      {"{\"m\":{\"p\":1e21,\"q\":[18446744073709551616,1e300]}}", "m.q[0]"},
      {"{\"a\":1e400}", NULL},
      {"[100000000000000000000,1e99999999999999999999]", NULL},
      {"{\"a\":100000000000000000000,}", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_error_t err;
    const char *t = cases[i][0];
    CHECK(json_loads(t, 0, &err) == NULL && json_error_code(&err) == json_error_numeric_overflow);
    int rc = jcs_overflow_name(t, strlen(t), err.position, 0, path, sizeof path);
    CHECK(cases[i][1] ? rc == 0 && strcmp(path, cases[i][1]) == 0 : rc == -1);
  }
}

static void test_depth(void)
{
  json_t *root = json_array(), *cur = root;
  for (int i = 0; i < JCS_MAX_DEPTH + 1; i++) {
    json_t *next = json_array();
    json_array_append_new(cur, next);
    cur = next;
  }
  CHECK(jcs_canonicalize(root, NULL) == NULL);
  json_decref(root);
}

int main(void)
{
  RUN(test_vectors);
  RUN(test_numbers);
  RUN(test_parsed_numbers);
  RUN(test_integers);
  RUN(test_non_finite);
  RUN(test_key_order);
  RUN(test_escaping);
  RUN(test_literals_and_parse);
  RUN(test_load);
  RUN(test_integer_names);
  RUN(test_depth);
  return UNIT_END();
}
