/* report.h: reading a batch: its state, its cancellation, and its two CSV reports (the rows in
 * error, and the certificates minted) produced page by page while they are sent. */
#ifndef DDC_BATCH_REPORT_H
#define DDC_BATCH_REPORT_H
#include <stdint.h>
#include <sys/types.h>
#include "domain/account.h"
#include "errors.h"

struct batch_report;

enum ddc_err batch_get(const struct principal *who, int64_t batch_id, char **json);
enum ddc_err batch_cancel(const struct principal *who, int64_t batch_id, char **json);
/* Opens a report of a batch who may read: minted 0 gives "line,field,code,message", 1 gives
 * "line,external_ref,ddc_id,code,cert_hash"; one row per line, in line order. */
enum ddc_err batch_report_open(const struct principal *who, int64_t batch_id, int minted,
                               struct batch_report **out);
/* Up to max bytes of the report; 0 at its end, -1 if the database failed. */
ssize_t batch_report_read(struct batch_report *rep, char *buf, size_t max);
void batch_report_free(struct batch_report *rep);

#endif
