/* sessions.h: database operations on the console's sessions and on the count of failed sign-ins
 * (sql/functions/sessions.sql). Any thread may call. */
#ifndef DDC_DB_SESSIONS_H
#define DDC_DB_SESSIONS_H
#include <stdint.h>
#include "db/pg.h"
#include "errors.h"

#define DB_SESSION_HASH_BYTES 32

extern const struct db_stmt db_sessions_stmts[];

/* A session of key key_id for at most max_s seconds; its end (RFC 3339, UTC) in expires. */
enum ddc_err db_session_create(const uint8_t hash[DB_SESSION_HASH_BYTES], int64_t key_id,
                               unsigned max_s, char *expires, size_t cap);
/* The live key of a session neither ended nor idle for idle_s seconds (and marks it seen): its id
 * and prefix, and the session's end. DDC_ERR_UNAUTHORIZED when there is no such session. */
enum ddc_err db_session_touch(const uint8_t hash[DB_SESSION_HASH_BYTES], unsigned idle_s,
                              int64_t *key_id, char *prefix, size_t prefix_cap, char *expires,
                              size_t expires_cap);
/* Deletes the session (no error when there was none). */
enum ddc_err db_session_delete(const uint8_t hash[DB_SESSION_HASH_BYTES]);
/* subjects: a PostgreSQL array literal of plain words, "{addr:...,prefix:...}". *wait_ms 0: a
 * sign-in may be tried; else how long until it may. */
enum ddc_err db_signin_wait(const char *subjects, unsigned limit, unsigned window_s,
                            int64_t *wait_ms);
enum ddc_err db_signin_failed(const char *subjects, unsigned window_s);

#endif
