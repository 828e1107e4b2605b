/* epilogue.c — the relu and dropout a layer applies after its own output (see epilogue.h).
 *
 * Each loop is one vectorised pass (tensor/vec.h) over a block the calling layer has just
 * written or is about to read, so the block is in cache; the arithmetic is the separate
 * layers' own (act.c's relu, dropout.c's mask), so the results are the same bits.
 */
#include "layers/epilogue.h"

#include "tensor/vec.h"

nn_epilogue nn_epilogue_of(const nn_node *n, const nn_ctx *ctx)
{
    nn_epilogue e = {.relu = n->epilogue_relu != NULL};
    if (n->epilogue_dropout)
        e.dropout = nn_dropout_mask_of(n->epilogue_dropout, ctx);
    return e;
}

/* y = keep(i) ? max(y, 0) · scale : 0   (relu false: y · scale where kept) */
NN_VECTORIZED static void drop_forward(float *restrict y, bool relu, uint32_t key,
                                       uint32_t threshold, float scale, uint32_t i0, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = relu ? (y[i] > 0.0f ? y[i] : 0.0f) : y[i];
        y[i] = nn_masked(v * scale, nn_dropout_keep(key, threshold, i0 + (uint32_t)i));
    }
}

/* y = max(y, 0) */
NN_VECTORIZED static void relu_forward(float *restrict y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = y[i] > 0.0f ? y[i] : 0.0f;
}

void nn_epilogue_forward(const nn_epilogue *e, float *y, size_t i0, size_t count)
{
    const nn_dropout_mask *m = &e->dropout;
    if (m->active)
        drop_forward(y, e->relu, m->key, m->threshold, m->scale, (uint32_t)i0, count);
    else if (e->relu)
        relu_forward(y, count);
}

/* relu and dropout: dy = y > 0 ? dy · scale : 0   (relu alone: scale is not applied).
 * The select is written on the bits (nn_masked): GCC keeps a multiply under a condition
 * scalar unless AVX-512 masks it. */
NN_VECTORIZED static void relu_backward(const float *restrict y, float *restrict dy,
                                        bool scaled, float scale, size_t n)
{
    if (scaled)
        for (size_t i = 0; i < n; i++)
            dy[i] = nn_masked(dy[i] * scale, -(uint32_t)(y[i] > 0.0f));
    else
        for (size_t i = 0; i < n; i++)
            dy[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

/* dropout alone: dy = keep(i) ? dy · scale : 0 */
NN_VECTORIZED static void drop_backward(float *restrict dy, uint32_t key, uint32_t threshold,
                                        float scale, uint32_t i0, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dy[i] = nn_masked(dy[i] * scale, nn_dropout_keep(key, threshold, i0 + (uint32_t)i));
}

void nn_epilogue_backward(const nn_epilogue *e, const float *y, float *dy, size_t i0,
                          size_t count)
{
    const nn_dropout_mask *m = &e->dropout;
    if (e->relu)
        relu_backward(y, dy, m->active, m->scale, count);
    else if (m->active)
        drop_backward(dy, m->key, m->threshold, m->scale, (uint32_t)i0, count);
}
