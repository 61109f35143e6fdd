/* body.c: strict parsing of JSON bodies, query strings and path parameters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto/jcs.h"
#include "http/body.h"
#include "timefmt.h"
#include "http/reply.h"
#include "http/routes.h"

int body_depth_ok(const char *buf, size_t len, int max)
{
  int depth = 0, in_str = 0;
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_str = 0;
    } else if (c == '"') {
      in_str = 1;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return 0;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return 1;
}

/* A body with an integer beyond int64, which jansson refuses at byte pos: refused by the name of
 * that integer, as one beyond 2^53 that jansson reads is. 0 when it has none (bad JSON besides). */
static int body_name_big_integer(struct req *r, int pos)
{
  char path[128];
  if (jcs_overflow_name(r->body, r->body_len, pos, JSON_REJECT_DUPLICATES, path, sizeof path))
    return 0;
  reply_problem(r, DDC_ERR_INVALID_FIELD, path, "%s: " JCS_INTEGER_RULE, path);
  return 1;
}

json_t *body_object(struct req *r)
{
  if (r->body_len == 0 && r->route->body == BODY_JSON_OPTIONAL) return json_object();
  if (r->body_len == 0) {
    reply_problem(r, DDC_ERR_BAD_JSON, NULL, "the request needs a JSON object body");
    return NULL;
  }
  if (!body_depth_ok(r->body, r->body_len, BODY_JSON_DEPTH_MAX)) {
    reply_problem(r, DDC_ERR_JSON_TOO_DEEP, NULL, "JSON nests deeper than %d levels",
                  BODY_JSON_DEPTH_MAX);
    return NULL;
  }
  json_error_t err;
  json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
  if (!j && json_error_code(&err) == json_error_numeric_overflow &&
      body_name_big_integer(r, err.position))
    return NULL;
  if (!j) {
    enum ddc_err e = json_error_code(&err) == json_error_duplicate_key ? DDC_ERR_JSON_DUPLICATE_KEY
                                                                       : DDC_ERR_BAD_JSON;
    reply_problem(r, e, NULL, "%s at line %d, column %d", err.text, err.line, err.column);
    return NULL;
  }
  if (!json_is_object(j)) {
    json_decref(j);
    reply_problem(r, DDC_ERR_BAD_JSON, NULL, "the body must be a JSON object");
    return NULL;
  }
  return j;
}

size_t body_utf8_chars(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static int body_field_ok(struct req *r, const struct field_spec *f, const char *name, json_t *v)
{
  if (json_is_null(v)) {
    if (f->nullable) return 0;
    reply_problem(r, DDC_ERR_INVALID_FIELD, name, "%s must not be null", name);
    return -1;
  }
  if (f->type == FIELD_STRING) {
    if (!json_is_string(v)) {
      reply_problem(r, DDC_ERR_INVALID_FIELD, name, "%s must be a string", name);
      return -1;
    }
    const char *s = json_string_value(v);
    size_t n = body_utf8_chars(s);
    if (strlen(s) != json_string_length(v) || (int64_t)n < f->min || (int64_t)n > f->max) {
      reply_problem(r, DDC_ERR_INVALID_FIELD, name,
                    "%s must be %lld to %lld characters without NUL", name, (long long)f->min,
                    (long long)f->max);
      return -1;
    }
    for (const char *p = s; *p; p++)
      if ((unsigned char)*p < 0x20 || *p == 0x7f) {
        reply_problem(r, DDC_ERR_INVALID_FIELD, name, "%s must not contain control characters",
                      name);
        return -1;
      }
    return 0;
  }
  if (f->type == FIELD_OBJECT) {
    if (json_is_object(v)) return 0;
    reply_problem(r, DDC_ERR_INVALID_FIELD, name, "%s must be a JSON object", name);
    return -1;
  }
  if (f->type == FIELD_TIME) {
    int64_t us;
    if (json_is_string(v) && timefmt_parse(json_string_value(v), &us) == 0) return 0;
    reply_problem(r, DDC_ERR_INVALID_FIELD, name,
                  "%s must be an RFC 3339 timestamp (2026-01-31T09:00:00Z) or a date "
                  "(2026-01-31), years 1 to 9999",
                  name);
    return -1;
  }
  if (f->type == FIELD_INT) {
    json_int_t i = json_is_integer(v) ? json_integer_value(v) : 0;
    if (!json_is_integer(v) || i < f->min || i > f->max) {
      reply_problem(r, DDC_ERR_INVALID_FIELD, name, "%s must be an integer from %lld to %lld", name,
                    (long long)f->min, (long long)f->max);
      return -1;
    }
    return 0;
  }
  if (!json_is_boolean(v)) {
    reply_problem(r, DDC_ERR_INVALID_FIELD, name, "%s must be true or false", name);
    return -1;
  }
  return 0;
}

int body_fields_in(struct req *r, json_t *obj, const struct field_spec *spec, const char *prefix)
{
  char name[128];
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v)
  {
    const struct field_spec *f = spec;
    while (f->name && strcmp(f->name, key) != 0)
      f++;
    if (!f->name) {
      snprintf(name, sizeof name, "%s%.100s", prefix, key);
      reply_problem(r, DDC_ERR_UNKNOWN_FIELD, name, "this operation does not take the field %s",
                    name);
      return -1;
    }
  }
  for (const struct field_spec *f = spec; f->name; f++) {
    v = json_object_get(obj, f->name);
    snprintf(name, sizeof name, "%s%s", prefix, f->name);
    if (!v && f->required) {
      reply_problem(r, DDC_ERR_MISSING_FIELD, name, "%s is required", name);
      return -1;
    }
    if (v && body_field_ok(r, f, name, v) != 0) return -1;
  }
  return 0;
}

int body_fields(struct req *r, json_t *obj, const struct field_spec *spec)
{
  return body_fields_in(r, obj, spec, "");
}

json_t *body_checked(struct req *r, const struct field_spec *spec)
{
  json_t *body = body_object(r);
  if (body && body_fields(r, body, spec) != 0) {
    json_decref(body);
    return NULL;
  }
  return body;
}

int body_none(struct req *r)
{
  static const struct field_spec no_fields[] = {{NULL}};
  json_t *body = body_checked(r, no_fields);
  json_decref(body);
  return body ? 0 : -1;
}

const char *body_str(json_t *obj, const char *name)
{
  return json_string_value(json_object_get(obj, name));
}

int64_t body_int(json_t *obj, const char *name)
{
  json_t *v = json_object_get(obj, name);
  return json_is_integer(v) ? json_integer_value(v) : 0;
}

struct query_scan {
  const char *const *allowed;
  const char *bad;
};

static enum MHD_Result query_scan_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
  (void)kind;
  (void)value;
  struct query_scan *q = cls;
  for (const char *const *a = q->allowed; *a; a++)
    if (strcmp(*a, key) == 0) return MHD_YES;
  q->bad = key;
  return MHD_NO;
}

int query_only(struct req *r, const char *const *allowed)
{
  struct query_scan q = {allowed, NULL};
  MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, query_scan_one, &q);
  if (!q.bad) return 0;
  reply_problem(r, DDC_ERR_UNKNOWN_PARAMETER, q.bad,
                "this route does not take the parameter %.100s", q.bad);
  return -1;
}

const char *query_str(struct req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A decimal integer, optionally negative: no sign '+', no white space (strtoll skips it), no
 * other trailing byte. */
static int parse_int64(const char *s, int64_t *out)
{
  char *end;
  errno = 0;
  if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9'))) return -1;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end) return -1;
  *out = v;
  return 0;
}

int query_int(struct req *r, const char *name, int64_t min, int64_t max, int64_t dflt, int64_t *out)
{
  const char *s = query_str(r, name);
  *out = dflt;
  if (!s) return 0;
  if (parse_int64(s, out) == 0 && *out >= min && *out <= max) return 0;
  reply_problem(r, DDC_ERR_INVALID_PARAMETER, name, "%s must be an integer from %lld to %lld", name,
                (long long)min, (long long)max);
  return -1;
}

int path_id(struct req *r, int i, int64_t *out)
{
  char name[32] = "id";
  const char *pn = r->param_names[i];
  if (pn && pn[0] == '{') {
    size_t n = strcspn(pn + 1, "}");
    if (n < sizeof name) {
      memcpy(name, pn + 1, n);
      name[n] = 0;
    }
  }
  /* canonical form only: 01 or +1 is not id 1 */
  if (i < r->nparams && r->params[i][0] != '0' && parse_int64(r->params[i], out) == 0 && *out > 0)
    return 0;
  reply_problem(r, DDC_ERR_INVALID_PARAMETER, name, "%s must be a positive integer", name);
  return -1;
}
