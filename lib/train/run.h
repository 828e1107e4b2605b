/* run.h — one experiment from config file to run directory; and `check`.
 *
 * nn_run: read the config (+ overrides), build and plan the model, load the data, create
 * the run directory, write config.yaml (resolved) and model.txt, train with progress and
 * history.csv, evaluate on the test set, write results.json. Configuration and data are
 * checked before anything is written, so a bad config or data set leaves no run directory.
 * A run that trained to its end (completed, stopped by a callback or by a non-finite loss;
 * not an interrupted or failed one) then appends its row to results.csv next to the run
 * directory (results_table.h); an error appending it is the run's error.
 *
 * fit.callbacks are attached to the trainer (train/callbacks.h). checkpoint.safetensors is
 * written before the first epoch and after each epoch's history row (train/checkpoint.h);
 * a run that trained to its end (not an interrupted one) writes weights.safetensors. With
 * `resume`, nn_run continues the run in out_dir from that checkpoint instead: config.yaml
 * and model.txt stay, history.csv is cut back to the checkpoint's epoch, and the run ends
 * byte-identical to one that never stopped. terminate_on_nan makes nn_run return
 * NN_E_NUMERIC with the callback's message after everything was written.
 */
#ifndef NN_TRAIN_RUN_H
#define NN_TRAIN_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/error.h"
#include "io/results_table.h"

typedef struct nn_run_options {
    const char *config_path;
    const char *const *overrides; /* "a.b.c=VALUE", applied in order */
    int n_overrides;
    const char *out_dir;          /* exact run directory (--out), or NULL */
    const char *runs_root;        /* parent of <name>/<run-id>; NULL = "runs" */
    int threads;                  /* >= 1 */
    FILE *out;                    /* progress and messages; NULL = silent */
    bool live;                    /* out is a terminal: draw a live bar */
    FILE *jsonl;                  /* one JSON object per epoch (progress.h), or NULL */
    volatile sig_atomic_t *interrupt;
    bool resume;                  /* continue the run in out_dir from its checkpoint;
                                     config_path is out_dir/config.yaml, no overrides;
                                     threads <= 0: the thread count the run started with */
    const char *load_weights;     /* start training from this weights file, or NULL */
    /* Test hook, NULL normally: called at named points so a test can stop the process
     * there: "batch:E:B" after batch B of epoch E, "checkpoint:E:STAGE" while writing the
     * checkpoint of epoch E (E, B 1-based; E 0 for the checkpoint written before training;
     * STAGE begin, half or synced, see nn_st_save). */
    void (*test_point)(void *user, const char *point);
    void *test_user;
} nn_run_options;

typedef struct nn_run_result {
    char run_dir[1024];       /* empty when the run never got that far */
    double test_loss, test_accuracy;
    int epochs_run;
    char stop_reason[256];
    char stop_message[512];   /* why a callback stopped the run ("" otherwise) */
    nn_results_row row;       /* the run's results.csv row (results_table.h) */
} nn_run_result;

nn_status nn_run(const nn_run_options *o, nn_run_result *r, nn_error *err);

/* Validates the config (no data loaded, nothing trained) and prints the model summary,
 * parameter counts, FLOPs per sample per layer and the memory estimate for the batch. */
nn_status nn_check(const nn_run_options *o, FILE *out, nn_error *err);

#endif
