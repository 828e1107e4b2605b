/* eval.c — evaluating a model with given weights on the test set (see eval.h). */
#include "train/eval.h"

#include <math.h>
#include <string.h>

#include "core/pool.h"
#include "core/util.h"
#include "data/data.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/fit.h"

nn_status nn_eval(const nn_eval_options *o, nn_eval_result *r, nn_error *err)
{
    memset(r, 0, sizeof *r);
    r->loss = r->metric = NAN;
    nn_cfg_doc *doc = NULL;
    nn_experiment ex;
    nn_graph *g = NULL;
    nn_pool *pool = NULL;
    nn_trainer t;
    bool trainer = false, data_ready = false;
    nn_data data;
    nn_status st = nn_experiment_load(o->config_path, o->overrides, o->n_overrides, &doc, &ex,
                                      &g, err);
    if (!st)
        st = nn_pool_create(o->threads, &pool, err);
    if (!st) {
        st = nn_trainer_init(&t, g, &ex.compile, &ex.fit, (uint64_t)ex.seed, pool, err);
        trainer = true;
    }
    if (!st)
        st = nn_weights_load(g, o->weights, err);
    if (!st) {
        st = nn_data_load(&ex.data, pool, &data, err);
        data_ready = st == NN_OK;
    }
    if (!st)
        st = nn_trainer_check_data(&t, &data.test, "test", err);
    if (!st) {
        double t0 = nn_now();
        nn_trainer_evaluate(&t, &data.test, &r->loss, &r->metric);
        r->seconds = nn_now() - t0;
        r->n = data.test.n;
        r->has_metric = ex.compile.accuracy;
        nn_strlcpy(r->metric_name, ex.compile.metric_name, sizeof r->metric_name);
        if (!r->has_metric)
            r->metric = NAN;
    }
    if (data_ready)
        nn_data_free(&data);
    if (trainer)
        nn_trainer_free(&t);
    nn_graph_free(g);
    nn_pool_destroy(pool);
    nn_cfg_free(doc);
    return st;
}
