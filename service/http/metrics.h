/* metrics.h: request counters by route and status, latency histograms, rendered as Prometheus text.
 */
#ifndef DDC_METRICS_H
#define DDC_METRICS_H
#include <stddef.h>
#include <stdint.h>

/* route: index into routes_table, or -1 for a request that matched no route. */
void metrics_record(int route, unsigned status, uint64_t micros);
/* Prometheus text exposition format 0.0.4; malloc'ed, *len set. */
char *metrics_render(size_t *len);

#endif
