/* add.c — Add: the elementwise sum of two or more inputs of the same shape. */
#include <stddef.h>
#include <string.h>

#include "layers/layer.h"

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
    float *out;
    bool backward;
} add_job;

/* forward:  y = Σ_k x_k
 * backward: dx_k (+)= dy for every k (in order k = 0, 1, ...: the planner's overwrite flags
 *           assume it, which matters when the same node is added to itself). */
static void add_range(void *arg, size_t i0, size_t i1)
{
    add_job *j = arg;
    const nn_node *n = j->n;
    size_t len = (i1 - i0) * sizeof(float);
    if (!j->backward) {
        memcpy(j->out + i0, n->x[0] + i0, len);
        for (int k = 1; k < n->n_in; k++)
            for (size_t i = i0; i < i1; i++)
                j->out[i] += n->x[k][i];
        return;
    }
    for (int k = 0; k < n->n_in; k++) {
        float *dx = n->dx[k];
        if (!dx)
            continue;
        if (n->dx_overwrite[k])
            memcpy(dx + i0, n->dy + i0, len);
        else
            for (size_t i = i0; i < i1; i++)
                dx[i] += n->dy[i];
    }
}

static void add_forward(nn_node *n, const nn_ctx *ctx)
{
    add_job j = {n, n->y, false};
    nn_pool_for(ctx->pool, (size_t)ctx->batch * nn_node_numel(n), 1 << 15, add_range, &j);
}

static void add_backward(nn_node *n, const nn_ctx *ctx)
{
    add_job j = {n, NULL, true};
    nn_pool_for(ctx->pool, (size_t)ctx->batch * nn_node_numel(n), 1 << 15, add_range, &j);
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
