/* sequencer.h: the background thread that turns pending events into log leaves. Every ddcd runs
 * one; the one holding the sequencer lock (a PostgreSQL advisory lock on its own connection)
 * works, the others wait to take over when it dies (its connection closes, its lock goes). */
#ifndef DDC_SEQUENCER_H
#define DDC_SEQUENCER_H
#include "config.h"
#include "verify/note.h"

#define SEQUENCER_BATCH_MAX 10000 /* leaves per transaction and checkpoint */

/* Starts the thread, which signs checkpoints with signer (copied). 0 or -1. */
int sequencer_start(const struct config *c, const struct note_signer *signer);
/* Wakes it before its interval is up: events are waiting that someone wants anchored soon (a
 * batch import has ended). Does nothing for events that another ddcd sequences. */
void sequencer_poke(void);
/* Stops it after the batch in progress, if any. */
void sequencer_stop(void);

#endif
