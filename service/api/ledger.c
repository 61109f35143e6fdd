/* ledger.c: the public log endpoints (no key needed): the log's verifier key, the latest signed
 * checkpoint, and inclusion and consistency proofs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "db/ledger.h"
#include "http/body.h"
#include "http/reply.h"
#include "ledger/logkey.h"
#include "ledger/note.h"
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

void api_log_checkpoint(struct req *r)
{
  char *note;
  enum ddc_err e = db_checkpoint_note(&note);
  if (e == DDC_ERR_OK)
    reply_buffer(r, 200, "text/plain; charset=utf-8", note, strlen(note));
  else
    reply_problem(r, e, NULL, e == DDC_ERR_NOT_FOUND ? "the log has no checkpoint yet" : NULL);
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
