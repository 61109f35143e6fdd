/* idempotency.c: Idempotency-Key on POST and PUT. The key's claim, the handler's work and the
 * stored response commit in one transaction: a replay (same key, same request) returns the stored
 * response and never repeats the work or a charge; the same key with another request is 422.
 * Only 2xx responses are stored; anything else rolls back, so a retry runs again. Stored
 * responses are sealed with a subkey of the master key (a new API key's secret may be in one). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/keys.h"
#include "db/idempotency.h"
#include "http/idempotency.h"
#include "http/reply.h"
#include "http/routes.h"

static const char *idem_header(struct req *r)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key");
}

int idem_applies(struct req *r)
{
  return idem_header(r) && routes_keyed(r->route) &&
         (strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0);
}

/* SHA-256 over method, URL and body: what makes two requests "the same". */
static void idem_request_hash(struct req *r, uint8_t out[32])
{
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, (const uint8_t *)r->method, strlen(r->method) + 1);
  crypto_hash_sha256_update(&st, (const uint8_t *)r->url, strlen(r->url) + 1);
  crypto_hash_sha256_update(&st, (const uint8_t *)(r->body ? r->body : ""), r->body_len);
  crypto_hash_sha256_final(&st, out);
}

static const char *idem_ctype(const char *stored)
{
  static const char *const known[] = {"application/json", "application/problem+json",
                                      "text/plain; charset=utf-8", "text/csv; charset=utf-8"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(stored, known[i]) == 0) return known[i];
  return NULL;
}

/* Stored form: content type, a newline, the body. */
static void idem_replay(struct req *r, int status, const uint8_t *sealed, size_t sealed_len)
{
  size_t n;
  char *plain = (char *)keys_open(KEYS_STORED_RESPONSES, sealed, sealed_len, &n);
  char *nl = plain ? memchr(plain, '\n', n) : NULL;
  if (!nl) {
    free(plain);
    reply_problem(r, DDC_ERR_INTERNAL, NULL, "the stored response cannot be opened");
    return;
  }
  *nl = 0;
  size_t body_len = n - (size_t)(nl + 1 - plain);
  char *body = malloc(body_len + 1);
  if (body) memcpy(body, nl + 1, body_len);
  reply_buffer(r, (unsigned)status, idem_ctype(plain), body, body ? body_len : 0);
  r->replayed = 1;
  free(plain);
}

/* Seals and stores the handler's 2xx response; 0 or -1. */
static int idem_store(struct req *r, const char *key)
{
  const char *ct = r->ctype ? r->ctype : "";
  size_t cl = strlen(ct), n = cl + 1 + r->resp_len, box_len;
  char *plain = malloc(n);
  if (!plain) return -1;
  memcpy(plain, ct, cl);
  plain[cl] = '\n';
  if (r->resp_len) memcpy(plain + cl + 1, r->resp_body, r->resp_len);
  uint8_t *box = keys_seal(KEYS_STORED_RESPONSES, (const uint8_t *)plain, n, &box_len);
  sodium_memzero(plain, n);
  free(plain);
  enum ddc_err e =
      box ? db_idem_store(r->who.account_id, key, (int)r->status, box, box_len) : DDC_ERR_INTERNAL;
  free(box);
  return e == DDC_ERR_OK ? 0 : -1;
}

void idem_run(struct req *r)
{
  const char *key = idem_header(r);
  size_t kl = strlen(key);
  if (kl == 0 || kl > IDEM_KEY_MAX ||
      strspn(key, "!#$%&'*+-.0123456789:=@ABCDEFGHIJKLMNOPQRSTUVW"
                  "XYZ^_`abcdefghijklmnopqrstuvwxyz|~/") != kl) {
    reply_problem(r, DDC_ERR_BAD_HEADER, "Idempotency-Key",
                  "Idempotency-Key must be 1 to %d printable characters without spaces",
                  IDEM_KEY_MAX);
    return;
  }
  uint8_t hash[32], *sealed = NULL;
  size_t sealed_len = 0;
  int status = 0;
  enum idem_outcome outcome;
  idem_request_hash(r, hash);
  if (db_tx_begin() != 0) {
    reply_error(r, DDC_ERR_DB_UNAVAILABLE);
    return;
  }
  enum ddc_err e =
      db_idem_claim(r->who.account_id, key, hash, &outcome, &status, &sealed, &sealed_len);
  if (e != DDC_ERR_OK || outcome != IDEM_NEW) {
    db_tx_rollback();
    if (e != DDC_ERR_OK)
      reply_error(r, e);
    else if (outcome == IDEM_MISMATCH)
      reply_problem(r, DDC_ERR_IDEMPOTENCY_KEY_REUSED, "Idempotency-Key",
                    "this Idempotency-Key was first used with a different request");
    else
      idem_replay(r, status, sealed, sealed_len);
    free(sealed);
    return;
  }
  r->route->handler(r);
  if (r->replied && r->status >= 200 && r->status < 300) {
    if (idem_store(r, key) == 0 && db_tx_commit() == 0) return;
    db_tx_rollback();
    reply_discard(r);
    reply_problem(r, DDC_ERR_DB_UNAVAILABLE, NULL, "the request could not be committed; retry");
    return;
  }
  db_tx_rollback();
}
