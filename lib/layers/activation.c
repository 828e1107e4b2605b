/* activation.c — Activation: y = f(x) elementwise (softmax over the last axis). */
#include <stddef.h>

#include "layers/act.h"
#include "layers/layer.h"

typedef struct activation_cfg {
    int activation; /* nn_act */
} activation_cfg;

static const nn_key activation_keys[] = {
    {"activation", NN_T_ENUM, NULL, offsetof(activation_cfg, activation), 0, 0, 0, nn_act_names},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static nn_status activation_infer(nn_node *n, nn_error *err)
{
    (void)err;
    n->shape = n->in_shape[0];
    return NN_OK;
}

static double activation_flops(const nn_node *n)
{
    return (double)nn_node_numel(n);
}

/* forward:  y = f(x)                                              one pass, x -> y
 * backward: dx (+)= dy · f'(x), written with y: relu [y > 0], sigmoid y(1-y), tanh 1-y²,
 *           softmax y_i (dy_i - Σ dy_j y_j)                       one pass, dy -> dx
 * A softmax the loss applies itself (softmax_in_loss) is the identity here. */
static nn_act applied(const nn_node *n)
{
    return n->softmax_in_loss ? NN_ACT_LINEAR : (nn_act)((const activation_cfg *)n->cfg)->activation;
}

static void activation_forward(nn_node *n, const nn_ctx *ctx)
{
    size_t cols = (size_t)nn_shape_last(&n->shape);
    size_t rows = (size_t)ctx->batch * nn_node_numel(n) / cols;
    nn_act_apply(applied(n), n->x[0], n->y, rows, cols, ctx->pool);
}

static void activation_backward(nn_node *n, const nn_ctx *ctx)
{
    if (!n->dx[0])
        return;
    size_t cols = (size_t)nn_shape_last(&n->shape);
    size_t rows = (size_t)ctx->batch * nn_node_numel(n) / cols;
    nn_act_grad(applied(n), n->y, n->dy, n->dx[0], !n->dx_overwrite[0], rows, cols, ctx->pool);
}

static int activation_final(const nn_node *n)
{
    return ((const activation_cfg *)n->cfg)->activation;
}

/* A relu can be applied by the layer before it (layers/epilogue.h). */
static nn_epilogue_part activation_epilogue_part(const nn_node *n)
{
    return applied(n) == NN_ACT_RELU ? NN_EPILOGUE_RELU : NN_EPILOGUE_NONE;
}

const nn_layer_ops nn_activation_ops = {
    .type = "activation",
    .keras_class = "Activation",
    .main_key = "activation",
    .schema = activation_keys,
    .cfg_size = sizeof(activation_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = activation_infer,
    .flops = activation_flops,
    .forward = activation_forward,
    .backward = activation_backward,
    .final_activation = activation_final,
    .epilogue_part = activation_epilogue_part,
};
