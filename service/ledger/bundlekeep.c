/* bundlekeep.c: the proof bundles kept per certificate (see bundlekeep.h). A row names what its
 * bundle was built from, read off the bundle itself (so that it agrees with the text kept, whatever
 * changed since): its last event's hash, the newest chain anchor confirmation it names, its key's
 * state, the issuer's profile event and the leaf indexes of the status-list publications it names.
 * ddc_bundle_kept_get returns the text only while all of that is still what the log would give. */
#include <stdlib.h>
#include <string.h>
#include "db/ledger.h"
#include "db/reads.h"
#include "ledger/bundle.h"
#include "ledger/bundlekeep.h"
#include "ledger/verdict.h"
#include "log.h"

static int bundlekeep_on = 1;

void bundlekeep_init(int on)
{
  bundlekeep_on = on;
}

/* Whether every witness the bundle names has cosigned its checkpoint (the log's signature line and
 * one per witness): a kept bundle keeps its checkpoint, so a cosignature that comes after the
 * quorum would never reach it; until then the bundle is built on each request. */
static int bundlekeep_all_cosigned(json_t *b)
{
  const char *note = json_string_value(json_object_get(b, "checkpoint"));
  size_t lines = 0;
  for (const char *p = note; p && (p = strstr(p, "\n\xe2\x80\x94 ")); p++)
    lines++;
  return note && lines >= 1 + json_array_size(json_object_get(b, "witnesses"));
}

int bundlekeep_add(struct db_rows *rows, const char *code, const char *trust, json_t *b,
                   const char *text)
{
  if (!bundlekeep_on || !bundlekeep_all_cosigned(b)) return 0;
  json_t *events = json_object_get(b, "events"), *key = json_object_get(b, "signing_key");
  json_t *last = json_array_get(events, json_array_size(events) - 1), *lists = json_array(), *s;
  json_t *profile =
      json_object_get(json_object_get(json_object_get(b, "issuer"), "profile_event"), "id");
  const char *hash = json_string_value(json_object_get(last, "event_hash"));
  size_t i;
  json_array_foreach(json_object_get(b, "status_lists"), i, s)
      json_array_append(lists, json_object_get(json_object_get(s, "event"), "leaf_index"));
  if (!hash || strlen(hash) != 64 || !lists) {
    json_decref(lists);
    return -1;
  }
  return db_rows_add(rows,
                     json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:O, s:o}", "code", code,
                               "event_hash", hash, "trust", trust, "anchor_size",
                               (json_int_t)bundle_anchor_seq(b), "key_retired",
                               json_is_string(json_object_get(key, "retired_at")), "key_current",
                               json_is_true(json_object_get(key, "current")), "profile_event",
                               json_is_integer(profile) ? profile : json_null(), "lists", lists),
                     text ? strdup(text) : json_dumps(b, JSON_COMPACT));
}

/* The kept bundle's read, as a public read (a replica may answer). No kept bundle is an answer
 * too (found 0: the bundle is then built, by a public read of its own), not a reason to ask the
 * primary, which only a certificate the replica does not have yet is. */
struct bundlekeep_read {
  const char *code, *trust;
  char **text;
  size_t *len;
  int found, settled;
};

static enum ddc_err bundlekeep_get_read(void *arg)
{
  struct bundlekeep_read *q = arg;
  enum ddc_err e = db_bundle_kept_get(q->code, q->trust, q->text, q->len);
  q->found = e == DDC_ERR_OK;
  if (q->found) q->settled = db_reads_on_primary() ? BUNDLE_SETTLED_PRIMARY : 1;
  return e == DDC_ERR_NOT_FOUND ? DDC_ERR_OK : e;
}

/* Keeps bundle b (its text) built on request. A failure is only logged: it is built again. */
static void bundlekeep_one(const char *code, const char *trust, json_t *b, const char *text)
{
  struct db_rows rows = {0};
  enum ddc_err e =
      bundlekeep_add(&rows, code, trust, b, text) == 0 ? db_bundles_keep(&rows) : DDC_ERR_INTERNAL;
  db_rows_clear(&rows);
  if (e != DDC_ERR_OK) log_msg(LOG_DEBUG, "bundle %s: not kept (%s)", code, errors_info(e)->title);
}

enum ddc_err bundlekeep_public(const char *code, char **text, size_t *len, int *settled)
{
  char trust[33];
  json_t *b;
  *text = NULL;
  *settled = 0;
  enum ddc_err e = verdict_trust(trust);
  struct bundlekeep_read q = {code, trust, text, len, 0, 0};
  if (e == DDC_ERR_OK)
    e = bundlekeep_on ? db_public_read_one(bundlekeep_get_read, &q) : DDC_ERR_NOT_FOUND;
  if (e == DDC_ERR_OK && q.found) {
    *settled = q.settled;
    return e;
  }
  if (e != DDC_ERR_OK && e != DDC_ERR_NOT_FOUND) return e;
  e = bundle_build_settled(code, &b, settled);
  if (e != DDC_ERR_OK) return e;
  *text = json_dumps(b, JSON_COMPACT);
  if (*text) {
    *len = strlen(*text);
    if (*settled && bundlekeep_on) bundlekeep_one(code, trust, b, *text);
  }
  json_decref(b);
  return *text ? DDC_ERR_OK : DDC_ERR_INTERNAL;
}
