/* add.c — Add: the elementwise sum of two or more inputs of the same shape. */
#include <stddef.h>

#include "layers/layer.h"
#include "tensor/vec.h"

static nn_status add_infer(nn_node *n, nn_error *err)
{
    char a[96], b[96];
    for (int k = 1; k < n->n_in; k++)
        if (!nn_shape_equal(&n->in_shape[k], &n->in_shape[0]))
            return nn_fail_at(err, NN_E_CONFIG, n->mark.file, n->mark.line, n->mark.column,
                              "layer '%s': add needs inputs of the same shape, got %s and %s",
                              n->name, nn_shape_format(&n->in_shape[0], a, sizeof a),
                              nn_shape_format(&n->in_shape[k], b, sizeof b));
    n->shape = n->in_shape[0];
    return NN_OK;
}

static double add_flops(const nn_node *n)
{
    return (double)(n->n_in - 1) * (double)nn_node_numel(n);
}

typedef struct add_job {
    const nn_node *n;
    bool backward;
} add_job;

/* out[n] = a + b */
NN_VECTORIZED static void sum2(float *restrict out, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

/* out[n] += a, or out = a when !accumulate */
NN_VECTORIZED static void add_into(float *restrict out, const float *restrict a, bool accumulate,
                                   size_t n)
{
    if (accumulate)
        for (size_t i = 0; i < n; i++)
            out[i] += a[i];
    else
        for (size_t i = 0; i < n; i++)
            out[i] = a[i];
}

/* forward:  y = Σ_k x_k                          (x_0 + x_1 in one pass, then the others)
 * backward: dx_k (+)= dy for every k (in order k = 0, 1, ...: the planner's overwrite flags
 *           assume it, which matters when the same node is added to itself). */
static void add_range(void *arg, size_t i0, size_t i1)
{
    const add_job *j = arg;
    const nn_node *n = j->n;
    if (!j->backward) {
        sum2(n->y + i0, n->x[0] + i0, n->x[1] + i0, i1 - i0);
        for (int k = 2; k < n->n_in; k++)
            add_into(n->y + i0, n->x[k] + i0, true, i1 - i0);
        return;
    }
    for (int k = 0; k < n->n_in; k++)
        if (n->dx[k])
            add_into(n->dx[k] + i0, n->dy + i0, !n->dx_overwrite[k], i1 - i0);
}

static void add_forward(nn_node *n, const nn_ctx *ctx)
{
    add_job j = {n, false};
    nn_pool_for(ctx->pool, (size_t)ctx->batch * nn_node_numel(n), NN_GRAIN, add_range, &j);
}

static void add_backward(nn_node *n, const nn_ctx *ctx)
{
    add_job j = {n, true};
    nn_pool_for(ctx->pool, (size_t)ctx->batch * nn_node_numel(n), NN_GRAIN, add_range, &j);
}

const nn_layer_ops nn_add_ops = {
    .type = "add",
    .keras_class = "Add",
    .min_inputs = 2,
    .max_inputs = NN_MAX_INPUTS,
    .infer = add_infer,
    .flops = add_flops,
    .forward = add_forward,
    .backward = add_backward,
};
