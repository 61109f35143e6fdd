/* exporter.h: the export worker, one per database (an advisory lock), and the source side's
 * calls to peers. Each round it takes the open exports that are due: one whose export_started
 * event is in a final checkpoint is sent to the peer as a packet (POST /v1/peer/imports, signed
 * with the log key); a sent one's receipt is asked for (GET /v1/peer/imports/{keyid}/{id}). A
 * receipt that checks (the peer's statement signature under its pin, the imported event of this
 * export and certificate in the peer's checkpoint with its pinned witnesses) makes the
 * certificate moved, a signed refusal makes it active again, both in one transaction; anything
 * else is tried again (1 s to 30 s), past the deadline too. Every step may be repeated after a
 * crash of either side: the peer answers a repeated packet with the receipt it gave. */
#ifndef DDC_PEER_EXPORTER_H
#define DDC_PEER_EXPORTER_H
#include "config.h"
#include "db/exports.h"
#include "verify/note.h"

#define EXPORTER_BATCH 32         /* exports looked at per round */
#define EXPORTER_TIMEOUT_MS 10000 /* a whole call to a peer */
#define EXPORTER_CONNECT_MS 3000  /* its connection */
#define EXPORTER_IDLE_MS 500      /* the wait between rounds that found nothing due */
#define EXPORTER_BACKOFF_MAX_S 30 /* the longest wait before a retry */

/* Keeps a copy of the log key (the signer of peer requests) and starts the worker; 0 or -1. */
int exporter_start(const struct config *c, const struct note_signer *log_key);
void exporter_stop(void);
/* Work is waiting (all: look at every open export now, whatever its next try). */
void exporter_poke(int all);

/* What a peer said to a close. */
enum exporter_outcome {
  EXPORTER_UNREACHABLE = 0, /* no answer, or one that does not check */
  EXPORTER_CLOSED,          /* a signed closed statement: the export can never be imported */
  EXPORTER_IMPORTED,        /* it was imported: the receipt is the worker's to record */
  EXPORTER_REFUSED          /* an answer refusing to close */
};
/* Asks the peer of open export x to close it (POST .../close): the outcome, with the signed
 * closed statement's JCS text in *statement (malloc'ed) when EXPORTER_CLOSED. Any thread. */
enum exporter_outcome exporter_close(const struct db_export_row *x, char **statement);

#endif
