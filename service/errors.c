/* errors.c: the table behind errors.h, and the per-thread detail of the last rule failure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "errors.h"

static const struct ddc_error_info errors_table[DDC_ERR_COUNT] = {
#define DDC_ERR_ROW(name, code, status, title) [DDC_ERR_##name] = {code, status, title},
    DDC_ERRORS(DDC_ERR_ROW)
#undef DDC_ERR_ROW
};

const struct ddc_error_info *errors_info(enum ddc_err e)
{
  if ((unsigned)e >= DDC_ERR_COUNT) e = DDC_ERR_INTERNAL;
  return &errors_table[e];
}

static _Thread_local struct {
  enum ddc_err e;
  char detail[512];
  char extra[1024];
} errors_last;

void errors_set_detail(enum ddc_err e, const char *detail, const char *extra_json)
{
  errors_last.e = e;
  snprintf(errors_last.detail, sizeof errors_last.detail, "%s", detail ? detail : "");
  if (!extra_json || strlen(extra_json) >= sizeof errors_last.extra) extra_json = "";
  strcpy(errors_last.extra, extra_json);
}

const char *errors_detail(enum ddc_err e, const char **extra_json)
{
  if (errors_last.e != e || e == DDC_ERR_OK || !errors_last.detail[0]) return NULL;
  *extra_json = errors_last.extra;
  return errors_last.detail;
}

void errors_clear(void)
{
  errors_last.e = DDC_ERR_OK;
  errors_last.detail[0] = 0;
  errors_last.extra[0] = 0;
}

/* {"field":"NAME"} into out: NAME JSON-escaped and cut short on a UTF-8 character boundary when
 * it does not fit, so that a name made of a client's metadata keys is safe to send. */
static void errors_field_json(const char *field, char out[128])
{
  const size_t room = 128 - 3; /* for the closing "} and the NUL */
  size_t o = (size_t)snprintf(out, 128, "{\"field\":\"");
  for (size_t i = 0; field[i];) {
    unsigned char c = (unsigned char)field[i];
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c == '"' || c == '\\' || c < 0x20) {
      if (o + 6 > room) break;
      o += (size_t)snprintf(out + o, 128 - o, c < 0x20 ? "\\u%04x" : "\\%c", c);
      i++;
      continue;
    }
    if (o + n > room || strnlen(field + i, n) < n) break;
    memcpy(out + o, field + i, n);
    o += n;
    i += n;
  }
  snprintf(out + o, 128 - o, "\"}");
}

enum ddc_err errors_refuse(enum ddc_err e, const char *field, const char *fmt, ...)
{
  char detail[sizeof errors_last.detail], extra[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  if (field)
    errors_field_json(field, extra);
  else
    extra[0] = 0; /* a refusal of the request as a whole */
  errors_set_detail(e, detail, extra);
  return e;
}
