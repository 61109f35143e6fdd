/* did.c: issuer DIDs (did:web) and verification-method ids; see did.h. */
#include "domain/did.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Appends c to out at *n, percent-encoding the characters did:web cannot hold bare. */
static int did_put(char *out, size_t *n, char c)
{
  const char *enc = c == ':' ? "%3A" : c == '[' ? "%5B" : c == ']' ? "%5D" : NULL;
  size_t len = enc ? 3 : 1;
  if (*n + len >= DID_MAX) return -1;
  if (enc)
    memcpy(out + *n, enc, 3);
  else
    out[*n] = c;
  *n += len;
  out[*n] = 0;
  return 0;
}

/* did:web: then host (encoded), then each path segment after ':'. */
static int did_web_prefix(const char *authority_and_path, char out[DID_MAX], size_t *n)
{
  const char *p = authority_and_path;
  size_t hl = strcspn(p, "/");
  if (hl == 0) return -1;
  strcpy(out, "did:web:");
  *n = 8;
  for (size_t i = 0; i < hl; i++)
    if (did_put(out, n, p[i]) != 0) return -1;
  for (p += hl; *p; p++) {
    if (*p == '/') {
      if (p[1] == '/' || p[1] == 0) continue; /* empty segments add nothing */
      if (*n + 1 >= DID_MAX) return -1;
      out[(*n)++] = ':';
      out[*n] = 0;
    } else if (did_put(out, n, *p) != 0)
      return -1;
  }
  return 0;
}

int did_issuer(const char *base, int64_t issuer_id, char out[DID_MAX])
{
  size_t skip = strncmp(base, "https://", 8) == 0 ? 8 : strncmp(base, "http://", 7) == 0 ? 7 : 0;
  size_t n;
  if (!skip || did_web_prefix(base + skip, out, &n) != 0) return -1;
  int w = snprintf(out + n, DID_MAX - n, ":issuers:%" PRId64, issuer_id);
  return w > 0 && (size_t)w < DID_MAX - n ? 0 : -1;
}

int did_vm(const char *did, int64_t key_id, char out[DID_MAX])
{
  int w = snprintf(out, DID_MAX, "%s#%" PRId64, did, key_id);
  return w > 0 && w < DID_MAX ? 0 : -1;
}

int did_domain(const char *domain, char out[DID_MAX])
{
  size_t n;
  if (strchr(domain, '/')) return -1;
  return did_web_prefix(domain, out, &n);
}

int did_vm_key(const char *vm, const char *did, int64_t *key_id)
{
  size_t dl = strlen(did);
  if (strncmp(vm, did, dl) != 0 || vm[dl] != '#') return -1;
  const char *d = vm + dl + 1;
  int64_t v = 0;
  if (!*d || (*d == '0' && d[1])) return -1;
  for (; *d; d++) {
    if (*d < '0' || *d > '9' || v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (*d - '0');
  }
  *key_id = v;
  return 0;
}
