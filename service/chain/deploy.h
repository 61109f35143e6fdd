/* deploy.h: `ddcd chain deploy`: the root registry contract put on the chain by the chain key,
 * which it then allows to anchor. */
#ifndef DDC_DEPLOY_H
#define DDC_DEPLOY_H
#include "config.h"

/* On the chain named name (NULL: the only one configured), prints the contract's address alone
 * on stdout, progress on stderr. Returns the exit code. */
int deploy_cli(const struct config *c, const char *name);

#endif
