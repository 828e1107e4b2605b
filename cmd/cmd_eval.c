/* cmd_eval.c — `nnrun eval CONFIG --weights FILE`: loss and metrics on the test set. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io/format.h"
#include "train/eval.h"

#define MAX_OVERRIDES 256

static const char eval_help[] =
    "Usage: nnrun eval [OPTIONS] CONFIG.yaml --weights FILE\n"
    "\n"
    "Evaluates the model a configuration describes, with the weights in FILE, on the test\n"
    "set (Keras's model.evaluate: evaluation mode, batches of fit.batch_size) and prints\n"
    "the loss and metrics. FILE is a weights.safetensors (or a model_checkpoint file, or a\n"
    "run's checkpoint.safetensors): every parameter must be there with its shape.\n"
    "\n"
    "Options:\n"
    "  -w, --weights FILE   the weights to evaluate (required)\n"
    "  -S, --set KEY=VALUE  override a config key, as for train (e.g. data.dir=...)\n"
    "  -t, --threads N      threads (default: all cores)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Example:\n"
    "  nnrun eval runs/baseline/20261128-040112/config.yaml \\\n"
    "      --weights runs/baseline/20261128-040112/weights.safetensors\n"
    "\n"
    "Exit status: 0 success, 1 failure while running, 2 usage/config/data/weights error.\n";

int cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"weights", required_argument, NULL, 'w'}, {"set", required_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *overrides[MAX_OVERRIDES];
    nn_eval_options o;
    memset(&o, 0, sizeof o);
    long threads = sysconf(_SC_NPROCESSORS_ONLN), v;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":w:S:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w':
            o.weights = optarg;
            break;
        case 'S':
            if (o.n_overrides == MAX_OVERRIDES)
                return cli_usage_error("eval", "more than %d overrides", MAX_OVERRIDES);
            overrides[o.n_overrides++] = optarg;
            break;
        case 't':
            if (cli_parse_long("eval", "--threads", optarg, 1, &v))
                return 2;
            threads = v;
            break;
        case 'h':
            fputs(eval_help, stdout);
            return 0;
        case ':':
            return cli_usage_error("eval", "option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("eval", "no configuration file given");
    if (optind + 1 < argc)
        return cli_usage_error("eval", "one configuration file at a time (got '%s' and '%s')",
                               argv[optind], argv[optind + 1]);
    if (!o.weights)
        return cli_usage_error("eval", "--weights FILE is required");
    o.config_path = argv[optind];
    o.overrides = overrides;
    o.threads = threads > 0 ? (int)threads : 1;

    nn_error err;
    nn_error_clear(&err);
    nn_eval_result r;
    nn_status st = nn_eval(&o, &r, &err);
    if (st)
        return cli_fail(&err);
    char a[32], b[32];
    printf("Test on %zu samples - %.1fs - loss: %s", r.n, r.seconds,
           nn_format_keras(r.loss, a, sizeof a));
    if (r.has_metric)
        printf(" - %s: %s", r.metric_name, nn_format_keras(r.metric, b, sizeof b));
    putchar('\n');
    return 0;
}
