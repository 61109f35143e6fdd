/* ledger.c: the public log endpoints (no key needed): the log's verifier key, the latest signed
 * checkpoint, its witnesses, inclusion and consistency proofs, and C2SP tiles. Full tiles and
 * entry bundles never change and are cacheable for good; partial ones and the checkpoint only
 * briefly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"
#include "ledger/logkey.h"
#include "ledger/logread.h"
#include "verify/note.h"
#include "ledger/proofs.h"

void api_log_key(struct req *r)
{
  char vkey[NOTE_VKEY_MAX + 1];
  struct note_verifier v;
  enum ddc_err e = logkey_public(&v);
  int n = e == DDC_ERR_OK ? note_verifier_format(&v, vkey, sizeof vkey - 1) : -1;
  if (n < 0) {
    reply_error(r, e == DDC_ERR_OK ? DDC_ERR_INTERNAL : e);
    return;
  }
  vkey[n] = '\n';
  reply_text(r, 200, "text/plain; charset=utf-8", vkey, (size_t)n + 1);
}

/* With witnesses, the newest final checkpoint (cosigned by the quorum), or the newest if none
 * is final yet; its cosignatures follow the log's signature. */
void api_log_checkpoint(struct req *r)
{
  char *note;
  enum ddc_err e = logread_checkpoint(&note);
  if (e == DDC_ERR_OK) {
    reply_buffer(r, 200, "text/plain; charset=utf-8", note, strlen(note));
    reply_cache(r, REPLY_CACHE_REVALIDATE);
  } else
    reply_error(r, e);
}

/* The witnesses, the quorum, and how far they got: the newest size each cosigned, the log's
 * newest checkpoint and the newest final one. */
void api_log_witnesses(struct req *r)
{
  json_t *out;
  enum ddc_err e = logread_witnesses(&out);
  if (e == DDC_ERR_OK)
    reply_json(r, 200, out);
  else
    reply_error(r, e);
}

static void api_log_proof(struct req *r, enum ddc_err e, json_t *proof)
{
  if (e == DDC_ERR_OK)
    reply_json(r, 200, proof);
  else if (e == DDC_ERR_NOT_FOUND)
    reply_problem(r, e, "size", "the log signed no checkpoint of that size");
  else
    reply_error(r, e);
}

void api_log_inclusion(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  int64_t index, size;
  if (query_int(r, "index", 0, INT64_MAX - 1, -1, &index) != 0 ||
      query_int(r, "size", 1, INT64_MAX, -1, &size) != 0)
    return;
  if (index < 0 || size < 0 || index >= size) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, index < 0 ? "index" : "size",
                  "index and size are required, and index < size");
    return;
  }
  json_t *proof;
  enum ddc_err e = proofs_inclusion((uint64_t)index, (uint64_t)size, &proof);
  api_log_proof(r, e, proof);
}

void api_log_consistency(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  int64_t from, to;
  if (query_int(r, "from", 1, INT64_MAX, -1, &from) != 0 ||
      query_int(r, "to", 1, INT64_MAX, -1, &to) != 0)
    return;
  if (from < 0 || to < 0 || from > to) {
    reply_problem(r, DDC_ERR_INVALID_PARAMETER, from < 0 ? "from" : "to",
                  "from and to are required, and 1 <= from <= to");
    return;
  }
  json_t *proof;
  enum ddc_err e = proofs_consistency((uint64_t)from, (uint64_t)to, &proof);
  if (e == DDC_ERR_NOT_FOUND) {
    reply_problem(r, e, "to", "the log signed no checkpoint of one of those sizes");
    return;
  }
  api_log_proof(r, e, proof);
}

/* Parses a C2SP tile index path, "x001/x234/067", into *n and what follows it into *rest. */
static int log_tile_index(const char *s, uint64_t *n, const char **rest)
{
  *n = 0;
  for (;;) {
    int x = *s == 'x';
    const char *d = s + x;
    if (strspn(d, "0123456789") < 3 || *n > (UINT64_MAX >> 10) / 1000) return -1;
    *n = *n * 1000 + (uint64_t)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
    s = d + 3;
    if (!x) break;
    if (*s++ != '/') return -1;
  }
  *rest = s;
  return 0;
}

/* GET /v1/log/tile/{L}/{N}[.p/{W}] and /v1/log/tile/entries/{N}[.p/{W}] (C2SP tlog-tiles):
 * full tiles of 256 hashes (or entries), and partial ones of width W. */
void api_log_tile(struct req *r)
{
  if (addrlimit_take(r) != 0) return;
  const char *p = r->params[0], *rest;
  int level = -1, width = TILES_WIDTH;
  uint64_t n;
  if (strncmp(p, "entries/", 8) == 0)
    p += 8;
  else if (p[0] >= '0' && p[0] <= '7' && p[1] == '/')
    level = p[0] - '0', p += 2;
  else
    goto bad;
  if (log_tile_index(p, &n, &rest) != 0) goto bad;
  if (strncmp(rest, ".p/", 3) == 0) {
    char *end;
    long w = strtol(rest + 3, &end, 10);
    if (*end || w < 1 || w > 255 || rest[3] == '0') goto bad;
    width = (int)w;
  } else if (*rest) {
    goto bad;
  }
  reply_cache(r, width == TILES_WIDTH ? REPLY_CACHE_IMMUTABLE : REPLY_CACHE_SHORT);
  char *data;
  size_t len;
  enum ddc_err e = level >= 0 ? logread_tile(level, n, width, &data, &len)
                              : logread_entries(n, width, &data, &len);
  if (e == DDC_ERR_OK)
    reply_buffer(r, 200, "application/octet-stream", data, len);
  else
    reply_error(r, e);
  return;
bad:
  reply_problem(r, DDC_ERR_NOT_FOUND, NULL,
                "a tile path is {L}/{N}[.p/{W}] or entries/{N}[.p/{W}] (C2SP tlog-tiles)");
}
