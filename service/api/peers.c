/* peers.c: /v1/peers (the operator's pins of other deployments) and the check of the requests a
 * pinned peer signs (the ROUTE_PEER routes, /v1/peer/...), installed into http/routes. */
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
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
