/* registry.c — the table of layer types, looked up once per layer at build time.
 * A test walks it: names unique, every entry complete, every entry gradient-checked. */
#include "layers/layer.h"

extern const nn_layer_ops nn_dense_ops, nn_flatten_ops, nn_reshape_ops, nn_activation_ops,
    nn_dropout_ops, nn_batch_norm_ops, nn_add_ops;

const nn_layer_ops *const nn_layer_registry[] = {
    &nn_dense_ops,   &nn_flatten_ops,    &nn_reshape_ops, &nn_activation_ops,
    &nn_dropout_ops, &nn_batch_norm_ops, &nn_add_ops,     NULL,
};

const char *const nn_layer_names[] = {
    "dense", "flatten", "reshape", "activation", "dropout", "batch_normalization", "add", NULL,
};
