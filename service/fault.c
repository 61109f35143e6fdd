/* fault.c: the fault point a crash test asked for (see fault.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "fault.h"

static char fault_name[128]; /* "" : none */

void fault_set(const char *name)
{
  snprintf(fault_name, sizeof fault_name, "%s", name ? name : "");
}

void fault_point(const char *name)
{
  if (fault_name[0] && name && strcmp(fault_name, name) == 0) {
    fprintf(stderr, "fault point %s: killing this process\n", name);
    fflush(stderr);
    raise(SIGKILL);
  }
}
