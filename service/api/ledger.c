/* ledger.c: the public log endpoints (no key needed): the log's verifier key, the latest signed
 * checkpoint, its witnesses, inclusion and consistency proofs, and C2SP tiles. Full tiles and
 * entry bundles never change and are cacheable for good; partial ones and the checkpoint only
 * briefly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "db/ledger.h"
#include "db/witness.h"
#include "http/addrlimit.h"
#include "http/body.h"
#include "http/reply.h"
#include "ledger/logkey.h"
#include "verify/note.h"
#include "ledger/proofs.h"
#include "ledger/witness_client.h"

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
  const struct witness_set *ws = witness_client_set();
  struct db_checkpoint cp;
  enum ddc_err e = db_checkpoint_for(-1, ws->vkeys, ws->n, (int)ws->quorum, &cp);
  if (e == DDC_ERR_OK) {
    reply_buffer(r, 200, "text/plain; charset=utf-8", cp.note, strlen(cp.note));
    reply_cache(r, REPLY_CACHE_REVALIDATE);
  } else
    reply_problem(r, e, NULL, e == DDC_ERR_NOT_FOUND ? "the log has no checkpoint yet" : NULL);
}

/* The witnesses, the quorum, and how far they got: the newest size each cosigned, the log's
 * newest checkpoint and the newest final one. */
void api_log_witnesses(struct req *r)
{
  const struct witness_set *ws = witness_client_set();
  struct db_checkpoint cp = {0};
  uint64_t size = 0, at;
  uint8_t root[32];
  enum ddc_err e = db_log_head(&size, root, NULL);
  if (e == DDC_ERR_OK) e = db_checkpoint_for(-1, ws->vkeys, ws->n, (int)ws->quorum, &cp);
  if (e == DDC_ERR_NOT_FOUND) e = DDC_ERR_OK;
  json_t *list = json_array();
  for (size_t i = 0; e == DDC_ERR_OK && i < ws->n; i++)
    if ((e = db_witness_size(ws->vkeys[i], &at)) == DDC_ERR_OK)
      json_array_append_new(
          list, json_pack("{s:s, s:I}", "key", ws->vkeys[i], "cosigned_size", (json_int_t)at));
  free(cp.note);
  if (e != DDC_ERR_OK) {
    json_decref(list);
    reply_error(r, e);
    return;
  }
  reply_json(r, 200,
             json_pack("{s:o, s:I, s:I, s:I, s:b}", "witnesses", list, "quorum",
                       (json_int_t)ws->quorum, "size", (json_int_t)size, "final_size",
                       (json_int_t)(cp.final ? cp.size : 0), "final", cp.final && cp.size == size));
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
  int level = -1, width = DB_TILE_WIDTH;
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
  reply_cache(r, width == DB_TILE_WIDTH ? REPLY_CACHE_IMMUTABLE : REPLY_CACHE_SHORT);
  if (level >= 0) {
    uint8_t(*h)[DB_HASH] = malloc(DB_TILE_WIDTH * DB_HASH);
    int got = 0;
    enum ddc_err e = h ? db_tile_get(level, n, h, &got) : DDC_ERR_INTERNAL;
    if (e == DDC_ERR_OK && got >= width)
      reply_buffer(r, 200, "application/octet-stream", (char *)h, (size_t)width * DB_HASH);
    else {
      free(h);
      reply_problem(r, e == DDC_ERR_OK ? DDC_ERR_NOT_FOUND : e, NULL, "no such tile (yet)");
    }
    return;
  }
  char *bundle;
  size_t len;
  int got;
  enum ddc_err e = n <= UINT64_MAX / DB_TILE_WIDTH
                       ? db_log_entries(n * DB_TILE_WIDTH, width, &bundle, &len, &got)
                       : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK && got == width) {
    reply_buffer(r, 200, "application/octet-stream", bundle, len);
    return;
  }
  if (e == DDC_ERR_OK) free(bundle);
  reply_problem(r, e == DDC_ERR_OK ? DDC_ERR_NOT_FOUND : e, NULL, "no such entry bundle (yet)");
  return;
bad:
  reply_problem(r, DDC_ERR_NOT_FOUND, NULL,
                "a tile path is {L}/{N}[.p/{W}] or entries/{N}[.p/{W}] (C2SP tlog-tiles)");
}
