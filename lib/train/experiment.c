/* experiment.c — the top level, `compile` and `fit` sections (data and model have their
 * own readers). Defaults are Keras's: fit(batch_size=32, epochs=1, shuffle=True). */
#include "train/experiment.h"

#include <stddef.h>
#include <string.h>

#include "core/util.h"

typedef struct top_keys {
    const char *name;
    long long seed;
    nn_cfg *data, *model, *compile, *fit;
} top_keys;

static const nn_key top_schema[] = {
    {"name", NN_T_STR, NN_OPTIONAL, offsetof(top_keys, name), 0, 0, 0, NULL},
    {"seed", NN_T_I64, "1", offsetof(top_keys, seed), NN_K_MIN, 0, 0, NULL},
    {"data", NN_T_NODE, NULL, offsetof(top_keys, data), 0, 0, 0, NULL},
    {"model", NN_T_NODE, NULL, offsetof(top_keys, model), 0, 0, 0, NULL},
    {"compile", NN_T_NODE, NULL, offsetof(top_keys, compile), 0, 0, 0, NULL},
    {"fit", NN_T_NODE, NN_OPTIONAL, offsetof(top_keys, fit), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

typedef struct compile_keys {
    int loss;
    nn_cfg *optimizer, *metrics;
} compile_keys;

static const nn_key compile_schema[] = {
    {"loss", NN_T_ENUM, NULL, offsetof(compile_keys, loss), 0, 0, 0, nn_loss_names},
    {"optimizer", NN_T_NODE, NULL, offsetof(compile_keys, optimizer), 0, 0, 0, NULL},
    {"metrics", NN_T_NODE, NN_OPTIONAL, offsetof(compile_keys, metrics), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key fit_schema[] = {
    {"epochs", NN_T_INT, "1", offsetof(nn_fit_spec, epochs), NN_K_MIN | NN_K_MAX, 1, 1000000, NULL},
    {"batch_size", NN_T_INT, "32", offsetof(nn_fit_spec, batch_size), NN_K_MIN | NN_K_MAX, 1,
     1 << 20, NULL},
    {"shuffle", NN_T_BOOL, "true", offsetof(nn_fit_spec, shuffle), 0, 0, 0, NULL},
    {"callbacks", NN_T_NODE, NN_OPTIONAL, offsetof(nn_fit_spec, callbacks), 0, 0, 0, NULL},
    {"seeds", NN_T_NODE, NN_OPTIONAL, offsetof(nn_fit_spec, seeds_list), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

/* fit.seeds: a list of 1 to NN_MAX_FIT_SEEDS different integers >= 0. */
static nn_status read_seeds(const nn_cfg *list, nn_fit_spec *fit, nn_error *err)
{
    static const nn_key seed_key = {"seeds", NN_T_I64, NULL, 0, NN_K_MIN, 0, 0, NULL};
    fit->n_seeds = 0;
    if (!list)
        return NN_OK;
    if (list->kind != NN_CFG_SEQ || list->n == 0)
        return nn_cfg_fail(err, list, "fit.seeds: expected a list of seeds, e.g. [1, 2, 3]");
    if (list->n > NN_MAX_FIT_SEEDS)
        return nn_cfg_fail(err, list, "fit.seeds: at most %d seeds, got %zu", NN_MAX_FIT_SEEDS,
                           list->n);
    for (size_t i = 0; i < list->n; i++) {
        long long v;
        nn_status st = nn_cfg_read_value(list->items[i], &seed_key, &v, "fit.seeds", err);
        if (st)
            return st;
        for (int k = 0; k < fit->n_seeds; k++)
            if (fit->seeds[k] == v)
                return nn_cfg_fail(err, list->items[i], "fit.seeds: seed %lld listed twice", v);
        fit->seeds[fit->n_seeds++] = v;
    }
    return NN_OK;
}

static const char *const metric_names[] = {"accuracy", "acc", NULL};

static nn_status read_metrics(nn_cfg *list, nn_compile_spec *c, nn_error *err)
{
    c->accuracy = false;
    if (!list)
        return NN_OK;
    if (list->kind == NN_CFG_SCALAR && !nn_cfg_is_null(list))
        return nn_cfg_fail(err, list, "compile.metrics: expected a list, e.g. [accuracy]");
    if (list->kind == NN_CFG_MAP)
        return nn_cfg_fail(err, list, "compile.metrics: expected a list, e.g. [accuracy]");
    for (size_t i = 0; list->kind == NN_CFG_SEQ && i < list->n; i++) {
        const nn_cfg *m = list->items[i];
        if (m->kind != NN_CFG_SCALAR || nn_cfg_is_null(m))
            return nn_cfg_fail(err, m, "compile.metrics: expected a metric name");
        int found = -1;
        for (int k = 0; metric_names[k]; k++)
            if (strcmp(m->text, metric_names[k]) == 0)
                found = k;
        if (found < 0)
            return nn_cfg_fail_choice(err, m, "metric", m->text, metric_names);
        if (c->accuracy)
            return nn_cfg_fail(err, m, "compile.metrics: accuracy listed twice");
        c->accuracy = true;
        nn_strlcpy(c->metric_name, m->text, sizeof c->metric_name);
    }
    return NN_OK;
}

static void base_name(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    nn_strlcpy(out, slash ? slash + 1 : path, size);
    char *dot = strrchr(out, '.');
    if (dot && dot != out && (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0))
        *dot = '\0';
}

nn_status nn_experiment_read(nn_cfg_doc *doc, nn_experiment *ex, nn_error *err)
{
    memset(ex, 0, sizeof *ex);
    nn_cfg *root = nn_cfg_root(doc);
    top_keys top = {0};
    nn_status st = nn_cfg_read(root, top_schema, &top, "", err); /* top keys: "seed: ..." */
    if (st)
        return st;
    base_name(nn_cfg_doc_file(doc), ex->default_name, sizeof ex->default_name);
    ex->name = top.name ? top.name : ex->default_name;
    if (!ex->name[0] || strchr(ex->name, '/') || strcmp(ex->name, ".") == 0 ||
        strcmp(ex->name, "..") == 0)
        return nn_cfg_fail(err, top.name ? nn_cfg_get(root, "name") : root,
                           "name: '%s' cannot be used as a directory name", ex->name);
    ex->seed = top.seed;
    ex->model = top.model;

    st = nn_data_spec_read(top.data, &ex->data, err);
    if (st)
        return st;

    compile_keys ck = {0};
    st = nn_cfg_read(top.compile, compile_schema, &ck, "compile", err);
    if (st)
        return st;
    ex->compile.loss = (nn_loss_kind)ck.loss;
    ex->compile.loss_mark = nn_cfg_get(top.compile, "loss")->mark;
    st = nn_optim_spec_read(ck.optimizer, &ex->compile.optimizer, err);
    if (!st)
        st = read_metrics(ck.metrics, &ex->compile, err);
    if (st)
        return st;

    if (!top.fit) { /* all of fit's keys have defaults: write them in */
        top.fit = nn_cfg_map_put(root, "fit", "");
        if (!top.fit)
            return nn_fail(err, NN_E_NOMEM, "out of memory reading the configuration");
        nn_cfg_make_map(top.fit);
    }
    st = nn_cfg_read(top.fit, fit_schema, &ex->fit, "fit", err);
    if (!st)
        st = read_seeds(ex->fit.seeds_list, &ex->fit, err);
    if (st)
        return st;
    nn_log_keys keys = {ex->compile.accuracy ? ex->compile.metric_name : NULL,
                        ex->data.validation_split > 0.0};
    return nn_callbacks_read(ex->fit.callbacks, &keys, &ex->fit.cbs, err);
}

nn_status nn_experiment_load(const char *path, const char *const *overrides, int n_overrides,
                             nn_cfg_doc **doc, nn_experiment *ex, nn_graph **g, nn_error *err)
{
    *doc = NULL;
    *g = NULL;
    memset(ex, 0, sizeof *ex);
    nn_status st = nn_cfg_load_file(path, doc, err);
    if (st == NN_E_IO)
        st = err->code = NN_E_CONFIG;
    for (int i = 0; !st && i < n_overrides; i++)
        st = nn_cfg_set(*doc, overrides[i], i + 1, err);
    if (!st)
        st = nn_experiment_read(*doc, ex, err);
    if (!st)
        st = nn_graph_build(ex->model, g, err);
    if (st) {
        nn_cfg_free(*doc);
        *doc = NULL;
        memset(ex, 0, sizeof *ex);
    }
    return st;
}
