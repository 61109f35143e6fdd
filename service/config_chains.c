/* config_chains.c: DDC_CHAINS_FILE, the chains ddcd anchors on at once: a JSON array of
 * {"name", "rpc_url", "chain_id"?, "key_file"?, "contract"?, "confirmations"?, "interval_s"?,
 * "headers"? {NAME: VALUE}, "max_fee_gwei"?, "gas_limit"?, "timeout_ms"?}. Read once at start
 * (config_load); every refusal names the file, the entry (index and name), the member and why. A
 * relative key_file is taken from the file's directory. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "config.h"

/* Where a refusal is: the file and the entry. */
struct chains_at {
  const char *file;
  size_t index;
  const char *name;
  char *err;
  size_t errlen;
};

static int chains_fail(const struct chains_at *at, const char *member, const char *fmt, ...)
{
  char why[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  snprintf(at->err, at->errlen, "DDC_CHAINS_FILE: %.300s: chain %zu%s%.64s%s: %s: %s", at->file,
           at->index, at->name ? " (\"" : "", at->name ? at->name : "", at->name ? "\")" : "",
           member, why);
  return -1;
}

static int chains_name_ok(const char *s)
{
  size_t n = strlen(s);
  return n >= 1 && n <= 63 && strchr("abcdefghijklmnopqrstuvwxyz0123456789", s[0]) &&
         strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* An integer member from lo to hi (absent: *v unchanged). */
static int chains_int(const struct chains_at *at, json_t *o, const char *k, json_int_t lo,
                      json_int_t hi, uint64_t *v)
{
  json_t *m = json_object_get(o, k);
  if (!m) return 0;
  if (!json_is_integer(m) || json_integer_value(m) < lo || json_integer_value(m) > hi)
    return chains_fail(at, k, "must be an integer from %lld to %lld", (long long)lo, (long long)hi);
  *v = (uint64_t)json_integer_value(m);
  return 0;
}

/* A string member of 1 to cap - 1 characters into dst (absent: 0 unless required). */
static int chains_str(const struct chains_at *at, json_t *o, const char *k, int required, char *dst,
                      size_t cap)
{
  json_t *m = json_object_get(o, k);
  if (!m && !required) return 0;
  if (!json_is_string(m) || !json_string_length(m) || json_string_length(m) >= cap ||
      strlen(json_string_value(m)) != json_string_length(m))
    return chains_fail(at, k, "%s a string of 1 to %zu characters",
                       m ? "must be" : "is missing:", cap - 1);
  strcpy(dst, json_string_value(m));
  return 0;
}

/* headers: an object of HTTP header names (tokens) and values (printable, no line breaks). */
static int chains_headers(const struct chains_at *at, json_t *o, struct config_chain *cc)
{
  json_t *h = json_object_get(o, "headers"), *v;
  const char *k;
  if (!h) return 0;
  if (!json_is_object(h)) return chains_fail(at, "headers", "must be an object of strings");
  if (json_object_size(h) > CONFIG_CHAIN_HEADERS_MAX)
    return chains_fail(at, "headers", "at most %d headers", CONFIG_CHAIN_HEADERS_MAX);
  json_object_foreach(h, k, v)
  {
    const char *s = json_string_value(v);
    int ok = *k && strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "!#$%&'*+-.^_`|~") == strlen(k);
    for (const char *p = s; ok && p && *p; p++)
      ok = (unsigned char)*p >= ' ' && *p != 0x7f;
    if (!ok || !s || strlen(s) != json_string_length(v) || !strcasecmp(k, "content-type") ||
        !strcasecmp(k, "content-length") ||
        (size_t)snprintf(cc->headers[cc->n_headers], sizeof cc->headers[0], "%s: %s", k, s) >=
            sizeof cc->headers[0])
      return chains_fail(at, "headers",
                         "\"%.40s\" must be an HTTP header name (not Content-Type or "
                         "Content-Length) with a string value, no line breaks, under 500 "
                         "characters in all",
                         k);
    cc->n_headers++;
  }
  return 0;
}

/* The gas settings: max_fee_gwei (a positive number, fractions allowed) and gas_limit. */
static int chains_gas(const struct chains_at *at, json_t *o, struct config_chain *cc)
{
  json_t *m = json_object_get(o, "max_fee_gwei");
  if (m) {
    double g = json_number_value(m);
    if (!json_is_number(m) || !isfinite(g) || g <= 0 || g > 1e9 || g * 1e9 < 1)
      return chains_fail(at, "max_fee_gwei", "must be a number of gwei above 0, at most 1e9");
    cc->max_fee_wei = (uint64_t)(g * 1e9 + 0.5);
  }
  return chains_int(at, o, "gas_limit", 21000, 100000000, &cc->gas_limit);
}

static const char *const chains_members[] = {
    "name",       "rpc_url", "chain_id",     "key_file",  "contract",   "confirmations",
    "interval_s", "headers", "max_fee_gwei", "gas_limit", "timeout_ms", NULL};

/* One entry into cc; dir is the file's directory ("" none) for a relative key_file. */
static int chains_entry(const struct chains_at *at0, json_t *o, const char *dir,
                        const char *data_dir, struct config_chain *cc)
{
  struct chains_at at = *at0;
  char key[CONFIG_PATH_MAX] = "";
  const char *k;
  json_t *v;
  uint64_t n;
  memset(cc, 0, sizeof *cc);
  if (!json_is_object(o)) return chains_fail(&at, "entry", "must be an object");
  at.name = json_string_value(json_object_get(o, "name"));
  json_object_foreach(o, k, v)
  {
    size_t i = 0;
    while (chains_members[i] && strcmp(chains_members[i], k))
      i++;
    if (!chains_members[i]) return chains_fail(&at, k, "unknown member");
  }
  if (chains_str(&at, o, "name", 1, cc->name, sizeof cc->name) != 0) return -1;
  if (!chains_name_ok(cc->name))
    return chains_fail(&at, "name",
                       "must be 1 to 63 of a-z, 0-9, '_' and '-', starting with a "
                       "letter or digit");
  if (chains_str(&at, o, "rpc_url", 1, cc->rpc_url, sizeof cc->rpc_url) != 0) return -1;
  if (strncmp(cc->rpc_url, "http://", 7) && strncmp(cc->rpc_url, "https://", 8))
    return chains_fail(&at, "rpc_url", "must be an http:// or https:// URL");
  if (chains_int(&at, o, "chain_id", 1, (json_int_t)1 << 53, &cc->chain_id) != 0) return -1;
  if (chains_str(&at, o, "key_file", 0, key, sizeof key) != 0) return -1;
  if (!key[0])
    snprintf(cc->key_file, sizeof cc->key_file, "%.900s/chain.key", data_dir);
  else if ((size_t)snprintf(cc->key_file, sizeof cc->key_file, "%s%s%s", key[0] == '/' ? "" : dir,
                            key[0] == '/' || !*dir ? "" : "/", key) >= sizeof cc->key_file)
    return chains_fail(&at, "key_file", "the path is too long");
  if (chains_str(&at, o, "contract", 0, cc->contract, sizeof cc->contract) != 0) return -1;
  if (cc->contract[0] && (strlen(cc->contract) != 42 || strncmp(cc->contract, "0x", 2) ||
                          strspn(cc->contract + 2, "0123456789abcdefABCDEF") != 40))
    return chains_fail(&at, "contract", "must be an address: 0x and 40 hex digits");
  for (char *p = cc->contract; *p; p++)
    *p = (char)(*p >= 'A' && *p <= 'F' ? *p - 'A' + 'a' : *p);
  n = 1;
  if (chains_int(&at, o, "confirmations", 1, 1000, &n) != 0) return -1;
  cc->confirmations = (unsigned)n;
  n = 10;
  if (chains_int(&at, o, "interval_s", 1, 86400, &n) != 0) return -1;
  cc->interval_s = (unsigned)n;
  n = 3000;
  if (chains_int(&at, o, "timeout_ms", 100, 600000, &n) != 0) return -1;
  cc->timeout_ms = (unsigned)n;
  if (chains_headers(&at, o, cc) != 0) return -1;
  return chains_gas(&at, o, cc);
}

int config_chains_load(struct config *c, const char *file, char *err, size_t errlen)
{
  json_error_t je;
  char dir[CONFIG_PATH_MAX];
  struct chains_at at = {file, 0, NULL, err, errlen};
  json_t *a = json_load_file(file, JSON_REJECT_DUPLICATES, &je), *o;
  size_t i;
  int rc = 0;
  c->n_chains = 0;
  if (!a) {
    snprintf(err, errlen, "DDC_CHAINS_FILE: %.300s: line %d, column %d: %s", file, je.line,
             je.column, je.text);
    return -1;
  }
  if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > CONFIG_CHAINS_MAX) {
    snprintf(err, errlen, "DDC_CHAINS_FILE: %.300s: must be a JSON array of 1 to %d chains", file,
             CONFIG_CHAINS_MAX);
    json_decref(a);
    return -1;
  }
  const char *slash = strrchr(file, '/');
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - file) : 0, file);
  if (slash == file) snprintf(dir, sizeof dir, "/");
  json_array_foreach(a, i, o)
  {
    at.index = i;
    rc = chains_entry(&at, o, dir, c->data_dir, &c->chains[i]);
    for (size_t j = 0; rc == 0 && j < i; j++)
      if (!strcmp(c->chains[j].name, c->chains[i].name))
        rc = (at.name = c->chains[i].name,
              chains_fail(&at, "name", "the name of chain %zu already", j));
    if (rc) break;
    c->n_chains++;
  }
  json_decref(a);
  if (rc) c->n_chains = 0;
  return rc;
}
