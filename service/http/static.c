/* static.c: finding and serving the embedded files of web/ with their ETags; the table itself is
 * generated at build time (build/gen/webfiles.c). */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/reply.h"
#include "http/static.h"

const struct static_file *static_find(const char *name)
{
  for (unsigned i = 0; i < static_files_count; i++)
    if (strcmp(static_files[i].name, name) == 0) return &static_files[i];
  return NULL;
}

int static_etag_matches(const char *inm, const char *etag)
{
  size_t want = strlen(etag);
  while (inm && *inm) {
    inm += strspn(inm, " \t,");
    size_t n = strcspn(inm, ",");
    while (n > 0 && (inm[n - 1] == ' ' || inm[n - 1] == '\t'))
      n--;
    if (n == 1 && inm[0] == '*') return 1;
    const char *tag = inm;
    if (n > 2 && strncmp(tag, "W/", 2) == 0) { /* If-None-Match compares weakly */
      tag += 2;
      n -= 2;
    }
    if (n == want && memcmp(tag, etag, n) == 0) return 1;
    inm = tag + n;
    inm += strcspn(inm, ",");
  }
  return 0;
}

/* The file with every "{{lang}}" replaced by lang: malloc'ed, its length in *len; or NULL. */
static char *static_localized(const struct static_file *f, const char *lang, size_t *len)
{
  static const char mark[] = "{{lang}}";
  size_t ml = sizeof mark - 1, ll = strlen(lang), o = 0;
  char *out = malloc(f->len * (ll > ml ? ll : ml) / ml + 1);
  if (!out) return NULL;
  for (size_t i = 0; i < f->len;) {
    if (f->len - i >= ml && memcmp(f->data + i, mark, ml) == 0) {
      memcpy(out + o, lang, ll);
      o += ll;
      i += ml;
    } else {
      out[o++] = (char)f->data[i++];
    }
  }
  *len = o;
  return out;
}

void static_reply(struct req *r, const struct static_file *f, const char *lang)
{
  char etag[64];
  snprintf(etag, sizeof etag, "%.*s%s%s\"", (int)strlen(f->etag) - 1, f->etag, lang ? "-" : "",
           lang ? lang : "");
  reply_header(r, MHD_HTTP_HEADER_ETAG, etag);
  reply_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
  const char *inm = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-None-Match");
  if (static_etag_matches(inm, etag)) {
    reply_empty(r, 304);
    return;
  }
  if (!lang) {
    reply_text(r, 200, f->ctype, (const char *)f->data, f->len);
    return;
  }
  size_t len;
  char *body = static_localized(f, lang, &len);
  if (body)
    reply_buffer(r, 200, f->ctype, body, len);
  else
    reply_problem(r, DDC_ERR_INTERNAL, NULL, "out of memory");
}
