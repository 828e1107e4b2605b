/* registry.c — the table of layer types, looked up once per layer at build time.
 *
 * A new layer type is one file with its nn_layer_ops and one line in LAYERS below: the
 * ops table and its YAML name. The registry and the name list (for suggestions) are both
 * made from that line, so they cannot fall out of step; a test walks the registry: names
 * unique and equal to each ops->type, every entry complete, every entry gradient-checked.
 */
#include "layers/layer.h"

#define LAYERS(X)                                                                              \
    X(nn_dense_ops, "dense")                                                                   \
    X(nn_flatten_ops, "flatten")                                                               \
    X(nn_reshape_ops, "reshape")                                                               \
    X(nn_activation_ops, "activation")                                                         \
    X(nn_dropout_ops, "dropout")                                                               \
    X(nn_batch_norm_ops, "batch_normalization")                                                \
    X(nn_add_ops, "add")

#define DECLARE(ops, name) extern const nn_layer_ops ops;
#define ENTRY(ops, name) &ops,
#define NAME(ops, name) name,

LAYERS(DECLARE)

const nn_layer_ops *const nn_layer_registry[] = {LAYERS(ENTRY) NULL};

const char *const nn_layer_names[] = {LAYERS(NAME) NULL};
