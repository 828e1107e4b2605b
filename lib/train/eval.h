/* eval.h — `nnrun eval`: a configuration's model with weights from a file, on the test set.
 *
 * Reads the config (with overrides) as a run does, builds the model, loads the weights
 * (a weights file, or a checkpoint's weights; every parameter must be there by name and
 * shape, nothing else), loads the data with the config's preprocessing and evaluates the
 * test split in evaluation mode (dropout off, batch-norm moving statistics), batched by
 * fit.batch_size, as Keras's model.evaluate does. Nothing is written.
 */
#ifndef NN_TRAIN_EVAL_H
#define NN_TRAIN_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

typedef struct nn_eval_options {
    const char *config_path;
    const char *const *overrides; /* "a.b.c=VALUE", in order */
    int n_overrides;
    const char *weights;          /* the safetensors file */
    int threads;                  /* >= 1 */
} nn_eval_options;

typedef struct nn_eval_result {
    size_t n;                     /* test samples */
    double loss;
    bool has_metric;              /* compile.metrics has accuracy */
    char metric_name[16];         /* as written: accuracy or acc */
    double metric;
    double seconds;               /* the evaluation alone */
} nn_eval_result;

/* Errors: NN_E_CONFIG (the config), NN_E_DATA (the data set; the weights file is not
 * safetensors or does not fit the model), NN_E_IO (a file cannot be read), NN_E_NOMEM. */
nn_status nn_eval(const nn_eval_options *o, nn_eval_result *r, nn_error *err);

#endif
