/* routes.h: what a route is, and the matcher over the route table the application installs once
 * before serving (server_start does, with the table it is handed). Reading is safe from any thread
 * after that. */
#ifndef DDC_ROUTES_H
#define DDC_ROUTES_H
#include "http/request.h"

typedef void (*route_handler)(struct req *r);

/* BODY_STREAM: any size up to the handler's limit, handed over piece by piece (the handler runs
 * when the headers are in and checks the media type itself); no Idempotency-Key transaction. */
enum route_body { BODY_NONE, BODY_JSON_OPTIONAL, BODY_JSON, BODY_STREAM };

/* roles of a route called by another ddcd, not with an API key: signed by a pinned peer
 * (DDC-Peer-Signature over the method, path, body and time). Once the body is in, the checker the
 * application installed (routes_peer_checker) decides before the handler runs. */
#define ROUTE_PEER (1u << 31)
/* 0 when the request is signed by a pinned peer, else -1 with the 401 queued. */
typedef int (*route_peer_check)(struct req *r);

struct route {
  const char *method;
  const char *pattern; /* "/v1/accounts/{id}"; a last "{name*}" takes the rest of the path;
                        * also the label in logs and metrics */
  route_handler handler;
  unsigned roles; /* bitmask of enum role allowed; 0: public, no key needed; ROUTE_PEER */
  enum route_body body;
  const char *const *query; /* the query parameters it reads (NULL-terminated); NULL: none */
};

/* Makes table[0..count) the routes (the table outlives the server). Once, before serving. */
void routes_install(const struct route *table, int count);
/* The check of ROUTE_PEER routes (the table's routes hold none without it). Once, before
 * serving; routes_peer_checker() gives it back (NULL: none installed). */
void routes_peer_install(route_peer_check check);
route_peer_check routes_peer_checker(void);
/* Whether rt needs an API key (a role bit besides ROUTE_PEER). */
int routes_keyed(const struct route *rt);
/* The installed table: its size, route i (NULL past it), and a route's index in it (-1: none). */
int routes_count(void);
const struct route *routes_at(int i);
int routes_index(const struct route *rt);

/* Matches method (HEAD as GET) and path (split in place in r->path). Returns the route and fills
 * r->params, or NULL: then r->allow lists the methods the path has (empty: no such path). */
const struct route *routes_match(struct req *r, const char *url);

#endif
