/* act.c — activation functions and their derivatives, threaded by rows.
 *
 *   relu     y = max(z, 0)             dz = dy · [y > 0]
 *   sigmoid  y = 1 / (1 + e^-z)        dz = dy · y (1 - y)
 *   tanh     y = tanh z                dz = dy · (1 - y²)
 *   softmax  y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max z    dz_i = y_i (dy_i - Σ_j dy_j y_j)
 *
 * ReLU is the one the MLP and CNN configs run on every element of most layers, so its two
 * loops are vectorised clones (tensor/vec.h); the others call libm and stay scalar.
 */
#include "layers/act.h"

#include <math.h>

#include "tensor/vec.h"

const char *const nn_act_names[] = {"linear", "relu", "sigmoid", "tanh", "softmax", NULL};

/* y[n] = max(x, 0); x may be y. (x > 0 ? x : 0 keeps NaN out of the result, as before.) */
NN_VECTORIZED static void relu_apply(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* out[n] (+)= dy · [y > 0]; out may be dy when not accumulating. */
NN_VECTORIZED static void relu_grad(const float *restrict y, const float *dy, float *out,
                                    bool accumulate, size_t n)
{
    if (accumulate)
        for (size_t i = 0; i < n; i++)
            out[i] += y[i] > 0.0f ? dy[i] : 0.0f;
    else
        for (size_t i = 0; i < n; i++)
            out[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

void nn_act_apply_rows(nn_act act, const float *x, float *y, size_t c, size_t r0, size_t r1)
{
    size_t i0 = r0 * c, i1 = r1 * c;
    switch (act) {
    case NN_ACT_LINEAR:
        for (size_t i = i0; x != y && i < i1; i++)
            y[i] = x[i];
        break;
    case NN_ACT_RELU:
        relu_apply(x + i0, y + i0, i1 - i0);
        break;
    case NN_ACT_SIGMOID:
        for (size_t i = i0; i < i1; i++)
            y[i] = 1.0f / (1.0f + expf(-x[i]));
        break;
    case NN_ACT_TANH:
        for (size_t i = i0; i < i1; i++)
            y[i] = tanhf(x[i]);
        break;
    case NN_ACT_SOFTMAX:
        for (size_t r = r0; r < r1; r++) {
            const float *xr = x + r * c;
            float *row = y + r * c;
            float m = xr[0];
            for (size_t i = 1; i < c; i++)
                m = xr[i] > m ? xr[i] : m;
            float s = 0.0f;
            for (size_t i = 0; i < c; i++) {
                row[i] = expf(xr[i] - m);
                s += row[i];
            }
            float inv = 1.0f / s;
            for (size_t i = 0; i < c; i++)
                row[i] *= inv;
        }
        break;
    }
}

void nn_act_grad_rows(nn_act act, const float *y, const float *dy, float *out, bool accumulate,
                      size_t c, size_t r0, size_t r1)
{
    size_t i0 = r0 * c, i1 = r1 * c;
    switch (act) {
    case NN_ACT_LINEAR:
        for (size_t i = i0; i < i1; i++)
            out[i] = accumulate ? out[i] + dy[i] : dy[i];
        break;
    case NN_ACT_RELU:
        relu_grad(y + i0, dy + i0, out + i0, accumulate, i1 - i0);
        break;
    case NN_ACT_SIGMOID:
        for (size_t i = i0; i < i1; i++) {
            float v = dy[i] * (y[i] * (1.0f - y[i]));
            out[i] = accumulate ? out[i] + v : v;
        }
        break;
    case NN_ACT_TANH:
        for (size_t i = i0; i < i1; i++) {
            float v = dy[i] * (1.0f - y[i] * y[i]);
            out[i] = accumulate ? out[i] + v : v;
        }
        break;
    case NN_ACT_SOFTMAX:
        for (size_t r = r0; r < r1; r++) {
            const float *yr = y + r * c, *dr = dy + r * c;
            float *o = out + r * c;
            float dot = 0.0f;
            for (size_t i = 0; i < c; i++)
                dot += dr[i] * yr[i];
            for (size_t i = 0; i < c; i++) {
                float v = yr[i] * (dr[i] - dot);
                o[i] = accumulate ? o[i] + v : v;
            }
        }
        break;
    }
}

typedef struct act_job {
    nn_act act;
    const float *y; /* forward: x */
    const float *dy;
    float *out;
    bool accumulate;
    size_t cols;
} act_job;

static void apply_range(void *arg, size_t r0, size_t r1)
{
    const act_job *j = arg;
    nn_act_apply_rows(j->act, j->y, j->out, j->cols, r0, r1);
}

static void grad_range(void *arg, size_t r0, size_t r1)
{
    const act_job *j = arg;
    nn_act_grad_rows(j->act, j->y, j->dy, j->out, j->accumulate, j->cols, r0, r1);
}

/* Rows per task: at least NN_GRAIN elements. */
static size_t grain_rows(size_t cols)
{
    size_t g = NN_GRAIN / (cols ? cols : 1);
    return g ? g : 1;
}

void nn_act_apply(nn_act act, const float *x, float *y, size_t rows, size_t cols,
                  nn_pool *pool)
{
    if (act == NN_ACT_LINEAR && x == y)
        return;
    act_job j = {act, x, NULL, y, false, cols};
    nn_pool_for(pool, rows, grain_rows(cols), apply_range, &j);
}

void nn_act_forward(nn_act act, float *y, size_t rows, size_t cols, nn_pool *pool)
{
    nn_act_apply(act, y, y, rows, cols, pool);
}

void nn_act_grad(nn_act act, const float *y, const float *dy, float *out, bool accumulate,
                 size_t rows, size_t cols, nn_pool *pool)
{
    if (act == NN_ACT_LINEAR && out == dy && !accumulate)
        return;
    act_job j = {act, y, dy, out, accumulate, cols};
    nn_pool_for(pool, rows, grain_rows(cols), grad_range, &j);
}

void nn_act_backward(nn_act act, const float *y, float *d, size_t rows, size_t cols,
                     nn_pool *pool)
{
    nn_act_grad(act, y, d, d, false, rows, cols, pool);
}
