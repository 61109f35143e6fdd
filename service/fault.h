/* fault.h: crash points for the crash suites (test-only). DDC_FAULT_POINT=<name> makes the process
 * kill itself with SIGKILL when it reaches the point of that name, as a power cut there would:
 * nothing after it runs, no handler, no flush. Names: export.after_lock, export.before_send,
 * export.after_send, export.after_moved (service/peer/), and import.* (the destination side). Set
 * once before any thread starts (fault_init); then any thread may call fault_point. */
#ifndef DDC_FAULT_H
#define DDC_FAULT_H

/* name: the point to die at; NULL or "": none (the default). */
void fault_init(const char *name);
/* Dies here (SIGKILL) when name is the configured point; otherwise nothing. */
void fault_point(const char *name);

#endif
