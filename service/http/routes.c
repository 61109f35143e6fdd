/* routes.c: the route matcher over the table the application installs (api/routes.c's, handed
 * over by server_start): http/ knows no handler. */
#include <string.h>
#include "http/routes.h"

static const struct route *routes_table;
static int routes_n;
static route_peer_check routes_peer;

void routes_peer_install(route_peer_check check)
{
  routes_peer = check;
}

route_peer_check routes_peer_checker(void)
{
  return routes_peer;
}

int routes_keyed(const struct route *rt)
{
  return rt && (rt->roles & ~ROUTE_PEER) != 0;
}

void routes_install(const struct route *table, int count)
{
  routes_table = table;
  routes_n = count;
}

int routes_count(void)
{
  return routes_n;
}

const struct route *routes_at(int i)
{
  return i >= 0 && i < routes_n ? &routes_table[i] : NULL;
}

int routes_index(const struct route *rt)
{
  return rt && rt >= routes_table && rt < routes_table + routes_n ? (int)(rt - routes_table) : -1;
}

/* Compares pattern against the segments of a path; fills params on a match. */
static int routes_try(const struct route *rt, char **seg, int nseg, struct req *r)
{
  const char *p = rt->pattern + 1;
  int n = 0, np = 0;
  while (*p || n < nseg) {
    if (!*p || n >= nseg) return 0;
    const char *end = strchr(p, '/');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (p[0] == '{' && !end && len > 3 && p[len - 2] == '*') { /* "{name*}": the rest of the
                                                                path, as requested */
      if (np >= REQ_PARAMS_MAX) return 0;
      r->params[np] = r->url + 1 + (seg[n] - r->path);
      r->param_names[np++] = p;
      r->nparams = np;
      return 1;
    }
    if (p[0] == '{') {
      if (!seg[n][0] || np >= REQ_PARAMS_MAX) return 0;
      r->params[np] = seg[n];
      r->param_names[np++] = p; /* "{id}..." : api code names it by index */
    } else if (strlen(seg[n]) != len || memcmp(seg[n], p, len) != 0) {
      return 0;
    }
    n++;
    p += len + (end ? 1 : 0);
    if (end && !*p) return 0; /* pattern never ends in '/' */
  }
  r->nparams = np;
  return 1;
}

const struct route *routes_match(struct req *r, const char *url)
{
  char *seg[16];
  int nseg = 0;
  r->allow[0] = 0;
  if (url[0] != '/' || strlen(url) >= sizeof r->path) return NULL;
  strcpy(r->path, url + 1);
  for (char *s = r->path;;) {
    if (nseg == 16) return NULL; /* deeper than any route */
    seg[nseg++] = s;
    s = strchr(s, '/');
    if (!s) break;
    *s++ = 0;
  }
  if (nseg == 1 && !seg[0][0]) nseg = 0; /* "/" */
  const struct route *found = NULL;
  for (int i = 0; i < routes_n; i++) {
    if (!routes_try(&routes_table[i], seg, nseg, r)) continue;
    if (strcmp(routes_table[i].method, r->method) == 0 ||
        (strcmp(r->method, "HEAD") == 0 && strcmp(routes_table[i].method, "GET") == 0)) {
      found = &routes_table[i];
      break;
    }
    size_t al = strlen(r->allow);
    if (al + strlen(routes_table[i].method) + 3 < sizeof r->allow)
      strcat(strcat(r->allow, al ? ", " : ""), routes_table[i].method);
  }
  if (found) {
    routes_try(found, seg, nseg, r);
    r->allow[0] = 0;
  }
  return found;
}
