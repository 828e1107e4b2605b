/* node.c — helpers every layer uses: declaring parameters, sizes, the registry lookup. */
#include <string.h>

#include "core/util.h"
#include "layers/layer.h"

nn_param *nn_node_add_param_fans(nn_node *n, const char *name, nn_shape shape, bool trainable,
                                 nn_init_kind init, int fan_in, int fan_out)
{
    if (n->n_params >= NN_MAX_PARAMS)
        return NULL;
    nn_param *p = &n->param[n->n_params++];
    memset(p, 0, sizeof *p);
    nn_strlcpy(p->name, name, sizeof p->name);
    p->shape = shape;
    p->trainable = trainable;
    p->init = init;
    p->fan_in = fan_in;
    p->fan_out = fan_out;
    return p;
}

nn_param *nn_node_add_param(nn_node *n, const char *name, nn_shape shape, bool trainable,
                            nn_init_kind init)
{
    int fan_in = 1, fan_out = 1;
    if (shape.rank == 1) {
        fan_in = fan_out = shape.dim[0];
    } else if (shape.rank >= 2) {
        int field = 1; /* the receptive field: every axis before the last two */
        for (int k = 0; k < shape.rank - 2; k++)
            field *= shape.dim[k];
        fan_in = field * shape.dim[shape.rank - 2];
        fan_out = field * shape.dim[shape.rank - 1];
    }
    return nn_node_add_param_fans(n, name, shape, trainable, init, fan_in, fan_out);
}

size_t nn_node_in_numel(const nn_node *n, int k)
{
    return nn_shape_numel(&n->in_shape[k]);
}

size_t nn_node_numel(const nn_node *n)
{
    return nn_shape_numel(&n->shape);
}

const nn_layer_ops *nn_layer_find(const char *type)
{
    for (int i = 0; nn_layer_registry[i]; i++)
        if (strcmp(nn_layer_registry[i]->type, type) == 0)
            return nn_layer_registry[i];
    return NULL;
}

/* InputLayer: the model's input; the trainer writes each batch into its y. */
static nn_status input_infer(nn_node *n, nn_error *err)
{
    (void)err;
    n->shape = n->in_shape[0];
    return NN_OK;
}

static double no_flops(const nn_node *n)
{
    (void)n;
    return 0.0;
}

static void no_op(nn_node *n, const nn_ctx *ctx)
{
    (void)n;
    (void)ctx;
}

const nn_layer_ops nn_input_ops = {
    .type = "input",
    .keras_class = "InputLayer",
    .min_inputs = 0,
    .max_inputs = 0,
    .infer = input_infer,
    .flops = no_flops,
    .forward = no_op,
    .backward = no_op,
};
