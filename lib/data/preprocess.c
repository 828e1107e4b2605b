/* preprocess.c — the preprocessing steps, in float32, in place, over the pool.
 *
 * Every step works on x[n, D] (D = numel of the per-sample shape). Per-sample steps split
 * the samples among threads; reductions across samples (standardize statistics,
 * l2_normalize along axis 0) sum fixed chunks of samples in double and combine the chunks
 * in order, so no result depends on the number of threads.
 */
#include "data/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    CHUNK = 512, /* samples per reduction chunk: fixed, whatever the thread count */
    VEC = 8      /* width of the fixed inner loops that GCC vectorizes at -O2 */
};

void nn_data_split(const nn_split *all, double fraction, nn_split *train, nn_split *val)
{
    size_t d = nn_shape_numel(&all->shape);
    size_t split_at = fraction > 0 ? (size_t)((double)all->n * (1.0 - fraction)) : all->n;
    if (split_at > all->n)
        split_at = all->n;
    *train = *all;
    train->n = split_at;
    *val = *all;
    val->n = all->n - split_at;
    val->x = all->x ? all->x + split_at * d : NULL;
    val->y = all->y ? all->y + split_at : NULL;
}

/* --- divide ------------------------------------------------------------------------- */

typedef struct scale_job {
    float *x;
    size_t d;
    float value;
} scale_job;

static void divide_range(void *arg, size_t begin, size_t end)
{
    const scale_job *j = arg;
    float *x = j->x + begin * j->d;
    size_t count = (end - begin) * j->d, i = 0;
    for (; i + VEC <= count; i += VEC) /* fixed-width inner loops vectorize at -O2 */
        for (int k = 0; k < VEC; k++)
            x[i + k] /= j->value;
    for (; i < count; i++)
        x[i] /= j->value;
}

/* --- l2_normalize --------------------------------------------------------------------- */

/* A sample seen as [outer, len, inner]: the norm runs over len for every (outer, inner). */
typedef struct l2_job {
    float *x;
    size_t d, outer, len, inner;
    double *colnorm; /* axis 0: [d] norms across samples, else NULL */
    double *partial; /* axis 0: [chunks, d] sums of squares */
    size_t n;
} l2_job;

static void l2_sample_range(void *arg, size_t begin, size_t end)
{
    enum { TILE = 512 }; /* columns whose sums of squares are held at once */
    const l2_job *j = arg;
    double inv[TILE];
    for (size_t i = begin; i < end; i++) {
        for (size_t o = 0; o < j->outer; o++) {
            float *x = j->x + i * j->d + o * j->len * j->inner; /* x[len, inner] */
            for (size_t k0 = 0; k0 < j->inner; k0 += TILE) {
                size_t w = j->inner - k0 < TILE ? j->inner - k0 : TILE;
                for (size_t k = 0; k < w; k++)
                    inv[k] = 0;
                for (size_t l = 0; l < j->len; l++) {
                    const float *row = x + l * j->inner + k0;
                    size_t k = 0;
                    for (; k + VEC <= w; k += VEC)
                        for (int v = 0; v < VEC; v++)
                            inv[k + v] += (double)row[k + v] * row[k + v];
                    for (; k < w; k++)
                        inv[k] += (double)row[k] * row[k];
                }
                /* Keras: a zero norm is replaced by 1, which leaves the values alone */
                for (size_t k = 0; k < w; k++)
                    inv[k] = inv[k] > 0 ? 1.0 / sqrt(inv[k]) : 1.0;
                for (size_t l = 0; l < j->len; l++) {
                    float *row = x + l * j->inner + k0;
                    size_t k = 0;
                    for (; k + VEC <= w; k += VEC)
                        for (int v = 0; v < VEC; v++)
                            row[k + v] = (float)(row[k + v] * inv[k + v]);
                    for (; k < w; k++)
                        row[k] = (float)(row[k] * inv[k]);
                }
            }
        }
    }
}

static void l2_axis0_sums(void *arg, size_t begin, size_t end)
{
    const l2_job *j = arg;
    for (size_t c = begin; c < end; c++) {
        double *s = j->partial + c * j->d;
        size_t last = (c + 1) * CHUNK < j->n ? (c + 1) * CHUNK : j->n;
        for (size_t k = 0; k < j->d; k++)
            s[k] = 0;
        for (size_t i = c * CHUNK; i < last; i++) {
            const float *x = j->x + i * j->d;
            for (size_t k = 0; k < j->d; k++)
                s[k] += (double)x[k] * x[k];
        }
    }
}

static void l2_axis0_scale(void *arg, size_t begin, size_t end)
{
    const l2_job *j = arg;
    for (size_t i = begin; i < end; i++) {
        float *x = j->x + i * j->d;
        for (size_t k = 0; k < j->d; k++)
            x[k] = (float)(x[k] * j->colnorm[k]);
    }
}

static nn_status l2_axis0(l2_job *j, nn_pool *pool, nn_error *err)
{
    size_t chunks = (j->n + CHUNK - 1) / CHUNK;
    j->partial = malloc(chunks * j->d * sizeof *j->partial);
    j->colnorm = calloc(j->d, sizeof *j->colnorm);
    if (!j->partial || !j->colnorm) {
        free(j->partial);
        free(j->colnorm);
        return nn_fail(err, NN_E_NOMEM, "out of memory for l2_normalize along axis 0");
    }
    nn_pool_for(pool, chunks, 1, l2_axis0_sums, j);
    for (size_t c = 0; c < chunks; c++)
        for (size_t k = 0; k < j->d; k++)
            j->colnorm[k] += j->partial[c * j->d + k];
    for (size_t k = 0; k < j->d; k++)
        j->colnorm[k] = j->colnorm[k] > 0 ? 1.0 / sqrt(j->colnorm[k]) : 1.0;
    nn_pool_for(pool, j->n, 64, l2_axis0_scale, j);
    free(j->partial);
    free(j->colnorm);
    return NN_OK;
}

static nn_status l2_normalize(const nn_preprocess *step, nn_split *s, nn_pool *pool,
                              nn_error *err)
{
    int rank = s->shape.rank;
    int axis = step->axis < 0 ? step->axis + rank + 1 : step->axis; /* with the batch axis */
    if (axis < 0 || axis > rank) {
        char shape[96];
        return nn_fail_at(err, NN_E_CONFIG, step->mark.file, step->mark.line, step->mark.column,
                          "l2_normalize: axis %d is out of range for data of shape %s "
                          "(valid: %d .. %d, counting the batch axis as 0)",
                          step->axis, nn_shape_format(&s->shape, shape, sizeof shape),
                          -(rank + 1), rank);
    }
    l2_job j = {.x = s->x, .d = nn_shape_numel(&s->shape), .n = s->n};
    if (axis == 0)
        return l2_axis0(&j, pool, err);
    int a = axis - 1; /* per-sample axis */
    j.outer = 1;
    j.inner = 1;
    for (int i = 0; i < a; i++)
        j.outer *= (size_t)s->shape.dim[i];
    j.len = (size_t)s->shape.dim[a];
    for (int i = a + 1; i < rank; i++)
        j.inner *= (size_t)s->shape.dim[i];
    nn_pool_for(pool, s->n, 64, l2_sample_range, &j);
    return NN_OK;
}

/* --- standardize ---------------------------------------------------------------------- */

typedef struct stats_job {
    const float *x;
    size_t n, d, c;  /* samples, values per sample, channels */
    const double *mean;
    double *partial; /* [chunks, c] */
    const nn_channel_stats *stats;
    float *y;        /* standardize: x written in place */
} stats_job;

static void sum_chunks(void *arg, size_t begin, size_t end)
{
    const stats_job *j = arg;
    for (size_t ch = begin; ch < end; ch++) {
        double *s = j->partial + ch * j->c;
        size_t last = (ch + 1) * CHUNK < j->n ? (ch + 1) * CHUNK : j->n;
        for (size_t k = 0; k < j->c; k++)
            s[k] = 0;
        for (size_t i = ch * CHUNK; i < last; i++) {
            const float *x = j->x + i * j->d;
            for (size_t p = 0; p < j->d; p += j->c)
                for (size_t k = 0; k < j->c; k++) {
                    double v = x[p + k];
                    if (j->mean) {
                        v -= j->mean[k];
                        v *= v;
                    }
                    s[k] += v;
                }
        }
    }
}

nn_status nn_channel_stats_compute(const nn_split *s, nn_pool *pool, nn_channel_stats *out,
                                   nn_error *err)
{
    memset(out, 0, sizeof *out);
    if (s->n == 0)
        return nn_fail(err, NN_E_DATA, "standardize: the training split is empty");
    stats_job j = {.x = s->x, .n = s->n, .d = nn_shape_numel(&s->shape),
                   .c = (size_t)nn_shape_last(&s->shape)};
    size_t chunks = (s->n + CHUNK - 1) / CHUNK;
    j.partial = malloc(chunks * j.c * sizeof *j.partial);
    out->mean = calloc(j.c, sizeof *out->mean);
    out->std = calloc(j.c, sizeof *out->std);
    if (!j.partial || !out->mean || !out->std) {
        free(j.partial);
        nn_channel_stats_free(out);
        return nn_fail(err, NN_E_NOMEM, "out of memory for standardize statistics");
    }
    out->channels = (int)j.c;
    double count = (double)s->n * (double)(j.d / j.c);
    /* two passes, mean then squared deviations: no cancellation for data far from 0 */
    nn_pool_for(pool, chunks, 1, sum_chunks, &j);
    for (size_t ch = 0; ch < chunks; ch++)
        for (size_t k = 0; k < j.c; k++)
            out->mean[k] += j.partial[ch * j.c + k];
    for (size_t k = 0; k < j.c; k++)
        out->mean[k] /= count;
    j.mean = out->mean;
    nn_pool_for(pool, chunks, 1, sum_chunks, &j);
    for (size_t ch = 0; ch < chunks; ch++)
        for (size_t k = 0; k < j.c; k++)
            out->std[k] += j.partial[ch * j.c + k];
    for (size_t k = 0; k < j.c; k++) {
        out->std[k] = sqrt(out->std[k] / count);
        if (!(out->std[k] > 0))
            out->std[k] = 1.0;
    }
    free(j.partial);
    return NN_OK;
}

void nn_channel_stats_free(nn_channel_stats *stats)
{
    free(stats->mean);
    free(stats->std);
    memset(stats, 0, sizeof *stats);
}

typedef struct standardize_job {
    float *x;
    size_t d, c;
    const float *shift, *scale; /* [c]: mean and 1/std */
} standardize_job;

static void standardize_range(void *arg, size_t begin, size_t end)
{
    const standardize_job *j = arg;
    for (size_t i = begin; i < end; i++) {
        float *x = j->x + i * j->d;
        for (size_t p = 0; p < j->d; p += j->c)
            for (size_t k = 0; k < j->c; k++)
                x[p + k] = (x[p + k] - j->shift[k]) * j->scale[k];
    }
}

static nn_status standardize(const nn_channel_stats *stats, nn_split *s, nn_pool *pool,
                             nn_error *err)
{
    size_t c = (size_t)nn_shape_last(&s->shape);
    if (!stats || (size_t)stats->channels != c)
        return nn_fail(err, NN_E_INTERNAL,
                       "standardize: statistics for %d channels, data has %zu",
                       stats ? stats->channels : 0, c);
    float *buf = malloc(2 * c * sizeof *buf);
    if (!buf)
        return nn_fail(err, NN_E_NOMEM, "out of memory for standardize");
    for (size_t k = 0; k < c; k++) {
        buf[k] = (float)stats->mean[k];
        buf[c + k] = (float)(1.0 / stats->std[k]);
    }
    standardize_job j = {s->x, nn_shape_numel(&s->shape), c, buf, buf + c};
    nn_pool_for(pool, s->n, 64, standardize_range, &j);
    free(buf);
    return NN_OK;
}

/* --- the step table ------------------------------------------------------------------- */

nn_status nn_preprocess_apply(const nn_preprocess *step, nn_split *s,
                              const nn_channel_stats *stats, nn_pool *pool, nn_error *err)
{
    switch (step->kind) {
    case NN_PP_DIVIDE: {
        scale_job j = {s->x, nn_shape_numel(&s->shape), (float)step->value};
        nn_pool_for(pool, s->n, 64, divide_range, &j);
        return NN_OK;
    }
    case NN_PP_L2_NORMALIZE:
        return l2_normalize(step, s, pool, err);
    case NN_PP_RESHAPE: {
        size_t have = nn_shape_numel(&s->shape), want = nn_shape_numel(&step->shape);
        if (have != want) {
            char from[96], to[96];
            return nn_fail_at(err, NN_E_CONFIG, step->mark.file, step->mark.line,
                              step->mark.column,
                              "reshape: cannot reshape samples of shape %s (%zu values) to "
                              "%s (%zu values)",
                              nn_shape_format_list(&s->shape, from, sizeof from), have,
                              nn_shape_format_list(&step->shape, to, sizeof to), want);
        }
        s->shape = step->shape;
        return NN_OK;
    }
    case NN_PP_STANDARDIZE:
        return standardize(stats, s, pool, err);
    case NN_PP_ONE_HOT:
        return NN_OK;
    }
    return nn_fail(err, NN_E_INTERNAL, "unknown preprocessing step %d", (int)step->kind);
}

nn_status nn_data_check_input(const nn_data_spec *spec, const nn_data *data,
                              const nn_shape *input, nn_error *err)
{
    const nn_shape *have = &data->train.shape;
    if (nn_shape_equal(have, input))
        return NN_OK;
    char a[96], b[96], list[96];
    nn_shape_format(have, a, sizeof a);
    nn_shape_format(input, b, sizeof b);
    if (nn_shape_numel(have) == nn_shape_numel(input))
        return nn_fail_at(err, NN_E_DATA, spec->mark.file, spec->mark.line, spec->mark.column,
                          "the data gives samples of shape %s but the model input is %s: "
                          "add `- reshape: %s` to data.preprocess",
                          a, b, nn_shape_format_list(input, list, sizeof list));
    return nn_fail_at(err, NN_E_DATA, spec->mark.file, spec->mark.line, spec->mark.column,
                      "the data gives samples of shape %s (%zu values) but the model input is "
                      "%s (%zu values)",
                      a, nn_shape_numel(have), b,
                      nn_shape_numel(input));
}
