/* batches.c: /v1/batches: the streamed upload, the batch's state and progress (JSON and
 * server-sent events), cancellation, and the two CSV reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "api/api.h"
#include "batch/report.h"
#include "batch/upload.h"
#include "http/body.h"
#include "http/park.h"
#include "http/reply.h"
#include "http/server.h"
#include "kinds.h"

#define PROGRESS_TICK_MS 500 /* between two progress events */

/* A query parameter that is one of a list (the first is the default): its index, or -1 with a
 * 400 queued. */
static int batches_choice(struct req *r, const char *name, const char *const *allowed)
{
  const char *v = query_str(r, name);
  if (!v) return 0;
  for (int i = 0; allowed[i]; i++)
    if (strcmp(allowed[i], v) == 0) return i;
  reply_problem(r, DDC_ERR_INVALID_PARAMETER, name, "%s may not be %.40s", name, v);
  return -1;
}

static void batches_feed(struct req *r, const char *data, size_t n)
{
  enum ddc_err e = batch_upload_feed(r->stream, data, n);
  if (e != DDC_ERR_OK) reply_error(r, e);
}

static void batches_end(struct req *r)
{
  char *json;
  int existing;
  enum ddc_err e = batch_upload_finish(r->stream, &json, &existing);
  reply_result(r, e, existing ? 200 : 202, json);
}

static void batches_done(struct req *r)
{
  batch_upload_free(r->stream);
  r->stream = NULL;
}

void api_batches_create(struct req *r)
{
  static const char *const modes[] = {"all_or_nothing", "partial", NULL};
  static const char *const bools[] = {"false", "true", NULL};
  const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
  const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
  size_t ctn = ct ? strcspn(ct, "; \t") : 0;
  int csv = ctn == 8 && strncasecmp(ct, "text/csv", 8) == 0;
  int nd = ctn == 20 && strncasecmp(ct, "application/x-ndjson", 20) == 0;
  if (!csv && !nd) {
    reply_problem(r, DDC_ERR_UNSUPPORTED_MEDIA_TYPE, NULL,
                  "send Content-Type: text/csv or application/x-ndjson");
    return;
  }
  if (cl && strtoull(cl, NULL, 10) > BATCH_BODY_MAX) {
    reply_problem(r, DDC_ERR_BODY_TOO_LARGE, NULL, "a batch upload may be at most %llu bytes",
                  (unsigned long long)BATCH_BODY_MAX);
    return;
  }
  if (!query_str(r, "kind")) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "kind", "say which kind of certificate: kind=");
    return;
  }
  int kind = batches_choice(r, "kind", kinds_names), mode = batches_choice(r, "mode", modes),
      dry = batches_choice(r, "dry_run", bools);
  if (kind < 0 || mode < 0 || dry < 0) return;
  struct batch_upload_opts o = {
      .kind = kinds_names[kind],
      .partial = mode == 1,
      .dry_run = dry == 1,
      .ndjson = nd,
      .idempotency_key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Idempotency-Key"),
  };
  struct batch_upload *u;
  enum ddc_err e = batch_upload_open(&r->who, &o, &u);
  r->stream = u;
  r->stream_done = batches_done;
  if (e != DDC_ERR_OK) {
    if (e == DDC_ERR_RATE_LIMITED) r->retry_after = 1;
    reply_error(r, e);
    return;
  }
  r->stream_feed = batches_feed;
  r->stream_end = batches_end;
}

void api_batches_get(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = batch_get(&r->who, id, &json);
  reply_result(r, e, 200, json);
}

void api_batches_cancel(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0 || body_none(r) != 0) return;
  char *json;
  enum ddc_err e = batch_cancel(&r->who, id, &json);
  reply_result(r, e, 200, json);
}

static ssize_t batches_report_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
  (void)pos;
  ssize_t n = batch_report_read(cls, buf, max);
  return n > 0 ? n : n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void batches_report_free(void *cls)
{
  batch_report_free(cls);
}

static void batches_report(struct req *r, int minted)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  struct batch_report *rep;
  enum ddc_err e = batch_report_open(&r->who, id, minted, &rep);
  if (e != DDC_ERR_OK)
    reply_error(r, e);
  else
    reply_stream(r, 200, "text/csv; charset=utf-8", batches_report_reader, rep,
                 batches_report_free);
}

void api_batches_errors(struct req *r)
{
  batches_report(r, 0);
}

void api_batches_certificates(struct req *r)
{
  batches_report(r, 1);
}

struct batches_progress {
  struct principal who;
  int64_t id;
  int events, over;
  struct MHD_Connection *conn;
  struct park_slot park; /* waits between events without holding a server thread */
  uint64_t next_ns;      /* when the next event is due */
};

static void batches_progress_free(void *cls)
{
  struct batches_progress *p = cls;
  park_forget(&p->park);
  free(p);
}

/* One "progress" event per tick until the batch has finished (that state is the last event);
 * between ticks the connection is parked. */
static ssize_t batches_progress_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
  (void)pos;
  struct batches_progress *p = cls;
  if (p->over || server_is_stopping()) return MHD_CONTENT_READER_END_OF_STREAM;
  if (p->events && park_now_ns() < p->next_ns)
    return park_until(&p->park, p->conn, p->next_ns) == 0 ? 0 : MHD_CONTENT_READER_END_OF_STREAM;
  p->events++;
  p->next_ns = park_now_ns() + PROGRESS_TICK_MS * 1000000ull;
  char *json = NULL;
  if (batch_get(&p->who, p->id, &json) != DDC_ERR_OK) return MHD_CONTENT_READER_END_WITH_ERROR;
  p->over = strstr(json, "\"state\": \"running\"") == NULL &&
            strstr(json, "\"state\": \"validating\"") == NULL;
  int n = snprintf(buf, max, "event: progress\ndata: %s\n\n", json);
  free(json);
  return n > 0 && (size_t)n < max ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

void api_batches_progress(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = batch_get(&r->who, id, &json);
  free(json);
  struct batches_progress *p = e == DDC_ERR_OK ? calloc(1, sizeof *p) : NULL;
  if (!p) {
    reply_error(r, e == DDC_ERR_OK ? DDC_ERR_INTERNAL : e);
    return;
  }
  p->who = r->who;
  p->id = id;
  p->conn = r->conn;
  reply_stream(r, 200, "text/event-stream", batches_progress_reader, p, batches_progress_free);
}
