/* loss.h — classification losses and the accuracy metric.
 *
 * Both cross-entropies take integer labels (categorical_crossentropy with one-hot targets
 * is the same number as the sparse form with their argmax, so one-hot vectors are never
 * built). When the model ends in a softmax, the loss works on the logits, fused, without
 * clipping (Keras's Softmax-op shortcut); otherwise it clips probabilities to
 * [1e-7, 1 - 1e-7] as Keras does.
 */
#ifndef NN_LOSSES_LOSS_H
#define NN_LOSSES_LOSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>


typedef enum nn_loss_kind {
    NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
    NN_LOSS_CATEGORICAL_CROSSENTROPY
} nn_loss_kind;

/* YAML names indexed by nn_loss_kind, NULL-terminated. */
extern const char *const nn_loss_names[];

typedef struct nn_loss_result {
    double loss_sum; /* Σ over the batch of per-sample losses (divide by B for the mean) */
    long correct;    /* samples whose argmax (first on ties) equals the label */
} nn_loss_result;

/* Fused softmax cross-entropy on logits z[B, C] with labels y[B] in [0, C):
 *   loss_b = logsumexp(z_b) - z_b[y_b]
 * z is overwritten with the probabilities softmax(z). When dz is not NULL it receives the
 * gradient of the batch MEAN loss: dz = (p - onehot(y)) / B (overwritten). */
nn_loss_result nn_softmax_xent(float *z, const int32_t *y, int B, int C, float *dz);

/* Cross-entropy on probabilities p[B, C] (not fused): p is renormalised per row as Keras
 * does, clipped to [1e-7, 1 - 1e-7], loss_b = -log p_b[y_b]; dp (if not NULL) receives
 * d(mean loss)/dp (overwritten). p is left unchanged. */
nn_loss_result nn_prob_xent(const float *p, const int32_t *y, int B, int C, float *dp);

#endif
