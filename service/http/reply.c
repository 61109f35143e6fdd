/* reply.c: the only place responses are built; every one carries X-Request-Id, responses are not
 * cached unless a handler says otherwise for a 2xx, and errors always have the one problem+json
 * shape. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "http/reply.h"
#include "http/routes.h"
#include "log.h"

void reply_buffer(struct req *r, unsigned status, const char *ctype, char *buf, size_t len)
{
  if (r->replied) { /* the first response set stands */
    free(buf);
    return;
  }
  r->status = status;
  r->ctype = ctype;
  r->resp_body = buf;
  r->resp_len = len;
  r->replied = 1;
}

void reply_shared(struct req *r, unsigned status, const char *ctype, const char *body, size_t len,
                  void (*release)(void *ref), void *ref)
{
  if (r->replied) {
    release(ref);
    return;
  }
  reply_buffer(r, status, ctype, NULL, 0);
  r->resp_body = (char *)body;
  r->resp_len = len;
  r->resp_release = release;
  r->resp_ref = ref;
}

void reply_free_body(struct req *r)
{
  if (r->resp_release)
    r->resp_release(r->resp_ref);
  else
    free(r->resp_body);
  r->resp_release = NULL;
  r->resp_body = NULL;
}

void reply_stream(struct req *r, unsigned status, const char *ctype,
                  ssize_t (*reader)(void *cls, uint64_t pos, char *buf, size_t max), void *cls,
                  void (*free_cls)(void *cls))
{
  if (r->replied) {
    free_cls(cls);
    return;
  }
  reply_buffer(r, status, ctype, NULL, 0);
  r->resp_reader = reader;
  r->resp_cls = cls;
  r->resp_free = free_cls;
}

int reply_header(struct req *r, const char *name, const char *value)
{
  size_t n = strlen(value) + 1;
  if (r->nhdr == REQ_HEADERS_MAX || r->hdr_used + n > sizeof r->hdr_store) return -1;
  char *v = memcpy(r->hdr_store + r->hdr_used, value, n);
  r->hdr_used += n;
  r->hdr_name[r->nhdr] = name;
  r->hdr_value[r->nhdr++] = v;
  return 0;
}

void reply_discard(struct req *r)
{
  reply_free_body(r);
  r->resp_len = 0;
  r->replied = 0;
  if (r->resp_reader) r->resp_free(r->resp_cls);
  r->resp_reader = NULL;
}

void reply_send(struct req *r)
{
  if (!r->replied || r->sent) return;
  struct MHD_Response *resp =
      r->resp_reader    ? MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024,
                                                            r->resp_reader, r->resp_cls, r->resp_free)
      : r->resp_release ? MHD_create_response_from_buffer_with_free_callback_cls(
                              r->resp_len, r->resp_body, r->resp_release, r->resp_ref)
                        : MHD_create_response_from_buffer(r->resp_len, r->resp_body,
                                                          r->resp_body ? MHD_RESPMEM_MUST_FREE
                                                                       : MHD_RESPMEM_PERSISTENT);
  if (!resp) return;
  r->resp_reader = NULL;  /* cls owned by MHD now */
  r->resp_body = NULL;    /* owned by MHD now */
  r->resp_release = NULL; /* ... and the shared body's reference */
  if (r->ctype) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
  MHD_add_response_header(resp, "X-Request-Id", r->request_id);
  int cache_set = 0;
  for (int i = 0; i < r->nhdr; i++) {
    MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
    cache_set |= strcasecmp(r->hdr_name[i], MHD_HTTP_HEADER_CACHE_CONTROL) == 0;
  }
  if (!cache_set)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
                            r->cache && r->status / 100 == 2 ? r->cache : "no-store");
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  if (r->allow[0] && r->status == 405)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
  if (r->retry_after) {
    char ra[16];
    snprintf(ra, sizeof ra, "%u", r->retry_after);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
  }
  if (r->replayed) MHD_add_response_header(resp, "Idempotent-Replayed", "true");
  if (MHD_queue_response(r->conn, r->status, resp) == MHD_YES) r->sent = 1;
  MHD_destroy_response(resp);
}

void reply_json(struct req *r, unsigned status, json_t *body)
{
  char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  if (!s) {
    reply_problem(r, DDC_ERR_INTERNAL, NULL, "out of memory rendering the response");
    return;
  }
  reply_buffer(r, status, "application/json", s, strlen(s));
}

json_t *reply_problem_body(enum ddc_err e, const char *field, const char *detail)
{
  const struct ddc_error_info *info = errors_info(e);
  char type[96];
  snprintf(type, sizeof type, "urn:ddcd:problem:%s", info->code);
  json_t *p =
      json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", type, "title", info->title, "status",
                (int)info->status, "detail", detail ? detail : info->title, "code", info->code);
  if (p && field) json_object_set_new(p, "field", json_string(field));
  return p;
}

/* Renders the problem object p (reference stolen) with e's status. */
static void reply_problem_set(struct req *r, enum ddc_err e, json_t *p)
{
  char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
  unsigned status = errors_info(e)->status;
  if (status >= 500)
    log_msg(LOG_WARN, "%s %s: %s", r->method, r->route ? r->route->pattern : "-",
            p ? json_string_value(json_object_get(p, "detail")) : "out of memory");
  json_decref(p);
  if (!s) {
    static const char oom[] =
        "{\"type\":\"urn:ddcd:problem:internal\",\"title\":\"Internal error\","
        "\"status\":500,\"detail\":\"out of memory\",\"code\":\"internal\"}";
    reply_text(r, 500, "application/problem+json", oom, sizeof oom - 1);
    return;
  }
  reply_buffer(r, status, "application/problem+json", s, strlen(s));
}

void reply_problem(struct req *r, enum ddc_err e, const char *field, const char *fmt, ...)
{
  char detail[512];
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
  }
  reply_problem_set(r, e, reply_problem_body(e, field, fmt ? detail : NULL));
}

void reply_problem_members(struct req *r, enum ddc_err e, const char *detail, json_t *members)
{
  json_t *p = reply_problem_body(e, NULL, detail);
  if (p && json_is_object(members)) json_object_update_missing(p, members);
  json_decref(members);
  reply_problem_set(r, e, p);
}

void reply_error(struct req *r, enum ddc_err e)
{
  const char *extra = "", *detail = errors_detail(e, &extra);
  json_t *x = extra[0] ? json_loads(extra, 0, NULL) : NULL;
  json_t *p = reply_problem_body(e, json_string_value(json_object_get(x, "field")), detail);
  if (p && json_is_object(x)) {
    json_object_del(x, "field");
    json_object_update_missing(p, x); /* extension members: never overwrite the standard ones */
  }
  json_decref(x);
  reply_problem_set(r, e, p);
}

void reply_result(struct req *r, enum ddc_err e, unsigned status, char *json)
{
  if (e == DDC_ERR_OK && json) {
    reply_buffer(r, status, "application/json", json, strlen(json));
    return;
  }
  free(json);
  reply_error(r, e == DDC_ERR_OK ? DDC_ERR_INTERNAL : e);
}

void reply_text(struct req *r, unsigned status, const char *ctype, const char *text, size_t len)
{
  char *copy = malloc(len ? len : 1);
  if (!copy) return;
  memcpy(copy, text, len);
  reply_buffer(r, status, ctype, copy, len);
}

void reply_cache(struct req *r, const char *cache_control)
{
  r->cache = cache_control;
}

void reply_empty(struct req *r, unsigned status)
{
  reply_buffer(r, status, NULL, NULL, 0);
}
