/* session.h: the console's sessions. Signing in with an API key makes a row in PostgreSQL (any
 * ddcd serves any request) and an HttpOnly, SameSite=Strict cookie holding a random token
 * (Secure when the public URL is https); while the session lives, the cookie stands for the key
 * it was made from: the same role, account, rate limits, and it ends with the key's revocation
 * or the account's freeze (http/auth.c). A state-changing request with the cookie must carry the
 * session's CSRF token in X-CSRF-Token and come from this origin (Origin, Sec-Fetch-Site).
 * Failed sign-ins are limited per client address and per key prefix, across processes.
 * session_init once before serving; the rest from any request thread. */
#ifndef DDC_SESSION_H
#define DDC_SESSION_H
#include "errors.h"
#include "http/request.h"

#define SESSION_COOKIE "ddc_session"
#define SESSION_CSRF_HEADER "X-CSRF-Token"
#define SESSION_SIGNIN_WINDOW_S 900 /* failed sign-ins are counted over this window */

/* idle_s, max_s: the idle and absolute timeouts; failures: failed sign-ins allowed per address
 * and per prefix within the window (0: no limit); public_url as DDC_PUBLIC_URL ("": none). */
void session_init(unsigned idle_s, unsigned max_s, unsigned failures, const char *public_url);
/* 1 when r is to be authenticated by its session cookie: it has one and no Authorization. */
int session_carried(struct req *r);
/* The checks of a request carried by a session made from its headers alone: a state-changing
 * method must come from this origin and carry a CSRF token. 0, or -1 with a 403 queued. */
int session_guard(struct req *r);
/* The session's key as who (and r->session set). UNAUTHORIZED: no live session; CSRF_REJECTED:
 * a state-changing method without the session's token; else as auth_check_key. */
enum ddc_err session_auth(struct req *r, struct principal *who, unsigned *retry_after);

/* The handlers' work (api/sessions.c): each queues the reply. */
void session_signin(struct req *r, const char *key);
void session_describe(struct req *r);
void session_signout(struct req *r);

#endif
