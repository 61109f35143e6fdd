/* export.c: the export and its cancel (see export.h). An export is a transfer to another
 * operator: the same rights and holder signature (action "export"), then one SQL function locks
 * the certificate; the worker (peer/exporter.c) does the rest. A cancel asks the peer to close
 * the export first: only a signed "closed" unlocks it, so that a certificate never lives on both
 * sides. */
#include <stdlib.h>
#include <string.h>
#include "db/exports.h"
#include "fault.h"
#include "peer/export.h"
#include "peer/exporter.h"

static unsigned export_deadline_s = 600;

void export_init(unsigned deadline_s)
{
  export_deadline_s = deadline_s;
}

static json_t *export_fields(int64_t ddc, const char *peer, int64_t to)
{
  return json_pack("{s:I, s:s, s:I}", "ddc_id", (json_int_t)ddc, "peer", peer, "to",
                   (json_int_t)to);
}

char *export_message(int64_t ddc, const char *peer, int64_t to, const char *nonce,
                     const char *deadline, size_t *len)
{
  json_t *f = export_fields(ddc, peer, to);
  char *text = f ? lifecycle_message("export", f, nonce, deadline, len) : NULL;
  json_decref(f);
  return text;
}

enum ddc_err export_start(const struct principal *who, int64_t ddc, const char *peer, int64_t to,
                          const struct lifecycle_holder_sig *sig, char **json)
{
  struct db_signed s = {0};
  *json = NULL;
  if (sig) {
    enum ddc_err e = lifecycle_cert_sig(who, ddc, "export", export_fields(ddc, peer, to), sig, &s);
    if (e != DDC_ERR_OK) return e;
  }
  enum ddc_err e =
      db_export(role_name(who->role), who->account_id, ddc, peer, to, &s, export_deadline_s, json);
  if (e == DDC_ERR_OK) {
    fault_point("export.after_lock"); /* committed unless an Idempotency-Key holds it open */
    exporter_poke(0);
  }
  return e;
}

enum ddc_err export_cancel(const struct principal *who, int64_t ddc, char **json)
{
  struct db_export_row x;
  char *statement = NULL;
  *json = NULL;
  enum ddc_err e = db_export_open(role_name(who->role), who->account_id, ddc, &x);
  if (e != DDC_ERR_OK) return e;
  int outcome = exporter_close(&x, &statement);
  if (outcome == EXPORTER_CLOSED)
    e = db_export_settle(x.export_id, "cancelled", statement, NULL, who->account_id, json);
  else if (outcome == EXPORTER_IMPORTED) {
    /* the peer has it: the worker records the receipt (its own transaction, not this request's) */
    exporter_poke(1);
    e = errors_refuse(DDC_ERR_EXPORT_COMPLETED, NULL,
                      "the peer imported export %lld before it could be closed: the certificate "
                      "moved",
                      (long long)x.export_id);
  } else
    e = errors_refuse(DDC_ERR_PEER_UNREACHABLE, NULL,
                      "the peer could not close export %lld (%s); the certificate stays locked, "
                      "try again later",
                      (long long)x.export_id,
                      outcome == EXPORTER_REFUSED ? "it refused" : "no answer");
  free(statement);
  db_export_row_free(&x);
  return e;
}
