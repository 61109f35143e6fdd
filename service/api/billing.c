/* billing.c: an account's money: recharges, balance, journal and the CSV statement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "domain/billing.h"
#include "domain/tier.h"
#include "http/body.h"
#include "http/reply.h"
#include "timefmt.h"

static const struct field_spec recharge_fields[] = {
    {"amount_minor", FIELD_INT, 1, 0, 1, BILLING_AMOUNT_MAX},
    {"currency", FIELD_STRING, 1, 0, 3, 3},
    {"reference", FIELD_STRING, 1, 0, 1, 200},
    {NULL},
};

void api_recharges_create(struct req *r)
{
  int64_t id;
  json_t *body = path_id(r, 0, &id) == 0 ? body_checked(r, recharge_fields) : NULL;
  if (!body) return;
  char *json;
  enum ddc_err e = billing_recharge(&r->who, id, body_int(body, "amount_minor"),
                                    body_str(body, "currency"), body_str(body, "reference"), &json);
  json_decref(body);
  /* a repeated reference answers 200 with the first recharge, a new one 201 */
  reply_result(r, e, json && strstr(json, "\"replayed\": true") ? 200 : 201, json);
}

void api_balance_get(struct req *r)
{
  int64_t id;
  if (path_id(r, 0, &id) != 0) return;
  char *json;
  enum ddc_err e = billing_balance(&r->who, id, &json);
  reply_result(r, e, 200, json);
}

/* The optional currency parameter: NULL when absent; -1 with a 400 queued when malformed. */
static int billing_currency_param(struct req *r, const char **out)
{
  *out = query_str(r, "currency");
  if (!*out || (strlen(*out) == 3 && strspn(*out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 3)) return 0;
  reply_problem(r, DDC_ERR_INVALID_PARAMETER, "currency",
                "currency must be an ISO 4217 code such as CNY");
  return -1;
}

void api_journal_list(struct req *r)
{
  int64_t id, limit, after;
  const char *currency;
  if (path_id(r, 0, &id) != 0 || query_int(r, "limit", 1, BILLING_JOURNAL_MAX, 100, &limit) != 0 ||
      query_int(r, "cursor", 0, INT64_MAX, 0, &after) != 0 ||
      billing_currency_param(r, &currency) != 0)
    return;
  char *json;
  enum ddc_err e = billing_journal(&r->who, id, currency, after, (int)limit, &json);
  reply_result(r, e, 200, json);
}

/* A time parameter in canonical form; dflt when absent. -1 with a 400 queued when malformed. */
static int billing_time_param(struct req *r, const char *name, int64_t dflt,
                              char out[TIMEFMT_LEN + 1])
{
  const char *s = query_str(r, name);
  int64_t us = dflt;
  if (s && timefmt_parse(s, &us) != 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, name,
                  "%s must be an RFC 3339 timestamp or a date (YYYY-MM-DD)", name);
    return -1;
  }
  timefmt_format(us, out);
  return 0;
}

/* Appends one CSV field: quoted when it holds a comma, quote or line break; text that a
 * spreadsheet would run as a formula gets a leading apostrophe. */
static void csv_field(FILE *f, const char *s, int text)
{
  if (text && s[0] && strchr("=+-@\t\r", s[0])) fputc('\'', f);
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* Minor units as a decimal amount in major units: 12345, exponent 2 -> "123.45". */
static void csv_major(FILE *f, json_int_t minor, int exponent)
{
  json_int_t scale = 1;
  for (int i = 0; i < exponent; i++)
    scale *= 10;
  json_int_t a = minor < 0 ? -minor : minor;
  if (exponent == 0)
    fprintf(f, "%s%lld", minor < 0 ? "-" : "", (long long)a);
  else
    fprintf(f, "%s%lld.%0*lld", minor < 0 ? "-" : "", (long long)(a / scale), exponent,
            (long long)(a % scale));
}

/* One CSV row: kind, time, entry, currency, reason, reference, ddc_id, counterparty, delta,
 * balance (minor units), then delta and balance in major units. */
static void csv_row(FILE *f, const char *kind, const char *time, json_t *line, const char *cur,
                    int exponent, json_int_t balance)
{
  json_t *delta = json_object_get(line, "delta");
  fprintf(f, "%s,%s,", kind, time);
  if (line) fprintf(f, "%lld", (long long)json_integer_value(json_object_get(line, "id")));
  fprintf(f, ",%s,", cur);
  csv_field(f, line ? json_string_value(json_object_get(line, "reason")) : "", 1);
  fputc(',', f);
  const char *ref = json_string_value(json_object_get(line, "reference"));
  csv_field(f, ref ? ref : "", 1);
  const char *ints[] = {"ddc_id", "counterparty_id"};
  for (int i = 0; i < 2; i++) {
    json_t *v = json_object_get(line, ints[i]);
    fputc(',', f);
    if (json_is_integer(v)) fprintf(f, "%lld", (long long)json_integer_value(v));
  }
  fputc(',', f);
  if (delta) fprintf(f, "%lld", (long long)json_integer_value(delta));
  fprintf(f, ",%lld,", (long long)balance);
  if (delta) csv_major(f, json_integer_value(delta), exponent);
  fputc(',', f);
  csv_major(f, balance, exponent);
  fputs("\r\n", f);
}

static void csv_statement(FILE *f, json_t *sections, const char *from, const char *to)
{
  size_t i, j;
  json_t *s, *line;
  fputs("kind,time,entry_id,currency,reason,reference,ddc_id,counterparty_id,delta_minor,"
        "balance_minor,delta,balance\r\n",
        f);
  json_array_foreach(sections, i, s)
  {
    const char *cur = json_string_value(json_object_get(s, "currency"));
    int exp = (int)json_integer_value(json_object_get(s, "exponent"));
    csv_row(f, "opening", from, NULL, cur, exp, json_integer_value(json_object_get(s, "opening")));
    json_array_foreach(json_object_get(s, "lines"), j, line)
    {
      csv_row(f, "line", json_string_value(json_object_get(line, "time")), line, cur, exp,
              json_integer_value(json_object_get(line, "balance_after")));
    }
    csv_row(f, "closing", to, NULL, cur, exp, json_integer_value(json_object_get(s, "closing")));
  }
}

void api_statement_get(struct req *r)
{
  int64_t id;
  const char *currency;
  char from[TIMEFMT_LEN + 1], to[TIMEFMT_LEN + 1];
  if (path_id(r, 0, &id) != 0 || billing_time_param(r, "from", 0, from) != 0 ||
      billing_time_param(r, "to", timefmt_now() + 1, to) != 0 ||
      billing_currency_param(r, &currency) != 0)
    return;
  if (strcmp(from, to) >= 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "to", "to must be after from");
    return;
  }
  char *json, *csv = NULL;
  size_t len = 0;
  enum ddc_err e = billing_statement(&r->who, id, currency, from, to, &json);
  json_t *sections = e == DDC_ERR_OK ? json_loads(json, 0, NULL) : NULL;
  free(json);
  FILE *f = sections ? open_memstream(&csv, &len) : NULL;
  if (!f) {
    json_decref(sections);
    reply_error(r, e == DDC_ERR_OK ? DDC_ERR_INTERNAL : e);
    return;
  }
  csv_statement(f, sections, from, to);
  fclose(f);
  json_decref(sections);
  reply_buffer(r, 200, "text/csv; charset=utf-8", csv, len);
}

/* GET /v1/accounts/{id}/rollup: a platform's roll-up statement, JSON (from, to, currency as for
 * the statement). */
void api_rollup_get(struct req *r)
{
  int64_t id;
  const char *currency;
  char from[TIMEFMT_LEN + 1], to[TIMEFMT_LEN + 1];
  if (path_id(r, 0, &id) != 0 || billing_time_param(r, "from", 0, from) != 0 ||
      billing_time_param(r, "to", timefmt_now() + 1, to) != 0 ||
      billing_currency_param(r, &currency) != 0)
    return;
  if (strcmp(from, to) >= 0) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, "to", "to must be after from");
    return;
  }
  char *json;
  enum ddc_err e = tier_rollup(&r->who, id, currency, from, to, &json);
  reply_result(r, e, 200, json);
}
