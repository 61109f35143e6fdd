/* test_routes.c: routes_match against the route table (api/routes.c's, installed as server_start
 * does): every pattern matches a concrete path of its own, parameters are extracted, wrong methods
 * list the allowed ones, malformed paths miss. */
#include <string.h>
#include "api/api.h"
#include "http/routes.h"
#include "unit.h"

/* A fresh request with only the method set. */
static void req_init(struct req *r, const char *method)
{
  memset(r, 0, sizeof *r);
  r->method = method;
}

/* Writes pattern with every "{x}" replaced by value; returns the number of parameters. */
static int concrete(const char *pattern, const char *value, char *out, size_t cap)
{
  size_t o = 0;
  int n = 0;
  for (const char *p = pattern; *p && o + 1 < cap;) {
    if (*p == '{') {
      const char *close = strchr(p, '}');
      for (const char *v = value; *v && o + 1 < cap; v++)
        out[o++] = *v;
      p = close ? close + 1 : p + strlen(p);
      n++;
    } else {
      out[o++] = *p++;
    }
  }
  out[o] = 0;
  return n;
}

static void test_every_route_matches_itself(void)
{
  CHECK(api_routes_count >= 11);
  for (int i = 0; i < api_routes_count; i++) {
    const struct route *rt = &api_routes[i];
    char url[256];
    int n = concrete(rt->pattern, "123", url, sizeof url);
    struct req r;
    req_init(&r, rt->method);
    strcpy(r.url, url);
    const struct route *m = routes_match(&r, url);
    CHECK(m == rt);
    if (m != rt) {
      fprintf(stderr, "    route %s %s (url %s) did not match itself\n", rt->method, rt->pattern,
              url);
      continue;
    }
    CHECK(r.nparams == n);
    for (int k = 0; k < r.nparams && k < REQ_PARAMS_MAX; k++) {
      CHECK(strcmp(r.params[k], "123") == 0);
      /* the name is the pattern's own placeholder ("{id}", "{ddc_id}", "{operation}"...) */
      CHECK(r.param_names[k] != NULL &&
            (r.param_names[k][0] == '{' || r.param_names[k][0] == '*') &&
            r.param_names[k] > rt->pattern && r.param_names[k] < rt->pattern + strlen(rt->pattern));
    }
  }
}

static void test_freeze(void)
{
  struct req r;
  req_init(&r, "POST");
  const struct route *m = routes_match(&r, "/v1/accounts/12/freeze");
  CHECK(m != NULL);
  CHECK(m && strcmp(m->pattern, "/v1/accounts/{id}/freeze") == 0);
  CHECK(m && strcmp(m->method, "POST") == 0);
  CHECK(r.nparams == 1);
  CHECK(r.nparams == 1 && strcmp(r.params[0], "12") == 0);
  CHECK(r.nparams == 1 && strncmp(r.param_names[0], "{id}", 4) == 0);

  req_init(&r, "POST");
  m = routes_match(&r, "/v1/accounts/12/unfreeze");
  CHECK(m && strcmp(m->pattern, "/v1/accounts/{id}/unfreeze") == 0);

  req_init(&r, "GET");
  m = routes_match(&r, "/v1/accounts/abc");
  CHECK(m && strcmp(m->pattern, "/v1/accounts/{id}") == 0);
  CHECK(r.nparams == 1 && strcmp(r.params[0], "abc") == 0); /* the router does not judge values */

  req_init(&r, "DELETE");
  m = routes_match(&r, "/v1/api-keys/77");
  CHECK(m && strcmp(m->pattern, "/v1/api-keys/{id}") == 0);
  CHECK(r.nparams == 1 && strcmp(r.params[0], "77") == 0);

  /* Literal segments are compared whole, not as prefixes. */
  req_init(&r, "POST");
  CHECK(routes_match(&r, "/v1/accounts/12/freezer") == NULL);
  req_init(&r, "POST");
  CHECK(routes_match(&r, "/v1/accounts/12/freez") == NULL);
  req_init(&r, "GET");
  CHECK(routes_match(&r, "/v1/account") == NULL);
  req_init(&r, "GET");
  CHECK(routes_match(&r, "/healthzz") == NULL);
  req_init(&r, "GET");
  CHECK(routes_match(&r, "/V1/accounts") == NULL);
}

static void test_wrong_method(void)
{
  struct req r;
  req_init(&r, "PUT");
  CHECK(routes_match(&r, "/v1/accounts") == NULL);
  CHECK(strcmp(r.allow, "POST, GET") == 0);

  req_init(&r, "DELETE");
  CHECK(routes_match(&r, "/v1/accounts/5/api-keys") == NULL);
  CHECK(strcmp(r.allow, "POST, GET") == 0);

  req_init(&r, "GET");
  CHECK(routes_match(&r, "/v1/accounts/5/freeze") == NULL);
  CHECK(strcmp(r.allow, "POST") == 0);

  req_init(&r, "POST");
  CHECK(routes_match(&r, "/healthz") == NULL);
  CHECK(strcmp(r.allow, "GET") == 0);

  req_init(&r, "GET");
  CHECK(routes_match(&r, "/v1/api-keys/5") == NULL);
  CHECK(strcmp(r.allow, "DELETE") == 0);

  /* Methods are case-sensitive. */
  req_init(&r, "get");
  CHECK(routes_match(&r, "/healthz") == NULL);
  CHECK(strcmp(r.allow, "GET") == 0);

  /* allow from an earlier miss does not leak into a later unknown path. */
  req_init(&r, "PUT");
  CHECK(routes_match(&r, "/v1/accounts") == NULL);
  CHECK(routes_match(&r, "/nope") == NULL);
  CHECK(strcmp(r.allow, "") == 0);
}

static void test_unknown_path(void)
{
  struct req r;
  req_init(&r, "GET");
  strcpy(r.allow, "stale");
  CHECK(routes_match(&r, "/v2/things") == NULL);
  CHECK(strcmp(r.allow, "") == 0);
  req_init(&r, "GET");
  CHECK(routes_match(&r, "/v1/accounts/1/2/3") == NULL);
  CHECK(strcmp(r.allow, "") == 0);
}

static void test_malformed_paths(void)
{
  static const char *const bad[] = {
      "/v1/accounts/", "/v1/accounts//freeze",   "",
      "v1/accounts",   "//v1/accounts",          "/healthz/",
      "/v1//accounts", "/v1/accounts/1/freeze/", "/v1/accounts/?x=1/",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    static const char *const methods[] = {"GET", "POST", "DELETE"};
    for (size_t m = 0; m < 3; m++) {
      struct req r;
      req_init(&r, methods[m]);
      const struct route *rt = routes_match(&r, bad[i]);
      CHECK(rt == NULL);
      if (rt) fprintf(stderr, "    %s %s matched %s\n", methods[m], bad[i], rt->pattern);
      CHECK(strcmp(r.allow, "") == 0);
    }
  }
}

static void test_long_url(void)
{
  static char url[REQ_PATH_MAX + 64];
  struct req r;
  /* Exactly REQ_PATH_MAX characters: refused. */
  memset(url, 'a', sizeof url);
  url[0] = '/';
  url[REQ_PATH_MAX] = 0;
  req_init(&r, "GET");
  CHECK(routes_match(&r, url) == NULL);
  CHECK(strcmp(r.allow, "") == 0);
  /* Far longer: refused too. */
  url[sizeof url - 1] = 0;
  req_init(&r, "GET");
  CHECK(routes_match(&r, url) == NULL);
  /* A long but fitting parameter still matches. */
  memset(url, 0, sizeof url);
  strcpy(url, "/v1/accounts/");
  size_t l = strlen(url);
  memset(url + l, '9', REQ_PATH_MAX - 1 - l);
  req_init(&r, "GET");
  const struct route *m = routes_match(&r, url);
  CHECK(m && strcmp(m->pattern, "/v1/accounts/{id}") == 0);
  CHECK(r.nparams == 1 && strlen(r.params[0]) == REQ_PATH_MAX - 1 - l);
}

static void test_many_segments(void)
{
  char url[512] = "";
  struct req r;
  /* 40 segments, and 17 segments that start with a real route. */
  for (int i = 0; i < 40; i++)
    strcat(url, "/x");
  req_init(&r, "GET");
  CHECK(routes_match(&r, url) == NULL);
  CHECK(strcmp(r.allow, "") == 0);

  strcpy(url, "/v1/accounts/1/freeze");
  for (int i = 0; i < 13; i++)
    strcat(url, "/y");
  req_init(&r, "POST");
  CHECK(routes_match(&r, url) == NULL);
  /* exactly 16 segments is parsed; a 17th is refused rather than dropped */
  strcpy(url, "/v1/accounts");
  for (int i = 0; i < 14; i++)
    strcat(url, "/z");
  req_init(&r, "GET");
  CHECK(routes_match(&r, url) == NULL);
  req_init(&r, "GET");
  CHECK(routes_match(&r, "/v1/accounts") != NULL);
  CHECK(r.allow[0] == 0); /* cleared on a match */
  strcpy(url, "/healthz");
  for (int i = 0; i < 30; i++)
    strcat(url, "/");
  req_init(&r, "GET");
  CHECK(routes_match(&r, url) == NULL);
}

/* A pattern ending in "{name*}" takes the rest of the path, slashes and all, as requested. */
static void test_rest_of_path(void)
{
  struct req r;
  req_init(&r, "GET");
  const char *url = "/v1/log/tile/1/x001/234.p/7";
  strcpy(r.url, url);
  const struct route *m = routes_match(&r, url);
  CHECK(m && strcmp(m->pattern, "/v1/log/tile/{tile*}") == 0);
  CHECK(m && r.nparams == 1 && strcmp(r.params[0], "1/x001/234.p/7") == 0);
  req_init(&r, "GET");
  strcpy(r.url, "/v1/log/tile");
  CHECK(routes_match(&r, "/v1/log/tile") == NULL);
}

/* "/" is the start page: GET only. */
static void test_root(void)
{
  struct req r;
  req_init(&r, "GET");
  const struct route *rt = routes_match(&r, "/");
  CHECK(rt && strcmp(rt->pattern, "/") == 0);
  req_init(&r, "POST");
  CHECK(routes_match(&r, "/") == NULL);
  CHECK(strcmp(r.allow, "GET") == 0);
}

int main(void)
{
  routes_install(api_routes, api_routes_count);
  RUN(test_every_route_matches_itself);
  RUN(test_freeze);
  RUN(test_wrong_method);
  RUN(test_unknown_path);
  RUN(test_malformed_paths);
  RUN(test_long_url);
  RUN(test_many_segments);
  RUN(test_rest_of_path);
  RUN(test_root);
  return UNIT_END();
}
