/* reply.h: setting the response of a request (sent by the server after commit): JSON, problem+json
 * (RFC 9457), plain bodies. */
#ifndef DDC_REPLY_H
#define DDC_REPLY_H
#include <jansson.h>
#include "errors.h"
#include "http/request.h"

/* Sends body (reference stolen) as application/json. */
void reply_json(struct req *r, unsigned status, json_t *body);
/* Sends {type,title,status,detail,code,field?} with the status the registry fixes for e.
 * field may be NULL; detail is printf-style and may be NULL (the title is used). */
void reply_problem(struct req *r, enum ddc_err e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The problem object itself (new reference); detail NULL means the registry's title. */
json_t *reply_problem_body(enum ddc_err e, const char *field, const char *detail);
/* A problem with extension members (merged, never over the standard ones; reference stolen). */
void reply_problem_members(struct req *r, enum ddc_err e, const char *detail, json_t *members);
/* A domain outcome with the registry's title as detail. */
void reply_error(struct req *r, enum ddc_err e);
/* A domain call's outcome: on DDC_ERR_OK its JSON text (malloc'ed, taken) with status, else the
 * error with the detail the database gave (json is freed). */
void reply_result(struct req *r, enum ddc_err e, unsigned status, char *json);
/* Sends a copy of text with the given content type. */
void reply_text(struct req *r, unsigned status, const char *ctype, const char *text, size_t len);
/* Sends a malloc'ed buffer, which is freed by the server. */
void reply_buffer(struct req *r, unsigned status, const char *ctype, char *buf, size_t len);
/* Sends body[0..len) as it is, shared with others (not copied): release(ref) is called once
 * nothing here needs it any more (sent, discarded or never sent). */
void reply_shared(struct req *r, unsigned status, const char *ctype, const char *body, size_t len,
                  void (*release)(void *ref), void *ref);
void reply_empty(struct req *r, unsigned status);
/* Cache-Control for the response if it is a 2xx (a static string, e.g. one of these); every other
 * response, and any without this call, is "no-store". */
#define REPLY_CACHE_IMMUTABLE "public, max-age=31536000, immutable"
#define REPLY_CACHE_SHORT "public, max-age=1"
#define REPLY_CACHE_REVALIDATE "no-cache"
void reply_cache(struct req *r, const char *cache_control);
/* A body made as it is sent: MHD calls reader (a MHD_ContentReaderCallback) on this request's
 * thread until it returns MHD_CONTENT_READER_END_OF_STREAM, then free_cls(cls). */
void reply_stream(struct req *r, unsigned status, const char *ctype,
                  ssize_t (*reader)(void *cls, uint64_t pos, char *buf, size_t max), void *cls,
                  void (*free_cls)(void *cls));
/* Adds a response header (name static, value copied); a Cache-Control header replaces the
 * default "no-store". Returns 0, or -1 when there is no room left. */
int reply_header(struct req *r, const char *name, const char *value);
/* Frees or releases the response body set (the server, once a request is done). */
void reply_free_body(struct req *r);
/* Drops the response set so far (when the transaction behind it did not commit). */
void reply_discard(struct req *r);
/* Queues the response set to MHD; the server calls it once the request's work is committed. */
void reply_send(struct req *r);

#endif
