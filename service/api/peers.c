/* peers.c: /v1/peers (the operator's pins of other deployments) and the check of the requests a
 * pinned peer signs (the ROUTE_PEER routes, /v1/peer/...), installed into http/routes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "domain/import.h"
#include "domain/peer.h"
#include "http/body.h"
#include "http/reply.h"
#include "http/routes.h"

/* The pin that signed the request this thread is answering (set by api_peer_check). */
static _Thread_local struct peer_pin api_peer_pin;

const struct peer_pin *api_peer_caller(void)
{
  return &api_peer_pin;
}

int api_peer_check(struct req *r)
{
  const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "DDC-Peer-Signature");
  /* peer routes take no query parameters: the path is the signed path and query */
  enum ddc_err e = peer_authenticate(h, r->method, r->url, r->body, r->body_len, &api_peer_pin);
  if (e == DDC_ERR_OK) return 0;
  reply_result(r, e, 0, NULL);
  return -1;
}

void api_peers_create(struct req *r)
{
  json_t *body = body_object(r);
  if (!body) return;
  json_t *keys = json_incref(json_object_get(body, "witness_keys"));
  json_object_del(body, "witness_keys"); /* an array: checked by peer_create */
  static const struct field_spec fields[] = {
      {"name", FIELD_STRING, 1, 0, 1, 63},
      {"url", FIELD_STRING, 1, 0, 1, 2048},
      {"log_key", FIELD_STRING, 1, 0, 1, 400},
      {"quorum", FIELD_INT, 0, 1, 0, 16},
      {NULL},
  };
  if (body_fields(r, body, fields) != 0) {
    json_decref(keys);
    json_decref(body);
    return;
  }
  json_t *q = json_object_get(body, "quorum");
  char *json = NULL;
  enum ddc_err e = peer_create(body_str(body, "name"), body_str(body, "url"),
                               body_str(body, "log_key"), json_is_null(keys) ? NULL : keys,
                               json_is_integer(q) ? (int)json_integer_value(q) : -1, &json);
  json_decref(keys);
  json_decref(body);
  reply_result(r, e, 201, json);
}

void api_peers_list(struct req *r)
{
  char *json = NULL;
  enum ddc_err e = peer_list(&json);
  reply_result(r, e, 200, json);
}

/* This side's public URL, for receipts' links. */
static void api_peer_base(struct req *r, char *out, size_t cap)
{
  if (*peer_self_url())
    snprintf(out, cap, "%s", peer_self_url());
  else
    api_public_base(r, out, cap);
}

static void api_peer_answer(struct req *r, struct import_answer *a)
{
  if (a->err == DDC_ERR_OK)
    reply_json(r, a->status, a->body);
  else if (a->detail[0])
    reply_problem_members(r, a->err, a->detail, a->body);
  else {
    json_decref(a->body);
    reply_error(r, a->err);
  }
}

void api_peer_imports_create(struct req *r)
{
  char base[PEER_URL_MAX + 1];
  struct import_answer a;
  json_t *body = body_object(r);
  if (!body) return;
  api_peer_base(r, base, sizeof base);
  import_packet(&api_peer_pin, body, base, &a);
  json_decref(body);
  api_peer_answer(r, &a);
}

static void api_peer_imports_lookup(struct req *r, int close)
{
  char base[PEER_URL_MAX + 1];
  struct import_answer a;
  int64_t export_id;
  if (close && body_none(r) != 0) return;
  if (path_id(r, 1, &export_id) != 0) return;
  api_peer_base(r, base, sizeof base);
  import_lookup(&api_peer_pin, r->params[0], export_id, close, base, &a);
  api_peer_answer(r, &a);
}

void api_peer_imports_get(struct req *r)
{
  api_peer_imports_lookup(r, 0);
}

void api_peer_imports_close(struct req *r)
{
  api_peer_imports_lookup(r, 1);
}
