/* web.c: the citizen's pages (GET /, GET /c/{code}), the issuer's console (GET /console), their
 * static files and the QR code of a certificate page. Every response here carries the pages'
 * security headers; the pages choose their language (zh or en) from ?lang=, then the ddc_lang
 * cookie, then Accept-Language. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api/api.h"
#include "config.h"
#include "crypto/codes.h"
#include "http/body.h"
#include "http/qr.h"
#include "http/reply.h"
#include "http/static.h"

static char web_public_url[256]; /* "" : from the Host header */

void api_web_init(const char *public_url)
{
  snprintf(web_public_url, sizeof web_public_url, "%s", public_url);
}

static void web_headers(struct req *r)
{
  reply_header(r, "Content-Security-Policy",
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; "
               "frame-ancestors 'none'");
  reply_header(r, "Referrer-Policy", "no-referrer");
  reply_header(r, "X-Frame-Options", "DENY");
  reply_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  reply_header(r, "Cross-Origin-Resource-Policy", "same-origin");
  reply_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

/* "zh" or "en" when tag's primary subtag is one of them, else NULL. */
static const char *web_lang_of(const char *tag, size_t n)
{
  size_t primary = strcspn(tag, "-_;, \t");
  if (primary > n) primary = n;
  if (primary == 2 && strncasecmp(tag, "zh", 2) == 0) return "zh";
  if (primary == 2 && strncasecmp(tag, "en", 2) == 0) return "en";
  return NULL;
}

/* The language an Accept-Language value ranks highest: "zh" or "en" ("en" when it names
 * neither or is NULL). */
static const char *web_accept_language(const char *al)
{
  const char *best = NULL;
  double best_q = 0;
  while (al && *al) {
    al += strspn(al, " \t,");
    size_t n = strcspn(al, ",");
    const char *lang = web_lang_of(al, n), *qp = memchr(al, ';', n);
    double q = 1;
    if (qp && (qp = strstr(qp, "q=")) && qp < al + n) q = strtod(qp + 2, NULL);
    if (lang && q > best_q) {
      best = lang;
      best_q = q;
    }
    al += n;
  }
  return best ? best : "en";
}

/* The page's language; NULL when ?lang= is neither (400 queued). */
static const char *web_lang(struct req *r)
{
  const char *q = query_str(r, "lang");
  if (q) {
    const char *lang = web_lang_of(q, strlen(q));
    if (!lang || strlen(q) != 2) {
      reply_problem(r, DDC_ERR_INVALID_PARAMETER, "lang", "lang must be zh or en");
      return NULL;
    }
    reply_header(r, "Set-Cookie",
                 !strcmp(lang, "zh") ? "ddc_lang=zh; Path=/; Max-Age=31536000; SameSite=Strict"
                                     : "ddc_lang=en; Path=/; Max-Age=31536000; SameSite=Strict");
    return lang;
  }
  const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "ddc_lang");
  if (c && (!strcmp(c, "zh") || !strcmp(c, "en"))) return c;
  return web_accept_language(
      MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept-Language"));
}

static void web_page(struct req *r, const char *file)
{
  web_headers(r);
  const char *lang = web_lang(r);
  if (!lang) return;
  reply_header(r, "Vary", "Accept-Language, Cookie");
  const struct static_file *f = static_find(file);
  if (f)
    static_reply(r, f, lang);
  else
    reply_problem(r, DDC_ERR_INTERNAL, NULL, "%s is missing from the build", file);
}

void api_web_index(struct req *r)
{
  web_page(r, "index.html");
}

/* The page is the same for every code: the browser fetches the bundle and checks it. */
void api_web_cert(struct req *r)
{
  web_page(r, "certificate.html");
}

/* The console's one page; its views are drawn by its script from the API's answers. */
void api_web_console(struct req *r)
{
  web_page(r, "console/index.html");
}

void api_web_static(struct req *r)
{
  web_headers(r);
  const char *name = r->params[0];
  size_t n = strlen(name);
  const struct static_file *f =
      n > 5 && !strcmp(name + n - 5, ".html") ? NULL : static_find(name); /* pages: own routes */
  if (f)
    static_reply(r, f, NULL);
  else
    reply_problem(r, DDC_ERR_NOT_FOUND, NULL, "no such file");
}

void api_public_base(struct req *r, char *out, size_t cap)
{
  const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
  if (web_public_url[0])
    snprintf(out, cap, "%s", web_public_url);
  else if (host && config_host_valid(host, strlen(host)))
    snprintf(out, cap, "http://%s", host);
  else
    snprintf(out, cap, "http://127.0.0.1:8080");
}

/* The public URL of the certificate page. */
static void web_page_url(struct req *r, const char *code, char *out, size_t cap)
{
  char base[300];
  api_public_base(r, base, sizeof base);
  snprintf(out, cap, "%s/c/%s", base, code);
}

void api_web_qr(struct req *r)
{
  web_headers(r);
  const char *code = r->params[0];
  if (!codes_is_base32(code, 26)) {
    reply_problem(r, DDC_ERR_NOT_FOUND, NULL, "no certificate has this code");
    return;
  }
  char url[512];
  size_t len;
  web_page_url(r, code, url, sizeof url);
  char *svg = qr_svg(url, &len);
  if (!svg) {
    reply_problem(r, DDC_ERR_INTERNAL, NULL, "the QR code could not be drawn");
    return;
  }
  reply_header(r, "Cache-Control", "public, max-age=3600");
  reply_buffer(r, 200, "image/svg+xml", svg, len);
}
