/* seeds.h — `nnrun CONFIG --seeds N` and the JSON lines the train command ends with.
 *
 * --seeds N trains the experiment N times with the seeds S, S+1, ..., S+N-1 (S: the
 * config's seed, or --seed), or, without --seeds, once per seed of fit.seeds: [..], each in its own process and run directory, as many at a time
 * as there are threads to give (--threads, default all cores), the threads divided evenly
 * among them. With --out DIR the runs go to DIR/seed<S> (and their rows to
 * DIR/results.csv); without it to runs/<name>/<date-time>[-k] as usual. Each run's lines
 * are passed on whole, prefixed "[seed S] "; at the end a table of the runs and the mean ±
 * sample standard deviation of their final metrics. A config error is reported once,
 * before anything starts. SIGINT/SIGTERM are passed to the runs, which stop after their
 * batch as a single run does.
 */
#ifndef NN_CMD_SEEDS_H
#define NN_CMD_SEEDS_H

#include <stdio.h>

#include "core/error.h"
#include "train/run.h"

/* cli_run_seeds' answer when asked for the config's fit.seeds (n_seeds 0) and it lists none
 * (or cannot be read): the caller makes a single run, as usual. */
#define CLI_NO_SEEDS (-1)

/* Runs base->config_path with n_seeds seeds as above (0: the config's fit.seeds, if any);
 * base->out is where the text goes (NULL: quiet), base->jsonl gets each run's JSON lines
 * and a summary object. Returns the exit status: 0 when every run succeeded, else that of
 * the first run that failed (or 128 + the signal that stopped them); or CLI_NO_SEEDS. */
int cli_run_seeds(const nn_run_options *base, int n_seeds);

/* The JSON line that ends a run under --log-format jsonl:
 *   {"event":"end","seed":1,"run_dir":"...","status":"ok","epochs_run":20,
 *    "stop_reason":"completed","test_loss":0.12,"test_accuracy":0.96}
 * with "status":"error" and "error":"message" when st is not NN_OK. */
void cli_jsonl_end(FILE *out, const nn_run_result *res, nn_status st, const nn_error *err);

#endif
