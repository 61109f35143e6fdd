/* errors.c: the table behind errors.h. */
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
