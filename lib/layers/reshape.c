/* reshape.c — Flatten and Reshape: the same memory seen with another shape.
 *
 * Both are views (ops.view): the planner points their output and output gradient at their
 * input's buffers, so they cost nothing at run time and have no forward/backward work.
 */
#include <stddef.h>

#include "layers/layer.h"

typedef struct reshape_cfg {
    nn_shape target_shape;
} reshape_cfg;

static const nn_key reshape_keys[] = {
    {"target_shape", NN_T_SHAPE, NULL, offsetof(reshape_cfg, target_shape), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static nn_status flatten_infer(nn_node *n, nn_error *err)
{
    (void)err;
    int numel = (int)nn_node_in_numel(n, 0);
    n->shape = nn_shape_make(1, &numel);
    return NN_OK;
}

static nn_status reshape_infer(nn_node *n, nn_error *err)
{
    const reshape_cfg *c = n->cfg;
    char a[96], b[96];
    if (nn_shape_numel(&c->target_shape) != nn_node_in_numel(n, 0))
        return nn_fail_at(err, NN_E_CONFIG, n->mark.file, n->mark.line, n->mark.column,
                          "layer '%s': cannot reshape %s (%zu elements) to %s (%zu elements)",
                          n->name, nn_shape_format_list(&n->in_shape[0], a, sizeof a),
                          nn_node_in_numel(n, 0),
                          nn_shape_format_list(&c->target_shape, b, sizeof b),
                          nn_shape_numel(&c->target_shape));
    n->shape = c->target_shape;
    return NN_OK;
}

static double view_flops(const nn_node *n)
{
    (void)n;
    return 0.0;
}

static void view_pass(nn_node *n, const nn_ctx *ctx)
{
    (void)n;
    (void)ctx;
}

const nn_layer_ops nn_flatten_ops = {
    .type = "flatten",
    .keras_class = "Flatten",
    .min_inputs = 1,
    .max_inputs = 1,
    .view = true,
    .infer = flatten_infer,
    .flops = view_flops,
    .forward = view_pass,
    .backward = view_pass,
};

const nn_layer_ops nn_reshape_ops = {
    .type = "reshape",
    .keras_class = "Reshape",
    .main_key = "target_shape",
    .schema = reshape_keys,
    .cfg_size = sizeof(reshape_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .view = true,
    .infer = reshape_infer,
    .flops = view_flops,
    .forward = view_pass,
    .backward = view_pass,
};
