/* test_config.c: config_load with a fake environment (defaults, each DDC_* variable, flags
 * overriding variables, rejected values naming the setting) and config_parse_listen. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "unit.h"

/* The fake environment: a NULL-terminated table of name/value pairs. */
static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
  for (const char *const *p = fake_env; p && p[0]; p += 2)
    if (strcmp(p[0], name) == 0) return p[1];
  return NULL;
}

static const char *const env_empty[] = {NULL};

/* Runs config_load with env and argv; returns its result, err is always NUL-terminated. */
static int load(struct config *c, const char *const *env, int argc, char **argv, char *err,
                size_t errlen)
{
  fake_env = env;
  err[0] = 0;
  return config_load(c, argc, argv, fake_getenv, err, errlen);
}

static int is_v4(const struct sockaddr_storage *a, const char *ip, unsigned port)
{
  const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
  struct in_addr want;
  if (a->ss_family != AF_INET || inet_pton(AF_INET, ip, &want) != 1) return 0;
  return a4->sin_addr.s_addr == want.s_addr && ntohs(a4->sin_port) == port;
}

static void test_defaults(void)
{
  struct config c;
  char err[256];
  CHECK(load(&c, env_empty, 0, NULL, err, sizeof err) == 0);
  CHECK(strcmp(c.listen, "127.0.0.1:8080") == 0);
  CHECK(is_v4(&c.listen_addr, "127.0.0.1", 8080));
  CHECK(strcmp(c.data_dir, "var") == 0);
  CHECK(strcmp(c.master_key_file, "var/master.key") == 0);
  CHECK(strstr(c.database_url, "/var/pg") != NULL);
  CHECK(strstr(c.database_url, "dbname=ddcd") != NULL);
  CHECK(c.threads >= 1 && c.threads <= 1024);
  CHECK(c.log_level == LOG_INFO);
  CHECK(c.demo == 0);
  /* A NULL getenv table behaves as an empty environment too. */
  CHECK(load(&c, NULL, 0, NULL, err, sizeof err) == 0);
  CHECK(strcmp(c.listen, "127.0.0.1:8080") == 0);
}

static void test_env_taken(void)
{
  struct config c;
  char err[256];
  const char *const env[] = {"DDC_LISTEN",
                             "10.1.2.3:9000",
                             "DDC_DATABASE_URL",
                             "host=db.example dbname=other",
                             "DDC_DATA_DIR",
                             "state/ddc",
                             "DDC_MASTER_KEY_FILE",
                             "secrets/mk",
                             "DDC_THREADS",
                             "7",
                             "DDC_LOG_LEVEL",
                             "debug",
                             NULL};
  CHECK(load(&c, env, 0, NULL, err, sizeof err) == 0);
  CHECK(strcmp(c.listen, "10.1.2.3:9000") == 0);
  CHECK(is_v4(&c.listen_addr, "10.1.2.3", 9000));
  CHECK(strcmp(c.database_url, "host=db.example dbname=other") == 0);
  CHECK(strcmp(c.data_dir, "state/ddc") == 0);
  CHECK(strcmp(c.master_key_file, "secrets/mk") == 0);
  CHECK(c.threads == 7);
  CHECK(c.log_level == LOG_DEBUG);
}

static void test_env_derived(void)
{
  /* Without explicit key file and URL, both follow the data dir. */
  struct config c;
  char err[256];
  const char *const env[] = {"DDC_DATA_DIR", "state/ddc", "DDC_LOG_LEVEL", "error", NULL};
  CHECK(load(&c, env, 0, NULL, err, sizeof err) == 0);
  CHECK(strcmp(c.master_key_file, "state/ddc/master.key") == 0);
  /* A relative data dir is made absolute for libpq. */
  CHECK(strncmp(c.database_url, "host=/", 6) == 0);
  CHECK(strstr(c.database_url, "/state/ddc/pg user=ddcd dbname=ddcd") != NULL);
  CHECK(c.log_level == LOG_ERROR);
  const char *const env2[] = {"DDC_LOG_LEVEL", "warn", NULL};
  CHECK(load(&c, env2, 0, NULL, err, sizeof err) == 0);
  CHECK(c.log_level == LOG_WARN);
}

static void test_flags_override_env(void)
{
  struct config c;
  char err[256];
  const char *const env[] = {"DDC_THREADS", "7", "DDC_LISTEN", "10.0.0.1:1", NULL};
  char *a1[] = {"--threads", "4"};
  CHECK(load(&c, env, 2, a1, err, sizeof err) == 0);
  CHECK(c.threads == 4);
  CHECK(strcmp(c.listen, "10.0.0.1:1") == 0); /* not overridden: env still applies */
  char *a2[] = {"--threads=4", "--listen=0.0.0.0:81"};
  CHECK(load(&c, env, 2, a2, err, sizeof err) == 0);
  CHECK(c.threads == 4);
  CHECK(strcmp(c.listen, "0.0.0.0:81") == 0);
  CHECK(is_v4(&c.listen_addr, "0.0.0.0", 81));
  char *a3[] = {"--data-dir",     "d", "--master-key-file", "k",
                "--database-url", "u", "--log-level",       "warn"};
  CHECK(load(&c, env_empty, 8, a3, err, sizeof err) == 0);
  CHECK(strcmp(c.data_dir, "d") == 0);
  CHECK(strcmp(c.master_key_file, "k") == 0);
  CHECK(strcmp(c.database_url, "u") == 0);
  CHECK(c.log_level == LOG_WARN);
  /* The last occurrence of a flag wins. */
  char *a4[] = {"--threads", "2", "--threads=5"};
  CHECK(load(&c, env_empty, 3, a4, err, sizeof err) == 0);
  CHECK(c.threads == 5);
}

static void test_flag_beats_invalid_env(void)
{
  struct config c;
  char err[256];
  const char *const env[] = {"DDC_THREADS", "abc", NULL};
  char *a[] = {"--threads", "3"};
  CHECK(load(&c, env, 2, a, err, sizeof err) == 0);
  CHECK(c.threads == 3);
  /* Without the flag the same environment is rejected. */
  CHECK(load(&c, env, 0, NULL, err, sizeof err) == -1);
  CHECK(strstr(err, "DDC_THREADS") != NULL);
}

/* Expects env value v for variable name to be rejected with err naming the variable. */
static int env_rejected(const char *name, const char *v)
{
  struct config c;
  char err[256];
  const char *const env[] = {name, v, NULL};
  return load(&c, env, 0, NULL, err, sizeof err) == -1 && strstr(err, name) != NULL;
}

/* Expects "--flag=v" to be rejected with err naming the flag (and not the variable). */
static int flag_rejected(const char *flag, const char *v)
{
  struct config c;
  char err[256], arg[128];
  snprintf(arg, sizeof arg, "%s=%s", flag, v);
  char *a[] = {arg};
  return load(&c, env_empty, 1, a, err, sizeof err) == -1 && strstr(err, flag) != NULL &&
         strstr(err, "DDC_") == NULL;
}

static void test_bad_values(void)
{
  CHECK(env_rejected("DDC_THREADS", "0"));
  CHECK(env_rejected("DDC_THREADS", "1025"));
  CHECK(env_rejected("DDC_THREADS", "12x"));
  CHECK(env_rejected("DDC_THREADS", ""));
  CHECK(env_rejected("DDC_THREADS", "-1"));
  CHECK(flag_rejected("--threads", "0"));
  CHECK(flag_rejected("--threads", "1025"));
  CHECK(flag_rejected("--threads", "12x"));
  CHECK(env_rejected("DDC_LISTEN", "nohost"));
  CHECK(env_rejected("DDC_LISTEN", "127.0.0.1:70000"));
  CHECK(env_rejected("DDC_LISTEN", "127.0.0.1:"));
  CHECK(env_rejected("DDC_LISTEN", ":80"));
  CHECK(env_rejected("DDC_LISTEN", "example.com:80"));
  CHECK(flag_rejected("--listen", "nohost"));
  CHECK(env_rejected("DDC_LOG_LEVEL", "loud"));
  CHECK(env_rejected("DDC_LOG_LEVEL", "INFO"));
  CHECK(flag_rejected("--log-level", "loud"));
  CHECK(env_rejected("DDC_DATA_DIR", ""));
  CHECK(env_rejected("DDC_DATABASE_URL", ""));
  CHECK(env_rejected("DDC_MASTER_KEY_FILE", ""));

  /* The boundaries themselves are accepted. */
  struct config c;
  char err[256];
  const char *const lo[] = {"DDC_THREADS", "1", NULL};
  CHECK(load(&c, lo, 0, NULL, err, sizeof err) == 0 && c.threads == 1);
  const char *const hi[] = {"DDC_THREADS", "1024", NULL};
  CHECK(load(&c, hi, 0, NULL, err, sizeof err) == 0 && c.threads == 1024);
}

static void test_listen_ok(void)
{
  struct config c;
  char err[256];
  const char *const v6[] = {"DDC_LISTEN", "[::1]:80", NULL};
  CHECK(load(&c, v6, 0, NULL, err, sizeof err) == 0);
  CHECK(c.listen_addr.ss_family == AF_INET6);
  const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&c.listen_addr;
  CHECK(ntohs(a6->sin6_port) == 80);
  CHECK(memcmp(&a6->sin6_addr, &in6addr_loopback, sizeof in6addr_loopback) == 0);
  const char *const lh[] = {"DDC_LISTEN", "localhost:9", NULL};
  CHECK(load(&c, lh, 0, NULL, err, sizeof err) == 0);
  CHECK(strcmp(c.listen, "localhost:9") == 0);
  CHECK(is_v4(&c.listen_addr, "127.0.0.1", 9));
}

static void test_unknown_option(void)
{
  struct config c;
  char err[256];
  char *a[] = {"--bogus"};
  CHECK(load(&c, env_empty, 1, a, err, sizeof err) == -1);
  CHECK(strstr(err, "--bogus") != NULL);
  char *b[] = {"--threads"}; /* missing value */
  CHECK(load(&c, env_empty, 1, b, err, sizeof err) == -1);
  CHECK(strstr(err, "--threads") != NULL);
  char *d[] = {"--threadsX=4"}; /* a prefix of a known flag is not that flag */
  CHECK(load(&c, env_empty, 1, d, err, sizeof err) == -1);
  CHECK(strstr(err, "--threadsX") != NULL);
  char *e[] = {"serve"};
  CHECK(load(&c, env_empty, 1, e, err, sizeof err) == -1);
  CHECK(strstr(err, "serve") != NULL);
}

static void test_demo(void)
{
  struct config c;
  char err[256];
  char *a[] = {"--demo"};
  CHECK(load(&c, env_empty, 1, a, err, sizeof err) == 0);
  CHECK(c.demo == 1);
  char *b[] = {"--threads", "2", "--demo"};
  CHECK(load(&c, env_empty, 3, b, err, sizeof err) == 0);
  CHECK(c.demo == 1 && c.threads == 2);
  CHECK(load(&c, env_empty, 0, NULL, err, sizeof err) == 0);
  CHECK(c.demo == 0);
}

static void test_parse_listen(void)
{
  struct sockaddr_storage a;
  CHECK(config_parse_listen("127.0.0.1:8080", &a) == 0);
  CHECK(is_v4(&a, "127.0.0.1", 8080));
  CHECK(config_parse_listen("0.0.0.0:0", &a) == 0);
  CHECK(is_v4(&a, "0.0.0.0", 0));
  CHECK(config_parse_listen("1.2.3.4:65535", &a) == 0);
  CHECK(is_v4(&a, "1.2.3.4", 65535));
  CHECK(config_parse_listen("[::]:443", &a) == 0);
  CHECK(a.ss_family == AF_INET6);
  CHECK(ntohs(((struct sockaddr_in6 *)&a)->sin6_port) == 443);
  CHECK(config_parse_listen("[2001:db8::1]:8080", &a) == 0);
  CHECK(a.ss_family == AF_INET6);

  CHECK(config_parse_listen("1.2.3.4:65536", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4:-1", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4:", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4:80x", &a) == -1);
  CHECK(config_parse_listen(":80", &a) == -1);
  CHECK(config_parse_listen("", &a) == -1);
  CHECK(config_parse_listen("::1:80", &a) == -1);       /* IPv6 needs brackets */
  CHECK(config_parse_listen("[1.2.3.4]:80", &a) == -1); /* brackets are for IPv6 */
  CHECK(config_parse_listen("[::1:80", &a) == -1);
  CHECK(config_parse_listen("[]:80", &a) == -1);
  CHECK(config_parse_listen("256.0.0.1:80", &a) == -1);
  CHECK(config_parse_listen("host:80", &a) == -1);
}

/* strtol's leniencies (sign, spaces) are not accepted. */
static void test_numbers_strict(void)
{
  struct config c;
  char err[256];
  const char *const plus[] = {"DDC_THREADS", "+4", NULL};
  const char *const space[] = {"DDC_THREADS", " 4", NULL};
  const char *const big[] = {"DDC_THREADS", "99999999999999999999", NULL};
  CHECK(load(&c, plus, 0, NULL, err, sizeof err) == -1 && strstr(err, "DDC_THREADS"));
  CHECK(load(&c, space, 0, NULL, err, sizeof err) == -1 && strstr(err, "DDC_THREADS"));
  CHECK(load(&c, big, 0, NULL, err, sizeof err) == -1 && strstr(err, "DDC_THREADS"));
  struct sockaddr_storage a;
  CHECK(config_parse_listen("1.2.3.4:+80", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4: 80", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4:-0", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4:", &a) == -1);
  CHECK(config_parse_listen("1.2.3.4:0", &a) == 0);
}

#define WKEY1 "w1.example+e127b47f+BM5KY1A3s0f3hva2OiIxVDXmkilE1uTv6AedvpRhZZ6a"
#define WKEY2 "w2.example+4e38e47c+BGP61r4DmXjcU2QQA/r7scAILEqVM1MEW46Mg0t0SMA1"
#define LOGKEY "ddcd.local/log+c7c92d63+AY8FYsjt056VhgoNQiNkFOAU7Y/WviCT8pT+8Mhtubs6"

/* DDC_WITNESSES: "URL VKEY" entries split by commas or newlines; the quorum defaults to a
 * majority and may not exceed the count. */
static void test_witnesses(void)
{
  struct config c;
  char err[256];
  CHECK(load(&c, env_empty, 0, NULL, err, sizeof err) == 0 && c.n_witnesses == 0 &&
        c.witness_quorum == 0);
  const char *const two[] = {"DDC_WITNESSES", " http://a:1 " WKEY1 ",\nhttps://b/w/  " WKEY2 "\n",
                             NULL};
  CHECK(load(&c, two, 0, NULL, err, sizeof err) == 0 && c.n_witnesses == 2 &&
        c.witness_quorum == 2 && !strcmp(c.witnesses[0].url, "http://a:1") &&
        !strcmp(c.witnesses[1].url, "https://b/w/") && !strcmp(c.witnesses[1].vkey, WKEY2));
  const char *const q1[] = {"DDC_WITNESSES", "http://a " WKEY1 ",http://b " WKEY2,
                            "DDC_WITNESS_QUORUM", "1", NULL};
  CHECK(load(&c, q1, 0, NULL, err, sizeof err) == 0 && c.witness_quorum == 1);
  const char *const q3[] = {"DDC_WITNESSES", "http://a " WKEY1 ",http://b " WKEY2,
                            "DDC_WITNESS_QUORUM", "3", NULL};
  CHECK(load(&c, q3, 0, NULL, err, sizeof err) == -1 && strstr(err, "DDC_WITNESS_QUORUM"));
  const char *const lone[] = {"DDC_WITNESS_QUORUM", "1", NULL};
  CHECK(load(&c, lone, 0, NULL, err, sizeof err) == -1 && strstr(err, "DDC_WITNESS_QUORUM"));
  CHECK(env_rejected("DDC_WITNESSES", "http://a"));
  CHECK(env_rejected("DDC_WITNESSES", "ftp://a " WKEY1));
  CHECK(env_rejected("DDC_WITNESSES", "http://a " LOGKEY)); /* a log key, not a witness's */
  CHECK(env_rejected("DDC_WITNESSES", "http://a " WKEY1 " extra"));
  CHECK(env_rejected("DDC_WITNESSES",
                     "http://a w1.example+00000000+BM5KY1A3s0f3hva2OiIxVDXmkilE1uTv6AedvpRhZZ6a"));
  CHECK(env_rejected("DDC_WITNESS_QUORUM", "0"));
  CHECK(flag_rejected("--witness-quorum", "x"));
}

/* DDC_PUBLIC_URL: http(s)://host[:port][/path], kept without a final '/'; empty by default. */
static void test_public_url(void)
{
  struct config c;
  char err[256];
  CHECK(load(&c, env_empty, 0, NULL, err, sizeof err) == 0 && c.public_url[0] == 0);
  static const char *const good[][2] = {
      {"https://certs.example.org", "https://certs.example.org"},
      {"https://certs.example.org/", "https://certs.example.org"},
      {"http://10.0.0.5:8080/ddc/", "http://10.0.0.5:8080/ddc"},
      {"http://[::1]:8080", "http://[::1]:8080"},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    const char *const env[] = {"DDC_PUBLIC_URL", good[i][0], NULL};
    CHECK(load(&c, env, 0, NULL, err, sizeof err) == 0);
    CHECK(strcmp(c.public_url, good[i][1]) == 0);
  }
  static const char *const bad[] = {"certs.example.org",   "ftp://x.org",      "https://",
                                    "https://x.org/a b",   "https://x.org/?q", "https://bad host",
                                    "https://x.org:99999", "https://x.org/\"<"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *const env[] = {"DDC_PUBLIC_URL", bad[i], NULL};
    CHECK(load(&c, env, 0, NULL, err, sizeof err) == -1);
    CHECK(strstr(err, "DDC_PUBLIC_URL") != NULL);
  }
  char *argv[] = {"--public-url", "https://flag.example"};
  CHECK(load(&c, env_empty, 2, argv, err, sizeof err) == 0);
  CHECK(strcmp(c.public_url, "https://flag.example") == 0);
}

/* The README's settings table is the settings table: one row per setting, as config_settings_row
 * writes it, and no other. On a mismatch the whole expected table is printed, to paste. */
static void test_readme_table(void)
{
  char *readme = unit_read_file("README.md", NULL), row[1024];
  int missing = 0, rows = 0;
  CHECK(readme != NULL);
  for (size_t i = 0; readme && i < config_settings_count(); i++) {
    CHECK(config_settings_row(i, row, sizeof row) == 0);
    strcat(row, "\n");
    missing += strstr(readme, row) == NULL;
  }
  for (const char *p = readme; p && (p = strstr(p, "\n| `DDC_")); p++)
    rows++;
  if (missing || rows != (int)config_settings_count()) {
    fprintf(stderr, "  README.md's settings table should be:\n");
    fprintf(stderr, "| variable | flag | default | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < config_settings_count(); i++)
      if (config_settings_row(i, row, sizeof row) == 0) fprintf(stderr, "%s\n", row);
  }
  CHECK(missing == 0 && rows == (int)config_settings_count());
  CHECK(config_settings_row(config_settings_count(), row, sizeof row) == -1);
  free(readme);
}

/* --help lists every setting, flag and variable, from the same table. */
static void test_help_lists_all(void)
{
  char *text = NULL, row[1024];
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  config_usage(f);
  fclose(f);
  for (size_t i = 0; i < config_settings_count(); i++) {
    CHECK(config_settings_row(i, row, sizeof row) == 0);
    char env[64], flag[64];
    CHECK(sscanf(row, "| `%63[^`]` | `%63[^ `]", env, flag) == 2);
    CHECK(strstr(text, env) && strstr(text, flag));
  }
  free(text);
}

/* Writes text to a new temporary file; its name in path (cap 64). */
static void chains_write(char *path, const char *text)
{
  strcpy(path, "/tmp/ddcd-chains-XXXXXX");
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  CHECK(f != NULL);
  fputs(text, f);
  fclose(f);
}

/* Loads DDC_CHAINS_FILE = a file holding text (and more settings); 0 or -1 with err. */
static int chains_load(struct config *c, const char *text, const char *more, const char *val,
                       char *err, size_t errlen)
{
  char path[64];
  chains_write(path, text);
  const char *env[] = {"DDC_CHAINS_FILE", path, "DDC_DATA_DIR", "/srv/d", more, val, NULL};
  int rc = load(c, env, 0, NULL, err, errlen);
  unlink(path);
  return rc;
}

static void test_chains_file(void)
{
  static struct config c;
  char err[512];
  CHECK(chains_load(&c,
                    "[{\"name\":\"bsn-1\",\"rpc_url\":\"https://gw.example/rpc\",\"chain_id\":5555,"
                    "\"key_file\":\"k/bsn.key\",\"headers\":{\"x-api-key\":\"s3cret\"},"
                    "\"max_fee_gwei\":2.5,\"gas_limit\":90000},"
                    "{\"name\":\"fisco\",\"rpc_url\":\"http://127.0.0.1:8545\",\"contract\":"
                    "\"0xABCDEF0123456789abcdef0123456789ABCDEF01\",\"interval_s\":3,"
                    "\"confirmations\":2,\"timeout_ms\":500}]",
                    NULL, NULL, err, sizeof err) == 0);
  CHECK(c.n_chains == 2);
  CHECK(!strcmp(c.chains[0].name, "bsn-1") && c.chains[0].chain_id == 5555);
  CHECK(!strncmp(c.chains[0].key_file, "/tmp/", 5) && strstr(c.chains[0].key_file, "/k/bsn.key"));
  CHECK(c.chains[0].n_headers == 1 && !strcmp(c.chains[0].headers[0], "x-api-key: s3cret"));
  CHECK(c.chains[0].max_fee_wei == 2500000000ull && c.chains[0].gas_limit == 90000);
  CHECK(c.chains[0].interval_s == 10 && c.chains[0].confirmations == 1);
  CHECK(c.chains[0].timeout_ms == 3000 && c.chains[0].contract[0] == 0);
  CHECK(!strcmp(c.chains[1].contract, "0xabcdef0123456789abcdef0123456789abcdef01"));
  CHECK(!strcmp(c.chains[1].key_file, "/srv/d/chain.key"));
  CHECK(c.chains[1].interval_s == 3 && c.chains[1].confirmations == 2);
  CHECK(c.chains[1].timeout_ms == 500);
  /* refusals name the file, the entry, the member and why */
  const char *bad[][2] = {
      {"{}", "must be a JSON array of 1 to 16 chains"},
      {"[", "line 1"},
      {"[{\"name\":\"a\",\"rpc_url\":\"http://x\",\"colour\":1}]", "chain 0 (\"a\"): colour: "
                                                                   "unknown member"},
      {"[{\"name\":\"A\",\"rpc_url\":\"http://x\"}]", "chain 0 (\"A\"): name: must be"},
      {"[{\"name\":\"a\"}]", "chain 0 (\"a\"): rpc_url: is missing"},
      {"[{\"name\":\"a\",\"rpc_url\":\"http://x\"},{\"name\":\"a\",\"rpc_url\":\"http://y\"}]",
       "chain 1 (\"a\"): name: the name of chain 0 already"},
      {"[{\"name\":\"a\",\"rpc_url\":\"http://x\",\"headers\":{\"x\":\"a\\nb\"}}]",
       "chain 0 (\"a\"): headers: \"x\" must be"},
      {"[{\"name\":\"a\",\"rpc_url\":\"http://x\",\"max_fee_gwei\":0}]",
       "chain 0 (\"a\"): max_fee_gwei: must be"},
      {"[{\"name\":\"a\",\"rpc_url\":\"http://x\",\"contract\":\"0x12\"}]",
       "chain 0 (\"a\"): contract: must be an address"},
      {"[{\"name\":\"a\",\"rpc_url\":\"http://x\",\"confirmations\":0}]",
       "chain 0 (\"a\"): confirmations: must be an integer from 1 to 1000"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK(chains_load(&c, bad[i][0], NULL, NULL, err, sizeof err) == -1);
    CHECK(!strncmp(err, "DDC_CHAINS_FILE: /tmp/ddcd-chains-", 34));
    if (!strstr(err, bad[i][1])) fprintf(stderr, "  got: %s\n  want: %s\n", err, bad[i][1]);
    CHECK(strstr(err, bad[i][1]) != NULL);
  }
  /* not with the single-chain settings */
  CHECK(chains_load(&c, "[{\"name\":\"a\",\"rpc_url\":\"http://x\"}]", "DDC_CHAIN_CONTRACT",
                    "0xabcdef0123456789abcdef0123456789abcdef01", err, sizeof err) == -1);
  CHECK(strstr(err, "DDC_CHAINS_FILE and DDC_CHAIN_CONTRACT are both set") != NULL);
  /* the single-chain settings: one chain named default */
  const char *one[] = {"DDC_CHAIN_RPC_URL", "http://127.0.0.1:8545", NULL};
  CHECK(load(&c, one, 0, NULL, err, sizeof err) == 0);
  CHECK(c.n_chains == 1 && !strcmp(c.chains[0].name, "default"));
  CHECK(!strcmp(c.chains[0].rpc_url, "http://127.0.0.1:8545") && c.chains[0].timeout_ms == 3000);
  CHECK(load(&c, env_empty, 0, NULL, err, sizeof err) == 0 && c.n_chains == 0);
}

int main(void)
{
  RUN(test_readme_table);
  RUN(test_help_lists_all);
  RUN(test_defaults);
  RUN(test_env_taken);
  RUN(test_public_url);
  RUN(test_env_derived);
  RUN(test_flags_override_env);
  RUN(test_flag_beats_invalid_env);
  RUN(test_bad_values);
  RUN(test_listen_ok);
  RUN(test_unknown_option);
  RUN(test_demo);
  RUN(test_parse_listen);
  RUN(test_numbers_strict);
  RUN(test_witnesses);
  RUN(test_chains_file);
  return UNIT_END();
}
