/* test_cert.c: the certificate rules that need no database: kinds and their required metadata,
 * field formats and limits (cert_check), the signed document and mint event as written out member
 * by member (against JCS of the same values built as a JSON tree), and the message a holder signs
 * for a transfer. */
#include <stdlib.h>
#include <string.h>
#include "crypto/jcs.h"
#include "db/batches.h"
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
  enum ddc_err e = cert_check(&m, NULL);
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
        !strcmp(f, "metadata.n[0]"));
  CHECK(check("generic", "{\"title\":\"t\",\"n\":[1e20,-1.5e300]}", &f) == DDC_ERR_OK);
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
  CHECK(cert_check(&m, NULL) == DDC_ERR_INVALID_FIELD);
  m.content_hash = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
  CHECK(cert_check(&m, NULL) == DDC_ERR_OK);
  m.uri = "no scheme";
  CHECK(cert_check(&m, NULL) == DDC_ERR_INVALID_FIELD);
  m.uri = "ipfs://bafy/x";
  CHECK(cert_check(&m, NULL) == DDC_ERR_OK);
  m.valid_from = "2026-01-02";
  m.valid_until = "2026-01-01T23:59:59Z";
  CHECK(cert_check(&m, NULL) == DDC_ERR_INVALID_FIELD);
  m.valid_until = "2027-01-01";
  CHECK(cert_check(&m, NULL) == DDC_ERR_OK);
  json_decref(md);
}

/* A random string of printable ASCII, quotes, backslashes, controls and multi-byte UTF-8. */
static void random_text(char *out, size_t cap)
{
  static const char *pieces[] = {
      "a",  "Z",  "0",    " ",    "\"",       "\\",           "/",
      "\n", "\t", "\x01", "\x7f", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
      ",",  "<"};
  size_t n = 0, want = (size_t)(rand() % 24);
  out[0] = 0;
  for (size_t i = 0; i < want; i++) {
    const char *p = pieces[rand() % (int)(sizeof pieces / sizeof pieces[0])];
    if (n + strlen(p) + 1 > cap) break;
    strcpy(out + n, p);
    n += strlen(p);
  }
}

/* JCS of the document d should be, built as a JSON tree from the request and d's own code and
 * times. */
static char *document_tree_jcs(const struct cert_mint_req *m, const struct cert_doc *d, int64_t id)
{
  char hash[65] = "";
  for (int i = 0; m->content_hash && i < 64; i++)
    hash[i] =
        (char)(m->content_hash[i] >= 'A' && m->content_hash[i] <= 'F' ? m->content_hash[i] + 32
                                                                      : m->content_hash[i]);
  json_t *tree = json_pack("{s:s, s:I, s:s, s:I, s:s, s:O, s:o, s:o, s:o, s:o, s:s, s:I}", "type",
                           "ddc.certificate/v1", "ddcId", (json_int_t)id, "code", d->code, "issuer",
                           (json_int_t)42, "kind", m->kind, "metadata", m->metadata, "contentHash",
                           m->content_hash ? json_string(hash) : json_null(), "uri",
                           m->uri ? json_string(m->uri) : json_null(), "validFrom",
                           m->valid_from ? json_string(d->from) : json_null(), "validUntil",
                           m->valid_until ? json_string(d->until) : json_null(), "issuedAt",
                           d->issued, "keyId", (json_int_t)7);
  char *text = tree ? jcs_canonicalize(tree, NULL) : NULL;
  json_decref(tree);
  return text;
}

/* The columns of a COPY text line (one line, ended by a newline; tabs in values are escaped). */
static int copy_columns(const struct db_batch_buf *b)
{
  int n = 1;
  for (size_t i = 0; i < b->len; i++) {
    n += b->p[i] == '\t';
    if (b->p[i] == '\n' && i + 1 != b->len) return -1;
  }
  return b->len && b->p[b->len - 1] == '\n' ? n : -1;
}

/* A batch row's COPY lines: one line a table, of its columns, the event's text as written. */
static void copy_case(const struct cert_doc *d, const char *event)
{
  struct db_batch_buf out[DB_BATCH_TABLES] = {0};
  CHECK(db_batch_mint_copy(out, 9, 3, 77, &d->row) == 0);
  CHECK(copy_columns(&out[DB_BATCH_CERTS]) == 18 && copy_columns(&out[DB_BATCH_EVENTS]) == 7 &&
        copy_columns(&out[DB_BATCH_PENDING]) == 1 && copy_columns(&out[DB_BATCH_MINTED]) == 3 &&
        out[DB_BATCH_ERRORS].len == 0);
  CHECK(out[DB_BATCH_EVENTS].p && strstr(out[DB_BATCH_EVENTS].p, event)); /* nothing to escape */
  CHECK(out[DB_BATCH_PENDING].p && strcmp(out[DB_BATCH_PENDING].p, "77\n") == 0);
  for (int t = 0; t < DB_BATCH_TABLES; t++)
    db_batch_buf_free(&out[t]);
}

/* One document: cert_document's text, from the metadata tree and from its JCS text as batches
 * give it, must be JCS of the document built as a tree; the mint event must be its own JCS form,
 * hash to what cert_mint_event says and be the one the row to insert carries. */
static void document_case(const char *kind, json_t *md, const char *hash, const char *uri,
                          const char *from, const char *until)
{
  uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  struct cert_mint_req m = {.kind = kind,
                            .owner_id = rand() % 3,
                            .metadata = md,
                            .content_hash = hash,
                            .uri = uri,
                            .valid_from = from,
                            .valid_until = until};
  struct cert_doc d, d2;
  int64_t id = 1 + rand() % 100000000;
  CHECK(cert_document(42, id, 7, sk, &m, &d) == DDC_ERR_OK);
  char *want = document_tree_jcs(&m, &d, id);
  CHECK(want && d.text && strlen(want) == d.len && memcmp(want, d.text, d.len) == 0);
  CHECK(crypto_sign_verify_detached(d.row.signature, (const uint8_t *)d.text, d.len, pk) == 0);
  char *mdtext = jcs_canonicalize(md, NULL);
  struct cert_mint_req m2 = m;
  m2.metadata_jcs = mdtext;
  CHECK(cert_document(42, id, 7, sk, &m2, &d2) == DDC_ERR_OK);
  char *want2 = document_tree_jcs(&m, &d2, id);
  CHECK(want2 && d2.text && strcmp(want2, d2.text) == 0);
  char event[1024];
  uint8_t h[32], h2[32];
  size_t elen = cert_mint_event(&d, event, sizeof event, h);
  json_t *ev = elen ? jcs_parse(event, elen, NULL) : NULL;
  char *evc = ev ? jcs_canonicalize(ev, NULL) : NULL;
  CHECK(evc && strcmp(evc, event) == 0);
  crypto_hash_sha256(h2, (const uint8_t *)event, elen);
  CHECK(memcmp(h, h2, 32) == 0);
  /* the row both writers insert carries that same event (a single mint and a batch alike) */
  CHECK(d.row.event && strcmp(d.row.event, event) == 0 && memcmp(d.row.event_hash, h, 32) == 0);
  copy_case(&d, event);
  json_t *data = json_object_get(ev, "data");
  CHECK(json_number_value(json_object_get(ev, "ddcId")) == (double)id && /* jcs_parse: doubles */
        json_number_value(json_object_get(data, "owner")) == (m.owner_id ? m.owner_id : 42) &&
        strcmp(json_string_value(json_object_get(ev, "time")), d.issued) == 0);
  CHECK(cert_mint_event(&d, event, 64, h) == 0); /* too small: refused, not cut */
  free(evc);
  json_decref(ev);
  free(mdtext);
  free(want);
  free(want2);
  cert_doc_free(&d);
  cert_doc_free(&d2);
}

static void test_document(void)
{
  const char *kinds[] = {"copyright", "diploma", "generic"};
  srand(20261123);
  for (int i = 0; i < 300; i++) {
    char a[128], b[128], c[128], uri[128];
    random_text(a, sizeof a);
    random_text(b, sizeof b);
    random_text(c, sizeof c);
    random_text(uri, sizeof uri);
    json_t *md = json_pack("{s:s, s:s, s:[s, i], s:f}", a, b, "title", c, "list", a, rand(), "n",
                           rand() / 7.0);
    document_case(kinds[i % 3], md,
                  i % 2 ? "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789" : NULL,
                  i % 3 ? uri : NULL, i % 4 ? "2026-06-30" : NULL,
                  i % 5 ? "2036-06-30T12:00:00+08:00" : NULL);
    json_decref(md);
  }
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
  RUN(test_document);
  RUN(test_transfer_message);
  return UNIT_END();
}
