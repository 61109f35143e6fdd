/* bare_mhd.c: the machine's own limit for an HTTP reply, for `make bench`. A libmicrohttpd server
 * started with the same daemon flags and options as ddcd (service/http/server.c) that answers
 * every request 200 {"status":"ok"} (application/json) and does nothing else: no routing, no
 * auth, no logging. tests/bench/run.sh compares ddcd's throughput against it.
 *   bare_mhd PORT THREADS   listens on 127.0.0.1:PORT (0: any free port) with THREADS pool threads,
 *                           prints "listening on PORT" to stderr, stops on SIGTERM or SIGINT. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const char bare_body[] = "{\"status\":\"ok\"}";
static struct MHD_Response *bare_response; /* shared, read-only once built */

static enum MHD_Result bare_access(void *cls, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
  (void)cls;
  (void)url;
  (void)method;
  (void)version;
  (void)upload_data;
  /* Reply on the last call, once the request is fully read, as ddcd's handlers do: libmicrohttpd
   * 0.9.75 closes the connection after a reply queued on the first call (no keep-alive). */
  static int bare_seen;
  if (!*con_cls) {
    *con_cls = &bare_seen;
    return MHD_YES;
  }
  if (*upload_data_size) {
    *upload_data_size = 0; /* a body, if any, is ignored */
    return MHD_YES;
  }
  return MHD_queue_response(conn, MHD_HTTP_OK, bare_response);
}

static int bare_parse(const char *s, long lo, long hi, long *out)
{
  char *end;
  long v = strtol(s, &end, 10);
  if (!*s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int main(int argc, char **argv)
{
  long port, threads;
  if (argc != 3 || bare_parse(argv[1], 0, 65535, &port) != 0 ||
      bare_parse(argv[2], 1, 1024, &threads) != 0) {
    fprintf(stderr, "usage: bare_mhd PORT THREADS\n");
    return 2;
  }
  bare_response = MHD_create_response_from_buffer(sizeof bare_body - 1, (void *)bare_body,
                                                  MHD_RESPMEM_PERSISTENT);
  if (!bare_response || MHD_add_response_header(bare_response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                                "application/json") != MHD_YES) {
    fprintf(stderr, "bare_mhd: cannot build the response\n");
    return 1;
  }

  /* As in ddcd: the signals are blocked in every thread and taken by sigwait in main. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG;
  struct MHD_Daemon *d = MHD_start_daemon(
      flags, 0, NULL, NULL, bare_access, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
      MHD_OPTION_CONNECTION_LIMIT, 4000u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "bare_mhd: cannot listen on 127.0.0.1:%ld\n", port);
    MHD_destroy_response(bare_response);
    return 1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  fprintf(stderr, "listening on %u\n", info ? (unsigned)info->port : (unsigned)port);

  int sig = 0;
  sigwait(&sigs, &sig);
  MHD_stop_daemon(d);
  MHD_destroy_response(bare_response);
  return 0;
}
