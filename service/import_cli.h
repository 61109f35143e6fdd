/* import_cli.h: the `ddcd import` command (a batch upload followed to its end). */
#ifndef DDC_IMPORT_CLI_H
#define DDC_IMPORT_CLI_H

/* argv holds the arguments after "import". Returns the exit code. */
int import_cli(int argc, char **argv);

#endif
