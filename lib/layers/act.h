/* act.h — elementwise activations shared by dense and activation layers.
 *
 * Forward applies f on a [rows, cols] block; backward turns dy into dz = dy · f'(z), using
 * only the output y (every activation here has a derivative that can be written in terms
 * of its output). Both are one vectorised pass (tensor/vec.h), threaded by rows.
 */
#ifndef NN_LAYERS_ACT_H
#define NN_LAYERS_ACT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pool.h"

typedef enum nn_act {
    NN_ACT_LINEAR,
    NN_ACT_RELU,
    NN_ACT_SIGMOID,
    NN_ACT_TANH,
    NN_ACT_SOFTMAX /* over the last axis (cols) */
} nn_act;

/* YAML names indexed by nn_act, NULL-terminated. */
extern const char *const nn_act_names[];

/* y[rows, cols] = f(x); x may be y (in place). */
void nn_act_apply(nn_act act, const float *x, float *y, size_t rows, size_t cols,
                  nn_pool *pool);

/* y = f(y) in place, y[rows, cols]. */
void nn_act_forward(nn_act act, float *y, size_t rows, size_t cols, nn_pool *pool);

/* out[rows, cols] = dy · f'(z), or out += dy · f'(z) when `accumulate`, from the output
 * y = f(z); out may be dy (in place, not accumulating). For softmax:
 * dz_i = y_i (dy_i - Σ_j dy_j y_j). */
void nn_act_grad(nn_act act, const float *y, const float *dy, float *out, bool accumulate,
                 size_t rows, size_t cols, nn_pool *pool);

/* d = d · f'(z) in place (nn_act_grad with out = d). */
void nn_act_backward(nn_act act, const float *y, float *d, size_t rows, size_t cols,
                     nn_pool *pool);

/* The same passes on rows [r0, r1) of a [rows, cols] block, on the calling thread (for
 * layers that fuse them with other work on the same rows). */
void nn_act_apply_rows(nn_act act, const float *x, float *y, size_t cols, size_t r0, size_t r1);
void nn_act_grad_rows(nn_act act, const float *y, const float *dy, float *out, bool accumulate,
                      size_t cols, size_t r0, size_t r1);

#endif
