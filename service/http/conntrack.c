/* conntrack.c: the open connections, the per-address connection cap and the request head
 * deadline's watchdog (see conntrack.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "http/addrkey.h"
#include "http/conntrack.h"
#include "log.h"

#define CONNTRACK_BUCKETS 4096
#define CONNTRACK_SEC 1000000000ULL

/* The connections of one address key. */
struct conntrack_addr {
  uint8_t key[ADDRKEY_LEN];
  unsigned n;
  struct conntrack_addr *next; /* in its bucket */
};

/* One open connection (MHD's socket_context). */
struct conntrack_conn {
  struct conntrack_conn *prev, *next;
  int fd;
  _Atomic uint64_t head_deadline_ns; /* CLOCK_MONOTONIC; 0: none (a request is in progress);
                                      * set without ct.mu, twice a request */
  struct conntrack_addr *addr;       /* NULL: not counted (no cap, or exempt) */
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t watchdog;
  int running, closing;
  unsigned per_addr;
  int exempt_loopback;
  uint64_t head_ns;
  struct conntrack_conn *conns;
  struct conntrack_addr *buckets[CONNTRACK_BUCKETS];
  uint64_t open;
} ct = {.mu = PTHREAD_MUTEX_INITIALIZER};

static atomic_uint_fast64_t ct_refused, ct_head_timeouts, ct_slow_bodies;

static uint64_t conntrack_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * CONNTRACK_SEC + (uint64_t)t.tv_nsec;
}

/* Whether connections from sa count against the cap. */
static int conntrack_counts(const struct sockaddr *sa)
{
  return ct.per_addr && sa && !(ct.exempt_loopback && addrkey_is_loopback(sa));
}

/* The address entry of key; with create, made when missing (NULL: out of memory). ct.mu held. */
static struct conntrack_addr *conntrack_addr_find(const uint8_t *key, int create)
{
  struct conntrack_addr **b = &ct.buckets[addrkey_hash(key) % CONNTRACK_BUCKETS];
  for (struct conntrack_addr *a = *b; a; a = a->next)
    if (memcmp(a->key, key, ADDRKEY_LEN) == 0) return a;
  if (!create) return NULL;
  struct conntrack_addr *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  memcpy(a->key, key, ADDRKEY_LEN);
  a->next = *b;
  *b = a;
  return a;
}

/* One connection fewer for a; the entry goes with its last. ct.mu held. */
static void conntrack_addr_release(struct conntrack_addr *a)
{
  if (--a->n) return;
  for (struct conntrack_addr **p = &ct.buckets[addrkey_hash(a->key) % CONNTRACK_BUCKETS]; *p;
       p = &(*p)->next)
    if (*p == a) {
      *p = a->next;
      break;
    }
  free(a);
}

enum MHD_Result conntrack_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
  (void)cls;
  (void)addrlen;
  if (!conntrack_counts(addr)) return MHD_YES;
  uint8_t key[ADDRKEY_LEN];
  addrkey_of(addr, key);
  pthread_mutex_lock(&ct.mu);
  struct conntrack_addr *a = conntrack_addr_find(key, 0);
  int ok = !a || a->n < ct.per_addr;
  pthread_mutex_unlock(&ct.mu);
  if (!ok) atomic_fetch_add_explicit(&ct_refused, 1, memory_order_relaxed);
  return ok ? MHD_YES : MHD_NO;
}

static void conntrack_started(struct MHD_Connection *conn, void **socket_context)
{
  const union MHD_ConnectionInfo *fi =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  const union MHD_ConnectionInfo *ai =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ai ? ai->client_addr : NULL;
  struct conntrack_conn *c = calloc(1, sizeof *c);
  *socket_context = c;
  if (!c || !fi) return; /* untracked: MHD's own idle timeout still applies */
  c->fd = fi->connect_fd;
  uint8_t key[ADDRKEY_LEN];
  addrkey_of(sa, key);
  int over = 0;
  pthread_mutex_lock(&ct.mu);
  if (ct.head_ns) c->head_deadline_ns = conntrack_now() + ct.head_ns;
  c->next = ct.conns;
  if (ct.conns) ct.conns->prev = c;
  ct.conns = c;
  ct.open++;
  if (conntrack_counts(sa) && (c->addr = conntrack_addr_find(key, 1)) != NULL)
    over = ++c->addr->n > ct.per_addr; /* two threads accepted at once */
  pthread_mutex_unlock(&ct.mu);
  if (over) {
    atomic_fetch_add_explicit(&ct_refused, 1, memory_order_relaxed);
    shutdown(c->fd, SHUT_RDWR);
  }
}

static void conntrack_closed(void **socket_context)
{
  struct conntrack_conn *c = *socket_context;
  *socket_context = NULL;
  if (!c) return;
  pthread_mutex_lock(&ct.mu);
  if (c->prev)
    c->prev->next = c->next;
  else if (ct.conns == c)
    ct.conns = c->next;
  if (c->next) c->next->prev = c->prev;
  ct.open--;
  if (c->addr) conntrack_addr_release(c->addr);
  pthread_mutex_unlock(&ct.mu);
  free(c);
}

void conntrack_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
  (void)cls;
  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    conntrack_started(conn, socket_context);
  else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
    conntrack_closed(socket_context);
}

/* Sets conn's head deadline: 0 (none), or now + the head timeout. */
static void conntrack_set_deadline(struct MHD_Connection *conn, int start)
{
  const union MHD_ConnectionInfo *si =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  struct conntrack_conn *c = si ? si->socket_context : NULL;
  if (!c || !ct.head_ns) return;
  atomic_store_explicit(&c->head_deadline_ns, start ? conntrack_now() + ct.head_ns : 0,
                        memory_order_relaxed);
}

void conntrack_head_in(struct MHD_Connection *conn)
{
  conntrack_set_deadline(conn, 0);
}

void conntrack_request_done(struct MHD_Connection *conn)
{
  conntrack_set_deadline(conn, 1);
}

void conntrack_slow_body(void)
{
  atomic_fetch_add_explicit(&ct_slow_bodies, 1, memory_order_relaxed);
}

void conntrack_get_stats(struct conntrack_stats *s)
{
  pthread_mutex_lock(&ct.mu);
  s->open = ct.open;
  pthread_mutex_unlock(&ct.mu);
  s->refused = atomic_load(&ct_refused);
  s->head_timeouts = atomic_load(&ct_head_timeouts);
  s->slow_bodies = atomic_load(&ct_slow_bodies);
}

/* Shuts down the connections past their head deadline; returns when the next one is due (at
 * most a second ahead). ct.mu held: a connection is forgotten under it before MHD closes its
 * socket, so every fd seen here is still that connection's. */
static uint64_t conntrack_sweep(uint64_t now)
{
  uint64_t next = now + CONNTRACK_SEC;
  for (struct conntrack_conn *c = ct.conns; c; c = c->next) {
    uint64_t due = atomic_load_explicit(&c->head_deadline_ns, memory_order_relaxed);
    if (!due) continue;
    if (due <= now) {
      atomic_store_explicit(&c->head_deadline_ns, 0, memory_order_relaxed);
      shutdown(c->fd, SHUT_RDWR); /* MHD reads the end and closes it */
      atomic_fetch_add_explicit(&ct_head_timeouts, 1, memory_order_relaxed);
    } else if (due < next) {
      next = due;
    }
  }
  return next;
}

static void *conntrack_watchdog(void *arg)
{
  (void)arg;
  pthread_mutex_lock(&ct.mu);
  while (!ct.closing) {
    uint64_t next = conntrack_sweep(conntrack_now());
    struct timespec until = {(time_t)(next / CONNTRACK_SEC), (long)(next % CONNTRACK_SEC)};
    pthread_cond_timedwait(&ct.cv, &ct.mu, &until);
  }
  pthread_mutex_unlock(&ct.mu);
  return NULL;
}

int conntrack_start(unsigned per_addr, int exempt_loopback, unsigned head_timeout_s)
{
  ct.per_addr = per_addr;
  ct.exempt_loopback = exempt_loopback;
  ct.head_ns = (uint64_t)head_timeout_s * CONNTRACK_SEC;
  ct.closing = 0;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&ct.cv, &ca);
  pthread_condattr_destroy(&ca);
  ct.running = 0;
  if (!ct.head_ns) return 0; /* nothing to watch */
  if (pthread_create(&ct.watchdog, NULL, conntrack_watchdog, NULL) != 0) {
    log_msg(LOG_ERROR, "cannot start the request head deadline's watchdog");
    return -1;
  }
  ct.running = 1;
  return 0;
}

void conntrack_stop(void)
{
  pthread_mutex_lock(&ct.mu);
  ct.closing = 1;
  pthread_cond_broadcast(&ct.cv);
  pthread_mutex_unlock(&ct.mu);
  if (ct.running) pthread_join(ct.watchdog, NULL);
  ct.running = 0;
  pthread_cond_destroy(&ct.cv);
}
