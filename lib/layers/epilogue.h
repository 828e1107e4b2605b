/* epilogue.h — ReLU and dropout applied by the layer before them, inside its own pass.
 *
 * In residual blocks such as configs/resnet10.yaml's, BatchNormalization ->
 * Activation(relu) -> Dropout, the two
 * elementwise layers each cost a pass over the whole [rows, C] tensor forward and another
 * backward, as much memory traffic as the batch normalization itself (on the per-pixel
 * CIFAR net every pass moves 64 MiB). So the planner (graph/plan.c) lets a layer whose ops
 * take an epilogue (ops->epilogue) apply a relu Activation and then a Dropout that follow
 * it, when each is the only consumer of what comes before it: the layer runs them on each
 * small block of rows right after computing it, while the block is in cache. The fused
 * nodes keep their names, shapes and summary rows, but run nothing and share the layer's
 * y and dy (node->fused; the layer's node->epilogue_relu, ->epilogue_dropout).
 *
 * Backward needs neither the mask nor the output before the epilogue. With y the output
 * after it and dy the gradient there:
 *   relu, then dropout:  dz = y > 0 ? dy · scale : 0   (y > 0 exactly when the element was
 *                                                       kept and passed the relu)
 *   relu:                dz = y > 0 ? dy : 0
 *   dropout:             dz = keep(i) ? dy · scale : 0 (the mask again from its hash)
 * These are bit for bit what the separate layers compute, forward and backward
 * (tests/layers/test_layers.c runs both ways and compares).
 */
#ifndef NN_LAYERS_EPILOGUE_H
#define NN_LAYERS_EPILOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/rng.h"
#include "layers/layer.h"

/* A Dropout's mask for one step: element i of the layer's output (counted over the whole
 * batch) is kept when hash(key, i) >= threshold, probability 1 - rate, and then scaled by
 * `scale` = 1 / (1 - rate). */
typedef struct nn_dropout_mask {
    bool active; /* training and rate > 0; otherwise dropout is the identity */
    uint32_t key, threshold;
    float scale;
} nn_dropout_mask;

/* The mask of Dropout node n for this step: the step's seed and the node's index make the
 * key, so a fused dropout drops the same elements as the layer would (dropout.c). */
nn_dropout_mask nn_dropout_mask_of(const nn_node *n, const nn_ctx *ctx);

/* All ones when element i is kept, else zero. */
static inline uint32_t nn_dropout_keep(uint32_t key, uint32_t threshold, uint32_t i)
{
    return -(uint32_t)(nn_hash32(key, i) >= threshold);
}

/* v where `keep` is all ones, +0.0f where it is zero: the select of `keep ? v : 0` written
 * on the bits, which every clone vectorises (a float select only vectorises with AVX-512's
 * mask registers). */
static inline float nn_masked(float v, uint32_t keep)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits &= keep;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* What a layer applies after its own output in one step. */
typedef struct nn_epilogue {
    bool relu;
    nn_dropout_mask dropout;
} nn_epilogue;

/* The epilogue of node n for this step (nothing to do when n has none, or when it has
 * only a dropout and ctx is not training). */
nn_epilogue nn_epilogue_of(const nn_node *n, const nn_ctx *ctx);

/* True when the epilogue changes anything. */
static inline bool nn_epilogue_any(const nn_epilogue *e)
{
    return e->relu || e->dropout.active;
}

/* y[count] = epilogue(y), in place; y holds elements i0 .. i0 + count - 1 of the output. */
void nn_epilogue_forward(const nn_epilogue *e, float *y, size_t i0, size_t count);

/* dy[count] = the gradient before the epilogue, in place, from the output y after it
 * (elements i0 .. i0 + count - 1). */
void nn_epilogue_backward(const nn_epilogue *e, const float *y, float *dy, size_t i0,
                          size_t count);

#endif
