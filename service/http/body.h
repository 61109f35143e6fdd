/* body.h: reading what a request carries: the JSON body (depth and duplicate-key checked, each
 * field declared by the handler), query parameters and path parameters. Every failure queues a
 * 400 problem that names the field, and the caller just returns. */
#ifndef DDC_BODY_H
#define DDC_BODY_H
#include <jansson.h>
#include <stdint.h>
#include "http/request.h"

#define BODY_JSON_DEPTH_MAX 32

/* FIELD_TIME: an RFC 3339 timestamp or a date (timefmt_parse); FIELD_OBJECT: any JSON object. */
enum field_type { FIELD_STRING, FIELD_INT, FIELD_BOOL, FIELD_TIME, FIELD_OBJECT };

struct field_spec {
  const char *name;
  enum field_type type;
  int required;
  int nullable;
  int64_t min, max; /* integers: value range; strings: length in characters */
};

/* 1 if no array/object in buf[0..len) nests deeper than max; strings are skipped properly. */
int body_depth_ok(const char *buf, size_t len, int max);
/* The body as a JSON object, or NULL (400 queued). An empty body is {} when the route allows it. */
json_t *body_object(struct req *r);
/* Checks obj against spec (terminated by a NULL name): unknown, missing, mistyped or out-of-range
 * fields get a 400 naming them. Returns 0, or -1 (400 queued). */
int body_fields(struct req *r, json_t *obj, const struct field_spec *spec);
/* body_object and body_fields in one: the checked body (new reference), or NULL (400 queued). */
json_t *body_checked(struct req *r, const struct field_spec *spec);
/* For operations that take no fields: 0 when the body is absent or {}, else -1 (400 queued). */
int body_none(struct req *r);
/* The same for a nested object: prefix ("holder_signature.") goes before each field's name. */
int body_fields_in(struct req *r, json_t *obj, const struct field_spec *spec, const char *prefix);
/* A string field's value, or NULL when absent or null. */
const char *body_str(json_t *obj, const char *name);
/* An integer field's value, or 0 when absent or null. */
int64_t body_int(json_t *obj, const char *name);
/* Number of UTF-8 characters in s. */
size_t body_utf8_chars(const char *s);

/* Query parameters: a 400 for any name not in allowed (NULL-terminated). The server calls it
 * with the route's declared list before authentication. */
int query_only(struct req *r, const char *const *allowed);
/* Integer query parameter in [min, max], dflt when absent. Returns 0 or -1 (400 queued). */
int query_int(struct req *r, const char *name, int64_t min, int64_t max, int64_t dflt,
              int64_t *out);
const char *query_str(struct req *r, const char *name);
/* Path parameter i as a positive int64 in canonical decimal (no sign, space or leading zero).
 * Returns 0 or -1 (400 queued). */
int path_id(struct req *r, int i, int64_t *out);

#endif
