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
 * result does not depend on the thread count.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "layers/layer.h"

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

#define BN_CHUNK_ROWS 256

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

/* scratch: mean[C], inv_std[C] (floats), then partial sums [chunks, 2, C] (doubles). */
static size_t bn_scratch(const nn_node *n, int batch)
{
    size_t c = (size_t)nn_shape_last(&n->shape);
    size_t chunks = (bn_rows(n, batch) + BN_CHUNK_ROWS - 1) / BN_CHUNK_ROWS;
    return 2 * c * sizeof(float) + 64 + chunks * 2 * c * sizeof(double);
}

static double bn_flops(const nn_node *n)
{
    return 4.0 * (double)nn_node_numel(n);
}

typedef struct bn_job {
    const nn_node *n;
    size_t rows, C;
    const float *x;
    const float *dy;
    float *y;
    float *dx;
    const float *mean, *inv_std, *gamma, *beta;
    double *partial; /* [chunks, 2, C] */
    const double *sums; /* [2, C] chunk totals for the dx pass */
    bool overwrite;
    int pass;
} bn_job;

static float *bn_mean(const nn_node *n)
{
    return n->scratch;
}

static float *bn_inv_std(const nn_node *n)
{
    return (float *)n->scratch + (size_t)nn_shape_last(&n->shape);
}

static double *bn_partial(const nn_node *n)
{
    size_t c = (size_t)nn_shape_last(&n->shape);
    char *p = (char *)n->scratch + 2 * c * sizeof(float);
    size_t mis = (size_t)p % 64;
    return (double *)(p + (mis ? 64 - mis : 0));
}

static void chunk_rows(const bn_job *j, size_t k, size_t *r0, size_t *r1)
{
    *r0 = k * BN_CHUNK_ROWS;
    *r1 = *r0 + BN_CHUNK_ROWS < j->rows ? *r0 + BN_CHUNK_ROWS : j->rows;
}

/* Pass 0: per chunk Σx and Σx². Pass 1 (backward): per chunk Σdy and Σdy·x̂. */
static void bn_sums(void *arg, size_t k0, size_t k1)
{
    bn_job *j = arg;
    size_t C = j->C;
    for (size_t k = k0; k < k1; k++) {
        double *s1 = j->partial + k * 2 * C, *s2 = s1 + C;
        memset(s1, 0, 2 * C * sizeof *s1);
        size_t r0, r1;
        chunk_rows(j, k, &r0, &r1);
        for (size_t r = r0; r < r1; r++) {
            const float *xr = j->x + r * C;
            if (j->pass == 0) {
                for (size_t c = 0; c < C; c++) {
                    s1[c] += xr[c];
                    s2[c] += (double)xr[c] * xr[c];
                }
            } else {
                const float *dr = j->dy + r * C;
                for (size_t c = 0; c < C; c++) {
                    float xhat = (xr[c] - j->mean[c]) * j->inv_std[c];
                    s1[c] += dr[c];
                    s2[c] += (double)dr[c] * xhat;
                }
            }
        }
    }
}

/* Adds the chunk partials into chunk 0's slot, in chunk order; returns it ([2, C]). */
static double *bn_reduce(const bn_job *j, size_t chunks)
{
    double *sums = j->partial;
    for (size_t k = 1; k < chunks; k++)
        for (size_t i = 0; i < 2 * j->C; i++)
            sums[i] += j->partial[k * 2 * j->C + i];
    return sums;
}

/* y = gamma (x - mean) inv_std + beta, by rows. */
static void bn_normalize_rows(void *arg, size_t r0, size_t r1)
{
    bn_job *j = arg;
    size_t C = j->C;
    for (size_t r = r0; r < r1; r++) {
        const float *xr = j->x + r * C;
        float *yr = j->y + r * C;
        for (size_t c = 0; c < C; c++) {
            float v = (xr[c] - j->mean[c]) * j->inv_std[c];
            yr[c] = (j->gamma ? j->gamma[c] : 1.0f) * v + (j->beta ? j->beta[c] : 0.0f);
        }
    }
}

/* forward (training):  mean_c = Σ x / M,  var_c = Σ (x - mean)² / M,
 *                      y = gamma (x - mean) / sqrt(var + eps) + beta
 * backward (training): x̂ = (x - mean) inv_std
 *                      dgamma += Σ dy x̂,  dbeta += Σ dy
 *                      dx (+)= gamma inv_std / M · (M dy - Σ dy - x̂ Σ dy x̂)
 * evaluation:          y = gamma (x - moving_mean) / sqrt(moving_var + eps) + beta,
 *                      dx (+)= dy gamma / sqrt(moving_var + eps) */
static void bn_forward(nn_node *n, const nn_ctx *ctx)
{
    const bn_cfg *c = n->cfg;
    bn_slots s = slots_of(n);
    size_t C = (size_t)nn_shape_last(&n->shape);
    size_t rows = bn_rows(n, ctx->batch);
    float *mean = bn_mean(n), *inv_std = bn_inv_std(n);
    float *mm = n->param[s.mean].w, *mv = n->param[s.var].w;
    bn_job j = {.n = n, .rows = rows, .C = C, .x = n->x[0], .y = n->y, .mean = mean,
                .inv_std = inv_std, .partial = bn_partial(n),
                .gamma = s.gamma >= 0 ? n->param[s.gamma].w : NULL,
                .beta = s.beta >= 0 ? n->param[s.beta].w : NULL};
    if (ctx->training) {
        size_t chunks = (rows + BN_CHUNK_ROWS - 1) / BN_CHUNK_ROWS;
        j.pass = 0;
        nn_pool_for(ctx->pool, chunks, 4, bn_sums, &j);
        const double *sums = bn_reduce(&j, chunks);
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
    nn_pool_for(ctx->pool, rows, 64, bn_normalize_rows, &j);
}

static void bn_dx_rows(void *arg, size_t r0, size_t r1)
{
    bn_job *j = arg;
    size_t C = j->C;
    double M = (double)j->rows;
    for (size_t r = r0; r < r1; r++) {
        const float *xr = j->x + r * C, *dr = j->dy + r * C;
        float *out = j->dx + r * C;
        for (size_t c = 0; c < C; c++) {
            float g = j->gamma ? j->gamma[c] : 1.0f;
            float v;
            if (j->sums) {
                float xhat = (xr[c] - j->mean[c]) * j->inv_std[c];
                v = g * j->inv_std[c] *
                    (dr[c] - (float)(j->sums[c] / M) - xhat * (float)(j->sums[C + c] / M));
            } else {
                v = g * j->inv_std[c] * dr[c];
            }
            out[c] = j->overwrite ? v : out[c] + v;
        }
    }
}

static void bn_backward(nn_node *n, const nn_ctx *ctx)
{
    bn_slots s = slots_of(n);
    size_t C = (size_t)nn_shape_last(&n->shape);
    size_t rows = bn_rows(n, ctx->batch);
    size_t chunks = (rows + BN_CHUNK_ROWS - 1) / BN_CHUNK_ROWS;
    bn_job j = {.n = n, .rows = rows, .C = C, .x = n->x[0], .dy = n->dy, .dx = n->dx[0],
                .mean = bn_mean(n), .inv_std = bn_inv_std(n), .partial = bn_partial(n),
                .gamma = s.gamma >= 0 ? n->param[s.gamma].w : NULL,
                .overwrite = n->dx_overwrite[0], .pass = 1};
    nn_pool_for(ctx->pool, chunks, 4, bn_sums, &j);
    const double *sums = bn_reduce(&j, chunks);
    if (s.gamma >= 0)
        for (size_t i = 0; i < C; i++)
            n->param[s.gamma].g[i] += (float)sums[C + i];
    if (s.beta >= 0)
        for (size_t i = 0; i < C; i++)
            n->param[s.beta].g[i] += (float)sums[i];
    if (!n->dx[0])
        return;
    j.sums = ctx->training ? sums : NULL;
    nn_pool_for(ctx->pool, rows, 64, bn_dx_rows, &j);
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
};
