/* verify_cli.h: the `ddcd verify` command (offline bundle check). */
#ifndef DDC_VERIFY_CLI_H
#define DDC_VERIFY_CLI_H

/* argv holds the arguments after "verify"; returns the exit code. */
int verify_cli(int argc, char **argv);

#endif
