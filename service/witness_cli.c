/* witness_cli.c: `ddcd witness`, a C2SP tlog-witness for one log, with no database:
 *   ddcd witness keygen --name NAME --key FILE      makes a cosigning key, prints its verifier key
 *   ddcd witness --origin O --log-key K --key FILE --listen ADDR [--state FILE]
 * serves POST /add-checkpoint (and GET /healthz) until SIGINT/SIGTERM. The state file (default
 * FILE.state) holds the last checkpoint cosigned. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "verify/witness.h"
#include "log.h"
#include "witness_cli.h"

/* One request's body, read up to WITNESS_BODY_MAX (more marks it too large). */
struct witness_req {
  char *buf;
  size_t len;
  int too_large;
};

static int witness_send(struct MHD_Connection *conn, int status, const char *type, const char *body)
{
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "Cache-Control", "no-store");
  int rc = MHD_queue_response(conn, (unsigned)status, r);
  MHD_destroy_response(r);
  return rc;
}

/* Appends a chunk of the body; past the cap the rest is read and dropped. */
static void witness_take(struct witness_req *q, const char *data, size_t n)
{
  if (q->too_large || q->len + n > WITNESS_BODY_MAX) {
    q->too_large = 1;
    return;
  }
  char *b = realloc(q->buf, q->len + n + 1);
  if (!b) {
    q->too_large = 1;
    return;
  }
  memcpy(b + q->len, data, n);
  q->buf = b;
  q->len += n;
}

static enum MHD_Result witness_access(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version, const char *upload,
                                      size_t *upload_size, void **ctx)
{
  struct witness *w = cls;
  struct witness_req *q = *ctx;
  (void)version;
  if (!q) {
    if (!(q = calloc(1, sizeof *q))) return MHD_NO;
    *ctx = q;
    return MHD_YES;
  }
  if (*upload_size) {
    witness_take(q, upload, *upload_size);
    *upload_size = 0;
    return MHD_YES;
  }
  const char *text = "text/plain; charset=utf-8";
  if (strcmp(url, "/healthz") == 0 && strcmp(method, "GET") == 0)
    return (enum MHD_Result)witness_send(conn, 200, text, "ok\n");
  if (strcmp(url, "/add-checkpoint") != 0)
    return (enum MHD_Result)witness_send(conn, 404, text, "not found\n");
  if (strcmp(method, "POST") != 0)
    return (enum MHD_Result)witness_send(conn, 405, text, "use POST\n");
  if (q->too_large)
    return (enum MHD_Result)witness_send(conn, 413, text, "request body too large\n");
  struct witness_reply out;
  witness_add(w, q->buf ? q->buf : "", q->len, (uint64_t)time(NULL), &out);
  if (out.status == 200)
    log_msg(LOG_INFO, "witness: cosigned size %llu", (unsigned long long)out.size);
  else
    log_msg(LOG_WARN, "witness: refused a checkpoint of size %llu (%d): %.*s",
            (unsigned long long)out.size, out.status, (int)strcspn(out.body, "\n"), out.body);
  return (enum MHD_Result)witness_send(conn, out.status, out.content_type, out.body);
}

static void witness_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                              enum MHD_RequestTerminationCode code)
{
  (void)cls, (void)conn, (void)code;
  struct witness_req *q = *ctx;
  if (q) free(q->buf);
  free(q);
  *ctx = NULL;
}

static int witness_usage(void)
{
  fprintf(stderr, "usage: ddcd witness keygen --name NAME --key FILE\n"
                  "       ddcd witness --origin ORIGIN --log-key VKEY --key FILE --listen ADDR"
                  " [--state FILE]\n");
  return 2;
}

static int witness_keygen_cmd(const char *name, const char *key)
{
  char vkey[NOTE_VKEY_MAX], err[512];
  if (!name || !key) return witness_usage();
  if (witness_keygen(name, key, vkey, err, sizeof err) != 0) {
    fprintf(stderr, "ddcd witness: %s\n", err);
    return 1;
  }
  printf("%s\n", vkey);
  return 0;
}

static int witness_serve(struct witness *w, const char *listen)
{
  struct sockaddr_storage addr;
  if (config_parse_listen(listen, &addr) != 0) {
    fprintf(stderr, "ddcd witness: --listen: not host:port\n");
    return 2;
  }
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  struct MHD_Daemon *d =
      MHD_start_daemon(flags, 0, NULL, NULL, witness_access, w, MHD_OPTION_SOCK_ADDR, &addr,
                       MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_NOTIFY_COMPLETED,
                       witness_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
  if (!d) {
    log_msg(LOG_ERROR, "witness: cannot listen on %s: %s", listen, strerror(errno));
    return 1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  char vkey[NOTE_VKEY_MAX];
  struct note_verifier v;
  note_signer_public(&w->key, &v);
  note_verifier_format(&v, vkey, sizeof vkey);
  log_msg(LOG_INFO, "witness %s for %s at size %llu", vkey, w->origin, (unsigned long long)w->size);
  log_msg(LOG_INFO, "listening on http://%.*s:%u", (int)(strrchr(listen, ':') - listen), listen,
          info ? info->port : 0);
  int sig = 0;
  sigwait(&sigs, &sig);
  MHD_stop_daemon(d);
  log_msg(LOG_INFO, "stopped");
  return 0;
}

int witness_cli(int argc, char **argv)
{
  const char *origin = NULL, *log_key = NULL, *key = NULL, *listen = NULL, *state = NULL,
             *name = NULL;
  int keygen = argc > 0 && strcmp(argv[0], "keygen") == 0;
  for (int i = keygen; i < argc; i++) {
    const char **slot = !strcmp(argv[i], "--origin")    ? &origin
                        : !strcmp(argv[i], "--log-key") ? &log_key
                        : !strcmp(argv[i], "--key")     ? &key
                        : !strcmp(argv[i], "--listen")  ? &listen
                        : !strcmp(argv[i], "--state")   ? &state
                        : !strcmp(argv[i], "--name")    ? &name
                                                        : NULL;
    if (!slot || i + 1 >= argc) return witness_usage();
    *slot = argv[++i];
  }
  if (keygen) return witness_keygen_cmd(name, key);
  if (!origin || !log_key || !key || !listen) return witness_usage();
  char state_path[1024], err[512];
  snprintf(state_path, sizeof state_path, "%s%s", state ? state : key, state ? "" : ".state");
  struct witness *w = malloc(sizeof *w);
  if (!w) return 1;
  int rc = witness_open(w, origin, log_key, key, state_path, err, sizeof err);
  if (rc != 0) fprintf(stderr, "ddcd witness: %s\n", err);
  rc = rc != 0 ? 2 : witness_serve(w, listen);
  witness_close(w);
  free(w);
  return rc;
}
