/* batch_norm.c — BatchNormalization over the last axis (Keras defaults: momentum 0.99,
 * epsilon 1e-3, center and scale on).
 *
 * Training uses the batch statistics of each channel over all M = batch × (elements per
 * sample / C) rows, and moves the moving statistics once per step:
 *     moving = moving - (moving - stat) · (1 - momentum)
 * Keras takes the biased variance for 2-D inputs; for 4-D and 5-D inputs (rank 3 or 4 per
 * sample) its fused kernel hands back the variance with Bessel's correction M / (M - 1) for
 * the moving update, which we copy. Evaluation uses the moving statistics.
 *
 * Sums over rows run over fixed chunks of rows and are combined in chunk order, so the
 * result does not depend on the thread count. They are kept in double: Σx² - M·mean² loses
 * the variance to cancellation in float. Each pass is one vectorised loop over the
 * channels of a row (tensor/vec.h), with per-channel coefficients worked out once per
 * step, so that a pass costs a few operations per element.
 *
 * A relu Activation and a Dropout that follow are usually its epilogue (layers/epilogue.h):
 * forward applies them to each chunk of rows just normalised, and backward's first pass
 * turns the gradient after them into the gradient of the normalised output, in place,
 * chunk by chunk, before summing it. Backward reads y for nothing else.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "layers/epilogue.h"
#include "layers/layer.h"
#include "tensor/vec.h"

typedef struct bn_cfg {
    double momentum;
    double epsilon;
    bool center;
    bool scale;
    int axis;
} bn_cfg;

static const nn_key bn_keys[] = {
    {"momentum", NN_T_FLOAT, "0.99", offsetof(bn_cfg, momentum), NN_K_MIN | NN_K_MAX, 0.0, 1.0,
     NULL},
    {"epsilon", NN_T_FLOAT, "0.001", offsetof(bn_cfg, epsilon), NN_K_MIN | NN_K_MIN_OPEN, 0.0,
     0.0, NULL},
    {"center", NN_T_BOOL, "true", offsetof(bn_cfg, center), 0, 0, 0, NULL},
    {"scale", NN_T_BOOL, "true", offsetof(bn_cfg, scale), 0, 0, 0, NULL},
    {"axis", NN_T_INT, "-1", offsetof(bn_cfg, axis), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

#define BN_CHUNK_ROWS 64

/* Parameter slots, in Keras order; absent ones (center/scale off) are -1. */
typedef struct bn_slots {
    int gamma, beta, mean, var;
} bn_slots;

static bn_slots slots_of(const nn_node *n)
{
    const bn_cfg *c = n->cfg;
    bn_slots s;
    int i = 0;
    s.gamma = c->scale ? i++ : -1;
    s.beta = c->center ? i++ : -1;
    s.mean = i++;
    s.var = i++;
    return s;
}

static nn_status bn_infer(nn_node *n, nn_error *err)
{
    const bn_cfg *c = n->cfg;
    int rank = n->in_shape[0].rank;
    if (rank < 1)
        return nn_fail_at(err, NN_E_CONFIG, n->mark.file, n->mark.line, n->mark.column,
                          "layer '%s': batch_normalization needs an input with an axis", n->name);
    if (c->axis != -1 && c->axis != rank)
        return nn_fail_at(err, NN_E_CONFIG, n->mark.file, n->mark.line, n->mark.column,
                          "layer '%s': only the last axis (-1 or %d) is supported, got axis %d",
                          n->name, rank, c->axis);
    n->shape = n->in_shape[0];
    nn_shape ch = nn_shape_make(1, (int[]){nn_shape_last(&n->shape)});
    if (c->scale)
        nn_node_add_param(n, "gamma", ch, true, NN_INIT_ONES);
    if (c->center)
        nn_node_add_param(n, "beta", ch, true, NN_INIT_ZEROS);
    nn_node_add_param(n, "moving_mean", ch, false, NN_INIT_ZEROS);
    nn_node_add_param(n, "moving_variance", ch, false, NN_INIT_ONES);
    return NN_OK;
}

static size_t bn_rows(const nn_node *n, int batch)
{
    return (size_t)batch * nn_node_numel(n) / (size_t)nn_shape_last(&n->shape);
}

/* scratch, per channel C: mean, inv_std (kept from forward to backward) and three
 * coefficients a, b, k for the current pass (floats); then partial sums [chunks, 2, C]
 * (doubles, 64-byte aligned). */
enum { BN_MEAN, BN_INV_STD, BN_A, BN_B, BN_K, BN_FLOAT_ROWS };

static size_t bn_scratch(const nn_node *n, int batch)
{
    size_t c = (size_t)nn_shape_last(&n->shape);
    size_t chunks = (bn_rows(n, batch) + BN_CHUNK_ROWS - 1) / BN_CHUNK_ROWS;
    return BN_FLOAT_ROWS * c * sizeof(float) + 64 + chunks * 2 * c * sizeof(double);
}

static double bn_flops(const nn_node *n)
{
    return 4.0 * (double)nn_node_numel(n);
}

static float *bn_coef(const nn_node *n, int which)
{
    return (float *)n->scratch + (size_t)which * (size_t)nn_shape_last(&n->shape);
}

static double *bn_partial(const nn_node *n)
{
    size_t c = (size_t)nn_shape_last(&n->shape);
    char *p = (char *)n->scratch + BN_FLOAT_ROWS * c * sizeof(float);
    size_t mis = (size_t)p % 64;
    return (double *)(p + (mis ? 64 - mis : 0));
}

/* --- the vectorised loops, over the C channels of `rows` rows ------------------------------ */

/* s1[c] += Σ x, s2[c] += Σ x² */
NN_VECTORIZED static void sum_x(const float *restrict x, double *restrict s1,
                                double *restrict s2, size_t rows, size_t C)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++) {
            double v = x[r * C + c];
            s1[c] += v;
            s2[c] += v * v;
        }
}

/* s1[c] += Σ dy, s2[c] += Σ dy · x̂ with x̂ = (x - mean) inv_std */
NN_VECTORIZED static void sum_dy(const float *restrict x, const float *restrict dy,
                                 const float *restrict mean, const float *restrict inv_std,
                                 double *restrict s1, double *restrict s2, size_t rows, size_t C)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++) {
            float xhat = (x[r * C + c] - mean[c]) * inv_std[c];
            s1[c] += dy[r * C + c];
            s2[c] += (double)dy[r * C + c] * xhat;
        }
}

/* y = (x - mean) · a + b     (a = gamma inv_std, b = beta) */
NN_VECTORIZED static void normalize(const float *restrict x, float *restrict y,
                                    const float *restrict mean, const float *restrict a,
                                    const float *restrict b, size_t rows, size_t C)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++)
            y[r * C + c] = (x[r * C + c] - mean[c]) * a[c] + b[c];
}

/* dx (+)= a · (dy - b - (x - mean) · k)
 *     (a = gamma inv_std, b = Σdy / M, k = inv_std Σ(dy x̂) / M; training)
 * dx (+)= a · dy   (k = b = 0: evaluation, statistics fixed) */
NN_VECTORIZED static void input_grad(const float *restrict x, const float *restrict dy,
                                     float *restrict dx, const float *restrict mean,
                                     const float *restrict a, const float *restrict b,
                                     const float *restrict k, bool accumulate, size_t rows,
                                     size_t C)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++) {
            size_t i = r * C + c;
            float v = a[c] * (dy[i] - b[c] - (x[i] - mean[c]) * k[c]);
            dx[i] = accumulate ? dx[i] + v : v;
        }
}

/* --- threading: row chunks for the sums, row ranges for the rest ------------------------- */

typedef struct bn_job {
    size_t rows, C;
    const float *x;
    float *y, *dy, *dx;
    const float *mean, *inv_std, *a, *b, *k;
    double *partial; /* [chunks, 2, C] */
    bool accumulate;
    nn_epilogue epilogue;
} bn_job;

/* Chunks [k0, k1): forward (dy NULL) Σx and Σx², backward Σdy and Σdy·x̂, per chunk.
 * Backward first turns the chunk's dy into the gradient before the epilogue, in place. */
static void bn_sums(void *arg, size_t k0, size_t k1)
{
    const bn_job *j = arg;
    size_t C = j->C;
    for (size_t k = k0; k < k1; k++) {
        double *s1 = j->partial + k * 2 * C, *s2 = s1 + C;
        memset(s1, 0, 2 * C * sizeof *s1);
        size_t r0 = k * BN_CHUNK_ROWS;
        size_t r1 = r0 + BN_CHUNK_ROWS < j->rows ? r0 + BN_CHUNK_ROWS : j->rows;
        if (j->dy && nn_epilogue_any(&j->epilogue))
            nn_epilogue_backward(&j->epilogue, j->y + r0 * C, j->dy + r0 * C, r0 * C,
                                 (r1 - r0) * C);
        if (j->dy)
            sum_dy(j->x + r0 * C, j->dy + r0 * C, j->mean, j->inv_std, s1, s2, r1 - r0, C);
        else
            sum_x(j->x + r0 * C, s1, s2, r1 - r0, C);
    }
}

/* Sums of all chunks, added in chunk order into chunk 0's slot; returns it ([2, C]). */
static double *bn_reduce(const bn_job *j)
{
    size_t chunks = (j->rows + BN_CHUNK_ROWS - 1) / BN_CHUNK_ROWS;
    double *sums = j->partial;
    for (size_t k = 1; k < chunks; k++)
        for (size_t i = 0; i < 2 * j->C; i++)
            sums[i] += j->partial[k * 2 * j->C + i];
    return sums;
}

static void sums_pass(const bn_job *j, nn_pool *pool)
{
    size_t chunks = (j->rows + BN_CHUNK_ROWS - 1) / BN_CHUNK_ROWS;
    nn_pool_for(pool, chunks, 1, bn_sums, (void *)j);
}

/* Rows [r0, r1) normalised, in chunks of BN_CHUNK_ROWS that get the epilogue while in cache. */
static void normalize_rows(void *arg, size_t r0, size_t r1)
{
    const bn_job *j = arg;
    size_t C = j->C;
    for (size_t s = r0; s < r1; s += BN_CHUNK_ROWS) {
        size_t e = s + BN_CHUNK_ROWS < r1 ? s + BN_CHUNK_ROWS : r1;
        normalize(j->x + s * C, j->y + s * C, j->mean, j->a, j->b, e - s, C);
        nn_epilogue_forward(&j->epilogue, j->y + s * C, s * C, (e - s) * C);
    }
}

static void input_grad_rows(void *arg, size_t r0, size_t r1)
{
    const bn_job *j = arg;
    size_t C = j->C;
    input_grad(j->x + r0 * C, j->dy + r0 * C, j->dx + r0 * C, j->mean, j->a, j->b, j->k,
               j->accumulate, r1 - r0, C);
}

/* Rows per task for the elementwise passes: NN_GRAIN elements or more. */
static size_t grain_rows(size_t C)
{
    return NN_GRAIN / C + 1;
}

/* forward (training):  mean_c = Σ x / M,  var_c = Σ (x - mean)² / M,
 *                      y = gamma (x - mean) / sqrt(var + eps) + beta
 * backward (training): x̂ = (x - mean) inv_std
 *                      dgamma += Σ dy x̂,  dbeta += Σ dy
 *                      dx (+)= gamma inv_std / M · (M dy - Σ dy - x̂ Σ dy x̂)
 * evaluation:          y = gamma (x - moving_mean) / sqrt(moving_var + eps) + beta,
 *                      dx (+)= dy gamma / sqrt(moving_var + eps)
 * with an epilogue:    y = epilogue(y); backward first dy = epilogue'(dy), from y */
static void bn_forward(nn_node *n, const nn_ctx *ctx)
{
    const bn_cfg *c = n->cfg;
    bn_slots s = slots_of(n);
    size_t C = (size_t)nn_shape_last(&n->shape);
    size_t rows = bn_rows(n, ctx->batch);
    float *mean = bn_coef(n, BN_MEAN), *inv_std = bn_coef(n, BN_INV_STD);
    float *a = bn_coef(n, BN_A), *b = bn_coef(n, BN_B);
    float *mm = n->param[s.mean].w, *mv = n->param[s.var].w;
    const float *gamma = s.gamma >= 0 ? n->param[s.gamma].w : NULL;
    const float *beta = s.beta >= 0 ? n->param[s.beta].w : NULL;
    bn_job j = {.rows = rows, .C = C, .x = n->x[0], .y = n->y, .mean = mean, .a = a, .b = b,
                .partial = bn_partial(n), .epilogue = nn_epilogue_of(n, ctx)};
    if (ctx->training) {
        sums_pass(&j, ctx->pool);
        const double *sums = bn_reduce(&j);
        bool bessel = n->shape.rank >= 3 && rows > 1;
        float keep = (float)c->momentum;
        for (size_t i = 0; i < C; i++) {
            double mu = sums[i] / (double)rows;
            double var = sums[C + i] / (double)rows - mu * mu;
            if (var < 0.0)
                var = 0.0;
            mean[i] = (float)mu;
            inv_std[i] = (float)(1.0 / sqrt(var + c->epsilon));
            float stat_var = (float)(bessel ? var * (double)rows / (double)(rows - 1) : var);
            mm[i] -= (mm[i] - (float)mu) * (1.0f - keep);
            mv[i] -= (mv[i] - stat_var) * (1.0f - keep);
        }
    } else {
        for (size_t i = 0; i < C; i++) {
            mean[i] = mm[i];
            inv_std[i] = (float)(1.0 / sqrt((double)mv[i] + c->epsilon));
        }
    }
    for (size_t i = 0; i < C; i++) {
        a[i] = (gamma ? gamma[i] : 1.0f) * inv_std[i];
        b[i] = beta ? beta[i] : 0.0f;
    }
    nn_pool_for(ctx->pool, rows, grain_rows(C), normalize_rows, &j);
}

static void bn_backward(nn_node *n, const nn_ctx *ctx)
{
    bn_slots s = slots_of(n);
    size_t C = (size_t)nn_shape_last(&n->shape);
    size_t rows = bn_rows(n, ctx->batch);
    float *a = bn_coef(n, BN_A), *b = bn_coef(n, BN_B), *k = bn_coef(n, BN_K);
    const float *inv_std = bn_coef(n, BN_INV_STD);
    const float *gamma = s.gamma >= 0 ? n->param[s.gamma].w : NULL;
    bn_job j = {.rows = rows, .C = C, .x = n->x[0], .y = n->y, .dy = n->dy, .dx = n->dx[0],
                .mean = bn_coef(n, BN_MEAN), .inv_std = inv_std, .a = a, .b = b, .k = k,
                .partial = bn_partial(n), .accumulate = !n->dx_overwrite[0],
                .epilogue = nn_epilogue_of(n, ctx)};
    sums_pass(&j, ctx->pool);
    const double *sums = bn_reduce(&j);
    if (s.gamma >= 0)
        for (size_t i = 0; i < C; i++)
            n->param[s.gamma].g[i] += (float)sums[C + i];
    if (s.beta >= 0)
        for (size_t i = 0; i < C; i++)
            n->param[s.beta].g[i] += (float)sums[i];
    if (!n->dx[0])
        return;
    double M = (double)rows;
    for (size_t i = 0; i < C; i++) {
        a[i] = (gamma ? gamma[i] : 1.0f) * inv_std[i];
        b[i] = ctx->training ? (float)(sums[i] / M) : 0.0f;
        k[i] = ctx->training ? (float)(sums[C + i] / M) * inv_std[i] : 0.0f;
    }
    nn_pool_for(ctx->pool, rows, grain_rows(C), input_grad_rows, &j);
}

const nn_layer_ops nn_batch_norm_ops = {
    .type = "batch_normalization",
    .keras_class = "BatchNormalization",
    .schema = bn_keys,
    .cfg_size = sizeof(bn_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = bn_infer,
    .scratch_bytes = bn_scratch,
    .flops = bn_flops,
    .forward = bn_forward,
    .backward = bn_backward,
    .epilogue = true,
};
