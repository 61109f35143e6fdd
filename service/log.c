/* log.c: JSON-lines logger. Each line is written with a single write(2), so lines from
 * concurrent threads never interleave. Secrets are never passed here by the callers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

static enum log_level log_min = LOG_INFO;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
  log_min = level;
}

int log_level_parse(const char *s, enum log_level *out)
{
  for (int i = 0; i < 4; i++)
    if (strcmp(s, log_names[i]) == 0) {
      *out = (enum log_level)i;
      return 0;
    }
  return -1;
}

void log_json_escape(char *out, size_t cap, const char *s)
{
  size_t n = strlen(out);
  for (; *s && n + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
    } else {
      out[n++] = (char)c;
    }
  }
  out[n] = 0;
}

static void log_timestamp(char *buf, size_t cap)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, cap - n, ".%06ldZ", ts.tv_nsec / 1000);
}

static void log_write(char *line, size_t len)
{
  if (len >= 2047) len = 2046;
  line[len++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, len);
  (void)w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
  if (level < log_min) return;
  char msg[1024], ts[40], line[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  log_timestamp(ts, sizeof ts);
  int n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
                   log_names[level]);
  line[n] = 0;
  log_json_escape(line, sizeof line - 3, msg);
  strcat(line, "\"}");
  log_write(line, strlen(line));
}

void log_access(const char *method, const char *route, unsigned status, uint64_t micros,
                const char *request_id)
{
  if (LOG_INFO < log_min) return;
  char ts[40], line[2048];
  log_timestamp(ts, sizeof ts);
  int n = snprintf(line, sizeof line,
                   "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"method\":\"", ts);
  line[n] = 0;
  log_json_escape(line, 200, method);
  strcat(line, "\",\"route\":\"");
  log_json_escape(line, 600, route);
  n = (int)strlen(line);
  n += snprintf(line + n, sizeof line - (size_t)n, "\",\"status\":%u,\"us\":%llu,\"request_id\":\"",
                status, (unsigned long long)micros);
  log_json_escape(line, sizeof line - 3, request_id);
  strcat(line, "\"}");
  log_write(line, strlen(line));
}
