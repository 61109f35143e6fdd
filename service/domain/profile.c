/* profile.c: issuer profiles and the domain check; see profile.h. */
#include "domain/profile.h"
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "db/creds.h"
#include "domain/vc.h"

static struct config_domain profile_cfg;

void profile_init(const struct config_domain *d)
{
  profile_cfg = *d;
}

int profile_domain_valid(char *domain)
{
  size_t n = strlen(domain);
  if (n == 0 || n > 253 || domain[0] == '[') return 0; /* a name, not an address literal */
  for (size_t i = 0; i < n; i++)
    if (domain[i] >= 'A' && domain[i] <= 'Z') domain[i] = (char)(domain[i] - 'A' + 'a');
  return config_host_valid(domain, n);
}

enum ddc_err profile_set(const struct principal *who, int64_t issuer, const char *url,
                         const char *logo_url, char **json)
{
  return db_profile_write(role_name(who->role), who->account_id, issuer, "profile", url, logo_url,
                          NULL, json);
}

enum ddc_err profile_set_domain(const struct principal *who, int64_t issuer, const char *domain,
                                char **json)
{
  return db_profile_write(role_name(who->role), who->account_id, issuer, "domain", NULL, NULL,
                          domain, json);
}

struct profile_buf {
  char *p;
  size_t n;
  int over;
};

static size_t profile_write(char *data, size_t size, size_t nmemb, void *cls)
{
  struct profile_buf *b = cls;
  size_t n = size * nmemb;
  if (b->n + n > PROFILE_FETCH_MAX) {
    b->over = 1;
    return 0;
  }
  char *q = realloc(b->p, b->n + n + 1);
  if (!q) return 0;
  memcpy(q + b->n, data, n);
  b->p = q;
  b->n += n;
  b->p[b->n] = 0;
  return n;
}

/* GET https://<domain>/.well-known/did.json: the parsed body, or NULL with why filled. */
static json_t *profile_fetch(const char *domain, char *why, size_t whylen)
{
  char url[400];
  long status = 0;
  struct profile_buf b = {0};
  struct curl_slist *resolve = NULL;
  snprintf(url, sizeof url, "https://%s/.well-known/did.json", domain);
  CURL *h = curl_easy_init();
  if (!h) return NULL;
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)PROFILE_FETCH_TIMEOUT_MS);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, profile_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  if (profile_cfg.ca_file[0]) curl_easy_setopt(h, CURLOPT_CAINFO, profile_cfg.ca_file);
  if (profile_cfg.resolve[0]) {
    resolve = curl_slist_append(NULL, profile_cfg.resolve);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
  }
  CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  curl_slist_free_all(resolve);
  json_t *doc = NULL;
  if (rc != CURLE_OK)
    snprintf(why, whylen, "%s: %s", url, b.over ? "larger than 64 KiB" : curl_easy_strerror(rc));
  else if (status != 200)
    snprintf(why, whylen, "%s answered HTTP %ld", url, status);
  else if (!(doc = json_loadb(b.p ? b.p : "", b.n, 0, NULL)))
    snprintf(why, whylen, "%s is not JSON", url);
  free(b.p);
  return doc;
}

/* The verification method of doc with this id, when doc lists it in assertionMethod. */
static const json_t *profile_vm(const json_t *doc, const char *id)
{
  size_t i, j;
  const json_t *vm, *am;
  json_array_foreach(json_object_get(doc, "assertionMethod"), j, am)
  {
    if (!json_is_string(am) || strcmp(json_string_value(am), id)) continue;
    json_array_foreach(json_object_get(doc, "verificationMethod"), i, vm)
    {
      const char *vid = json_string_value(json_object_get(vm, "id"));
      if (vid && !strcmp(vid, id)) return vm;
    }
  }
  return NULL;
}

/* 0 when got has the id of want and each of want's keys under the same id; else -1 and why. */
static int profile_compare(const json_t *want, const json_t *got, char *why, size_t whylen)
{
  const char *id = json_string_value(json_object_get(want, "id")),
             *gid = json_string_value(json_object_get(got, "id"));
  if (!gid || strcmp(id, gid)) {
    snprintf(why, whylen, "the document's id is not %s", id);
    return -1;
  }
  size_t i;
  const json_t *vm;
  json_array_foreach(json_object_get(want, "verificationMethod"), i, vm)
  {
    const char *vid = json_string_value(json_object_get(vm, "id"));
    const json_t *g = profile_vm(got, vid);
    if (!g || !json_equal(json_object_get(g, "publicKeyMultibase"),
                          json_object_get(vm, "publicKeyMultibase"))) {
      snprintf(why, whylen, "the document lacks the key %s as an assertion method", vid);
      return -1;
    }
  }
  return 0;
}

enum ddc_err profile_check_domain(const struct principal *who, const char *base, int64_t issuer,
                                  char **json)
{
  char *text, why[600];
  size_t len;
  *json = NULL;
  if (who->role != ROLE_OPERATOR && who->account_id != issuer)
    return errors_refuse(DDC_ERR_FORBIDDEN, NULL, "an issuer checks only its own domain");
  enum ddc_err e = vc_did_document(base, issuer, 1, &text, &len);
  if (e != DDC_ERR_OK) return e;
  json_t *want = json_loadb(text, len, 0, NULL), *got = NULL;
  free(text);
  const char *did = json_string_value(json_object_get(want, "id"));
  char domain[300] = "";
  if (did && strlen(did) > 8 && strlen(did) - 8 < sizeof domain) {
    snprintf(domain, sizeof domain, "%s", did + 8); /* after "did:web:" */
    char *pct = strstr(domain, "%3A");
    if (pct) memmove(pct + 1, pct + 3, strlen(pct + 3) + 1), *pct = ':';
  }
  if (!want || !domain[0])
    e = DDC_ERR_INTERNAL;
  else if (!(got = profile_fetch(domain, why, sizeof why)) ||
           profile_compare(want, got, why, sizeof why) != 0)
    e = errors_refuse(DDC_ERR_DOMAIN_CHECK_FAILED, "domain", "%s", why);
  else
    e = db_profile_write(role_name(who->role), who->account_id, issuer, "checked", NULL, NULL,
                         domain, json);
  json_decref(want);
  json_decref(got);
  return e;
}
