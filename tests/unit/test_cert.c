/* test_cert.c: the certificate rules that need no database: kinds and their required metadata,
 * field formats and limits (cert_check), and the message a holder signs for a transfer. */
#include <stdlib.h>
#include <string.h>
#include "domain/cert.h"
#include "domain/lifecycle.h"
#include "unit.h"

/* cert_check on a request built from JSON text; returns the error and the field it names. */
static enum ddc_err check(const char *kind, const char *metadata, const char **field)
{
  static char fieldbuf[96];
  json_t *md = json_loads(metadata, 0, NULL);
  struct cert_mint_req m = {.kind = kind, .metadata = md};
  errors_clear();
  enum ddc_err e = cert_check(&m);
  const char *extra = "";
  *field = "";
  if (e != DDC_ERR_OK && errors_detail(e, &extra)) {
    json_t *x = json_loads(extra, 0, NULL);
    snprintf(fieldbuf, sizeof fieldbuf, "%s", json_string_value(json_object_get(x, "field")));
    *field = fieldbuf;
    json_decref(x);
  }
  json_decref(md);
  return e;
}

static void test_kinds(void)
{
  const char *f;
  CHECK(check("generic", "{\"title\":\"t\"}", &f) == DDC_ERR_OK);
  CHECK(check("generic", "{}", &f) == DDC_ERR_MISSING_FIELD && !strcmp(f, "metadata.title"));
  CHECK(check("generic", "{\"title\":\"\"}", &f) == DDC_ERR_INVALID_FIELD);
  CHECK(check("generic", "{\"title\":5}", &f) == DDC_ERR_INVALID_FIELD);
  CHECK(check("poem", "{\"title\":\"t\"}", &f) == DDC_ERR_INVALID_FIELD && !strcmp(f, "kind"));
  const char *ok = "{\"title\":\"Song\",\"authors\":[\"A\",\"B\"],\"work_type\":\"music\","
                   "\"created_on\":\"2026-01-02\",\"registration_no\":\"R-1\"}";
  CHECK(check("copyright", ok, &f) == DDC_ERR_OK);
  CHECK(check("copyright",
              "{\"title\":\"Song\",\"authors\":[],\"work_type\":\"music\","
              "\"created_on\":\"2026-01-02\",\"registration_no\":\"R-1\"}",
              &f) == DDC_ERR_INVALID_FIELD &&
        !strcmp(f, "metadata.authors"));
  CHECK(check("copyright",
              "{\"title\":\"Song\",\"authors\":[\"A\"],\"work_type\":\"music\","
              "\"created_on\":\"2026-02-30\",\"registration_no\":\"R-1\"}",
              &f) == DDC_ERR_INVALID_FIELD &&
        !strcmp(f, "metadata.created_on"));
  CHECK(check("diploma", "{\"student_name\":\"S\"}", &f) == DDC_ERR_MISSING_FIELD &&
        !strcmp(f, "metadata.student_id"));
}

static void test_limits(void)
{
  const char *f;
  CHECK(check("generic", "{\"title\":\"t\",\"n\":9007199254740992}", &f) == DDC_ERR_OK);
  CHECK(check("generic", "{\"title\":\"t\",\"n\":[9007199254740993]}", &f) ==
            DDC_ERR_INVALID_FIELD &&
        !strcmp(f, "metadata"));
  size_t n = 70000;
  char *big = malloc(n + 64);
  strcpy(big, "{\"title\":\"t\",\"pad\":\"");
  memset(big + strlen(big), 'x', n);
  strcpy(big + 20 + n, "\"}");
  CHECK(check("generic", big, &f) == DDC_ERR_INVALID_FIELD && !strcmp(f, "metadata"));
  free(big);

  json_t *md = json_pack("{s:s}", "title", "t");
  struct cert_mint_req m = {.kind = "generic", .metadata = md};
  m.content_hash = "abc";
  CHECK(cert_check(&m) == DDC_ERR_INVALID_FIELD);
  m.content_hash = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
  CHECK(cert_check(&m) == DDC_ERR_OK);
  m.uri = "no scheme";
  CHECK(cert_check(&m) == DDC_ERR_INVALID_FIELD);
  m.uri = "ipfs://bafy/x";
  CHECK(cert_check(&m) == DDC_ERR_OK);
  m.valid_from = "2026-01-02";
  m.valid_until = "2026-01-01T23:59:59Z";
  CHECK(cert_check(&m) == DDC_ERR_INVALID_FIELD);
  m.valid_until = "2027-01-01";
  CHECK(cert_check(&m) == DDC_ERR_OK);
  json_decref(md);
}

static void test_transfer_message(void)
{
  size_t len;
  char *m = lifecycle_transfer_message(7, 12, "n-1", "2030-01-01T00:00:00Z", &len);
  const char *want = "{\"action\":\"transfer\",\"ddc_id\":7,\"deadline\":\"2030-01-01T00:00:00Z\","
                     "\"nonce\":\"n-1\",\"to\":12}";
  CHECK(m && strcmp(m, want) == 0 && len == strlen(want));
  free(m);
}

int main(void)
{
  RUN(test_kinds);
  RUN(test_limits);
  RUN(test_transfer_message);
  return UNIT_END();
}
