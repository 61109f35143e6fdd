/* test_webhook.c: webhook signatures on the Standard Webhooks spec's published example, secrets
 * in and out of their whsec_ form, which addresses a webhook may not reach (SSRF), the URL rules,
 * and the retry schedule (its values, not its timing). */
#include <arpa/inet.h>
#include <string.h>
#include "unit.h"
#include "webhook/sign.h"
#include "webhook/ssrf.h"
#include "webhook/worker.h"

static void test_sign_vector(void)
{
  uint8_t key[WEBHOOK_SECRET_MAX];
  size_t len = 0;
  char sig[WEBHOOK_SIG_TEXT], text[WEBHOOK_SECRET_TEXT];
  const char *body = "{\"test\": 2432232314}";
  CHECK(webhook_secret_parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, &len) == 0);
  CHECK(len == 24);
  webhook_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body), sig);
  CHECK(strcmp(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=") == 0);
  webhook_secret_text(key, len, text);
  CHECK(strcmp(text, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == 0);
}

static void test_secret_forms(void)
{
  uint8_t key[WEBHOOK_SECRET_MAX];
  size_t len;
  CHECK(webhook_secret_parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, &len) == -1); /* no prefix */
  CHECK(webhook_secret_parse("whsec_", key, &len) == -1);
  CHECK(webhook_secret_parse("whsec_c2hvcnQ=", key, &len) == -1); /* 5 bytes */
  CHECK(webhook_secret_parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", key, &len) == -1);
  char long_secret[200] = "whsec_";
  for (int i = 0; i < 100; i++)
    strcat(long_secret, "A");
  CHECK(webhook_secret_parse(long_secret, key, &len) == -1); /* 75 bytes */
}

static int blocked(const char *ip)
{
  struct sockaddr_in a4 = {.sin_family = AF_INET};
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
  if (inet_pton(AF_INET, ip, &a4.sin_addr) == 1) return webhook_addr_blocked((void *)&a4);
  CHECK(inet_pton(AF_INET6, ip, &a6.sin6_addr) == 1);
  return webhook_addr_blocked((void *)&a6);
}

static void test_addresses(void)
{
  const char *no[] = {"127.0.0.1",
                      "127.9.9.9",
                      "10.1.2.3",
                      "172.16.0.1",
                      "172.31.255.255",
                      "192.168.1.1",
                      "169.254.169.254",
                      "100.64.0.1",
                      "0.0.0.0",
                      "224.0.0.1",
                      "255.255.255.255",
                      "198.18.0.1",
                      "::1",
                      "::",
                      "fe80::1",
                      "fd00::1",
                      "fc12::1",
                      "ff02::1",
                      "::ffff:127.0.0.1",
                      "::ffff:10.0.0.1",
                      "64:ff9b::a9fe:a9fe",
                      "2001:db8::1"};
  const char *yes[] = {"8.8.8.8",     "1.1.1.1",         "172.32.0.1",    "100.128.0.1",
                       "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"};
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    CHECK(blocked(no[i]) == 1);
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    CHECK(blocked(yes[i]) == 0);
}

static void test_urls(void)
{
  char pin[WEBHOOK_PIN_MAX], why[300];
  CHECK(webhook_url_check("http://127.0.0.1:9/hook", 0, pin, why, sizeof why) == -1);
  CHECK(strstr(why, "private") != NULL);
  CHECK(webhook_url_check("http://localhost/hook", 0, pin, why, sizeof why) == -1);
  CHECK(webhook_url_check("http://[::1]:8080/", 0, pin, why, sizeof why) == -1);
  CHECK(webhook_url_check("http://0x7f000001/", 0, pin, why, sizeof why) == -1);
  CHECK(webhook_url_check("http://127.0.0.1:9/hook", 1, pin, why, sizeof why) == 0);
  CHECK(pin[0] == 0); /* an address literal: nothing to pin */
  CHECK(webhook_url_check("http://localhost:9/hook", 1, pin, why, sizeof why) == 0);
  CHECK(strncmp(pin, "localhost:9:", 12) == 0);
  CHECK(webhook_url_check("ftp://8.8.8.8/", 1, pin, why, sizeof why) == -1);
  CHECK(webhook_url_check("file:///etc/passwd", 1, pin, why, sizeof why) == -1);
  CHECK(webhook_url_check("http://user:pw@8.8.8.8/", 1, pin, why, sizeof why) == -1);
  CHECK(webhook_url_check("/relative", 1, pin, why, sizeof why) == -1);
  CHECK(webhook_url_check("https://8.8.8.8/ok", 0, pin, why, sizeof why) == 0);
}

static void test_backoff(void)
{
  CHECK(webhook_backoff_s(0, 3600, 0.5) == 1.0); /* the first retry: 1 s, at most 1.25 s */
  CHECK(webhook_backoff_s(0, 3600, 0.999) < 5.0);
  CHECK(webhook_backoff_s(1, 3600, 0.5) == 2.0);
  CHECK(webhook_backoff_s(5, 3600, 0.5) == 32.0);
  CHECK(webhook_backoff_s(12, 3600, 0.5) == 3600.0); /* capped */
  CHECK(webhook_backoff_s(400, 3600, 0.0) == 2700.0);
  CHECK(webhook_backoff_s(3, 4, 0.5) == 4.0);
}

int main(void)
{
  RUN(test_sign_vector);
  RUN(test_secret_forms);
  RUN(test_addresses);
  RUN(test_urls);
  RUN(test_backoff);
  return UNIT_END();
}
