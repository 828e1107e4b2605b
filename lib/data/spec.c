/* spec.c — the `data` section of a configuration, read through schema tables.
 *
 *   data:
 *     dataset: mnist              # mnist | fashion_mnist | cifar10 (required)
 *     dir: path/to/files          # optional; otherwise the search order of data.h
 *     preprocess:                 # optional; applied in order to train and test
 *       - divide: 255             # or {value: 255}
 *       - l2_normalize: {axis: 1} # or l2_normalize: 1; default axis -1 (Keras)
 *       - reshape: [784]          # or {shape: [784]}
 *       - standardize: {}         # per channel, statistics of the training split
 *       - one_hot: {}             # labels are to be used as one-hot vectors
 *     validation_split: 0.1       # [0, 1), the last fraction of the training set
 *     limit_train: 0              # first N training records (0 = all)
 *     limit_test: 0               # first N test records (0 = all)
 *     num_classes: 10             # labels must lie in [0, num_classes)
 */
#include "data/internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *const nn_dataset_names[] = {"mnist", "fashion_mnist", "cifar10", NULL};

static const char *const step_names[] = {"divide", "l2_normalize", "reshape", "standardize",
                                         "one_hot", NULL};

typedef struct data_keys {
    int dataset;
    const char *dir;
    nn_cfg *preprocess;
    double validation_split;
    long long limit_train, limit_test;
    int num_classes;
} data_keys;

static const nn_key data_schema[] = {
    {.name = "dataset", .type = NN_T_ENUM, .def = NULL, .offset = offsetof(data_keys, dataset),
     .choices = nn_dataset_names},
    {.name = "dir", .type = NN_T_STR, .def = NN_OPTIONAL, .offset = offsetof(data_keys, dir)},
    {.name = "preprocess", .type = NN_T_NODE, .def = NN_OPTIONAL,
     .offset = offsetof(data_keys, preprocess)},
    {.name = "validation_split", .type = NN_T_FLOAT, .def = "0.0",
     .offset = offsetof(data_keys, validation_split),
     .flags = NN_K_MIN | NN_K_MAX | NN_K_MAX_OPEN, .lo = 0, .hi = 1},
    {.name = "limit_train", .type = NN_T_I64, .def = "0",
     .offset = offsetof(data_keys, limit_train), .flags = NN_K_MIN, .lo = 0},
    {.name = "limit_test", .type = NN_T_I64, .def = "0",
     .offset = offsetof(data_keys, limit_test), .flags = NN_K_MIN, .lo = 0},
    /* labels are bytes in every supported format, so more than 256 classes cannot occur */
    {.name = "num_classes", .type = NN_T_INT, .def = "10",
     .offset = offsetof(data_keys, num_classes), .flags = NN_K_MIN | NN_K_MAX, .lo = 2,
     .hi = 256},
    {.name = NULL},
};

/* The argument of one step, long form (a mapping) and short form (a scalar or list). */
typedef struct step_keys {
    double value;
    int axis;
    nn_shape shape;
} step_keys;

static const nn_key divide_schema[] = {
    {.name = "value", .type = NN_T_FLOAT, .offset = offsetof(step_keys, value),
     .flags = NN_K_MIN | NN_K_MIN_OPEN, .lo = 0},
    {.name = NULL},
};
static const nn_key l2_schema[] = {
    {.name = "axis", .type = NN_T_INT, .def = "-1", .offset = offsetof(step_keys, axis)},
    {.name = NULL},
};
static const nn_key reshape_schema[] = {
    {.name = "shape", .type = NN_T_SHAPE, .offset = offsetof(step_keys, shape)},
    {.name = NULL},
};
static const nn_key no_keys[] = {{.name = NULL}};

/* Per step kind: the schema of its long form (a mapping); entry 0 is also the one value
 * of the short form (`divide: 255`, `l2_normalize: 1`, `reshape: [784]`). */
static const nn_key *const step_schema[] = {
    [NN_PP_DIVIDE] = divide_schema,
    [NN_PP_L2_NORMALIZE] = l2_schema,
    [NN_PP_RESHAPE] = reshape_schema,
    [NN_PP_STANDARDIZE] = no_keys,
    [NN_PP_ONE_HOT] = no_keys,
};

static nn_status read_step(nn_cfg *item, size_t index, nn_preprocess *step, nn_error *err)
{
    char what[96];
    if (item->kind == NN_CFG_SCALAR && !item->quoted) {
        /* a bare name: only the steps that take no argument */
        for (int k = 0; step_names[k]; k++)
            if (strcmp(item->text, step_names[k]) == 0) {
                if (step_schema[k] != no_keys)
                    return nn_cfg_fail(err, item,
                                       "data.preprocess[%zu]: %s needs an argument, e.g. %s",
                                       index, step_names[k],
                                       k == NN_PP_DIVIDE         ? "`- divide: 255`"
                                       : k == NN_PP_L2_NORMALIZE ? "`- l2_normalize: {axis: 1}`"
                                                                 : "`- reshape: [784]`");
                step->kind = (nn_preprocess_kind)k;
                step->mark = item->mark;
                return NN_OK;
            }
    }
    if (item->kind != NN_CFG_MAP || item->n != 1)
        return nn_cfg_fail(err, item,
                           "data.preprocess[%zu]: expected one step written as a mapping with "
                           "one key, such as `- divide: 255`, got %s",
                           index,
                           item->kind == NN_CFG_MAP   ? "a mapping with several keys (write "
                                                        "each step as its own list item)"
                           : item->kind == NN_CFG_SEQ ? "a list"
                                                      : "a scalar");
    nn_cfg *keynode = item->keys[0];
    const char *name = keynode->text;
    int kind = -1;
    for (int k = 0; step_names[k]; k++)
        if (strcmp(name, step_names[k]) == 0)
            kind = k;
    if (kind < 0)
        return nn_cfg_fail_choice(err, keynode, "preprocessing step", name, step_names);
    nn_cfg *arg = nn_cfg_get(item, name);
    step->kind = (nn_preprocess_kind)kind;
    step->mark = keynode->mark;
    snprintf(what, sizeof what, "data.preprocess[%zu].%s", index, name);

    step_keys v;
    memset(&v, 0, sizeof v);
    v.axis = -1;
    nn_status st = NN_OK;
    if (arg->kind == NN_CFG_MAP) {
        st = nn_cfg_read(arg, step_schema[kind], &v, what, err);
    } else if (nn_cfg_is_null(arg)) {
        if (kind == NN_PP_DIVIDE || kind == NN_PP_RESHAPE)
            return nn_cfg_fail(err, arg, "%s: needs a value", what);
    } else if (step_schema[kind] == no_keys) {
        return nn_cfg_fail(err, arg, "%s: takes no argument; write `%s: {}`", what, name);
    } else {
        /* short form: the argument is the schema's one key */
        st = nn_cfg_read_value(arg, &step_schema[kind][0], (char *)&v + step_schema[kind][0].offset,
                               what, err);
    }
    if (st != NN_OK)
        return st;
    step->value = v.value;
    step->axis = v.axis;
    step->shape = v.shape;
    return NN_OK;
}

nn_status nn_data_spec_read(nn_cfg *data, nn_data_spec *spec, nn_error *err)
{
    memset(spec, 0, sizeof *spec);
    data_keys k;
    memset(&k, 0, sizeof k);
    nn_status st = nn_cfg_read(data, data_schema, &k, "data", err);
    if (st != NN_OK)
        return st;
    spec->dataset = (nn_dataset_kind)k.dataset;
    spec->dir = k.dir;
    spec->validation_split = k.validation_split;
    spec->limit_train = (long)k.limit_train;
    spec->limit_test = (long)k.limit_test;
    spec->num_classes = k.num_classes;
    spec->mark = data->mark;

    nn_cfg *pp = k.preprocess;
    if (!pp || nn_cfg_is_null(pp))
        return NN_OK;
    if (pp->kind != NN_CFG_SEQ)
        return nn_cfg_fail(err, pp,
                           "data.preprocess: expected a list of steps such as `- divide: 255`");
    if (pp->n > NN_MAX_PREPROCESS)
        return nn_cfg_fail(err, pp->items[NN_MAX_PREPROCESS],
                           "data.preprocess: at most %d steps, got %zu", NN_MAX_PREPROCESS,
                           pp->n);
    for (size_t i = 0; i < pp->n; i++) {
        st = read_step(pp->items[i], i, &spec->steps[i], err);
        if (st != NN_OK)
            return st;
    }
    spec->n_steps = (int)pp->n;
    return NN_OK;
}
