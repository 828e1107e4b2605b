/* act.h — elementwise activations shared by dense and activation layers.
 *
 * Forward applies f in place on a [rows, cols] block; backward turns dy into dz = dy ·
 * f'(z) in place, using only the output y (every activation here has a derivative that
 * can be written in terms of its output).
 */
#ifndef NN_LAYERS_ACT_H
#define NN_LAYERS_ACT_H

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

/* y = f(y) in place, y[rows, cols]. */
void nn_act_forward(nn_act act, float *y, size_t rows, size_t cols, nn_pool *pool);

/* d[rows, cols] = d · f'(z) in place, from the output y = f(z). For softmax:
 * dz_i = y_i (d_i - sum_j d_j y_j). */
void nn_act_backward(nn_act act, const float *y, float *d, size_t rows, size_t cols,
                     nn_pool *pool);

#endif
