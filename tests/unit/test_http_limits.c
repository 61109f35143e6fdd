/* test_http_limits.c: the address keys of http/addrkey.h (IPv4, IPv6 /64, IPv4-mapped, loopback),
 * the request body's rate floor of http/bodyrate.h, and the connection settings of config.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include "config.h"
#include "http/addrkey.h"
#include "http/bodyrate.h"
#include "unit.h"

#define SEC 1000000000ULL

/* The key of a textual address (IPv4 or IPv6). */
static void key_of(const char *ip, uint8_t key[ADDRKEY_LEN])
{
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1)
    a4->sin_family = AF_INET;
  else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1)
    a6->sin6_family = AF_INET6;
  addrkey_of((const struct sockaddr *)&ss, key);
}

static int same_key(const char *a, const char *b)
{
  uint8_t ka[ADDRKEY_LEN], kb[ADDRKEY_LEN];
  key_of(a, ka);
  key_of(b, kb);
  return memcmp(ka, kb, ADDRKEY_LEN) == 0;
}

static int loopback(const char *ip)
{
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1)
    a4->sin_family = AF_INET;
  else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1)
    a6->sin6_family = AF_INET6;
  return addrkey_is_loopback((const struct sockaddr *)&ss);
}

static void test_addr_keys(void)
{
  CHECK(same_key("192.0.2.1", "192.0.2.1"));
  CHECK(!same_key("192.0.2.1", "192.0.2.2"));
  CHECK(!same_key("127.0.0.1", "127.0.0.2")); /* each loopback address is its own client */
  /* An IPv6 /64 is one client, whatever its interface ids. */
  CHECK(same_key("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
  CHECK(!same_key("2001:db8:1:2::1", "2001:db8:1:3::1"));
  /* IPv4-mapped addresses are their IPv4 address, not one /64 for every IPv4 client. */
  CHECK(same_key("::ffff:192.0.2.1", "192.0.2.1"));
  CHECK(!same_key("::ffff:192.0.2.1", "::ffff:192.0.2.2"));
  /* An IPv6 prefix never equals an IPv4 key of the same bytes. */
  CHECK(!same_key("c000:0201::", "192.0.2.1"));
  uint8_t k[ADDRKEY_LEN], z[ADDRKEY_LEN] = {0};
  addrkey_of(NULL, k);
  CHECK(memcmp(k, z, ADDRKEY_LEN) == 0);
  CHECK(addrkey_hash(k) == addrkey_hash(z));
}

static void test_loopback(void)
{
  CHECK(loopback("127.0.0.1"));
  CHECK(loopback("127.1.2.3"));
  CHECK(loopback("::1"));
  CHECK(loopback("::ffff:127.0.0.1"));
  CHECK(!loopback("128.0.0.1"));
  CHECK(!loopback("10.0.0.1"));
  CHECK(!loopback("::2"));
  CHECK(!loopback("::ffff:10.0.0.1"));
  CHECK(!addrkey_is_loopback(NULL));
}

/* A body at rate bytes a second in pieces every step_ms, for secs seconds, against a floor of
 * min_rate over windows of window_s: the second it is cut off at, or -1. */
static int feed(unsigned rate, unsigned step_ms, unsigned secs, unsigned min_rate,
                unsigned window_s)
{
  struct bodyrate b;
  uint64_t got;
  unsigned span;
  bodyrate_start(&b, 5 * SEC);
  size_t piece = (size_t)rate * step_ms / 1000;
  for (uint64_t t = step_ms; t <= secs * 1000ULL; t += step_ms)
    if (bodyrate_arrive(&b, 5 * SEC + t * 1000000ULL, piece, min_rate, window_s, &got, &span))
      return (int)(t / 1000);
  return -1;
}

static void test_rate_floor(void)
{
  /* A slow but honest link (32 KB/s) against 1 KiB/s over 20 s windows: never cut. */
  CHECK(feed(32000, 100, 600, 1024, 20) == -1);
  /* Just over the floor passes, for as long as it lasts. */
  CHECK(feed(1100, 1000, 300, 1024, 20) == -1);
  /* Under the floor: cut when the first window ends. */
  CHECK(feed(900, 1000, 300, 1024, 20) == 20);
  /* A trickle (a byte every 5 s) is cut at the end of the grace. */
  CHECK(feed(1, 5000, 300, 1024, 20) == 20);
  /* No floor: never cut. */
  CHECK(feed(1, 5000, 300, 0, 20) == -1);
}

static void test_rate_windows(void)
{
  struct bodyrate b;
  uint64_t got = 0;
  unsigned secs = 0;
  bodyrate_start(&b, 0);
  /* A fast start earns no credit for later: each window is judged on its own. */
  CHECK(bodyrate_arrive(&b, 1 * SEC, 1000000, 1000, 10, &got, &secs) == 0);
  CHECK(bodyrate_arrive(&b, 10 * SEC, 10, 1000, 10, &got, &secs) == 0); /* window 1 passes */
  CHECK(bodyrate_arrive(&b, 15 * SEC, 10, 1000, 10, &got, &secs) == 0);
  CHECK(bodyrate_arrive(&b, 20 * SEC, 10, 1000, 10, &got, &secs) == -1);
  CHECK(got == 20 && secs == 10);
  /* The server's own time does not count against the client: 5100 bytes in 12 s is under the
   * floor, but not when 8 of those seconds went to the server's work on the body (e.g. a COPY
   * that waited on the database). */
  bodyrate_start(&b, 0);
  CHECK(bodyrate_arrive(&b, 1 * SEC, 5000, 1000, 10, &got, &secs) == 0);
  CHECK(bodyrate_arrive(&b, 12 * SEC, 100, 1000, 10, &got, &secs) == -1);
  CHECK(got == 5100 && secs == 12);
  bodyrate_start(&b, 0);
  CHECK(bodyrate_arrive(&b, 1 * SEC, 5000, 1000, 10, &got, &secs) == 0);
  bodyrate_busy(&b, 8 * SEC);
  CHECK(bodyrate_arrive(&b, 12 * SEC, 100, 1000, 10, &got, &secs) == 0);  /* 4 s of the client's */
  CHECK(bodyrate_arrive(&b, 18 * SEC, 5000, 1000, 10, &got, &secs) == 0); /* 10 s, 10100 bytes */
}

static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
  for (const char *const *p = fake_env; p && p[0]; p += 2)
    if (strcmp(p[0], name) == 0) return p[1];
  return NULL;
}

static void test_settings(void)
{
  struct config c;
  char err[256];
  fake_env = NULL;
  CHECK(config_load(&c, 0, NULL, fake_getenv, err, sizeof err) == 0);
  CHECK(c.http.max_conns == 4000 && c.http.conn_per_addr == 64 && !c.http.conn_loopback_exempt);
  CHECK(c.http.head_timeout_s == 10 && c.http.body_min_rate == 1024);
  CHECK(c.http.body_rate_grace_s == 20);
  static const char *const env[] = {"DDC_CONN_PER_ADDR",
                                    "0",
                                    "DDC_CONN_LOOPBACK_EXEMPT",
                                    "1",
                                    "DDC_HEAD_TIMEOUT_S",
                                    "3",
                                    "DDC_BODY_MIN_RATE",
                                    "0",
                                    "DDC_MAX_CONNECTIONS",
                                    "20000",
                                    NULL};
  fake_env = env;
  char *argv[] = {"--body-rate-grace-s", "5", "--conn-per-addr=9"};
  CHECK(config_load(&c, 3, argv, fake_getenv, err, sizeof err) == 0);
  CHECK(c.http.conn_per_addr == 9 && c.http.conn_loopback_exempt == 1);
  CHECK(c.http.head_timeout_s == 3 && c.http.body_min_rate == 0 && c.http.body_rate_grace_s == 5);
  CHECK(c.http.max_conns == 20000);
  static const char *const bad[][2] = {{"DDC_CONN_LOOPBACK_EXEMPT", "yes"},
                                       {"DDC_HEAD_TIMEOUT_S", "-1"},
                                       {"DDC_BODY_RATE_GRACE_S", "0"},
                                       {"DDC_MAX_CONNECTIONS", "15"},
                                       {"DDC_CONN_PER_ADDR", " 5"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *const one[] = {bad[i][0], bad[i][1], NULL};
    fake_env = one;
    CHECK(config_load(&c, 0, NULL, fake_getenv, err, sizeof err) == -1);
    CHECK(strstr(err, bad[i][0]) != NULL);
  }
}

int main(void)
{
  RUN(test_addr_keys);
  RUN(test_loopback);
  RUN(test_rate_floor);
  RUN(test_rate_windows);
  RUN(test_settings);
  return UNIT_END();
}
