/* act.c — activation functions and their derivatives, in place, threaded by rows.
 *
 *   relu     y = max(z, 0)             dz = dy · [y > 0]
 *   sigmoid  y = 1 / (1 + e^-z)        dz = dy · y (1 - y)
 *   tanh     y = tanh z                dz = dy · (1 - y²)
 *   softmax  y_i = e^(z_i - m) / Σ_j e^(z_j - m), m = max z    dz_i = y_i (dy_i - Σ_j dy_j y_j)
 */
#include "layers/act.h"

#include <math.h>

const char *const nn_act_names[] = {"linear", "relu", "sigmoid", "tanh", "softmax", NULL};

typedef struct act_job {
    nn_act act;
    const float *y;
    float *d;
    size_t cols;
} act_job;

static void forward_rows(void *arg, size_t r0, size_t r1)
{
    act_job *j = arg;
    float *y = j->d;
    size_t c = j->cols;
    switch (j->act) {
    case NN_ACT_LINEAR:
        break;
    case NN_ACT_RELU:
        for (size_t i = r0 * c; i < r1 * c; i++)
            y[i] = y[i] > 0.0f ? y[i] : 0.0f;
        break;
    case NN_ACT_SIGMOID:
        for (size_t i = r0 * c; i < r1 * c; i++)
            y[i] = 1.0f / (1.0f + expf(-y[i]));
        break;
    case NN_ACT_TANH:
        for (size_t i = r0 * c; i < r1 * c; i++)
            y[i] = tanhf(y[i]);
        break;
    case NN_ACT_SOFTMAX:
        for (size_t r = r0; r < r1; r++) {
            float *row = y + r * c;
            float m = row[0];
            for (size_t i = 1; i < c; i++)
                m = row[i] > m ? row[i] : m;
            float s = 0.0f;
            for (size_t i = 0; i < c; i++) {
                row[i] = expf(row[i] - m);
                s += row[i];
            }
            float inv = 1.0f / s;
            for (size_t i = 0; i < c; i++)
                row[i] *= inv;
        }
        break;
    }
}

static void backward_rows(void *arg, size_t r0, size_t r1)
{
    act_job *j = arg;
    const float *y = j->y;
    float *d = j->d;
    size_t c = j->cols;
    switch (j->act) {
    case NN_ACT_LINEAR:
        break;
    case NN_ACT_RELU:
        for (size_t i = r0 * c; i < r1 * c; i++)
            d[i] = y[i] > 0.0f ? d[i] : 0.0f;
        break;
    case NN_ACT_SIGMOID:
        for (size_t i = r0 * c; i < r1 * c; i++)
            d[i] *= y[i] * (1.0f - y[i]);
        break;
    case NN_ACT_TANH:
        for (size_t i = r0 * c; i < r1 * c; i++)
            d[i] *= 1.0f - y[i] * y[i];
        break;
    case NN_ACT_SOFTMAX:
        for (size_t r = r0; r < r1; r++) {
            const float *yr = y + r * c;
            float *dr = d + r * c;
            float dot = 0.0f;
            for (size_t i = 0; i < c; i++)
                dot += dr[i] * yr[i];
            for (size_t i = 0; i < c; i++)
                dr[i] = yr[i] * (dr[i] - dot);
        }
        break;
    }
}

/* Rows per task: enough work (>= ~16k elements) that waking a thread pays. */
static size_t grain_rows(size_t cols)
{
    size_t g = 16384 / (cols ? cols : 1);
    return g ? g : 1;
}

void nn_act_forward(nn_act act, float *y, size_t rows, size_t cols, nn_pool *pool)
{
    if (act == NN_ACT_LINEAR)
        return;
    act_job j = {act, y, y, cols};
    nn_pool_for(pool, rows, grain_rows(cols), forward_rows, &j);
}

void nn_act_backward(nn_act act, const float *y, float *d, size_t rows, size_t cols,
                     nn_pool *pool)
{
    if (act == NN_ACT_LINEAR)
        return;
    act_job j = {act, y, d, cols};
    nn_pool_for(pool, rows, grain_rows(cols), backward_rows, &j);
}
