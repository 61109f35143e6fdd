/* sessions.c: the console's sign-in and sign-out, /v1/session (http/session.h does the work):
 * POST signs in with an API key, GET says who the session (or key) is and the session's CSRF
 * token, DELETE signs out. */
#include <sodium.h>
#include "api/api.h"
#include "http/body.h"
#include "http/session.h"

static const struct field_spec session_fields[] = {
    {"key", FIELD_STRING, 1, 0, 1, 200},
    {NULL},
};

void api_session_create(struct req *r)
{
  json_t *body = body_checked(r, session_fields);
  if (!body) return;
  session_signin(r, body_str(body, "key"));
  json_decref(body);
  if (r->body) sodium_memzero(r->body, r->body_len);
}

void api_session_get(struct req *r)
{
  session_describe(r);
}

void api_session_delete(struct req *r)
{
  session_signout(r);
}
