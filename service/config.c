/* config.c: parsing and validating ddcd settings (environment, then flags). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"

struct config_setting {
  const char *env;  /* DDC_LISTEN */
  const char *flag; /* --listen */
  int (*apply)(struct config *c, const char *value, char *why, size_t whylen);
};

/* strtol without its leniencies: digits only, no sign, no spaces. */
static int config_number(const char *s, long *out)
{
  char *end;
  if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9) return -1;
  errno = 0;
  *out = strtol(s, &end, 10);
  return errno ? -1 : 0;
}

static int config_copy(char *dst, size_t cap, const char *v, char *why, size_t whylen)
{
  if (strlen(v) == 0 || strlen(v) >= cap) {
    snprintf(why, whylen, "must be 1 to %zu characters", cap - 1);
    return -1;
  }
  strcpy(dst, v);
  return 0;
}

int config_parse_listen(const char *s, struct sockaddr_storage *addr)
{
  char host[128];
  const char *colon = strrchr(s, ':');
  if (!colon || (size_t)(colon - s) >= sizeof host || colon == s) return -1;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = 0;
  long port;
  if (config_number(colon + 1, &port) != 0 || port > 65535) return -1;
  memset(addr, 0, sizeof *addr);
  size_t hl = strlen(host);
  if (host[0] == '[' && host[hl - 1] == ']') {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
    host[hl - 1] = 0;
    if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) return -1;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    return 0;
  }
  struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
  if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) return -1;
  a4->sin_family = AF_INET;
  a4->sin_port = htons((uint16_t)port);
  return 0;
}

static int apply_listen(struct config *c, const char *v, char *why, size_t whylen)
{
  if (strlen(v) >= sizeof c->listen || config_parse_listen(v, &c->listen_addr) != 0) {
    snprintf(why, whylen, "must be IPv4:port or [IPv6]:port, port 0-65535");
    return -1;
  }
  strcpy(c->listen, v);
  return 0;
}

static int apply_database_url(struct config *c, const char *v, char *why, size_t whylen)
{
  return config_copy(c->database_url, sizeof c->database_url, v, why, whylen);
}

static int apply_data_dir(struct config *c, const char *v, char *why, size_t whylen)
{
  return config_copy(c->data_dir, sizeof c->data_dir - 64, v, why, whylen);
}

static int apply_master_key_file(struct config *c, const char *v, char *why, size_t whylen)
{
  return config_copy(c->master_key_file, sizeof c->master_key_file, v, why, whylen);
}

static int apply_threads(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n < 1 || n > 1024) {
    snprintf(why, whylen, "must be an integer from 1 to 1024");
    return -1;
  }
  c->threads = (unsigned)n;
  return 0;
}

static int apply_log_level(struct config *c, const char *v, char *why, size_t whylen)
{
  if (log_level_parse(v, &c->log_level) != 0) {
    snprintf(why, whylen, "must be one of debug, info, warn, error");
    return -1;
  }
  return 0;
}

static int apply_anchor_interval(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n < 10 || n > 3600000) {
    snprintf(why, whylen, "must be an integer from 10 to 3600000 (milliseconds)");
    return -1;
  }
  c->anchor_interval_ms = (unsigned)n;
  return 0;
}

static int apply_public_rate(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n > 1000000) {
    snprintf(why, whylen, "must be an integer from 0 (no limit) to 1000000");
    return -1;
  }
  c->public_rate = (unsigned)n;
  return 0;
}

/* A C2SP key name: printable ASCII without spaces or '+'. */
static int apply_log_origin(struct config *c, const char *v, char *why, size_t whylen)
{
  for (const char *p = v; *p; p++)
    if (*p <= ' ' || *p > '~' || *p == '+') {
      snprintf(why, whylen, "must be printable ASCII without spaces or '+'");
      return -1;
    }
  return config_copy(c->log_origin, sizeof c->log_origin, v, why, whylen);
}

static int apply_verify_cache(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n > 60000) {
    snprintf(why, whylen, "must be an integer from 0 (no cache) to 60000 (milliseconds)");
    return -1;
  }
  c->verify_cache_ms = (unsigned)n;
  return 0;
}

/* One "URL VKEY" entry of DDC_WITNESSES. */
static int config_witness(struct config *c, const char *entry, size_t len, char *why, size_t whylen)
{
  char buf[1024], url[sizeof c->witnesses[0].url], vkey[NOTE_VKEY_MAX + 8], extra[2];
  struct note_verifier v;
  struct config_witness *w = &c->witnesses[c->n_witnesses];
  if (len >= sizeof buf) len = sizeof buf - 1;
  memcpy(buf, entry, len);
  buf[len] = '\0';
  int n = sscanf(buf, "%511s %317s %1s", url, vkey, extra);
  if (n == 0 || n == EOF) return 0; /* an empty entry */
  if (c->n_witnesses == CONFIG_WITNESSES_MAX) {
    snprintf(why, whylen, "at most %d witnesses", CONFIG_WITNESSES_MAX);
    return -1;
  }
  if (n != 2 || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) ||
      strlen(url) >= sizeof w->url - 1 || note_verifier_parse(&v, vkey) != 0 ||
      v.alg != NOTE_ALG_COSIGNATURE) {
    snprintf(why, whylen,
             "each witness is \"URL VERIFIER-KEY\" (an http(s) URL and a cosignature"
             " key), separated by commas or newlines");
    return -1;
  }
  snprintf(w->url, sizeof w->url, "%s", url);
  note_verifier_format(&v, w->vkey, sizeof w->vkey);
  c->n_witnesses++;
  return 0;
}

static int apply_witnesses(struct config *c, const char *v, char *why, size_t whylen)
{
  c->n_witnesses = 0;
  for (const char *p = v;;) {
    size_t len = strcspn(p, ",\n");
    if (config_witness(c, p, len, why, whylen) != 0) return -1;
    if (!p[len]) return 0;
    p += len + 1;
  }
}

static int apply_witness_quorum(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n < 1 || n > CONFIG_WITNESSES_MAX) {
    snprintf(why, whylen, "must be an integer from 1 to %d", CONFIG_WITNESSES_MAX);
    return -1;
  }
  c->witness_quorum = (unsigned)n;
  return 0;
}

/* One DNS label: 1-63 letters, digits and inner hyphens. */
static int config_label_ok(const char *s, size_t n)
{
  if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-') return 0;
  for (size_t i = 0; i < n; i++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", s[i]) || !s[i])
      return 0;
  return 1;
}

int config_host_valid(const char *s, size_t len)
{
  size_t host = len;
  const char *colon = memchr(s, ']', len) ? NULL : memchr(s, ':', len);
  if (s[0] == '[') { /* [IPv6] */
    const char *close = memchr(s, ']', len);
    if (!close) return 0;
    host = (size_t)(close - s) + 1;
    for (size_t i = 1; i + 1 < host; i++)
      if (!strchr("0123456789abcdefABCDEF:.", s[i]) || !s[i]) return 0;
    if (host < 4) return 0;
    colon = host < len ? s + host : NULL;
    if (colon && *colon != ':') return 0;
  } else {
    if (colon) host = (size_t)(colon - s);
    if (host == 0 || host > 253) return 0;
    for (size_t i = 0, j; i < host; i = j + 1) {
      const char *dot = memchr(s + i, '.', host - i);
      j = dot ? (size_t)(dot - s) : host;
      if (!config_label_ok(s + i, j - i)) return 0;
    }
  }
  if (!colon) return 1;
  size_t pl = len - host - 1;
  long port = 0;
  if (pl == 0 || pl > 5) return 0;
  for (size_t i = 0; i < pl; i++) {
    if (colon[1 + i] < '0' || colon[1 + i] > '9') return 0;
    port = port * 10 + (colon[1 + i] - '0');
  }
  return port >= 1 && port <= 65535;
}

/* http(s)://host[:port][/path], kept without a final '/'. */
static int apply_public_url(struct config *c, const char *v, char *why, size_t whylen)
{
  size_t skip = strncmp(v, "https://", 8) == 0 ? 8 : strncmp(v, "http://", 7) == 0 ? 7 : 0;
  const char *host = v + skip;
  size_t hl = strcspn(host, "/");
  int path_ok = 1;
  for (const char *p = host + hl; *p; p++)
    path_ok &= *p > ' ' && *p <= '~' && !strchr("\"<>\\^`{|}?#", *p);
  if (!skip || !config_host_valid(host, hl) || !path_ok) {
    snprintf(why, whylen, "must be http(s)://host[:port][/path]");
    return -1;
  }
  if (config_copy(c->public_url, sizeof c->public_url, v, why, whylen) != 0) return -1;
  size_t n = strlen(c->public_url);
  while (n > skip + hl && c->public_url[n - 1] == '/')
    c->public_url[--n] = 0;
  return 0;
}

static int apply_chain_rpc_url(struct config *c, const char *v, char *why, size_t whylen)
{
  if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
    snprintf(why, whylen, "must be an http:// or https:// URL");
    return -1;
  }
  return config_copy(c->chain.rpc_url, sizeof c->chain.rpc_url, v, why, whylen);
}

static int apply_chain_id(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n < 1) {
    snprintf(why, whylen, "must be an integer from 1 to 999999999");
    return -1;
  }
  c->chain.chain_id = (uint64_t)n;
  return 0;
}

static int apply_chain_key_file(struct config *c, const char *v, char *why, size_t whylen)
{
  return config_copy(c->chain.key_file, sizeof c->chain.key_file, v, why, whylen);
}

static int apply_chain_contract(struct config *c, const char *v, char *why, size_t whylen)
{
  if (strlen(v) != 42 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X') ||
      strspn(v + 2, "0123456789abcdefABCDEF") != 40) {
    snprintf(why, whylen, "must be an address: 0x and 40 hex digits");
    return -1;
  }
  for (int i = 0; i < 42; i++)
    c->chain.contract[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] - 'A' + 'a' : v[i]);
  c->chain.contract[42] = 0;
  return 0;
}

static int apply_chain_interval(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n < 1 || n > 86400) {
    snprintf(why, whylen, "must be an integer from 1 to 86400 (seconds)");
    return -1;
  }
  c->chain.interval_s = (unsigned)n;
  return 0;
}

static int apply_chain_confirmations(struct config *c, const char *v, char *why, size_t whylen)
{
  long n;
  if (config_number(v, &n) != 0 || n < 1 || n > 1000) {
    snprintf(why, whylen, "must be an integer from 1 to 1000 (blocks)");
    return -1;
  }
  c->chain.confirmations = (unsigned)n;
  return 0;
}

static const struct config_setting config_settings[] = {
    {"DDC_LISTEN", "--listen", apply_listen},
    {"DDC_DATABASE_URL", "--database-url", apply_database_url},
    {"DDC_DATA_DIR", "--data-dir", apply_data_dir},
    {"DDC_MASTER_KEY_FILE", "--master-key-file", apply_master_key_file},
    {"DDC_THREADS", "--threads", apply_threads},
    {"DDC_LOG_LEVEL", "--log-level", apply_log_level},
    {"DDC_ANCHOR_INTERVAL_MS", "--anchor-interval-ms", apply_anchor_interval},
    {"DDC_LOG_ORIGIN", "--log-origin", apply_log_origin},
    {"DDC_PUBLIC_RATE", "--public-rate", apply_public_rate},
    {"DDC_VERIFY_CACHE_MS", "--verify-cache-ms", apply_verify_cache},
    {"DDC_WITNESSES", "--witnesses", apply_witnesses},
    {"DDC_WITNESS_QUORUM", "--witness-quorum", apply_witness_quorum},
    {"DDC_PUBLIC_URL", "--public-url", apply_public_url},
    {"DDC_CHAIN_RPC_URL", "--chain-rpc-url", apply_chain_rpc_url},
    {"DDC_CHAIN_ID", "--chain-id", apply_chain_id},
    {"DDC_CHAIN_KEY_FILE", "--chain-key-file", apply_chain_key_file},
    {"DDC_CHAIN_CONTRACT", "--chain-contract", apply_chain_contract},
    {"DDC_CHAIN_INTERVAL_S", "--chain-interval-s", apply_chain_interval},
    {"DDC_CHAIN_CONFIRMATIONS", "--chain-confirmations", apply_chain_confirmations},
};
#define CONFIG_NSETTINGS (sizeof config_settings / sizeof config_settings[0])

static void config_defaults(struct config *c)
{
  memset(c, 0, sizeof *c);
  apply_listen(c, "127.0.0.1:8080", NULL, 0);
  strcpy(c->data_dir, "var");
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  c->threads = (unsigned)(ncpu > 0 && ncpu < 64 ? ncpu * 4 : 8);
  c->log_level = LOG_INFO;
  c->anchor_interval_ms = 500;
  strcpy(c->log_origin, "ddcd.local/log");
  c->public_rate = 20;
  c->verify_cache_ms = 1000;
  c->chain.interval_s = 10;
  c->chain.confirmations = 1;
}

static int config_apply(struct config *c, const struct config_setting *s, const char *name,
                        const char *value, char *err, size_t errlen)
{
  char why[160];
  if (s->apply(c, value, why, sizeof why) == 0) return 0;
  snprintf(err, errlen, "%s: %s (got \"%.60s\")", name, why, value);
  return -1;
}

/* Derived defaults: the master key lives in the data dir, the database is the private cluster. */
static void config_derive(struct config *c, int have_url, int have_mkey)
{
  if (!have_mkey)
    snprintf(c->master_key_file, sizeof c->master_key_file, "%.900s/master.key", c->data_dir);
  if (!c->chain.key_file[0])
    snprintf(c->chain.key_file, sizeof c->chain.key_file, "%.900s/chain.key", c->data_dir);
  if (!have_url) {
    char abs[PATH_MAX] = "";
    if (c->data_dir[0] != '/' && getcwd(abs, sizeof abs - 2)) strcat(abs, "/");
    snprintf(c->database_url, sizeof c->database_url, "host=%.450s%.450s/pg user=ddcd dbname=ddcd",
             abs, c->data_dir);
  }
}

/* Finds the flag a (and its value) among the settings; NULL when a is no known flag. */
static const struct config_setting *config_flag(char **argv, int argc, int *a, const char **value)
{
  for (size_t i = 0; i < CONFIG_NSETTINGS; i++) {
    size_t fl = strlen(config_settings[i].flag);
    if (strncmp(argv[*a], config_settings[i].flag, fl) != 0) continue;
    if (argv[*a][fl] == '=')
      *value = argv[*a] + fl + 1;
    else if (argv[*a][fl] == 0 && *a + 1 < argc)
      *value = argv[++*a];
    else
      continue;
    return &config_settings[i];
  }
  return NULL;
}

int config_load(struct config *c, int argc, char **argv, config_getenv_fn getenv_fn, char *err,
                size_t errlen)
{
  const char *flag_value[CONFIG_NSETTINGS] = {0};
  config_defaults(c);
  for (int a = 0; a < argc; a++) {
    const char *value = NULL;
    const struct config_setting *s =
        strcmp(argv[a], "--demo") == 0 ? NULL : config_flag(argv, argc, &a, &value);
    if (strcmp(argv[a], "--demo") == 0)
      c->demo = 1;
    else if (!s) {
      snprintf(err, errlen, "%.60s: unknown option or missing value (see ddcd --help)", argv[a]);
      return -1;
    } else
      flag_value[s - config_settings] = value;
  }
  int have_url = 0, have_mkey = 0;
  for (size_t i = 0; i < CONFIG_NSETTINGS; i++) { /* a flag overrides its variable */
    const struct config_setting *s = &config_settings[i];
    const char *v = flag_value[i] ? flag_value[i] : getenv_fn(s->env);
    if (!v) continue;
    if (config_apply(c, s, flag_value[i] ? s->flag : s->env, v, err, errlen)) return -1;
    have_url |= s->apply == apply_database_url;
    have_mkey |= s->apply == apply_master_key_file;
  }
  if (c->witness_quorum > c->n_witnesses) {
    snprintf(err, errlen, "DDC_WITNESS_QUORUM: %u is more than the %u witnesses configured",
             c->witness_quorum, c->n_witnesses);
    return -1;
  }
  if (!c->witness_quorum && c->n_witnesses) c->witness_quorum = c->n_witnesses / 2 + 1;
  config_derive(c, have_url, have_mkey);
  return 0;
}

void config_usage(void)
{
  printf(
      "usage: ddcd COMMAND [options]\n\n"
      "commands:\n"
      "  serve      run the HTTP service\n"
      "  migrate    bring the database schema and SQL functions up to date (idempotent)\n"
      "  init       create the master key and the operator account once (--demo: also a demo\n"
      "             issuer and holder); keys are written to the data dir, mode 0600\n"
      "  verify     BUNDLE.json [--log-key KEY] [--witness-key KEY ...] [--witness-quorum K]\n"
      "             [--rpc URL]: check a proof bundle offline, and its chain anchor on the chain\n"
      "             at URL (exit 0: valid)\n"
      "  import     FILE --kind KIND [--dry-run] [--partial] --url URL --key-file F: upload a\n"
      "             CSV or NDJSON batch and follow it to its end (exit 0: every row minted)\n"
      "  witness    --origin O --log-key KEY --key FILE --listen ADDR [--state FILE]: serve a\n"
      "             C2SP tlog-witness for the log; `witness keygen --name N --key FILE` makes a "
      "key\n"
      "  chain deploy  deploy the root registry contract with the chain key, print its address\n"
      "             and allow the key's address to anchor (then set DDC_CHAIN_CONTRACT)\n"
      "  --help     this text\n"
      "  --version  print the version\n\n"
      "options (environment variable in brackets):\n"
      "  --listen ADDR           [DDC_LISTEN] IPv4:port or [IPv6]:port, default 127.0.0.1:8080\n"
      "  --database-url URL      [DDC_DATABASE_URL] libpq connection string, default the private\n"
      "                          cluster in DATA_DIR/pg\n"
      "  --data-dir DIR          [DDC_DATA_DIR] default var\n"
      "  --master-key-file FILE  [DDC_MASTER_KEY_FILE] default DATA_DIR/master.key\n"
      "  --threads N             [DDC_THREADS] HTTP worker threads, default 4 x CPUs\n"
      "  --log-level LEVEL       [DDC_LOG_LEVEL] debug, info, warn, error; default info\n"
      "  --anchor-interval-ms N  [DDC_ANCHOR_INTERVAL_MS] how often events enter the log,\n"
      "                          default 500\n"
      "  --log-origin NAME       [DDC_LOG_ORIGIN] the log's name in its checkpoints, default\n"
      "                          ddcd.local/log\n"
      "  --public-rate N         [DDC_PUBLIC_RATE] public verification lookups a second per\n"
      "                          client address (0: no limit), default 20\n"
      "  --verify-cache-ms N     [DDC_VERIFY_CACHE_MS] how long GET /v1/verify/{code} may answer\n"
      "                          from memory (a write through this ddcd clears it), default 1000\n"
      "  --witnesses LIST        [DDC_WITNESSES] witnesses that cosign the log's checkpoints:\n"
      "                          \"URL VKEY\" entries separated by commas or newlines\n"
      "  --witness-quorum K      [DDC_WITNESS_QUORUM] cosignatures that make a checkpoint final,\n"
      "                          default a majority of the witnesses\n"
      "  --public-url URL        [DDC_PUBLIC_URL] the citizen's page as the public reaches it\n"
      "                          (http(s)://host[:port][/path]), put in QR codes; default\n"
      "                          http:// and the request's Host header, or\n"
      "                          http://127.0.0.1:8080\n"
      "  --chain-rpc-url URL     [DDC_CHAIN_RPC_URL] EVM JSON-RPC endpoint; unset: no anchoring\n"
      "  --chain-id N            [DDC_CHAIN_ID] the chain's id, default as the node says\n"
      "  --chain-key-file FILE   [DDC_CHAIN_KEY_FILE] the sender's secp256k1 key in hex, default\n"
      "                          DATA_DIR/chain.key\n"
      "  --chain-contract ADDR   [DDC_CHAIN_CONTRACT] the root registry (ddcd chain deploy)\n"
      "  --chain-interval-s N    [DDC_CHAIN_INTERVAL_S] how often the newest root is anchored,\n"
      "                          default 10\n"
      "  --chain-confirmations N [DDC_CHAIN_CONFIRMATIONS] blocks until an anchor is confirmed,\n"
      "                          default 1 (QBFT is final in one block)\n");
}
