/* loss.c — cross-entropy (fused with softmax, or on probabilities) and accuracy.
 *
 * Per-sample losses are summed in double in sample order, so the batch sum does not depend
 * on threading; the rows themselves are independent.
 */
#include "losses/loss.h"

#include <math.h>

const char *const nn_loss_names[] = {"sparse_categorical_crossentropy",
                                     "categorical_crossentropy", NULL};

static int argmax_row(const float *row, int C)
{
    int best = 0;
    for (int i = 1; i < C; i++)
        if (row[i] > row[best])
            best = i;
    return best;
}

/* forward:  m = max z,  lse = m + log Σ exp(z - m),  loss = lse - z[y],  p = exp(z - lse)
 * backward: dz = (p - onehot(y)) / B */
nn_loss_result nn_softmax_xent(float *z, const int32_t *y, int B, int C, float *dz)
{
    nn_loss_result r = {0.0, 0};
    float inv_b = 1.0f / (float)B;
    for (int b = 0; b < B; b++) {
        float *row = z + (size_t)b * (size_t)C;
        int label = y[b];
        int best = argmax_row(row, C);
        r.correct += best == label;
        float m = row[best];
        double s = 0.0;
        for (int i = 0; i < C; i++)
            s += exp((double)(row[i] - m));
        double lse = (double)m + log(s);
        r.loss_sum += lse - (double)row[label];
        for (int i = 0; i < C; i++)
            row[i] = (float)exp((double)row[i] - lse);
        if (dz) {
            float *d = dz + (size_t)b * (size_t)C;
            for (int i = 0; i < C; i++)
                d[i] = (row[i] - (i == label ? 1.0f : 0.0f)) * inv_b;
        }
    }
    return r;
}

/* forward:  q = p / Σ p,  c = clip(q, eps, 1 - eps),  loss = -log c[y]
 * backward: d loss/d p_j = -(1/c_y) · [c_y unclipped] · (δ_jy - q_y) / Σ p, then / B */
nn_loss_result nn_prob_xent(const float *p, const int32_t *y, int B, int C, float *dp)
{
    const double eps = 1e-7;
    nn_loss_result r = {0.0, 0};
    for (int b = 0; b < B; b++) {
        const float *row = p + (size_t)b * (size_t)C;
        int label = y[b];
        r.correct += argmax_row(row, C) == label;
        double s = 0.0;
        for (int i = 0; i < C; i++)
            s += row[i];
        double q = row[label] / s;
        double c = q < eps ? eps : (q > 1.0 - eps ? 1.0 - eps : q);
        r.loss_sum += -log(c);
        if (dp) {
            float *d = dp + (size_t)b * (size_t)C;
            bool inside = q > eps && q < 1.0 - eps;
            for (int i = 0; i < C; i++) {
                double dq = ((i == label ? 1.0 : 0.0) - q) / s;
                d[i] = inside ? (float)(-dq / c / (double)B) : 0.0f;
            }
        }
    }
    return r;
}
