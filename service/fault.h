/* fault.h: named fault points for crash tests. With the setting DDC_FAULT_POINT naming a point,
 * the process kills itself (SIGKILL) when it reaches that point: a test sees what a crash at
 * exactly that step leaves behind. Test-only; set once before serving, read by any thread. */
#ifndef DDC_FAULT_H
#define DDC_FAULT_H

/* The point to die at ("" or NULL: none). Once, before any thread starts. */
void fault_set(const char *name);
/* Raises SIGKILL when name is the configured point; returns otherwise. */
void fault_point(const char *name);

#endif
