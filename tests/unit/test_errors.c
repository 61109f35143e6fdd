/* test_errors.c: the error registry (statuses, unique snake_case codes), the problem+json body
 * built from it, and db_outcome's mapping of database outcome words. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "db/pg.h"
#include "errors.h"
#include "http/reply.h"
#include "unit.h"

/* The string member name of p, or "" when absent or not a string. */
static const char *str_of(json_t *p, const char *name)
{
  const char *s = json_string_value(json_object_get(p, name));
  return s ? s : "";
}

static int is_snake_case(const char *s)
{
  if (!s || !(s[0] >= 'a' && s[0] <= 'z')) return 0;
  for (const char *p = s; *p; p++) {
    int ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (!ok) return 0;
    if (*p == '_' && (p[1] == '_' || p[1] == 0)) return 0;
  }
  return 1;
}

static void test_registry(void)
{
  CHECK(DDC_ERR_OK == 0);
  CHECK(errors_info(DDC_ERR_OK)->status == 200);
  CHECK(DDC_ERR_COUNT > 20);
  for (int e = 1; e < DDC_ERR_COUNT; e++) {
    const struct ddc_error_info *i = errors_info((enum ddc_err)e);
    CHECK(i->status >= 400 && i->status <= 599);
    CHECK(is_snake_case(i->code));
    CHECK(i->title && i->title[0]);
    for (int f = 0; f < e; f++)
      CHECK(strcmp(i->code, errors_info((enum ddc_err)f)->code) != 0);
  }
  /* Out-of-range values map to internal. */
  CHECK(errors_info(DDC_ERR_COUNT) == errors_info(DDC_ERR_INTERNAL));
  CHECK(errors_info((enum ddc_err) - 1) == errors_info(DDC_ERR_INTERNAL));
  CHECK(!is_snake_case("Bad_Code") && !is_snake_case("bad-code") && !is_snake_case("bad__code"));
}

static void test_specific_statuses(void)
{
  CHECK(errors_info(DDC_ERR_BODY_TOO_LARGE)->status == 413);
  CHECK(errors_info(DDC_ERR_METHOD_NOT_ALLOWED)->status == 405);
  CHECK(errors_info(DDC_ERR_RATE_LIMITED)->status == 429);
  CHECK(errors_info(DDC_ERR_UNAUTHORIZED)->status == 401);
  CHECK(errors_info(DDC_ERR_ACCOUNT_FROZEN)->status == 403);
  CHECK(errors_info(DDC_ERR_LENGTH_REQUIRED)->status == 411);
  CHECK(errors_info(DDC_ERR_UNSUPPORTED_MEDIA_TYPE)->status == 415);
  CHECK(errors_info(DDC_ERR_FORBIDDEN)->status == 403);
  CHECK(errors_info(DDC_ERR_NOT_FOUND)->status == 404);
  CHECK(errors_info(DDC_ERR_ROUTE_NOT_FOUND)->status == 404);
  CHECK(errors_info(DDC_ERR_URI_TOO_LONG)->status == 414);
  CHECK(errors_info(DDC_ERR_INTERNAL)->status == 500);
  CHECK(errors_info(DDC_ERR_DB_UNAVAILABLE)->status == 503);
  CHECK(errors_info(DDC_ERR_BAD_JSON)->status == 400);
  CHECK(strcmp(errors_info(DDC_ERR_RATE_LIMITED)->code, "rate_limited") == 0);
  CHECK(strcmp(errors_info(DDC_ERR_INVALID_FIELD)->code, "invalid_field") == 0);
}

/* Checks one problem body; field and detail as passed to reply_problem_body. */
static void check_body(enum ddc_err e, const char *field, const char *detail)
{
  const struct ddc_error_info *i = errors_info(e);
  json_t *p = reply_problem_body(e, field, detail);
  CHECK(json_is_object(p));
  if (!json_is_object(p)) {
    json_decref(p);
    return;
  }
  CHECK(json_object_size(p) == (field ? 6u : 5u));
  char type[128];
  snprintf(type, sizeof type, "urn:ddcd:problem:%s", i->code);
  CHECK(json_is_string(json_object_get(p, "type")));
  CHECK(strcmp(str_of(p, "type"), type) == 0);
  CHECK(strcmp(str_of(p, "title"), i->title) == 0);
  CHECK(json_is_integer(json_object_get(p, "status")));
  CHECK(json_integer_value(json_object_get(p, "status")) == (json_int_t)i->status);
  CHECK(strcmp(str_of(p, "code"), i->code) == 0);
  const char *want_detail = detail ? detail : i->title;
  CHECK(strcmp(str_of(p, "detail"), want_detail) == 0);
  if (field)
    CHECK(strcmp(str_of(p, "field"), field) == 0);
  else
    CHECK(json_object_get(p, "field") == NULL);
  json_decref(p);
}

static void test_problem_bodies(void)
{
  for (int e = 1; e < DDC_ERR_COUNT; e++) {
    check_body((enum ddc_err)e, NULL, NULL);
    check_body((enum ddc_err)e, "name", "name must be 1 to 200 characters");
  }
  check_body(DDC_ERR_INVALID_FIELD, "a \"quoted\" field", NULL);
  check_body(DDC_ERR_BAD_JSON, NULL, "unicode \xc3\xa9 and \"quotes\"");
}

static void test_problem_values(void)
{
  json_t *p = reply_problem_body(DDC_ERR_ACCOUNT_FROZEN, NULL, NULL);
  CHECK(p != NULL);
  CHECK(strcmp(str_of(p, "type"), "urn:ddcd:problem:account_frozen") == 0);
  CHECK(json_integer_value(json_object_get(p, "status")) == 403);
  CHECK(strcmp(str_of(p, "detail"), "The account is frozen") == 0);
  json_decref(p);

  p = reply_problem_body(DDC_ERR_MISSING_FIELD, "role", "role is required");
  char *s = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  CHECK(s &&
        strcmp(s, "{\"code\":\"missing_field\",\"detail\":\"role is required\","
                  "\"field\":\"role\",\"status\":400,\"title\":\"A required field is missing\","
                  "\"type\":\"urn:ddcd:problem:missing_field\"}") == 0);
  free(s);
  json_decref(p);
}

/* The field errors_refuse records: a client's metadata keys escaped, a long name cut on a UTF-8
 * boundary, none for a refusal of the whole request. */
static void test_refuse_field(void)
{
  const char *extra = NULL, *detail;
  char name[300] = "metadata.";
  errors_refuse(DDC_ERR_INVALID_FIELD, "metadata.x\"y\\z\n", "bad");
  detail = errors_detail(DDC_ERR_INVALID_FIELD, &extra);
  json_t *x = detail ? json_loads(extra, 0, NULL) : NULL;
  CHECK(strcmp(str_of(x, "field"), "metadata.x\"y\\z\n") == 0);
  json_decref(x);
  for (int i = 0; i < 60; i++)
    strcat(name, "\xe7\x89\x88"); /* 60 x U+7248, 3 bytes each */
  errors_refuse(DDC_ERR_INVALID_FIELD, name, "bad");
  detail = errors_detail(DDC_ERR_INVALID_FIELD, &extra);
  x = detail ? json_loads(extra, 0, NULL) : NULL; /* jansson refuses a cut character */
  size_t n = strlen(str_of(x, "field"));
  CHECK(x && n > 90 && n < strlen(name) && (n - 9) % 3 == 0 &&
        strncmp(str_of(x, "field"), name, n) == 0);
  json_decref(x);
  errors_refuse(DDC_ERR_RATE_LIMITED, NULL, "slow down");
  detail = errors_detail(DDC_ERR_RATE_LIMITED, &extra);
  CHECK(detail && strcmp(detail, "slow down") == 0 && extra[0] == 0);
}

static void test_db_outcome(void)
{
  CHECK(db_outcome("forbidden") == DDC_ERR_FORBIDDEN);
  CHECK(db_outcome("ok") == DDC_ERR_OK);
  CHECK(db_outcome("not_found") == DDC_ERR_NOT_FOUND);
  CHECK(db_outcome("account_frozen") == DDC_ERR_ACCOUNT_FROZEN);
  CHECK(db_outcome("operator_not_freezable") == DDC_ERR_OPERATOR_NOT_FREEZABLE);
  CHECK(db_outcome("issuer_not_found") == DDC_ERR_ISSUER_NOT_FOUND);
  CHECK(db_outcome("key_prefix_taken") == DDC_ERR_KEY_PREFIX_TAKEN);
  for (int e = 0; e < DDC_ERR_COUNT; e++)
    CHECK(db_outcome(errors_info((enum ddc_err)e)->code) == (enum ddc_err)e);
  CHECK(db_outcome("no_such_word") == DDC_ERR_INTERNAL);
  CHECK(db_outcome("") == DDC_ERR_INTERNAL);
  CHECK(db_outcome("FORBIDDEN") == DDC_ERR_INTERNAL);
  CHECK(db_outcome("forbidden ") == DDC_ERR_INTERNAL);
}

int main(void)
{
  RUN(test_registry);
  RUN(test_specific_statuses);
  RUN(test_problem_bodies);
  RUN(test_problem_values);
  RUN(test_refuse_field);
  RUN(test_db_outcome);
  return UNIT_END();
}
