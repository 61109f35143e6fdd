/* request.h: the per-request context shared by the server, the router and the handlers. */
#ifndef DDC_REQUEST_H
#define DDC_REQUEST_H
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "domain/account.h"
#include "http/bodyrate.h"

#define REQ_PATH_MAX 1024
#define REQ_PARAMS_MAX 4
#define REQ_BODY_MAX (1024 * 1024)
#define REQ_BODY_DRAIN_MAX (8 * REQ_BODY_MAX) /* past this a too-large body is refused unread */
#define REQ_HEADERS_MAX 12                    /* extra response headers (reply_header) */
#define REQ_HEADER_BYTES 1024                 /* room for their values */

struct route;

struct req {
  struct MHD_Connection *conn;
  const char *method;
  const struct route *route; /* NULL until matched */
  char url[REQ_PATH_MAX];    /* as requested (path only) */
  char path[REQ_PATH_MAX];   /* split in place; params point into it */
  const char *params[REQ_PARAMS_MAX];
  const char *param_names[REQ_PARAMS_MAX];
  int nparams;
  char *body;
  size_t body_len;
  size_t body_cap;
  int body_too_large;
  int framing_bad;      /* Content-Length headers that disagree, or with Transfer-Encoding */
  struct bodyrate rate; /* the body's rate floor (http/bodyrate.h) */
  struct principal who;
  int session; /* who was authenticated by a console session's cookie (http/session.h) */
  char request_id[72];
  uint64_t start_ns;
  unsigned status;   /* the response: set by reply_*, sent by reply_send */
  int replied;       /* a response is set */
  int sent;          /* ... and queued to MHD */
  int replayed;      /* the response is a stored one (Idempotency-Key) */
  const char *ctype; /* static string or NULL */
  const char *cache; /* Cache-Control of a 2xx (static string); NULL: no-store */
  char *resp_body;   /* malloc'ed, or shared when resp_release is set */
  size_t resp_len;
  void (*resp_release)(void *ref); /* a shared body (reply_shared): drops its reference */
  void *resp_ref;
  /* a streamed upload (BODY_STREAM routes): the handler runs once the headers are in and sets
   * these; feed takes each piece of the body, end replies, done frees (completed: 1 when the
   * whole body was read) */
  void *stream;
  void (*stream_feed)(struct req *r, const char *data, size_t n);
  void (*stream_end)(struct req *r);
  void (*stream_done)(struct req *r);
  /* a streamed response (reply_stream): MHD calls reader until it ends, then frees cls */
  ssize_t (*resp_reader)(void *cls, uint64_t pos, char *buf, size_t max);
  void (*resp_free)(void *cls);
  void *resp_cls;
  char allow[64];                        /* Allow header for 405 */
  unsigned retry_after;                  /* Retry-After header for 429 */
  const char *hdr_name[REQ_HEADERS_MAX]; /* extra response headers: static names, values copied */
  const char *hdr_value[REQ_HEADERS_MAX];
  int nhdr;
  char hdr_store[REQ_HEADER_BYTES];
  size_t hdr_used;
};

#endif
