/* nnrun.c — the command line: argv, subcommands, messages, exit codes.
 *
 * Exit status: 0 success; 1 a failure while running (I/O, non-finite loss, out of
 * memory); 2 a usage, configuration or data error; 130/143 interrupted by SIGINT/SIGTERM.
 * Errors are one line on stderr: "nnrun: error: FILE:LINE:COL: message".
 */
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/version.h"
#include "train/run.h"

#define MAX_OVERRIDES 256

static volatile sig_atomic_t interrupted; /* the signal number that asked us to stop */

static void on_signal(int sig)
{
    if (interrupted) { /* a second signal: stop now */
        signal(sig, SIG_DFL);
        raise(sig);
    }
    interrupted = sig;
}

static const char usage_text[] =
    "Usage: nnrun [OPTIONS] CONFIG.yaml        train the experiment CONFIG describes\n"
    "       nnrun check [OPTIONS] CONFIG.yaml  validate it and print the model, no training\n"
    "\n"
    "Trains a neural network described by a YAML file (data, model, compile, fit — the\n"
    "cells of a Keras notebook), and leaves a run directory with config.yaml (resolved),\n"
    "model.txt (Keras summary), history.csv (one row per epoch) and results.json.\n"
    "\n"
    "Options:\n"
    "  -o, --out DIR        write the run into DIR (default: runs/<name>/<date-time>)\n"
    "  -s, --seed N         random seed (same as --set seed=N)\n"
    "  -e, --epochs N       number of epochs (same as --set fit.epochs=N)\n"
    "  -S, --set KEY=VALUE  override any config key; repeatable, applied in order:\n"
    "                         --set compile.optimizer.sgd.learning_rate=0.05\n"
    "                         --set fit.batch_size=128 --set data.validation_split=0.2\n"
    "  -t, --threads N      threads for BLAS and nnrun's own loops (default: all cores)\n"
    "  -q, --quiet          print nothing but errors\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n"
    "\n"
    "Data sets are looked up in data.dir, $NNRUN_DATA/<dataset>, ./data/<dataset>, and for\n"
    "fashion_mnist in /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).\n"
    "\n"
    "Examples:\n"
    "  nnrun configs/fashion_mnist.yaml\n"
    "  NNRUN_DATA=~/data nnrun configs/baseline.yaml --epochs 3 --out /tmp/try\n"
    "  nnrun check configs/resnet10.yaml\n"
    "\n"
    "Exit status: 0 success, 1 failure while running, 2 usage/config/data error,\n"
    "130/143 interrupted by SIGINT/SIGTERM.\n";

static int exit_code(nn_status st)
{
    switch (st) {
    case NN_OK: return 0;
    case NN_E_USAGE:
    case NN_E_CONFIG:
    case NN_E_DATA: return 2;
    case NN_E_INTERRUPTED: return 128 + (interrupted ? interrupted : SIGINT);
    default: return 1;
    }
}

static int fail(const nn_error *err)
{
    char buf[2048];
    fprintf(stderr, "nnrun: error: %s\n", nn_error_format(err, buf, sizeof buf));
    return exit_code(err->code);
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "nnrun: error: %s\nTry 'nnrun --help' for more information.\n", msg);
    return 2;
}

static int parse_count(const char *s, const char *what, long lo, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s: expected an integer >= %ld, got '%s'", what, lo, s);
        return usage_error(msg);
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *command = "train";
    if (argc > 1 && strcmp(argv[1], "check") == 0) {
        command = "check";
        argv++;
        argc--;
    } else if (argc > 1 && strcmp(argv[1], "train") == 0) {
        argv++;
        argc--;
    }

    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},     {"seed", required_argument, NULL, 's'},
        {"epochs", required_argument, NULL, 'e'},  {"set", required_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    /* --seed and --epochs become overrides, so there is one way a value gets in */
    static char owned[2][64];
    const char *overrides[MAX_OVERRIDES];
    int n_overrides = 0;
    nn_run_options o = {0};
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    bool quiet = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:s:e:S:t:qhV", longopts, NULL)) != -1) {
        long v;
        switch (c) {
        case 'o':
            o.out_dir = optarg;
            break;
        case 's':
        case 'e':
            if (parse_count(optarg, c == 's' ? "--seed" : "--epochs", c == 's' ? 0 : 1, &v))
                return 2;
            snprintf(owned[c == 's'], sizeof owned[0], "%s=%ld",
                     c == 's' ? "seed" : "fit.epochs", v);
            if (n_overrides == MAX_OVERRIDES)
                return usage_error("too many overrides");
            overrides[n_overrides++] = owned[c == 's'];
            break;
        case 'S':
            if (n_overrides == MAX_OVERRIDES)
                return usage_error("too many overrides");
            overrides[n_overrides++] = optarg;
            break;
        case 't':
            if (parse_count(optarg, "--threads", 1, &v))
                return 2;
            threads = v;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf("nnrun %s\n", NN_VERSION);
            return 0;
        case ':': {
            char msg[128];
            snprintf(msg, sizeof msg, "option '%s' needs a value", argv[optind - 1]);
            return usage_error(msg);
        }
        default: {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown option '%s'", argv[optind - 1]);
            return usage_error(msg);
        }
        }
    }
    if (optind >= argc)
        return usage_error("no configuration file given");
    if (optind + 1 < argc) {
        char msg[256];
        snprintf(msg, sizeof msg, "one configuration file at a time (got '%s' and '%s')",
                 argv[optind], argv[optind + 1]);
        return usage_error(msg);
    }
    o.config_path = argv[optind];
    o.overrides = overrides;
    o.n_overrides = n_overrides;
    o.threads = threads > 0 ? (int)threads : 1;
    o.out = quiet ? NULL : stdout;
    o.live = !quiet && isatty(STDOUT_FILENO);
    o.interrupt = &interrupted;

    nn_error err;
    nn_error_clear(&err);
    if (strcmp(command, "check") == 0) {
        if (nn_check(&o, stdout, &err))
            return fail(&err);
        return 0;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    nn_run_result res;
    nn_status st = nn_run(&o, &res, &err);
    if (st) {
        int code = fail(&err);
        if (res.run_dir[0])
            fprintf(stderr, "nnrun: the run directory %s keeps the history so far\n",
                    res.run_dir);
        return code;
    }
    return 0;
}
