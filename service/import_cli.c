/* import_cli.c: `ddcd import FILE --kind KIND [--dry-run] [--partial] --url URL --key-file F`:
 * uploads a CSV or NDJSON batch (streamed from the file, never read whole), then follows the
 * batch to its end: a progress bar with rate and ETA on a terminal, a plain line every two
 * seconds otherwise; prints the summary and where the reports are. Exit 0: every row minted (or,
 * dry run, every row good); 1: some rows not minted or bad; 3: the upload was refused or the batch
 * failed or was cancelled; 2: usage or unreadable input. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "import_cli.h"

struct import_opts {
  const char *file, *kind, *url, *key_file;
  int dry_run, partial;
  char auth[256];
};

struct import_buf {
  char *p;
  size_t len;
};

static size_t import_collect(char *data, size_t size, size_t n, void *arg)
{
  struct import_buf *b = arg;
  size_t len = size * n;
  if (b->len + len > 1 << 20) return 0; /* no answer of ours is that large */
  char *p = realloc(b->p, b->len + len + 1);
  if (!p) return 0;
  memcpy(p + b->len, data, len);
  b->p = p;
  b->len += len;
  p[b->len] = '\0';
  return len;
}

/* One request; the parsed JSON answer (or NULL) and the status in *status. */
static json_t *import_call(const struct import_opts *o, const char *path, FILE *body,
                           curl_off_t size, long *status)
{
  char url[2048];
  struct import_buf b = {0};
  struct curl_slist *h = curl_slist_append(NULL, o->auth);
  CURL *c = curl_easy_init();
  snprintf(url, sizeof url, "%s%s", o->url, path);
  if (body) {
    const char *f = o->file, *dot = strrchr(f, '.');
    int nd = dot && (!strcmp(dot, ".ndjson") || !strcmp(dot, ".jsonl"));
    h = curl_slist_append(h, nd ? "Content-Type: application/x-ndjson" : "Content-Type: text/csv");
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "POST");
    curl_easy_setopt(c, CURLOPT_READDATA, body);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
  }
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, import_collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  CURLcode rc = curl_easy_perform(c);
  *status = 0;
  if (rc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
  else
    fprintf(stderr, "ddcd import: %s: %s\n", url, curl_easy_strerror(rc));
  json_t *j = b.p ? json_loads(b.p, 0, NULL) : NULL;
  if (*status >= 400)
    fprintf(stderr, "ddcd import: %s answered %ld: %s\n", path, *status,
            json_string_value(json_object_get(j, "detail"))
                ? json_string_value(json_object_get(j, "detail"))
                : "");
  curl_easy_cleanup(c);
  curl_slist_free_all(h);
  free(b.p);
  return j;
}

static long long import_int(json_t *b, const char *k)
{
  return (long long)json_integer_value(json_object_get(b, k));
}

/* The progress line: a bar on a terminal (rewritten in place), plain text otherwise. */
static void import_progress(json_t *b, int tty)
{
  long long total = import_int(b, "rows_valid"), done = import_int(b, "rows_done");
  double rate = json_number_value(json_object_get(b, "rate_per_sec"));
  json_t *eta = json_object_get(b, "eta_seconds");
  int pct = total > 0 ? (int)(100 * done / total) : 0, width = 30, fill = pct * width / 100;
  char bar[64];
  memset(bar, '#', (size_t)fill);
  memset(bar + fill, '.', (size_t)(width - fill));
  bar[width] = '\0';
  if (tty)
    fprintf(stderr, "\r[%s] %3d%% %lld/%lld rows  %.0f rows/s  ETA %s%llds   ", bar, pct, done,
            total, rate, json_is_number(eta) ? "" : "?",
            json_is_number(eta) ? (long long)json_number_value(eta) : 0);
  else
    fprintf(stderr, "%s: %lld of %lld rows, %.0f rows/s\n",
            json_string_value(json_object_get(b, "state")), done, total, rate);
}

/* Follows the batch until it has ended; its last state (new reference) or NULL. */
static json_t *import_follow(const struct import_opts *o, long long id)
{
  char path[64];
  int tty = isatty(STDERR_FILENO);
  time_t last = 0;
  snprintf(path, sizeof path, "/v1/batches/%lld", id);
  for (;;) {
    long status;
    json_t *b = import_call(o, path, NULL, 0, &status);
    const char *state = json_string_value(json_object_get(b, "state"));
    if (status != 200 || !state) {
      json_decref(b);
      return NULL;
    }
    int over = strcmp(state, "running") && strcmp(state, "validating") &&
               (o->dry_run || strcmp(state, "quoted"));
    if (tty || over || time(NULL) - last >= 2) import_progress(b, tty), last = time(NULL);
    if (over) {
      if (tty) fputc('\n', stderr);
      return b;
    }
    json_decref(b);
    usleep(500000);
  }
}

static void import_summary(const struct import_opts *o, json_t *b)
{
  long long id = import_int(b, "batch_id"), failed = import_int(b, "rows_failed");
  json_t *q = json_object_get(b, "quote"), *ch = json_object_get(b, "charged");
  printf("batch %lld: %s; %lld rows, %lld good, %lld bad, %lld minted\n", id,
         json_string_value(json_object_get(b, "state")), import_int(b, "rows_total"),
         import_int(b, "rows_valid"), failed, import_int(b, "rows_done"));
  if (json_is_object(q))
    printf("quote: %lld x %lld = %lld minor units of %s\n", import_int(q, "rows"),
           import_int(json_object_get(q, "unit_price"), "amount_minor"),
           import_int(q, "amount_minor"), json_string_value(json_object_get(q, "currency")));
  if (json_is_object(ch))
    printf("charged: %lld minor units of %s\n", import_int(ch, "amount_minor"),
           json_string_value(json_object_get(ch, "currency")));
  if (failed) printf("errors: %s/v1/batches/%lld/errors\n", o->url, id);
  if (!json_is_true(json_object_get(b, "dry_run")))
    printf("certificates: %s/v1/batches/%lld/certificates\n", o->url, id);
}

static int import_usage(const char *why)
{
  if (why) fprintf(stderr, "ddcd import: %s\n", why);
  fprintf(stderr, "usage: ddcd import FILE --kind KIND [--dry-run] [--partial] --url URL"
                  " --key-file FILE\n");
  return 2;
}

/* Parses the options and reads the key; 0 or an exit code. */
static int import_args(int argc, char **argv, struct import_opts *o)
{
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--dry-run"))
      o->dry_run = 1;
    else if (!strcmp(a, "--partial"))
      o->partial = 1;
    else if (!strcmp(a, "--kind") && v)
      o->kind = v, i++;
    else if (!strcmp(a, "--url") && v)
      o->url = v, i++;
    else if (!strcmp(a, "--key-file") && v)
      o->key_file = v, i++;
    else if (!o->file && a[0] != '-')
      o->file = a;
    else
      return import_usage(NULL);
  }
  if (!o->file || !o->kind || !o->url || !o->key_file) return import_usage(NULL);
  char key[200] = "";
  FILE *k = fopen(o->key_file, "r");
  if (!k || !fgets(key, sizeof key, k)) {
    if (k) fclose(k);
    return import_usage("--key-file cannot be read");
  }
  fclose(k);
  key[strcspn(key, "\r\n")] = '\0';
  snprintf(o->auth, sizeof o->auth, "Authorization: Bearer %s", key);
  return 0;
}

int import_cli(int argc, char **argv)
{
  struct import_opts o = {0};
  struct stat st;
  int rc = import_args(argc, argv, &o);
  if (rc) return rc;
  FILE *f = fopen(o.file, "rb");
  if (!f || fstat(fileno(f), &st) != 0) {
    if (f) fclose(f);
    return import_usage("FILE cannot be read");
  }
  char path[256];
  long status;
  snprintf(path, sizeof path, "/v1/batches?kind=%s&mode=%s&dry_run=%s", o.kind,
           o.partial ? "partial" : "all_or_nothing", o.dry_run ? "true" : "false");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  json_t *b = import_call(&o, path, f, (curl_off_t)st.st_size, &status);
  fclose(f);
  long long id = import_int(b, "batch_id");
  json_t *end = (status == 200 || status == 202) && id > 0 ? import_follow(&o, id) : NULL;
  json_decref(b);
  if (end) {
    const char *state = json_string_value(json_object_get(end, "state"));
    import_summary(&o, end);
    rc = strcmp(state, "completed") && strcmp(state, "quoted") ? 3
         : import_int(end, "rows_failed")                      ? 1
                                                               : 0;
  } else
    rc = 3;
  json_decref(end);
  curl_global_cleanup();
  return rc;
}
