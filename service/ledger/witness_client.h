/* witness_client.h: the log's side of c2sp.org/tlog-witness. The configured witnesses (URL and
 * cosignature key, DDC_WITNESSES) and the quorum that makes a checkpoint final; a background
 * thread, run by the one ddcd holding the witnessing lock, sends each new checkpoint to every
 * witness with a consistency proof from the size the witness last cosigned, and stores the
 * cosignatures it gets back. Witnesses down or slow never hold up the sequencer. */
#ifndef DDC_WITNESS_CLIENT_H
#define DDC_WITNESS_CLIENT_H
#include <stddef.h>
#include "config.h"
#include "verify/note.h"

/* The witnesses a checkpoint needs to be final, as configured. */
struct witness_set {
  size_t n;
  unsigned quorum;
  const char *vkeys[CONFIG_WITNESSES_MAX];
  struct note_verifier keys[CONFIG_WITNESSES_MAX];
};

/* Records the configured witnesses and, if there are any, starts the thread. 0 or -1. */
int witness_client_start(const struct config *c);
void witness_client_stop(void);
/* The configured witnesses (n is 0 when none or before witness_client_start). */
const struct witness_set *witness_client_set(void);

#endif
