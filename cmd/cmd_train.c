/* cmd_train.c — `nnrun [train] CONFIG` and `nnrun check CONFIG`: options, then nn_run or
 * nn_check. Both take the options that shape a configuration (--set, --seed, --epochs). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "seeds.h"
#include "core/version.h"
#include "train/run.h"

#define MAX_OVERRIDES 256

/* long options without a short form */
enum { OPT_SEEDS = 0x100, OPT_LOG_FORMAT, OPT_RESUME, OPT_LOAD_WEIGHTS };

static const char train_help[] =
    "Usage: nnrun [train] [OPTIONS] CONFIG.yaml\n"
    "       nnrun [train] --resume RUN_DIR [--threads N]\n"
    "\n"
    "Trains the neural network a YAML file describes (data, model, compile, fit — the\n"
    "cells of a Keras notebook) and leaves a run directory with config.yaml (resolved),\n"
    "model.txt (Keras summary), history.csv (one row per epoch), results.json,\n"
    "weights.safetensors and checkpoint.safetensors (rewritten every epoch, for --resume).\n"
    "\n"
    "Options:\n"
    "  -o, --out DIR        write the run into DIR (default: runs/<name>/<date-time>)\n"
    "  -s, --seed N         random seed (same as --set seed=N)\n"
    "  -e, --epochs N       number of epochs (same as --set fit.epochs=N)\n"
    "  -S, --set KEY=VALUE  override any config key; repeatable, applied in order:\n"
    "                         --set compile.optimizer.sgd.learning_rate=0.05\n"
    "                         --set fit.batch_size=128 --set data.validation_split=0.2\n"
    "  -t, --threads N      threads for BLAS and nnrun's own loops (default: all cores)\n"
    "      --seeds N        train N times, with the seeds S..S+N-1 (S: the config's seed or\n"
    "                       --seed), in parallel processes sharing the threads; each run\n"
    "                       has its own directory (with --out DIR: DIR/seed<S>); ends\n"
    "                       with mean ± std of the final metrics; a config with\n"
    "                       fit.seeds: [S, ...] does the same for those seeds (--seed N:\n"
    "                       one run of seed N)\n"
    "      --log-format F   text (default) or jsonl: one JSON object per epoch (and one at\n"
    "                       the end) on stdout, the text on stderr\n"
    "      --load-weights FILE  start from the weights in FILE (safetensors: every\n"
    "                       parameter by name and shape) instead of a random init\n"
    "      --resume RUN_DIR continue an interrupted run from its last checkpoint, with its\n"
    "                       config.yaml (and, unless --threads is given, its thread count);\n"
    "                       it ends exactly as if it had never stopped\n"
    "  -q, --quiet          print nothing but errors\n"
    "  -h, --help           show this help\n"
    "  -V, --version        show the version\n"
    "\n"
    "Data sets are looked up in data.dir, $NNRUN_DATA/<dataset>, ./data/<dataset>, and for\n"
    "fashion_mnist in /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist);\n"
    "scripts/get-data.sh DATASET fetches them.\n"
    "\n"
    "Examples:\n"
    "  nnrun configs/fashion_mnist.yaml\n"
    "  NNRUN_DATA=~/data nnrun configs/baseline.yaml --epochs 3 --out /tmp/try\n"
    "  nnrun check configs/resnet10.yaml\n"
    "\n"
    "Exit status: 0 success, 1 failure while running, 2 usage/config/data error,\n"
    "130/143 interrupted by SIGINT/SIGTERM (after the current batch; the run directory keeps\n"
    "the last complete epoch's checkpoint for --resume).\n"
    "\n";

static const char check_help[] =
    "Usage: nnrun check [OPTIONS] CONFIG.yaml\n"
    "\n"
    "Validates the configuration without loading data or training, and prints the Keras\n"
    "model summary, the forward FLOPs per sample of each layer, and the memory the model\n"
    "needs for its batch size. Exit status 0 when the configuration is valid, 2 if not.\n"
    "\n"
    "Options: -S/--set KEY=VALUE, -s/--seed N, -e/--epochs N, -h/--help (as for train)\n";

typedef struct train_args {
    nn_run_options run;
    const char *overrides[MAX_OVERRIDES];
    char owned[2][64]; /* "seed=N", "fit.epochs=N" made from --seed / --epochs */
    long seeds;        /* --seeds N; 0 = one run, as usual */
    bool jsonl;        /* --log-format jsonl */
    const char *resume;       /* --resume RUN_DIR */
    char resume_config[1100]; /* RUN_DIR/config.yaml */
} train_args;

/* The test hook (tests/cli/test_resume.sh): with NNRUN_TEST_PAUSE_AT=POINT in the
 * environment, a run that reaches POINT (see nn_run_options.test_point: "batch:2:5",
 * "checkpoint:3:half", ...) says so on stderr and waits there until a signal ends it (the
 * test kills it with SIGKILL) or asks it to stop (SIGINT/SIGTERM: it goes on, and stops
 * after the batch as usual). For tests only; nothing else reads this variable. */
static void test_pause(void *user, const char *point)
{
    const char *want = user;
    if (strcmp(point, want) != 0)
        return;
    fprintf(stderr, "nnrun: test pause at %s (pid %ld)\n", point, (long)getpid());
    fflush(stderr);
    struct timespec tick = {0, 10 * 1000 * 1000};
    while (!cli_interrupted)
        nanosleep(&tick, NULL);
}

/* Returns -1 to go on, or an exit status. */
static int parse(int argc, char **argv, const char *cmd, const char *help, train_args *a)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},     {"seed", required_argument, NULL, 's'},
        {"epochs", required_argument, NULL, 'e'},  {"set", required_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 't'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {"seeds", required_argument, NULL, OPT_SEEDS},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"resume", required_argument, NULL, OPT_RESUME},
        {"load-weights", required_argument, NULL, OPT_LOAD_WEIGHTS},
        {NULL, 0, NULL, 0},
    };
    nn_run_options *o = &a->run;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    bool threads_given = false;
    bool quiet = false;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:s:e:S:t:qhV", longopts, NULL)) != -1) {
        long v;
        switch (c) {
        case 'o':
            o->out_dir = optarg;
            break;
        case 's':
        case 'e': {
            int k = c == 's';
            if (cli_parse_long(cmd, k ? "--seed" : "--epochs", optarg, k ? 0 : 1, &v))
                return 2;
            snprintf(a->owned[k], sizeof a->owned[k], "%s=%ld", k ? "seed" : "fit.epochs", v);
            if (o->n_overrides == MAX_OVERRIDES)
                return cli_usage_error(cmd, "more than %d overrides", MAX_OVERRIDES);
            a->overrides[o->n_overrides++] = a->owned[k];
            break;
        }
        case 'S':
            if (o->n_overrides == MAX_OVERRIDES)
                return cli_usage_error(cmd, "more than %d overrides", MAX_OVERRIDES);
            a->overrides[o->n_overrides++] = optarg;
            break;
        case 't':
            if (cli_parse_long(cmd, "--threads", optarg, 1, &v))
                return 2;
            threads = v;
            threads_given = true;
            break;
        case OPT_RESUME: /* --resume and --load-weights start a training, not a config */
        case OPT_LOAD_WEIGHTS:
            if (strcmp(cmd, "train") != 0)
                return cli_usage_error(cmd, "%s is an option of train",
                                       c == OPT_RESUME ? "--resume" : "--load-weights");
            if (c == OPT_RESUME)
                a->resume = optarg;
            else
                o->load_weights = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case OPT_SEEDS: /* --seeds and --log-format shape a training, not a config */
            if (strcmp(cmd, "train") != 0)
                return cli_usage_error(cmd, "--seeds is an option of train");
            if (cli_parse_long(cmd, "--seeds", optarg, 1, &a->seeds))
                return 2;
            if (a->seeds > 1024)
                return cli_usage_error(cmd, "--seeds: at most 1024, got %ld", a->seeds);
            break;
        case OPT_LOG_FORMAT:
            if (strcmp(cmd, "train") != 0)
                return cli_usage_error(cmd, "--log-format is an option of train");
            if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "text") != 0)
                return cli_usage_error(cmd, "--log-format: expected text or jsonl, got '%s'",
                                       optarg);
            a->jsonl = strcmp(optarg, "jsonl") == 0;
            break;
        case 'h':
            fputs(help, stdout);
            if (strcmp(cmd, "train") == 0)
                cli_print_subcommands(stdout);
            return 0;
        case 'V':
            printf("nnrun %s\n", NN_VERSION);
            return 0;
        case ':':
            return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (a->resume) {
        /* the run goes on as it started: its own config, no changes */
        if (optind < argc)
            return cli_usage_error(cmd, "--resume takes the configuration from %s/config.yaml; "
                                        "give no CONFIG.yaml (got '%s')",
                                   a->resume, argv[optind]);
        if (o->n_overrides || o->out_dir || o->load_weights || a->seeds)
            return cli_usage_error(cmd, "--resume continues a run as it started: it takes no "
                                        "--set/--seed/--epochs/--out/--load-weights/--seeds");
        snprintf(a->resume_config, sizeof a->resume_config, "%s/config.yaml", a->resume);
        o->resume = true;
        o->out_dir = a->resume;
        if (!threads_given)
            threads = 0; /* the run's own thread count (nn_run_options.threads) */
    }
    if (!o->resume && optind >= argc)
        return cli_usage_error(cmd, "no configuration file given");
    if (optind + 1 < argc)
        return cli_usage_error(cmd, "one configuration file at a time (got '%s' and '%s')",
                               argv[optind], argv[optind + 1]);
    o->config_path = o->resume ? a->resume_config : argv[optind];
    o->overrides = a->overrides;
    o->threads = threads > 0 ? (int)threads : o->resume ? 0 : 1;
    const char *pause_at = getenv("NNRUN_TEST_PAUSE_AT");
    if (pause_at && pause_at[0]) {
        o->test_point = test_pause;
        o->test_user = (void *)pause_at;
    }
    /* jsonl: stdout is the machines'; the text goes to stderr */
    o->out = quiet ? NULL : a->jsonl ? stderr : stdout;
    o->live = o->out && isatty(fileno(o->out));
    o->jsonl = a->jsonl ? stdout : NULL;
    o->interrupt = &cli_interrupted;
    return -1;
}

/* A seed given on the command line (--seed N, --set seed=N) makes one run of it, even when
 * the config lists fit.seeds. */
static bool seed_given(const nn_run_options *o)
{
    for (int i = 0; i < o->n_overrides; i++)
        if (strncmp(o->overrides[i], "seed=", 5) == 0)
            return true;
    return false;
}

int cmd_train(int argc, char **argv)
{
    static train_args a; /* large; zero-initialised */
    int code = parse(argc, argv, "train", train_help, &a);
    if (code >= 0)
        return code;
    cli_catch_signals();
    if (a.seeds || (!a.run.resume && !seed_given(&a.run))) {
        code = cli_run_seeds(&a.run, (int)a.seeds);
        if (code != CLI_NO_SEEDS)
            return code;
    }
    nn_error err;
    nn_error_clear(&err);
    nn_run_result res;
    nn_status st = nn_run(&a.run, &res, &err);
    if (a.run.jsonl)
        cli_jsonl_end(a.run.jsonl, &res, st, &err);
    if (st) {
        code = cli_fail(&err);
        if (st == NN_E_INTERRUPTED && res.run_dir[0])
            fprintf(stderr, "nnrun: stopped after a complete batch; %s keeps the checkpoint of "
                            "the last complete epoch; resume with: nnrun --resume %s\n",
                    res.run_dir, res.run_dir);
        else if (res.run_dir[0])
            fprintf(stderr, "nnrun: the run directory %s keeps what finished\n", res.run_dir);
        return code;
    }
    return 0;
}

int cmd_check(int argc, char **argv)
{
    static train_args a;
    int code = parse(argc, argv, "check", check_help, &a);
    if (code >= 0)
        return code;
    nn_error err;
    nn_error_clear(&err);
    if (nn_check(&a.run, stdout, &err))
        return cli_fail(&err);
    return 0;
}
