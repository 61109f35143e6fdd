/* static.h: the files of web/, embedded in the binary at build time (scripts/embed_web.sh), and
 * serving them with their build-time ETags (If-None-Match -> 304). */
#ifndef DDC_STATIC_H
#define DDC_STATIC_H
#include <stddef.h>
#include "http/request.h"

struct static_file {
  const char *name;  /* "verify.js": web/'s files are one flat directory */
  const char *ctype; /* Content-Type */
  const char *etag;  /* strong, quoted: "\"<32 hex digits of its SHA-256>\"" */
  const unsigned char *data;
  size_t len;
};

extern const struct static_file static_files[];
extern const unsigned static_files_count;

/* The embedded file called name, or NULL. */
const struct static_file *static_find(const char *name);
/* Replies with f, or 304 when the request's If-None-Match names its ETag. With lang (an HTML
 * page), "{{lang}}" in the file becomes lang and the ETag names the language too. Every reply
 * must be revalidated (Cache-Control: no-cache), so a new binary's files are seen at once. */
void static_reply(struct req *r, const struct static_file *f, const char *lang);
/* 1 when the If-None-Match header value inm lists etag (or is "*"). */
int static_etag_matches(const char *inm, const char *etag);

#endif
