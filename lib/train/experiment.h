/* experiment.h — a whole configuration file read into plain structs.
 *
 * Sections mirror the notebook's cells: `data`, `model`, `compile`, `fit`, plus `name` and
 * `seed`. Every key is checked (cfg.h); the model section is kept as a node and built by
 * nn_graph_build, which reads the layer keys. After nn_experiment_read and the graph build,
 * the document holds the resolved configuration (defaults written in).
 */
#ifndef NN_TRAIN_EXPERIMENT_H
#define NN_TRAIN_EXPERIMENT_H

#include <stdbool.h>

#include "config/cfg.h"
#include "data/data.h"
#include "graph/graph.h"
#include "losses/loss.h"
#include "optim/callbacks.h"
#include "optim/optim.h"

typedef struct nn_compile_spec {
    nn_loss_kind loss;
    nn_optim_spec optimizer;
    bool accuracy;          /* metrics: [accuracy] (or [acc]) */
    char metric_name[16];   /* the history key: the string the user wrote (Keras rule) */
    nn_mark loss_mark;
} nn_compile_spec;

#define NN_MAX_FIT_SEEDS 1024

typedef struct nn_fit_spec {
    int epochs;
    int batch_size;
    bool shuffle;
    nn_cfg *callbacks;      /* the fit.callbacks list, or NULL */
    nn_callbacks_spec cbs;  /* ... as read by optim/callbacks.h */
    /* fit.seeds: [S, ...] — train once per seed, as `--seeds` does (cmd/seeds.h); a single
     * run (resume, --seed) ignores it. n_seeds 0: not given. */
    nn_cfg *seeds_list;
    int n_seeds;
    long long seeds[NN_MAX_FIT_SEEDS];
} nn_fit_spec;

typedef struct nn_experiment {
    const char *name;       /* `name`, default: the config file's base name */
    long long seed;         /* `seed`, default 1 */
    nn_data_spec data;
    nn_cfg *model;
    nn_compile_spec compile;
    nn_fit_spec fit;
    char default_name[128];
} nn_experiment;

/* Reads every section except the model's layers (see nn_graph_build). */
nn_status nn_experiment_read(nn_cfg_doc *doc, nn_experiment *ex, nn_error *err);

/* Everything `nnrun CONFIG` and `nnrun check CONFIG` do before data: loads `path`, applies
 * `overrides` ("a.b.c=VALUE", in order, named "<--set 1>", "<--set 2>", ... in marks),
 * reads every section and builds the model. On success the caller owns *doc and *g
 * (nn_cfg_free, nn_graph_free) and ex points into *doc; the document then holds the
 * resolved configuration (defaults written in). On failure *doc and *g are NULL.
 * Errors: NN_E_CONFIG at file:line:column (a missing or unreadable file too: it is the
 * user's to fix, like a bad one), NN_E_NOMEM. */
nn_status nn_experiment_load(const char *path, const char *const *overrides, int n_overrides,
                             nn_cfg_doc **doc, nn_experiment *ex, nn_graph **g, nn_error *err);

#endif
