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

enum ddc_err errors_refuse(enum ddc_err e, const char *field, const char *fmt, ...)
{
  char detail[sizeof errors_last.detail], extra[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof detail, fmt, ap);
  va_end(ap);
  snprintf(extra, sizeof extra, "{\"field\":\"%.100s\"}", field);
  errors_set_detail(e, detail, extra);
  return e;
}
