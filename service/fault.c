/* fault.c: the crash points of the crash suites (see fault.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "fault.h"
#include "log.h"

static char fault_name[64];

void fault_init(const char *name)
{
  snprintf(fault_name, sizeof fault_name, "%s", name ? name : "");
  if (fault_name[0])
    log_msg(LOG_WARN, "fault point %s is set: this process kills itself there (tests only)",
            fault_name);
}

void fault_point(const char *name)
{
  if (fault_name[0] && strcmp(fault_name, name) == 0) {
    log_msg(LOG_WARN, "fault point %s reached: SIGKILL", name);
    raise(SIGKILL);
  }
}
