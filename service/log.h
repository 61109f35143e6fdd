/* log.h: structured logging, one JSON object per line on stderr. */
#ifndef DDC_LOG_H
#define DDC_LOG_H
#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
int log_level_parse(const char *s, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_access(const char *method, const char *route, unsigned status, uint64_t micros,
                const char *request_id);
/* Appends s to out (capacity cap, NUL-terminated) as the inside of a JSON string. */
void log_json_escape(char *out, size_t cap, const char *s);

#endif
