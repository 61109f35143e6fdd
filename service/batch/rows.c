/* rows.c: batch rows (see rows.h). A row is checked with cert_check, the single mint's own
 * rules, so a row that passes here is a request POST /v1/certificates would take. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "batch/rows.h"
#include "crypto/jcs.h"
#include "domain/cert.h"

static const struct {
  const char *name;
  enum batch_col col;
} batch_cols[] = {{"owner_id", BATCH_COL_OWNER},    {"external_ref", BATCH_COL_REF},
                  {"content_hash", BATCH_COL_HASH}, {"uri", BATCH_COL_URI},
                  {"valid_from", BATCH_COL_FROM},   {"valid_until", BATCH_COL_UNTIL}};

int batch_header_read(const struct csv_record *rec, struct batch_header *h, char *why,
                      size_t whylen)
{
  memset(h, 0, sizeof *h);
  if (rec->problem != CSV_OK) {
    snprintf(why, whylen, "the header row cannot be read: %s", csv_problem_text(rec->problem));
    return -1;
  }
  for (int i = 0; i < rec->nfields; i++) {
    const char *s = rec->field[i];
    if (rec->len[i] == 0 || rec->len[i] > 64 ||
        strcspn(s, "\x01\x02\x03\x04\x05\x06\x07\x08\t\n"
                   "\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13"
                   "\x14\x15\x16\x17\x18\x19\x1a\x1b"
                   "\x1c\x1d\x1e\x1f\x7f") != rec->len[i]) {
      snprintf(why, whylen, "header column %d must be a name of 1 to 64 printable bytes", i + 1);
      return -1;
    }
    for (int j = 0; j < i; j++)
      if (strcmp(h->name[j], s) == 0) {
        snprintf(why, whylen, "header column %.64s appears twice", s);
        return -1;
      }
    h->name[i] = strdup(s);
    if (!h->name[i]) return -1;
    h->n = i + 1;
    h->col[i] = BATCH_COL_META;
    for (size_t k = 0; k < sizeof batch_cols / sizeof batch_cols[0]; k++)
      if (strcmp(batch_cols[k].name, s) == 0) h->col[i] = batch_cols[k].col;
  }
  return 0;
}

void batch_header_free(struct batch_header *h)
{
  for (int i = 0; i < h->n; i++)
    free(h->name[i]);
  h->n = 0;
}

void batch_row_free(struct batch_row *row)
{
  json_decref(row->metadata);
  free(row->metadata_jcs);
  free(row->external_ref);
  free(row->content_hash);
  free(row->uri);
  memset(row, 0, sizeof *row);
}

static int batch_fail(struct batch_error *err, const char *field, enum ddc_err e, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
static int batch_fail(struct batch_error *err, const char *field, enum ddc_err e, const char *fmt,
                      ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  snprintf(err->field, sizeof err->field, "%s", field);
  err->code = errors_info(e)->code;
  return 1;
}

/* Characters (not bytes) of valid UTF-8. */
static size_t batch_chars(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

static int batch_has_control(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
  return 0;
}

/* A time field in canonical form; 0, or 1 with err filled. */
static int batch_time(const char *field, const char *s, char out[TIMEFMT_LEN + 1],
                      struct batch_error *err)
{
  int64_t us;
  if (timefmt_parse(s, &us) != 0)
    return batch_fail(err, field, DDC_ERR_INVALID_FIELD,
                      "%s must be an RFC 3339 time or a date, YYYY-MM-DD", field);
  timefmt_format(us, out);
  return 0;
}

/* One of the request's own fields given as text. 0, or 1 with err filled. */
static int batch_field(struct batch_row *row, enum batch_col col, const char *name, const char *v,
                       struct batch_error *err)
{
  if (col != BATCH_COL_META && batch_has_control(v))
    return batch_fail(err, name, DDC_ERR_INVALID_FIELD, "%s may not hold control characters", name);
  switch (col) {
  case BATCH_COL_OWNER: {
    char *end;
    errno = 0;
    long long id = strtoll(v, &end, 10);
    if (*end || end == v || id <= 0 || errno == ERANGE || v[0] == '+' || v[0] == ' ')
      return batch_fail(err, name, DDC_ERR_INVALID_FIELD, "owner_id must be an account id");
    row->owner_id = id;
    return 0;
  }
  case BATCH_COL_REF:
    if (batch_chars(v) > BATCH_REF_MAX)
      return batch_fail(err, name, DDC_ERR_INVALID_FIELD, "external_ref is at most %d characters",
                        BATCH_REF_MAX);
    return (row->external_ref = strdup(v)) ? 0 : -1;
  case BATCH_COL_HASH:
    return (row->content_hash = strdup(v)) ? 0 : -1;
  case BATCH_COL_URI:
    return (row->uri = strdup(v)) ? 0 : -1;
  case BATCH_COL_FROM:
    return batch_time(name, v, row->valid_from, err);
  case BATCH_COL_UNTIL:
    return batch_time(name, v, row->valid_until, err);
  default:
    return 0;
  }
}

/* The request a row stands for (borrowing from it). */
static void batch_row_request(const struct batch_row *row, const char *kind,
                              struct cert_mint_req *m)
{
  *m = (struct cert_mint_req){.kind = kind,
                              .owner_id = row->owner_id,
                              .metadata = row->metadata,
                              .content_hash = row->content_hash,
                              .uri = row->uri,
                              .valid_from = row->valid_from[0] ? row->valid_from : NULL,
                              .valid_until = row->valid_until[0] ? row->valid_until : NULL,
                              .external_ref = row->external_ref};
}

/* The single mint's rules (cert_check); 0, or 1 with err naming the field. */
static int batch_check(struct batch_row *row, const char *kind, struct batch_error *err)
{
  struct cert_mint_req m;
  batch_row_request(row, kind, &m);
  errors_clear();
  enum ddc_err e = cert_check(&m, &row->metadata_jcs);
  if (e == DDC_ERR_OK) return 0;
  const char *extra = "", *detail = errors_detail(e, &extra);
  json_t *x = extra[0] ? json_loads(extra, 0, NULL) : NULL;
  const char *field = json_string_value(json_object_get(x, "field"));
  batch_fail(err, field ? field : "row", e, "%s", detail ? detail : errors_info(e)->title);
  json_decref(x);
  return 1;
}

int batch_row_csv(const struct batch_header *h, const char *kind, const struct csv_record *rec,
                  struct batch_row *row, struct batch_error *err)
{
  memset(row, 0, sizeof *row);
  memset(err, 0, sizeof *err);
  row->line = err->line = rec->line;
  if (rec->problem != CSV_OK) {
    int f = rec->problem_field;
    return batch_fail(err, f < h->n ? h->name[f] : "row", DDC_ERR_MALFORMED_ROW, "%s",
                      csv_problem_text(rec->problem));
  }
  if (rec->nfields != h->n)
    return batch_fail(err, "row", DDC_ERR_MALFORMED_ROW, "the row has %d fields, the header %d",
                      rec->nfields, h->n);
  row->metadata = json_object();
  if (!row->metadata) return -1;
  for (int i = 0; i < h->n; i++) {
    if (rec->len[i] == 0) continue; /* an empty cell: the field is absent */
    int rc = h->col[i] == BATCH_COL_META
                 ? json_object_set_new(row->metadata, h->name[i],
                                       json_stringn(rec->field[i], rec->len[i]))
                 : batch_field(row, h->col[i], h->name[i], rec->field[i], err);
    if (rc) return rc;
  }
  return batch_check(row, kind, err);
}

/* A JSON string or null field of an NDJSON row: 0, or 1 with err filled. */
static int batch_json_text(struct batch_row *row, json_t *obj, const char *name, enum batch_col col,
                           struct batch_error *err)
{
  json_t *v = json_object_get(obj, name);
  if (!v || json_is_null(v)) return 0;
  if (col == BATCH_COL_OWNER) {
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
      return batch_fail(err, name, DDC_ERR_INVALID_FIELD, "owner_id must be an account id");
    row->owner_id = json_integer_value(v);
    return 0;
  }
  if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
    return batch_fail(err, name, DDC_ERR_INVALID_FIELD, "%s must be a string", name);
  return batch_field(row, col, name, json_string_value(v), err);
}

/* A line with an integer beyond int64, which jansson refuses at byte pos: refused by the name of
 * that integer, as a single mint's body is; else the line is bad JSON. */
static int batch_big_integer(const char *text, size_t len, int pos, struct batch_error *err)
{
  char path[128];
  if (jcs_overflow_name(text, len, pos, JSON_REJECT_DUPLICATES, path, sizeof path))
    return batch_fail(err, "row", DDC_ERR_BAD_JSON, "the line is not a JSON object");
  return batch_fail(err, path, DDC_ERR_INVALID_FIELD, "%s: " JCS_INTEGER_RULE, path);
}

int batch_row_ndjson(const char *kind, uint64_t line, const char *text, size_t len, int too_long,
                     struct batch_row *row, struct batch_error *err)
{
  memset(row, 0, sizeof *row);
  memset(err, 0, sizeof *err);
  row->line = err->line = line;
  if (too_long)
    return batch_fail(err, "row", DDC_ERR_MALFORMED_ROW, "the line is longer than %d bytes",
                      BATCH_ROW_MAX);
  json_error_t je;
  json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!obj && json_error_code(&je) == json_error_numeric_overflow)
    return batch_big_integer(text, len, je.position, err);
  if (!json_is_object(obj)) {
    json_decref(obj);
    return batch_fail(err, "row", DDC_ERR_BAD_JSON, "the line is not a JSON object: %.200s",
                      je.text);
  }
  const char *k;
  json_t *v;
  int rc = 0;
  json_object_foreach(obj, k, v)
  {
    int known = strcmp(k, "metadata") == 0 || strcmp(k, "kind") == 0;
    for (size_t i = 0; i < sizeof batch_cols / sizeof batch_cols[0]; i++)
      known |= strcmp(k, batch_cols[i].name) == 0;
    if (!known) {
      rc = batch_fail(err, k, DDC_ERR_UNKNOWN_FIELD, "a batch row does not take %.64s", k);
      break;
    }
  }
  json_t *kd = json_object_get(obj, "kind");
  if (!rc && kd && !(json_is_string(kd) && strcmp(json_string_value(kd), kind) == 0))
    rc = batch_fail(err, "kind", DDC_ERR_INVALID_FIELD, "kind must be the batch's, %s", kind);
  for (size_t i = 0; !rc && i < sizeof batch_cols / sizeof batch_cols[0]; i++)
    rc = batch_json_text(row, obj, batch_cols[i].name, batch_cols[i].col, err);
  row->metadata = json_incref(json_object_get(obj, "metadata"));
  if (!rc && !row->metadata)
    rc = batch_fail(err, "metadata", DDC_ERR_MISSING_FIELD, "a batch row needs metadata");
  else if (!rc && !json_is_object(row->metadata))
    rc = batch_fail(err, "metadata", DDC_ERR_INVALID_FIELD, "metadata must be an object");
  json_decref(obj);
  return rc ? rc : batch_check(row, kind, err);
}

void batch_row_staged(const struct batch_row *row, struct db_batch_row *s)
{
  *s = (struct db_batch_row){.line = (int64_t)row->line,
                             .owner_id = row->owner_id,
                             .external_ref = row->external_ref,
                             .content_hash = row->content_hash,
                             .uri = row->uri,
                             .valid_from = row->valid_from[0] ? row->valid_from : NULL,
                             .valid_until = row->valid_until[0] ? row->valid_until : NULL,
                             .metadata = row->metadata_jcs, /* signed as it is */
                             .metadata_jcs = 1};
}

void batch_error_staged(const struct batch_error *e, struct db_batch_error *s)
{
  *s = (struct db_batch_error){
      .line = (int64_t)e->line, .field = e->field, .code = e->code, .message = e->message};
}
