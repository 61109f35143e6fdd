/* config.c: parsing and validating ddcd settings (environment, then flags). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "db/reads.h"
#include "verify/note.h"

_Static_assert(CONFIG_VKEY_MAX >= NOTE_VKEY_MAX, "CONFIG_VKEY_MAX holds a verifier key");

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

static int apply_log_level(struct config *c, const char *v, char *why, size_t whylen)
{
  if (log_level_parse(v, &c->log_level) != 0) {
    snprintf(why, whylen, "must be one of debug, info, warn, error");
    return -1;
  }
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

static int apply_read_url(struct config *c, const char *v, char *why, size_t whylen)
{
  if (db_reads_count(v) < 1) {
    snprintf(why, whylen, "must be 1 to %d libpq connection strings separated by ';'",
             DB_READS_MAX);
    return -1;
  }
  return config_copy(c->database_read_url, sizeof c->database_read_url, v, why, whylen);
}

/* How a setting's value is read. */
enum config_type {
  CONFIG_UINT,  /* unsigned at offset, from min to max */
  CONFIG_U64,   /* uint64_t at offset, from min to max */
  CONFIG_TEXT,  /* char[size] at offset, 1 to size - 1 characters */
  CONFIG_PARSE, /* parse() reads it */
};

/* One setting: a row of the one table that drives parsing, defaults, --help and the README's
 * settings table (checked by tests/unit/test_config.c). */
struct config_setting {
  const char *env, *flag, *arg; /* DDC_LISTEN, --listen, ADDR */
  enum config_type type;
  size_t offset, size; /* in struct config */
  long min, max;
  const char *unit; /* after the range in a refusal, e.g. " (milliseconds)" */
  int (*parse)(struct config *c, const char *value, char *why, size_t whylen);
  const char *def;     /* the default, read as if given; NULL: none or derived */
  const char *def_doc; /* what the docs say the default is when def is NULL; NULL: none */
  const char *help;
};

#define CONFIG_AT(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)
#define CONFIG_UINT_ROW(env, flag, field, lo, hi, unit, def, help)                                 \
  {                                                                                                \
    env, flag, "N", CONFIG_UINT, CONFIG_AT(field), lo, hi, unit, NULL, def, NULL, help             \
  }
#define CONFIG_TEXT_ROW(env, flag, arg, field, def_doc, help)                                      \
  {                                                                                                \
    env, flag, arg, CONFIG_TEXT, CONFIG_AT(field), 0, 0, "", NULL, NULL, def_doc, help             \
  }
#define CONFIG_PARSE_ROW(env, flag, arg, parse, def, def_doc, help)                                \
  {                                                                                                \
    env, flag, arg, CONFIG_PARSE, 0, 0, 0, 0, "", parse, def, def_doc, help                        \
  }

static const struct config_setting config_settings[] = {
    CONFIG_PARSE_ROW("DDC_LISTEN", "--listen", "ADDR", apply_listen, "127.0.0.1:8080", NULL,
                     "IPv4:port or [IPv6]:port to serve on"),
    CONFIG_TEXT_ROW("DDC_DATABASE_URL", "--database-url", "URL", database_url,
                    "the private cluster in DATA_DIR/pg", "libpq connection string"),
    {"DDC_DATA_DIR", "--data-dir", "DIR", CONFIG_TEXT, offsetof(struct config, data_dir),
     sizeof(((struct config *)0)->data_dir) - 64, 0, 0, "", NULL, "var", NULL,
     "where keys and the private cluster live"},
    CONFIG_TEXT_ROW("DDC_MASTER_KEY_FILE", "--master-key-file", "FILE", master_key_file,
                    "DATA_DIR/master.key", "the key that encrypts issuers' signing keys"),
    CONFIG_PARSE_ROW("DDC_DATABASE_READ_URL", "--database-read-url", "LIST", apply_read_url, NULL,
                     "none: the primary serves them",
                     "read replicas for public reads (verify, bundles, proofs, tiles, checkpoints):"
                     " libpq connection strings separated by ';'"),
    CONFIG_UINT_ROW("DDC_READ_MAX_LAG_MS", "--read-max-lag-ms", read_max_lag_ms, 1, 3600000,
                    " (milliseconds)", "1000",
                    "a read replica further behind the primary than this is skipped"),
    {"DDC_THREADS", "--threads", "N", CONFIG_UINT, CONFIG_AT(threads), 1, 1024, "", NULL, NULL,
     "4 x CPUs", "HTTP worker threads"},
    CONFIG_PARSE_ROW("DDC_LOG_LEVEL", "--log-level", "LEVEL", apply_log_level, "info", NULL,
                     "debug, info, warn or error"),
    CONFIG_UINT_ROW("DDC_ANCHOR_INTERVAL_MS", "--anchor-interval-ms", anchor_interval_ms, 10,
                    3600000, " (milliseconds)", "500", "how often events enter the log"),
    CONFIG_PARSE_ROW("DDC_LOG_ORIGIN", "--log-origin", "NAME", apply_log_origin, "ddcd.local/log",
                     NULL, "the log's name in its checkpoints"),
    CONFIG_UINT_ROW("DDC_PUBLIC_RATE", "--public-rate", public_rate, 0, 1000000, " (0: no limit)",
                    "20", "public verification lookups a second per client address"),
    CONFIG_UINT_ROW("DDC_VERIFY_CACHE_MS", "--verify-cache-ms", verify_cache_ms, 0, 60000,
                    " (milliseconds; 0: no cache)", "1000",
                    "how long GET /v1/verify/{code} may answer from memory"),
    CONFIG_UINT_ROW("DDC_SETTLED_CACHE_MS", "--settled-cache-ms", settled_cache_ms, 0, 86400000,
                    " (milliseconds; 0: as --verify-cache-ms)", "600000",
                    "how long a settled proof bundle may answer from memory while no event "
                    "drops it"),
    CONFIG_UINT_ROW("DDC_KEEP_BUNDLES", "--keep-bundles", keep_bundles, 0, 1, " (0 or 1)", "1",
                    "keep each settled proof bundle in the database, so that serving it is one "
                    "lookup (some 4 KB a certificate); 0: build it on every request"),
    CONFIG_PARSE_ROW("DDC_WITNESSES", "--witnesses", "LIST", apply_witnesses, NULL, "none",
                     "witnesses that cosign the log's checkpoints: \"URL VKEY\" entries "
                     "separated by commas or newlines"),
    {"DDC_WITNESS_QUORUM", "--witness-quorum", "K", CONFIG_UINT, CONFIG_AT(witness_quorum), 1,
     CONFIG_WITNESSES_MAX, "", NULL, NULL, "a majority of the witnesses",
     "cosignatures that make a checkpoint final"},
    CONFIG_PARSE_ROW("DDC_PUBLIC_URL", "--public-url", "URL", apply_public_url, NULL,
                     "http:// and the request's Host",
                     "the citizen's page as the public reaches it (http(s)://host[:port][/path]),"
                     " put in QR codes"),
    CONFIG_TEXT_ROW("DDC_DOMAIN_CA_FILE", "--domain-ca-file", "FILE", domain.ca_file,
                    "the system's roots only",
                    "extra trust roots (PEM) for checking issuers' claimed domains over HTTPS"),
    CONFIG_TEXT_ROW("DDC_DOMAIN_RESOLVE", "--domain-resolve", "HOST:PORT:ADDR", domain.resolve,
                    "DNS",
                    "where a claimed domain is reached instead of DNS, as curl's "
                    "--resolve (for tests)"),
    CONFIG_UINT_ROW("DDC_MAX_CONNECTIONS", "--max-connections", http.max_conns, 16, 1000000, "",
                    "4000", "open connections at once (the open-files limit is raised to fit)"),
    CONFIG_UINT_ROW("DDC_CONN_PER_ADDR", "--conn-per-addr", http.conn_per_addr, 0, 1000000,
                    " (0: no cap)", "64",
                    "open connections at once from one IPv4 address or IPv6 /64; more are "
                    "closed at accept (0: no cap)"),
    CONFIG_UINT_ROW("DDC_CONN_LOOPBACK_EXEMPT", "--conn-loopback-exempt", http.conn_loopback_exempt,
                    0, 1, " (1: loopback clients are not capped)", "0",
                    "1: loopback clients (a reverse proxy on this host) are not capped"),
    CONFIG_UINT_ROW("DDC_HEAD_TIMEOUT_S", "--head-timeout-s", http.head_timeout_s, 0, 3600,
                    " (seconds; 0: none)", "10",
                    "seconds a connection has to send a whole request head, from its opening or "
                    "its previous response; a trickle does not extend it (0: none)"),
    CONFIG_UINT_ROW("DDC_BODY_MIN_RATE", "--body-min-rate", http.body_min_rate, 0, 1000000000,
                    " (bytes a second; 0: none)", "1024",
                    "bytes a second a request body must keep up over each grace window, or the "
                    "connection is closed (0: none)"),
    CONFIG_UINT_ROW("DDC_BODY_RATE_GRACE_S", "--body-rate-grace-s", http.body_rate_grace_s, 1, 3600,
                    " (seconds)", "20", "the window the body rate is judged over"),
    CONFIG_UINT_ROW("DDC_SESSION_IDLE_S", "--session-idle-s", console.idle_s, 60, 86400,
                    " (seconds)", "1800",
                    "a console session ends when it has not been used for this long"),
    CONFIG_UINT_ROW("DDC_SESSION_MAX_S", "--session-max-s", console.max_s, 60, 2592000,
                    " (seconds)", "28800", "a console session ends this long after sign-in"),
    CONFIG_UINT_ROW("DDC_SIGNIN_FAILURES", "--signin-failures", console.signin_failures, 0, 1000000,
                    " (0: no limit)", "10",
                    "failed console sign-ins allowed per client address and per API key prefix "
                    "in 15 minutes; more are refused until the 15 minutes end (0: no limit)"),
    CONFIG_PARSE_ROW("DDC_CHAIN_RPC_URL", "--chain-rpc-url", "URL", apply_chain_rpc_url, NULL,
                     "none: no anchoring", "EVM JSON-RPC endpoint to anchor checkpoints on"),
    {"DDC_CHAIN_ID", "--chain-id", "N", CONFIG_U64, CONFIG_AT(chain.chain_id), 1, 999999999, "",
     NULL, NULL, "as the node says", "the chain's id"},
    CONFIG_TEXT_ROW("DDC_CHAIN_KEY_FILE", "--chain-key-file", "FILE", chain.key_file,
                    "DATA_DIR/chain.key", "the sender's secp256k1 key in hex"),
    CONFIG_PARSE_ROW("DDC_CHAIN_CONTRACT", "--chain-contract", "ADDR", apply_chain_contract, NULL,
                     "none", "the root registry's address (ddcd chain deploy)"),
    CONFIG_UINT_ROW("DDC_CHAIN_INTERVAL_S", "--chain-interval-s", chain.interval_s, 1, 86400,
                    " (seconds)", "10", "how often the newest root is anchored"),
    CONFIG_UINT_ROW("DDC_CHAIN_CONFIRMATIONS", "--chain-confirmations", chain.confirmations, 1,
                    1000, " (blocks)", "1",
                    "blocks until an anchor is confirmed (QBFT is final in one)"),
    CONFIG_TEXT_ROW("DDC_CHAINS_FILE", "--chains-file", "FILE", chains_file,
                    "none: the DDC_CHAIN_* settings",
                    "a JSON array of named chains to anchor on at once, each {name, rpc_url, "
                    "chain_id, key_file, contract, confirmations, interval_s, headers, "
                    "max_fee_gwei, gas_limit, timeout_ms} (instead of the DDC_CHAIN_* settings)"),
    CONFIG_UINT_ROW("DDC_WEBHOOK_ALLOW_PRIVATE", "--webhook-allow-private", webhook.allow_private,
                    0, 1, " (1: allowed)", "0",
                    "1: webhook URLs may resolve to loopback, private or link-local addresses"),
    CONFIG_UINT_ROW("DDC_WEBHOOK_BACKOFF_MAX_S", "--webhook-backoff-max-s", webhook.backoff_max_s,
                    1, 86400, " (seconds)", "3600",
                    "the longest wait between two attempts of a webhook delivery"),
    CONFIG_UINT_ROW("DDC_WEBHOOK_GIVE_UP_S", "--webhook-give-up-s", webhook.give_up_s, 1, 2592000,
                    " (seconds)", "259200",
                    "a webhook delivery failing this long disables its endpoint (3 days)"),
    CONFIG_UINT_ROW("DDC_EXPORT_DEADLINE_S", "--export-deadline-s", peer.deadline_s, 1, 2592000,
                    " (seconds)", "600",
                    "an export to another operator may be cancelled this long after it began, "
                    "when no receipt came"),
    CONFIG_TEXT_ROW("DDC_FAULT_POINT", "--fault-point", "NAME", fault_point, "none",
                    "tests only: the named fault point (import.after_mint, ...) at which the "
                    "process kills itself"),
};
#define CONFIG_NSETTINGS (sizeof config_settings / sizeof config_settings[0])

/* Reads value into c as setting s says; 0, or -1 with the reason in why. */
static int config_read(struct config *c, const struct config_setting *s, const char *value,
                       char *why, size_t whylen)
{
  char *field = (char *)c + s->offset;
  long n;
  switch (s->type) {
  case CONFIG_UINT:
  case CONFIG_U64:
    if (config_number(value, &n) != 0 || n < s->min || n > s->max) {
      snprintf(why, whylen, "must be an integer from %ld to %ld%s", s->min, s->max, s->unit);
      return -1;
    }
    if (s->type == CONFIG_UINT)
      *(unsigned *)field = (unsigned)n;
    else
      *(uint64_t *)field = (uint64_t)n;
    return 0;
  case CONFIG_TEXT:
    return config_copy(field, s->size, value, why, whylen);
  case CONFIG_PARSE:
    return s->parse(c, value, why, whylen);
  }
  return -1;
}

static void config_defaults(struct config *c)
{
  char why[160];
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < CONFIG_NSETTINGS; i++)
    if (config_settings[i].def) config_read(c, &config_settings[i], config_settings[i].def, why, 1);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  c->threads = (unsigned)(ncpu > 0 && ncpu < 64 ? ncpu * 4 : 8);
  c->log_level = LOG_INFO;
}

/* The chains anchored on: DDC_CHAINS_FILE's, or the DDC_CHAIN_* settings as one named "default"
 * (refused when both are given). */
static int config_derive_chains(struct config *c, const int *given, char *err, size_t errlen)
{
  c->n_chains = 0;
  if (c->chains_file[0]) {
    for (size_t i = 0; i < CONFIG_NSETTINGS; i++)
      if (given[i] && !strncmp(config_settings[i].env, "DDC_CHAIN_", 10)) {
        snprintf(err, errlen,
                 "DDC_CHAINS_FILE and %s are both set: name every chain in the file, or use the "
                 "DDC_CHAIN_* settings for one chain",
                 config_settings[i].env);
        return -1;
      }
    return config_chains_load(c, c->chains_file, err, errlen);
  }
  if (!c->chain.rpc_url[0]) return 0;
  snprintf(c->chain.name, sizeof c->chain.name, "default");
  if (!c->chain.timeout_ms) c->chain.timeout_ms = 3000;
  c->chains[c->n_chains++] = c->chain;
  return 0;
}

/* Derived defaults: the key files live in the data dir, the database is the private cluster, the
 * quorum is a majority. */
static int config_derive(struct config *c, const int *given, char *err, size_t errlen)
{
  if (c->witness_quorum > c->n_witnesses) {
    snprintf(err, errlen, "DDC_WITNESS_QUORUM: %u is more than the %u witnesses configured",
             c->witness_quorum, c->n_witnesses);
    return -1;
  }
  if (!c->witness_quorum && c->n_witnesses) c->witness_quorum = c->n_witnesses / 2 + 1;
  if (!given[3])
    snprintf(c->master_key_file, sizeof c->master_key_file, "%.900s/master.key", c->data_dir);
  if (!c->chain.key_file[0])
    snprintf(c->chain.key_file, sizeof c->chain.key_file, "%.900s/chain.key", c->data_dir);
  if (config_derive_chains(c, given, err, errlen) != 0) return -1;
  if (!given[1]) {
    char abs[PATH_MAX] = "";
    if (c->data_dir[0] != '/' && getcwd(abs, sizeof abs - 2)) strcat(abs, "/");
    snprintf(c->database_url, sizeof c->database_url, "host=%.450s%.450s/pg user=ddcd dbname=ddcd",
             abs, c->data_dir);
  }
  return 0;
}

/* Finds the flag argv[*a] (and its value) among the settings; -1 when it is no known flag. */
static long config_flag(char **argv, int argc, int *a, const char **value)
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
    return (long)i;
  }
  return -1;
}

int config_load(struct config *c, int argc, char **argv, config_getenv_fn getenv_fn, char *err,
                size_t errlen)
{
  const char *flag_value[CONFIG_NSETTINGS] = {0};
  int given[CONFIG_NSETTINGS] = {0};
  char why[160];
  config_defaults(c);
  for (int a = 0; a < argc; a++) {
    const char *value = NULL;
    long i = strcmp(argv[a], "--demo") == 0 ? -2 : config_flag(argv, argc, &a, &value);
    if (i == -2)
      c->demo = 1;
    else if (i < 0) {
      snprintf(err, errlen, "%.60s: unknown option or missing value (see ddcd --help)", argv[a]);
      return -1;
    } else
      flag_value[i] = value;
  }
  for (size_t i = 0; i < CONFIG_NSETTINGS; i++) { /* a flag overrides its variable */
    const struct config_setting *s = &config_settings[i];
    const char *v = flag_value[i] ? flag_value[i] : getenv_fn(s->env);
    if (!v) continue;
    if (config_read(c, s, v, why, sizeof why) != 0) {
      snprintf(err, errlen, "%s: %s (got \"%.60s\")", flag_value[i] ? s->flag : s->env, why, v);
      return -1;
    }
    given[i] = 1;
  }
  return config_derive(c, given, err, errlen);
}

/* The default as the docs say it, or NULL. */
static const char *config_default_doc(const struct config_setting *s)
{
  return s->def ? s->def : s->def_doc;
}

/* Writes text wrapped at width 100 from column col, lines after the first indented by indent. */
static void config_wrap(FILE *out, const char *text, int col, int indent)
{
  for (const char *p = text; *p;) {
    int word = (int)strcspn(p, " ");
    if (p != text && col + 1 + word > 100) {
      col = fprintf(out, "\n%*s", indent, "") - 1;
    } else if (p != text)
      col += fprintf(out, " ");
    col += fprintf(out, "%.*s", word, p);
    p += word;
    while (*p == ' ')
      p++;
  }
  fputc('\n', out);
}

void config_usage(FILE *out)
{
  fputs(
      "usage: ddcd COMMAND [options]\n\n"
      "commands:\n"
      "  serve      run the HTTP service\n"
      "  migrate    bring the database schema and SQL functions up to date (idempotent)\n"
      "  init       create the master key and the operator account once (--demo: also a demo\n"
      "             issuer and holder); keys are written to the data dir, mode 0600\n"
      "  verify     BUNDLE.json [--log-key KEY] [--witness-key KEY ...] [--witness-quorum K]\n"
      "             [--rpc URL]: check a proof bundle offline, and its chain anchor on the chain\n"
      "             at URL (exit 0: valid)\n"
      "             [--peer-key KEY [--peer-witness-key KEY ...]]: an imported certificate's\n"
      "             source log key to check its source bundle under (else the one it names)\n"
      "  import     FILE --kind KIND [--dry-run] [--partial] --url URL --key-file F: upload a\n"
      "             CSV or NDJSON batch and follow it to its end (exit 0: every row minted)\n"
      "  witness    --origin O --log-key KEY --key FILE --listen ADDR [--state FILE]: serve a\n"
      "             C2SP tlog-witness for the log; `witness keygen --name N --key FILE` makes a\n"
      "             key\n"
      "  chain deploy  [--chain NAME] deploy the root registry contract with the chain's key,\n"
      "             print its address alone on stdout and allow the key's address to anchor (then\n"
      "             set DDC_CHAIN_CONTRACT, or the chain's contract in DDC_CHAINS_FILE)\n"
      "  peer sign METHOD PATH ORIGIN  the DDC-Peer-Signature of a request (body on stdin) to\n"
      "                the peer whose log origin is ORIGIN, by this log's key\n"
      "  --help     this text\n"
      "  --version  print the version\n\n"
      "options (environment variable in brackets):\n",
      out);
  for (size_t i = 0; i < CONFIG_NSETTINGS; i++) {
    const struct config_setting *s = &config_settings[i];
    char text[512];
    const char *def = config_default_doc(s);
    snprintf(text, sizeof text, "[%s] %s%s%s", s->env, s->help, def ? "; default " : "",
             def ? def : "");
    int col = fprintf(out, "  %s %s", s->flag, s->arg);
    col += fprintf(out, "%*s", col < 26 ? 26 - col : 1, "");
    config_wrap(out, text, col, 26);
  }
}

size_t config_settings_count(void)
{
  return CONFIG_NSETTINGS;
}

int config_settings_row(size_t i, char *out, size_t cap)
{
  if (i >= CONFIG_NSETTINGS) return -1;
  const struct config_setting *s = &config_settings[i];
  const char *def = config_default_doc(s);
  return snprintf(out, cap, "| `%s` | `%s %s` | %s | %s |", s->env, s->flag, s->arg, def ? def : "",
                  s->help) < (int)cap
             ? 0
             : -1;
}
