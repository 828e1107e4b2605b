/* dropout.c — Dropout (inverted): in training each element is kept with probability
 * 1 - rate and scaled by 1 / (1 - rate); in evaluation it is the identity.
 *
 * The mask comes from the counter-based hash (core/rng.h) of the step's key, the node and
 * the element index, so it is the same for any thread count and any split of the work,
 * and backward recomputes it instead of storing it: a hash is ~10 integer operations that
 * the vectorised loops below do 8 or 16 elements at a time (tensor/vec.h), cheaper than
 * writing and reading back a mask (and no memory to hold one). After a batch
 * normalization the planner fuses a dropout into that layer's pass (layers/epilogue.h,
 * with the same mask).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/rng.h"
#include "layers/epilogue.h"
#include "layers/layer.h"
#include "tensor/vec.h"

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

static double dropout_flops(const nn_node *n)
{
    return (double)nn_node_numel(n);
}

typedef struct dropout_job {
    const float *in;  /* forward: x; backward: dy */
    float *out;       /* forward: y; backward: dx */
    nn_dropout_mask mask;
    bool accumulate;  /* backward into a dx that already holds a gradient */
} dropout_job;

/* out[i] (+)= keep(i0 + i) ? in[i] · scale : 0 for i in [0, n). */
NN_VECTORIZED static void dropout_pass(const float *restrict in, float *restrict out,
                                       uint32_t key, uint32_t threshold, float scale,
                                       bool accumulate, uint32_t i0, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = nn_masked(in[i] * scale, nn_dropout_keep(key, threshold, i0 + (uint32_t)i));
        out[i] = accumulate ? out[i] + v : v;
    }
}

static void dropout_range(void *arg, size_t i0, size_t i1)
{
    const dropout_job *j = arg;
    dropout_pass(j->in + i0, j->out + i0, j->mask.key, j->mask.threshold, j->mask.scale,
                 j->accumulate, (uint32_t)i0, i1 - i0);
}

/* Plain copy or sum when dropout is off (evaluation, rate 0). */
static void pass_range(void *arg, size_t i0, size_t i1)
{
    const dropout_job *j = arg;
    if (j->accumulate)
        for (size_t i = i0; i < i1; i++)
            j->out[i] += j->in[i];
    else
        memcpy(j->out + i0, j->in + i0, (i1 - i0) * sizeof(float));
}

/* keep_i = hash(key, i) >= rate · 2^32, so P(keep) = 1 - rate. */
nn_dropout_mask nn_dropout_mask_of(const nn_node *n, const nn_ctx *ctx)
{
    const dropout_cfg *c = n->cfg;
    double t = c->rate * 4294967296.0;
    return (nn_dropout_mask){
        .active = ctx->training && c->rate > 0.0,
        .key = nn_hash32(ctx->seed, (uint32_t)n->index),
        .threshold = t >= 4294967295.0 ? UINT32_MAX : (uint32_t)t,
        .scale = (float)(1.0 / (1.0 - c->rate)),
    };
}

/* forward:  y = x · keep / (1 - rate)        (training)      y = x   (evaluation)
 * backward: dx (+)= dy · keep / (1 - rate)   (training)      dx (+)= dy
 * keep is recomputed from the hash in backward: the same step seed gives the same mask. */
static void dropout_forward(nn_node *n, const nn_ctx *ctx)
{
    size_t total = (size_t)ctx->batch * nn_node_numel(n);
    dropout_job j = {.in = n->x[0], .out = n->y, .mask = nn_dropout_mask_of(n, ctx)};
    nn_pool_for(ctx->pool, total, NN_GRAIN, j.mask.active ? dropout_range : pass_range, &j);
}

static void dropout_backward(nn_node *n, const nn_ctx *ctx)
{
    if (!n->dx[0])
        return;
    size_t total = (size_t)ctx->batch * nn_node_numel(n);
    dropout_job j = {.in = n->dy, .out = n->dx[0], .mask = nn_dropout_mask_of(n, ctx),
                     .accumulate = !n->dx_overwrite[0]};
    nn_pool_for(ctx->pool, total, NN_GRAIN, j.mask.active ? dropout_range : pass_range, &j);
}

static nn_epilogue_part dropout_epilogue_part(const nn_node *n)
{
    (void)n;
    return NN_EPILOGUE_DROPOUT;
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
    .flops = dropout_flops,
    .forward = dropout_forward,
    .backward = dropout_backward,
    .epilogue_part = dropout_epilogue_part,
};
