/* verdictbuild.h: the background thread that makes and keeps the verdicts of newly logged
 * certificates ahead of their first verification (020_verdicts, 025_verdict_builder). Every
 * ddcd runs one; the one holding the builder's lock (a PostgreSQL advisory lock on its own
 * connection) works, so one builder at a time per database. Woken by this process's sequencer
 * after each checkpoint, and every anchor interval for checkpoints made or cosigned elsewhere. */
#ifndef DDC_VERDICTBUILD_H
#define DDC_VERDICTBUILD_H
#include "config.h"

#define VERDICTBUILD_STEP 2048 /* leaves per transaction */
#define VERDICTBUILD_CHUNK 256 /* verdicts or bundles per statement (a bundle is some 8 KB) */

/* Starts the thread (after the witness client: it judges against the configured witnesses).
 * 0 or -1. */
int verdictbuild_start(const struct config *c);
/* Wakes it: a checkpoint was stored. */
void verdictbuild_poke(void);
/* Stops it after the step in progress, if any. */
void verdictbuild_stop(void);

#endif
