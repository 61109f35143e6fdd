/* witness_cli.h: the `ddcd witness` command. */
#ifndef DDC_WITNESS_CLI_H
#define DDC_WITNESS_CLI_H

/* argv holds the arguments after "witness". Returns the exit code. */
int witness_cli(int argc, char **argv);

#endif
