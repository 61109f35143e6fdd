/* session.c: the console's sessions (see session.h). The cookie holds 32 random bytes in hex;
 * the database keeps only their SHA-256. The CSRF token is derived from the cookie's token
 * (BLAKE2b keyed with a fixed label), so a page can be told it again after a reload and no other
 * site, which cannot read the cookie, can compute it. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "crypto/apikey.h"
#include "crypto/codes.h"
#include "db/sessions.h"
#include "http/addrkey.h"
#include "http/auth.h"
#include "http/reply.h"
#include "http/session.h"

#define SESSION_TOKEN_BYTES 32

static unsigned session_idle_s = 1800, session_max_s = 28800, session_failures = 10;
static char session_origin[256]; /* scheme://host[:port] of DDC_PUBLIC_URL; "": from Host */
static int session_secure;       /* the public URL is https: cookies are Secure */

void session_init(unsigned idle_s, unsigned max_s, unsigned failures, const char *public_url)
{
  session_idle_s = idle_s;
  session_max_s = max_s;
  session_failures = failures;
  const char *host = strstr(public_url, "://");
  size_t n = host ? (size_t)(host + 3 - public_url) + strcspn(host + 3, "/") : 0;
  snprintf(session_origin, sizeof session_origin, "%.*s", (int)n, public_url);
  session_secure = strncasecmp(public_url, "https://", 8) == 0;
}

static const char *session_header(struct req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* The cookie's token; -1 when there is none or it is not 64 hex digits. */
static int session_token(struct req *r, uint8_t token[SESSION_TOKEN_BYTES])
{
  const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
  if (!c || strlen(c) != 2 * SESSION_TOKEN_BYTES) return -1;
  return codes_unhex(c, token, SESSION_TOKEN_BYTES);
}

static void session_csrf_of(const uint8_t token[SESSION_TOKEN_BYTES], char out[65])
{
  static const uint8_t label[32] = "ddcd console CSRF token, v1.....";
  uint8_t mac[32];
  crypto_generichash(mac, sizeof mac, token, SESSION_TOKEN_BYTES, label, sizeof label);
  sodium_bin2hex(out, 65, mac, sizeof mac);
}

int session_carried(struct req *r)
{
  return !session_header(r, "Authorization") &&
         MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, SESSION_COOKIE) != NULL;
}

static int session_unsafe(const struct req *r)
{
  return strcmp(r->method, "GET") && strcmp(r->method, "HEAD") && strcmp(r->method, "OPTIONS");
}

/* 1 when the request may come from another origin: Sec-Fetch-Site other than same-origin, or an
 * Origin other than this service's (DDC_PUBLIC_URL's, else http:// and the Host header). */
static int session_foreign(struct req *r)
{
  const char *site = session_header(r, "Sec-Fetch-Site");
  if (site && strcmp(site, "same-origin") != 0) return 1;
  const char *origin = session_header(r, "Origin");
  if (!origin) return 0;
  if (session_origin[0]) return strcasecmp(origin, session_origin) != 0;
  const char *host = session_header(r, "Host");
  return !host || strncmp(origin, "http://", 7) != 0 || strcasecmp(origin + 7, host) != 0;
}

int session_guard(struct req *r)
{
  if (!session_unsafe(r)) return 0;
  if (session_foreign(r))
    reply_problem(r, DDC_ERR_CSRF_REJECTED, "Origin",
                  "a request with the session cookie must come from this site's own pages");
  else if (!session_header(r, SESSION_CSRF_HEADER))
    reply_problem(r, DDC_ERR_CSRF_REJECTED, SESSION_CSRF_HEADER,
                  "send the session's CSRF token in " SESSION_CSRF_HEADER);
  return r->replied ? -1 : 0;
}

enum ddc_err session_auth(struct req *r, struct principal *who, unsigned *retry_after)
{
  uint8_t token[SESSION_TOKEN_BYTES], hash[DB_SESSION_HASH_BYTES];
  if (session_token(r, token) != 0) return DDC_ERR_UNAUTHORIZED;
  if (session_unsafe(r)) {
    char want[65];
    const char *got = session_header(r, SESSION_CSRF_HEADER);
    session_csrf_of(token, want);
    if (!got || strlen(got) != 64 || sodium_memcmp(got, want, 64) != 0)
      return DDC_ERR_CSRF_REJECTED;
  }
  crypto_hash_sha256(hash, token, sizeof token);
  sodium_memzero(token, sizeof token);
  int64_t key_id;
  char prefix[APIKEY_PREFIX_LEN + 1], expires[40];
  enum ddc_err e = db_session_touch(hash, session_idle_s, &key_id, prefix, sizeof prefix, expires,
                                    sizeof expires);
  if (e != DDC_ERR_OK) return e;
  e = auth_check_key(prefix, key_id, who, retry_after);
  if (e == DDC_ERR_OK) r->session = 1;
  return e;
}

/* "{addr:<hex>}" or "{addr:<hex>,prefix:<prefix>}": what a failed sign-in counts against. */
static void session_subjects(struct req *r, const char *key, char *out, size_t cap)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  uint8_t addr[ADDRKEY_LEN];
  char hex[2 * ADDRKEY_LEN + 1], prefix[APIKEY_PREFIX_LEN + 1];
  addrkey_of(ci ? ci->client_addr : NULL, addr);
  sodium_bin2hex(hex, sizeof hex, addr, sizeof addr);
  if (apikey_parse(key, prefix) == 0)
    snprintf(out, cap, "{addr:%s,prefix:%s}", hex, prefix);
  else
    snprintf(out, cap, "{addr:%s}", hex);
}

/* 0 when a sign-in may be tried; -1 with a 429 (or 503) queued. */
static int session_signin_allowed(struct req *r, const char *subjects)
{
  if (!session_failures) return 0;
  int64_t wait_ms = 0;
  enum ddc_err e = db_signin_wait(subjects, session_failures, SESSION_SIGNIN_WINDOW_S, &wait_ms);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return -1;
  }
  if (wait_ms <= 0) return 0;
  r->retry_after = (unsigned)((wait_ms + 999) / 1000);
  reply_problem(r, DDC_ERR_RATE_LIMITED, NULL,
                "too many failed sign-ins from this address or with this key: wait %u s",
                r->retry_after);
  return -1;
}

static void session_set_cookie(struct req *r, const char *value, unsigned max_age)
{
  char cookie[256];
  snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%u; HttpOnly; SameSite=Strict%s",
           SESSION_COOKIE, value, max_age, session_secure ? "; Secure" : "");
  reply_header(r, "Set-Cookie", cookie);
}

/* The answer to a sign-in or GET /v1/session: who the session is, its CSRF token and timeouts. */
static void session_reply(struct req *r, unsigned status, const struct principal *who,
                          const char *csrf, const char *expires)
{
  json_t *o = json_pack("{sI sI ss sI si si}", "account_id", (json_int_t)who->account_id, "key_id",
                        (json_int_t)who->key_id, "role", role_name(who->role), "issuer_id",
                        (json_int_t)who->issuer_id, "idle_timeout_s", (int)session_idle_s,
                        "absolute_timeout_s", (int)session_max_s);
  if (o && csrf) json_object_set_new(o, "csrf_token", json_string(csrf));
  if (o && expires) json_object_set_new(o, "expires_at", json_string(expires));
  if (o && !who->issuer_id) json_object_set_new(o, "issuer_id", json_null());
  reply_json(r, status, o);
}

/* Checks key as a Bearer key would be; counts a wrong one. 0 with who, or -1 (reply queued). */
static int session_signin_key(struct req *r, const char *key, struct principal *who)
{
  char subjects[128], authz[16 + APIKEY_LEN + 1];
  session_subjects(r, key, subjects, sizeof subjects);
  if (session_signin_allowed(r, subjects) != 0) return -1;
  unsigned retry_after = 0;
  enum ddc_err e = DDC_ERR_UNAUTHORIZED;
  if (strlen(key) <= APIKEY_LEN) {
    snprintf(authz, sizeof authz, "Bearer %s", key);
    e = auth_check(authz, who, &retry_after);
    sodium_memzero(authz, sizeof authz);
  }
  if (e == DDC_ERR_UNAUTHORIZED) {
    if (session_failures) db_signin_failed(subjects, SESSION_SIGNIN_WINDOW_S);
    reply_problem(r, e, "key", "this is not a live API key");
  } else if (e != DDC_ERR_OK) {
    r->retry_after = retry_after;
    reply_error(r, e);
  }
  return r->replied ? -1 : 0;
}

void session_signin(struct req *r, const char *key)
{
  if (session_foreign(r)) {
    reply_problem(r, DDC_ERR_CSRF_REJECTED, "Origin", "sign in from this site's own pages");
    return;
  }
  struct principal who;
  if (session_signin_key(r, key, &who) != 0) return;
  uint8_t token[SESSION_TOKEN_BYTES], hash[DB_SESSION_HASH_BYTES];
  char hex[2 * SESSION_TOKEN_BYTES + 1], csrf[65], expires[40];
  randombytes_buf(token, sizeof token);
  crypto_hash_sha256(hash, token, sizeof token);
  enum ddc_err e = db_session_create(hash, who.key_id, session_max_s, expires, sizeof expires);
  if (e != DDC_ERR_OK) {
    reply_error(r, e);
    return;
  }
  sodium_bin2hex(hex, sizeof hex, token, sizeof token);
  session_csrf_of(token, csrf);
  session_set_cookie(r, hex, session_max_s);
  session_reply(r, 201, &who, csrf, expires);
  sodium_memzero(token, sizeof token);
  sodium_memzero(hex, sizeof hex);
}

void session_describe(struct req *r)
{
  uint8_t token[SESSION_TOKEN_BYTES];
  char csrf[65];
  int by_session = r->session && session_token(r, token) == 0;
  if (by_session) session_csrf_of(token, csrf);
  session_reply(r, 200, &r->who, by_session ? csrf : NULL, NULL);
}

void session_signout(struct req *r)
{
  uint8_t token[SESSION_TOKEN_BYTES], hash[DB_SESSION_HASH_BYTES];
  if (r->session && session_token(r, token) == 0) {
    crypto_hash_sha256(hash, token, sizeof token);
    enum ddc_err e = db_session_delete(hash);
    if (e != DDC_ERR_OK) {
      reply_error(r, e);
      return;
    }
  }
  session_set_cookie(r, "", 0);
  reply_empty(r, 204);
}
