/* dense.c — Dense: a learned affine map on the last axis, then an activation.
 *
 * Keras rule: inputs of any rank are multiplied on their last axis ([B, 32, 32, 3] with a
 * [3, 128] kernel gives [B, 32, 32, 128]). Rows = batch × (elements per sample / in), so
 * every case is one GEMM. Kernel glorot_uniform [in, units], bias zeros [units].
 */
#include <stddef.h>
#include <string.h>

#include "layers/act.h"
#include "layers/layer.h"

typedef struct dense_cfg {
    int units;
    int activation; /* nn_act */
    bool use_bias;
} dense_cfg;

static const nn_key dense_keys[] = {
    {"units", NN_T_INT, NULL, offsetof(dense_cfg, units), NN_K_MIN | NN_K_MAX, 1, 1 << 24, NULL},
    {"activation", NN_T_ENUM, "linear", offsetof(dense_cfg, activation), 0, 0, 0, nn_act_names},
    {"use_bias", NN_T_BOOL, "true", offsetof(dense_cfg, use_bias), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

/* Bias-sum partials: columns are summed over fixed chunks of rows, then the chunks in
 * order, so the result does not depend on the thread count. */
#define DENSE_CHUNK_ROWS 512

static size_t dense_rows(const nn_node *n, int batch)
{
    return (size_t)batch * (nn_node_in_numel(n, 0) / (size_t)nn_shape_last(&n->in_shape[0]));
}

static nn_status dense_infer(nn_node *n, nn_error *err)
{
    const dense_cfg *c = n->cfg;
    if (n->in_shape[0].rank < 1)
        return nn_fail_at(err, NN_E_CONFIG, n->mark.file, n->mark.line, n->mark.column,
                          "layer '%s': dense needs an input with at least one axis", n->name);
    int in = nn_shape_last(&n->in_shape[0]);
    n->shape = n->in_shape[0];
    n->shape.dim[n->shape.rank - 1] = c->units;
    nn_node_add_param(n, "kernel", nn_shape_make(2, (int[]){in, c->units}), true,
                      NN_INIT_GLOROT_UNIFORM);
    if (c->use_bias)
        nn_node_add_param(n, "bias", nn_shape_make(1, (int[]){c->units}), true, NN_INIT_ZEROS);
    return NN_OK;
}

static size_t dense_scratch(const nn_node *n, int batch)
{
    const dense_cfg *c = n->cfg;
    size_t chunks = (dense_rows(n, batch) + DENSE_CHUNK_ROWS - 1) / DENSE_CHUNK_ROWS;
    return chunks * (size_t)c->units * sizeof(float);
}

static double dense_flops(const nn_node *n)
{
    const dense_cfg *c = n->cfg;
    double rows = (double)dense_rows(n, 1);
    return rows * (2.0 * nn_shape_last(&n->in_shape[0]) * c->units + 2.0 * c->units);
}

typedef struct bias_act_job {
    float *y;
    const float *b; /* NULL: no bias */
    size_t units;
    nn_act act;
} bias_act_job;

static void bias_act_rows(void *arg, size_t r0, size_t r1)
{
    bias_act_job *j = arg;
    size_t u = j->units;
    for (size_t r = r0; r < r1; r++) {
        float *row = j->y + r * u;
        if (j->b)
            for (size_t i = 0; i < u; i++)
                row[i] += j->b[i];
        if (j->act == NN_ACT_RELU)
            for (size_t i = 0; i < u; i++)
                row[i] = row[i] > 0.0f ? row[i] : 0.0f;
    }
    if (j->act != NN_ACT_RELU && j->act != NN_ACT_LINEAR)
        nn_act_forward(j->act, j->y + r0 * u, r1 - r0, u, NULL);
}

/* forward:  y[R, units] = act(x[R, in] · W[in, units] + b)                  R = rows
 * backward: dz = dy · act'(y)   (in place in dy)
 *           dW[in, units] += xᵀ · dz      db[units] += Σ_rows dz      dx[R, in] (+)= dz · Wᵀ */
static void dense_forward(nn_node *n, const nn_ctx *ctx)
{
    const dense_cfg *c = n->cfg;
    int in = nn_shape_last(&n->in_shape[0]);
    int rows = (int)dense_rows(n, ctx->batch);
    nn_sgemm(ctx->trace, false, false, rows, c->units, in, 1.0f, n->x[0], in, n->param[0].w,
             c->units, 0.0f, n->y, c->units);
    nn_act act = n->softmax_in_loss ? NN_ACT_LINEAR : (nn_act)c->activation;
    bias_act_job j = {n->y, c->use_bias ? n->param[1].w : NULL, (size_t)c->units, act};
    if (j.b || act != NN_ACT_LINEAR)
        nn_pool_for(ctx->pool, (size_t)rows, 16384 / (size_t)c->units + 1, bias_act_rows, &j);
}

typedef struct bias_grad_job {
    const float *dz;
    float *partial; /* [chunks, units] */
    size_t rows, units;
} bias_grad_job;

static void bias_grad_chunks(void *arg, size_t k0, size_t k1)
{
    bias_grad_job *j = arg;
    for (size_t k = k0; k < k1; k++) {
        float *p = j->partial + k * j->units;
        memset(p, 0, j->units * sizeof *p);
        size_t r1 = (k + 1) * DENSE_CHUNK_ROWS;
        if (r1 > j->rows)
            r1 = j->rows;
        for (size_t r = k * DENSE_CHUNK_ROWS; r < r1; r++) {
            const float *row = j->dz + r * j->units;
            for (size_t i = 0; i < j->units; i++)
                p[i] += row[i];
        }
    }
}

static void dense_backward(nn_node *n, const nn_ctx *ctx)
{
    const dense_cfg *c = n->cfg;
    int in = nn_shape_last(&n->in_shape[0]);
    int rows = (int)dense_rows(n, ctx->batch);
    float *dz = n->dy;
    if (!n->softmax_in_loss)
        nn_act_backward((nn_act)c->activation, n->y, dz, (size_t)rows, (size_t)c->units,
                        ctx->pool);

    nn_sgemm(ctx->trace, true, false, in, c->units, rows, 1.0f, n->x[0], in, dz, c->units,
             1.0f, n->param[0].g, c->units);
    if (c->use_bias) {
        size_t chunks = ((size_t)rows + DENSE_CHUNK_ROWS - 1) / DENSE_CHUNK_ROWS;
        bias_grad_job j = {dz, n->scratch, (size_t)rows, (size_t)c->units};
        nn_pool_for(ctx->pool, chunks, 8, bias_grad_chunks, &j);
        float *db = n->param[1].g;
        for (size_t k = 0; k < chunks; k++)
            for (int i = 0; i < c->units; i++)
                db[i] += j.partial[k * (size_t)c->units + (size_t)i];
    }
    if (n->dx[0])
        nn_sgemm(ctx->trace, false, true, rows, in, c->units, 1.0f, dz, c->units,
                 n->param[0].w, c->units, n->dx_overwrite[0] ? 0.0f : 1.0f, n->dx[0], in);
}

static int dense_final_activation(const nn_node *n)
{
    return ((const dense_cfg *)n->cfg)->activation;
}

const nn_layer_ops nn_dense_ops = {
    .type = "dense",
    .keras_class = "Dense",
    .main_key = "units",
    .schema = dense_keys,
    .cfg_size = sizeof(dense_cfg),
    .min_inputs = 1,
    .max_inputs = 1,
    .infer = dense_infer,
    .scratch_bytes = dense_scratch,
    .flops = dense_flops,
    .forward = dense_forward,
    .backward = dense_backward,
    .final_activation = dense_final_activation,
};
