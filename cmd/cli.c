/* cli.c — exit codes, error lines and signal handling shared by the subcommands. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t cli_interrupted;

static void on_signal(int sig)
{
    if (cli_interrupted) { /* a second signal: stop now */
        signal(sig, SIG_DFL);
        raise(sig);
    }
    cli_interrupted = sig;
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_exit_code(nn_status st)
{
    switch (st) {
    case NN_OK: return 0;
    case NN_E_USAGE:
    case NN_E_CONFIG:
    case NN_E_DATA: return 2;
    case NN_E_INTERRUPTED: return 128 + (cli_interrupted ? cli_interrupted : SIGINT);
    default: return 1;
    }
}

int cli_fail(const nn_error *err)
{
    char buf[2048];
    fprintf(stderr, "nnrun: error: %s\n", nn_error_format(err, buf, sizeof buf));
    return cli_exit_code(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "nnrun%s%s: error: %s\nTry 'nnrun%s%s --help' for more information.\n",
            cmd ? " " : "", cmd ? cmd : "", msg, cmd ? " " : "", cmd ? cmd : "");
    return 2;
}

int cli_parse_long(const char *cmd, const char *what, const char *s, long lo, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo)
        return cli_usage_error(cmd, "%s: expected an integer >= %ld, got '%s'", what, lo, s);
    *out = v;
    return 0;
}
