/* cli.h — what every nnrun subcommand shares: exit codes, error lines, signals.
 *
 * Exit status: 0 success; 1 a failure while running (I/O, non-finite loss, out of
 * memory); 2 a usage, configuration or data error; 128+N stopped by signal N (130 for
 * SIGINT, 143 for SIGTERM). Errors are one line on stderr: "nnrun: error: FILE:L:C: msg".
 */
#ifndef NN_CMD_CLI_H
#define NN_CMD_CLI_H

#include <signal.h>
#include <stdio.h>

#include "core/error.h"

/* The signal that asked the run to stop (0: none); set by cli_catch_signals' handler. */
extern volatile sig_atomic_t cli_interrupted;

/* SIGINT/SIGTERM set cli_interrupted; a second one ends the process at once. */
void cli_catch_signals(void);

int cli_exit_code(nn_status st);

/* Prints "nnrun: error: ..." and returns the exit code for err->code. */
int cli_fail(const nn_error *err);

/* Prints "nnrun CMD: error: MSG" and a pointer to --help; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a decimal integer >= lo for option `what`; 0 on success, else prints and returns 2. */
int cli_parse_long(const char *cmd, const char *what, const char *s, long lo, long *out);

/* Lists the subcommands with one line each (for --help). */
void cli_print_subcommands(FILE *out);

/* Subcommands: argv[0] is the subcommand's name. */
int cmd_train(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
