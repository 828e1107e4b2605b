/* dropout.c — Dropout (inverted): in training each element is kept with probability
 * 1 - rate and scaled by 1 / (1 - rate); in evaluation it is the identity.
 *
 * The mask comes from the counter-based hash (core/rng.h) of the step's key, the node and
 * the element index, so it is the same for any thread count and any split of the work.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/rng.h"
#include "layers/layer.h"

typedef struct dropout_cfg {
    double rate;
} dropout_cfg;

static const nn_key dropout_keys[] = {
    {"rate", NN_T_FLOAT, NULL, offsetof(dropout_cfg, rate), NN_K_MIN | NN_K_MAX | NN_K_MAX_OPEN,
     0.0, 1.0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static nn_status dropout_infer(nn_node *n, nn_error *err)
{
    (void)err;
    n->shape = n->in_shape[0];
    return NN_OK;
}

static size_t dropout_scratch(const nn_node *n, int batch)
{
    return (size_t)batch * nn_node_numel(n); /* one keep byte per element */
}

static double dropout_flops(const nn_node *n)
{
    return (double)nn_node_numel(n);
}

typedef struct dropout_job {
    const float *x;
    float *y;
    uint8_t *keep;
    uint32_t key, threshold;
    float scale;
} dropout_job;

/* keep_i = hash(key, i) >= rate · 2^32, so P(keep) = 1 - rate. */
static void dropout_forward_range(void *arg, size_t i0, size_t i1)
{
    dropout_job *j = arg;
    for (size_t i = i0; i < i1; i++) {
        uint8_t k = nn_hash32(j->key, (uint32_t)i) >= j->threshold;
        j->keep[i] = k;
        j->y[i] = k ? j->x[i] * j->scale : 0.0f;
    }
}

typedef struct dropout_back_job {
    const float *dy;
    float *dx;
    const uint8_t *keep;
    float scale;
    bool overwrite;
} dropout_back_job;

static void dropout_backward_range(void *arg, size_t i0, size_t i1)
{
    dropout_back_job *j = arg;
    if (j->overwrite)
        for (size_t i = i0; i < i1; i++)
            j->dx[i] = j->keep[i] ? j->dy[i] * j->scale : 0.0f;
    else
        for (size_t i = i0; i < i1; i++)
            j->dx[i] += j->keep[i] ? j->dy[i] * j->scale : 0.0f;
}

static bool dropout_active(const nn_node *n, const nn_ctx *ctx)
{
    return ctx->training && ((const dropout_cfg *)n->cfg)->rate > 0.0;
}

/* forward:  y = x · keep / (1 - rate)        (training)      y = x   (evaluation)
 * backward: dx (+)= dy · keep / (1 - rate)   (training)      dx (+)= dy */
static void dropout_forward(nn_node *n, const nn_ctx *ctx)
{
    const dropout_cfg *c = n->cfg;
    size_t total = (size_t)ctx->batch * nn_node_numel(n);
    if (!dropout_active(n, ctx)) {
        memcpy(n->y, n->x[0], total * sizeof(float));
        return;
    }
    double t = c->rate * 4294967296.0;
    dropout_job j = {
        .x = n->x[0],
        .y = n->y,
        .keep = n->scratch,
        .key = nn_hash32(ctx->seed, (uint32_t)n->index),
        .threshold = t >= 4294967295.0 ? UINT32_MAX : (uint32_t)t,
        .scale = (float)(1.0 / (1.0 - c->rate)),
    };
    nn_pool_for(ctx->pool, total, 1 << 15, dropout_forward_range, &j);
}

static void dropout_backward(nn_node *n, const nn_ctx *ctx)
{
    const dropout_cfg *c = n->cfg;
    if (!n->dx[0])
        return;
    size_t total = (size_t)ctx->batch * nn_node_numel(n);
    if (!dropout_active(n, ctx)) {
        if (n->dx_overwrite[0])
            memcpy(n->dx[0], n->dy, total * sizeof(float));
        else
            for (size_t i = 0; i < total; i++)
                n->dx[0][i] += n->dy[i];
        return;
    }
    dropout_back_job j = {n->dy, n->dx[0], n->scratch, (float)(1.0 / (1.0 - c->rate)),
                          n->dx_overwrite[0]};
    nn_pool_for(ctx->pool, total, 1 << 15, dropout_backward_range, &j);
}

const nn_layer_ops nn_dropout_ops = {
    .type = "dropout",
    .keras_class = "Dropout",
    .main_key = "rate",
    .schema = dropout_keys,
    .cfg_size = sizeof(dropout_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = dropout_infer,
    .scratch_bytes = dropout_scratch,
    .flops = dropout_flops,
    .forward = dropout_forward,
    .backward = dropout_backward,
};
