/* test_did.c: issuer DIDs (did:web) from public URLs, verification-method ids, domain DIDs. */
#include <string.h>
#include "domain/did.h"
#include "unit.h"

static void test_issuer(void)
{
  char d[DID_MAX];
  CHECK(did_issuer("https://ddc.example.org", 7, d) == 0);
  CHECK(!strcmp(d, "did:web:ddc.example.org:issuers:7"));
  CHECK(did_issuer("http://127.0.0.1:8080", 12, d) == 0);
  CHECK(!strcmp(d, "did:web:127.0.0.1%3A8080:issuers:12"));
  CHECK(did_issuer("https://example.org/ddc/v2", 1, d) == 0);
  CHECK(!strcmp(d, "did:web:example.org:ddc:v2:issuers:1"));
  CHECK(did_issuer("http://[::1]:8080", 3, d) == 0);
  CHECK(!strcmp(d, "did:web:%5B%3A%3A1%5D%3A8080:issuers:3"));
  CHECK(did_issuer("ftp://example.org", 1, d) == -1);
  CHECK(did_issuer("https://", 1, d) == -1);
  char longurl[DID_MAX + 20] = "https://";
  memset(longurl + 8, 'a', DID_MAX);
  longurl[DID_MAX + 8] = 0;
  CHECK(did_issuer(longurl, 1, d) == -1);
}

static void test_vm(void)
{
  char d[DID_MAX];
  int64_t k = 0;
  CHECK(did_vm("did:web:h:issuers:1", 42, d) == 0);
  CHECK(!strcmp(d, "did:web:h:issuers:1#42"));
  CHECK(did_vm_key(d, "did:web:h:issuers:1", &k) == 0 && k == 42);
  CHECK(did_vm_key(d, "did:web:h:issuers:2", &k) == -1);
  CHECK(did_vm_key("did:web:h:issuers:1#", "did:web:h:issuers:1", &k) == -1);
  CHECK(did_vm_key("did:web:h:issuers:1#01", "did:web:h:issuers:1", &k) == -1);
  CHECK(did_vm_key("did:web:h:issuers:1#4x", "did:web:h:issuers:1", &k) == -1);
  CHECK(did_vm_key("did:web:h:issuers:1#99999999999999999999", "did:web:h:issuers:1", &k) == -1);
}

static void test_domain(void)
{
  char d[DID_MAX];
  CHECK(did_domain("copyright.gov.example", d) == 0);
  CHECK(!strcmp(d, "did:web:copyright.gov.example"));
  CHECK(did_domain("localhost:8443", d) == 0);
  CHECK(!strcmp(d, "did:web:localhost%3A8443"));
  CHECK(did_domain("a.example/x", d) == -1);
  CHECK(did_domain("", d) == -1);
}

int main(void)
{
  RUN(test_issuer);
  RUN(test_vm);
  RUN(test_domain);
  return UNIT_END();
}
