/* cli.h -- the command line: subcommands, their arguments, exit codes.
 * Prints to stdout/stderr; returns the exit code (0 ok, 1 an expectation failed,
 * 2 bad input, 3 internal or I/O error). Only main.c calls exit(). */
#ifndef MXSIM_CLI_H
#define MXSIM_CLI_H

int cli_main(int argc, char **argv);

#endif
