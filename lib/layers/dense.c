/* dense.c — Dense: a learned affine map on the last axis, then an activation.
 *
 * Keras rule: inputs of any rank are multiplied on their last axis ([B, 32, 32, 3] with a
 * [3, 128] kernel gives [B, 32, 32, 128]). Rows = batch × (elements per sample / in), so
 * every case is one GEMM. Kernel glorot_uniform [in, units], bias zeros [units].
 *
 * Forward is one product; the bias and the activation run on each block of rows of y
 * right after the product wrote it (nn_sgemm_then), while the block is still in cache.
 *
 * Backward goes one of two ways, chosen by the shape alone (so that the thread count never
 * changes a result):
 *  - few rows (the MNIST nets, R = batch): one pass turns dy into dz = dy · act'(y) and
 *    sums its columns for the bias over fixed chunks of DENSE_BIAS_ROWS rows; then the
 *    two products, each cut into blocks by nn_sgemm.
 *  - many rows (Dense per pixel, R = batch × 1024): the rows go in chunks small enough
 *    that a chunk's rows of x, dy and dx stay in the L2 cache. Per chunk, on one thread:
 *    dz = dy · act'(y) and its bias sums, dW_g += x_chunkᵀ · dz_chunk, dx_chunk =
 *    dz_chunk · Wᵀ. Each of x, y, dy, dx then crosses memory once, where separate passes
 *    and products stream them six or seven times (and xᵀ · dz cut by rows of dW would read
 *    all of dz once per block). The chunks form DENSE_GROUPS fixed groups; a thread takes
 *    whole groups, each group accumulates its own partial dW_g and db_g over its chunks in
 *    order, and the partials are added into dW and db in group order at the end.
 */
#include <stddef.h>
#include <string.h>

#include "layers/act.h"
#include "layers/layer.h"
#include "tensor/vec.h"

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

/* Few-rows path: bias sums over fixed chunks of rows, then the chunks in order. */
#define DENSE_BIAS_ROWS 64
/* Many-rows path: a chunk holds about this many floats of x and dy rows (512 KiB) ... */
#define DENSE_CHUNK_FLOATS (1 << 17)
/* ... and the chunks form this many groups with a partial dW each. */
#define DENSE_GROUPS 16

static size_t dense_rows(const nn_node *n, int batch)
{
    return (size_t)batch * (nn_node_in_numel(n, 0) / (size_t)nn_shape_last(&n->in_shape[0]));
}

/* Rows per chunk of the many-rows path: a power of two in [16, 4096]. */
static size_t chunk_rows(size_t in, size_t units)
{
    size_t r = 16;
    while (r < 4096 && 2 * r * (in + units) <= DENSE_CHUNK_FLOATS)
        r *= 2;
    return r;
}

/* The many-rows path pays when there are enough chunks to share out (16 or more) and the
 * group partials are small next to the activations they replace trips over. */
static bool many_rows(size_t rows, size_t in, size_t units)
{
    return rows >= DENSE_GROUPS * chunk_rows(in, units) &&
           DENSE_GROUPS * in * units <= rows * (in + units) / 4;
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

/* scratch: few rows: bias partials [chunks, units]; many rows: the group partials
 * dW_g [DENSE_GROUPS, in, units] then db_g [DENSE_GROUPS, units]. A smaller last batch
 * may take the other path, so room for both (the few-rows one is tiny). */
static size_t dense_scratch(const nn_node *n, int batch)
{
    const dense_cfg *c = n->cfg;
    size_t rows = dense_rows(n, batch), in = (size_t)nn_shape_last(&n->in_shape[0]);
    size_t units = (size_t)c->units;
    size_t few = (rows + DENSE_BIAS_ROWS - 1) / DENSE_BIAS_ROWS * units;
    size_t many = many_rows(rows, in, units) ? DENSE_GROUPS * (in + 1) * units : 0;
    return (few > many ? few : many) * sizeof(float);
}

static double dense_flops(const nn_node *n)
{
    const dense_cfg *c = n->cfg;
    double rows = (double)dense_rows(n, 1);
    return rows * (2.0 * nn_shape_last(&n->in_shape[0]) * c->units + 2.0 * c->units);
}

/* --- the elementwise loops --------------------------------------------------------------- */

/* y[rows, u] += b (broadcast over rows), then relu when asked: one pass. */
NN_VECTORIZED static void bias_relu(float *restrict y, const float *restrict b, size_t rows,
                                    size_t u, bool relu)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * u;
        if (relu)
            for (size_t i = 0; i < u; i++) {
                float v = row[i] + b[i];
                row[i] = v > 0.0f ? v : 0.0f;
            }
        else
            for (size_t i = 0; i < u; i++)
                row[i] += b[i];
    }
}

/* dz[rows, u] = dy · [y > 0] in place (relu) or left as is (linear), and p[u] += Σ_rows dz
 * (p NULL: no bias): one pass over dy. */
NN_VECTORIZED static void relu_grad_bias_sums(float *restrict dz, const float *restrict y,
                                              float *restrict p, size_t rows, size_t u,
                                              bool relu)
{
    for (size_t r = 0; r < rows; r++) {
        float *d = dz + r * u;
        const float *yr = y + r * u;
        if (relu)
            for (size_t i = 0; i < u; i++)
                d[i] = yr[i] > 0.0f ? d[i] : 0.0f;
        if (p)
            for (size_t i = 0; i < u; i++)
                p[i] += d[i];
    }
}

/* out[n] += part[g][n] for g = 0 .. groups-1, in that order. */
NN_VECTORIZED static void add_partials(float *restrict out, const float *restrict part,
                                       size_t groups, size_t stride, size_t n)
{
    for (size_t g = 0; g < groups; g++)
        for (size_t i = 0; i < n; i++)
            out[i] += part[g * stride + i];
}

/* The activation's derivative (and bias sums) on rows [r0, r1) of dz, in place. */
static void act_grad_rows(nn_act act, const float *y, float *dz, float *bias_sum, size_t u,
                          size_t r0, size_t r1)
{
    if (act == NN_ACT_RELU || act == NN_ACT_LINEAR) {
        relu_grad_bias_sums(dz + r0 * u, y + r0 * u, bias_sum, r1 - r0, u,
                            act == NN_ACT_RELU);
        return;
    }
    nn_act_grad_rows(act, y, dz, dz, false, u, r0, r1);
    if (bias_sum)
        relu_grad_bias_sums(dz + r0 * u, y + r0 * u, bias_sum, r1 - r0, u, false);
}

/* --- forward ------------------------------------------------------------------------------ */

typedef struct dense_job {
    const nn_node *n;
    nn_act act;          /* as applied: linear when the loss applies the softmax */
    size_t in, units, rows;
    const float *x, *w, *b; /* b NULL: no bias */
    float *y, *dz, *dx;
    bool dx_accumulate;
    float *partial;      /* bias partials (few rows) or group partials (many rows) */
    size_t chunk, chunks; /* many rows: rows per chunk, number of chunks */
} dense_job;

static nn_act applied(const nn_node *n)
{
    const dense_cfg *c = n->cfg;
    return n->softmax_in_loss ? NN_ACT_LINEAR : (nn_act)c->activation;
}

/* bias and activation on rows [r0, r1) of y, after the product wrote them */
static void bias_act_rows(void *arg, size_t r0, size_t r1)
{
    const dense_job *j = arg;
    float *y = j->y + r0 * j->units;
    if (j->b && (j->act == NN_ACT_RELU || j->act == NN_ACT_LINEAR)) {
        bias_relu(y, j->b, r1 - r0, j->units, j->act == NN_ACT_RELU);
        return;
    }
    if (j->b)
        bias_relu(y, j->b, r1 - r0, j->units, false);
    nn_act_apply_rows(j->act, j->y, j->y, j->units, r0, r1);
}

/* forward:  y[R, units] = act(x[R, in] · W[in, units] + b)                  R = rows
 * backward: dz = dy · act'(y)   (in place in dy)
 *           dW[in, units] += xᵀ · dz      db[units] += Σ_rows dz      dx[R, in] (+)= dz · Wᵀ */
static void dense_forward(nn_node *n, const nn_ctx *ctx)
{
    const dense_cfg *c = n->cfg;
    int in = nn_shape_last(&n->in_shape[0]);
    int rows = (int)dense_rows(n, ctx->batch);
    dense_job j = {.n = n, .act = applied(n), .units = (size_t)c->units, .y = n->y,
                   .b = c->use_bias ? n->param[1].w : NULL};
    bool after = j.b || j.act != NN_ACT_LINEAR;
    nn_sgemm_then(ctx->pool, ctx->trace, false, false, rows, c->units, in, 1.0f, n->x[0], in,
                  n->param[0].w, c->units, 0.0f, n->y, c->units, after ? bias_act_rows : NULL,
                  &j);
}

/* --- backward, few rows -------------------------------------------------------------------- */

/* Bias chunks [k0, k1): act' in place and the chunk's column sums. */
static void few_rows_chunks(void *arg, size_t k0, size_t k1)
{
    const dense_job *j = arg;
    for (size_t k = k0; k < k1; k++) {
        size_t r0 = k * DENSE_BIAS_ROWS, r1 = r0 + DENSE_BIAS_ROWS;
        r1 = r1 < j->rows ? r1 : j->rows;
        float *p = j->b ? j->partial + k * j->units : NULL;
        if (p)
            memset(p, 0, j->units * sizeof *p);
        act_grad_rows(j->act, j->y, j->dz, p, j->units, r0, r1);
    }
}

static void backward_few_rows(nn_node *n, const nn_ctx *ctx, dense_job *j)
{
    size_t chunks = (j->rows + DENSE_BIAS_ROWS - 1) / DENSE_BIAS_ROWS;
    if (j->b || j->act != NN_ACT_LINEAR)
        nn_pool_for(ctx->pool, chunks, 1, few_rows_chunks, j);
    if (j->b)
        add_partials(n->param[1].g, j->partial, chunks, j->units, j->units);
    /* dW[in, units] += x[R, in]ᵀ · dz[R, units]  and  dx[R, in] (+)= dz[R, units] · W[in, units]ᵀ,
     * side by side (independent products) */
    int in = (int)j->in, units = (int)j->units, rows = (int)j->rows;
    nn_gemm_op ops[2] = {
        {true, false, in, units, rows, 1.0f, j->x, in, j->dz, units, 1.0f, n->param[0].g, units},
        {false, true, rows, in, units, 1.0f, j->dz, units, j->w, units,
         j->dx_accumulate ? 1.0f : 0.0f, j->dx, in},
    };
    nn_sgemm_many(ctx->pool, ctx->trace, ops, j->dx ? 2 : 1);
}

/* --- backward, many rows ------------------------------------------------------------------- */

/* Groups [g0, g1): every chunk of each group, in order, on this thread. */
static void many_rows_groups(void *arg, size_t g0, size_t g1)
{
    const dense_job *j = arg;
    size_t in = j->in, u = j->units;
    for (size_t g = g0; g < g1; g++) {
        float *dw = j->partial + g * in * u;                     /* [in, units] */
        float *db = j->partial + DENSE_GROUPS * in * u + g * u;  /* [units] */
        memset(db, 0, u * sizeof *db);
        size_t c0 = g * j->chunks / DENSE_GROUPS, c1 = (g + 1) * j->chunks / DENSE_GROUPS;
        for (size_t c = c0; c < c1; c++) {
            size_t r0 = c * j->chunk, r1 = r0 + j->chunk < j->rows ? r0 + j->chunk : j->rows;
            int m = (int)(r1 - r0);
            const float *x = j->x + r0 * in;
            float *dz = j->dz + r0 * u;
            act_grad_rows(j->act, j->y, j->dz, j->b ? db : NULL, u, r0, r1);
            /* dW_g[in, units] (+)= x[m, in]ᵀ · dz[m, units]: the group's first chunk writes */
            nn_sgemm_serial(true, false, (int)in, (int)u, m, 1.0f, x, (int)in, dz, (int)u,
                            c == c0 ? 0.0f : 1.0f, dw, (int)u);
            /* dx[m, in] (+)= dz[m, units] · W[in, units]ᵀ */
            if (j->dx)
                nn_sgemm_serial(false, true, m, (int)in, (int)u, 1.0f, dz, (int)u, j->w, (int)u,
                                j->dx_accumulate ? 1.0f : 0.0f, j->dx + r0 * in, (int)in);
        }
    }
}

typedef struct sum_job {
    float *out;
    const float *part;
    size_t stride;
} sum_job;

static void sum_range(void *arg, size_t i0, size_t i1)
{
    const sum_job *s = arg;
    add_partials(s->out + i0, s->part + i0, DENSE_GROUPS, s->stride, i1 - i0);
}

static void backward_many_rows(nn_node *n, const nn_ctx *ctx, dense_job *j)
{
    j->chunk = chunk_rows(j->in, j->units);
    j->chunks = (j->rows + j->chunk - 1) / j->chunk;
    /* the two products as wholes, for the trace (make bench's floor) */
    nn_gemm_record(ctx->trace, true, false, (int)j->in, (int)j->units, (int)j->rows, true);
    if (j->dx)
        nn_gemm_record(ctx->trace, false, true, (int)j->rows, (int)j->in, (int)j->units,
                       j->dx_accumulate);
    nn_pool_for(ctx->pool, DENSE_GROUPS, 1, many_rows_groups, j);
    size_t w_len = j->in * j->units;
    sum_job sw = {n->param[0].g, j->partial, w_len};
    nn_pool_for(ctx->pool, w_len, 8192, sum_range, &sw);
    if (j->b)
        add_partials(n->param[1].g, j->partial + DENSE_GROUPS * w_len, DENSE_GROUPS, j->units,
                     j->units);
}

static void dense_backward(nn_node *n, const nn_ctx *ctx)
{
    const dense_cfg *c = n->cfg;
    dense_job j = {.n = n, .act = applied(n), .in = (size_t)nn_shape_last(&n->in_shape[0]),
                   .units = (size_t)c->units, .rows = dense_rows(n, ctx->batch),
                   .x = n->x[0], .w = n->param[0].w, .b = c->use_bias ? n->param[1].w : NULL,
                   .y = n->y, .dz = n->dy, .dx = n->dx[0], .dx_accumulate = !n->dx_overwrite[0],
                   .partial = n->scratch};
    if (many_rows(j.rows, j.in, j.units))
        backward_many_rows(n, ctx, &j);
    else
        backward_few_rows(n, ctx, &j);
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
