/* runner.h: the background thread that runs batches. Every ddcd runs one; a batch is run by the
 * process whose connection holds its advisory lock, chunk by chunk: rows are signed in C by
 * several threads, then COPYed and committed with their events and charge in one transaction
 * that also moves the batch's resume point; two chunks are COPYed at once on two connections
 * (committing in order) while the next is signed. Kill the
 * process and any ddcd (this one restarted, or another) resumes the batch after its last
 * committed chunk. The thread also fails, every RUNNER_REAP_S seconds, the uploads that broke
 * off with the process uploading them (validating batches whose upload lock is free). */
#ifndef DDC_BATCH_RUNNER_H
#define DDC_BATCH_RUNNER_H

#define RUNNER_CHUNK 2500    /* rows per transaction */
#define RUNNER_SIGNERS_MAX 8 /* signing threads per chunk (at most one per CPU) */
#define RUNNER_LANES 2       /* chunks committed at once, each on its own connection */
#define RUNNER_REAP_S 5      /* seconds between looks for uploads that broke off */

/* Starts the thread. 0 or -1. */
int runner_start(void);
/* Wakes it at once: a batch was started. */
void runner_poke(void);
/* Stops it after the chunk in progress, if any. */
void runner_stop(void);

#endif
