/* shape.h — per-sample tensor shapes.
 *
 * nnrun keeps the batch axis out of shapes: a node's shape is what one sample looks like
 * ([784], [32, 32, 3]); buffers are [batch, numel(shape)] row-major float32. Printing adds
 * Keras's "None" for the batch axis.
 */
#ifndef NN_TENSOR_SHAPE_H
#define NN_TENSOR_SHAPE_H

#include <stdbool.h>
#include <stddef.h>

#define NN_MAX_RANK 6

typedef struct nn_shape {
    int rank;             /* 0 .. NN_MAX_RANK (0 = a scalar per sample) */
    int dim[NN_MAX_RANK]; /* each >= 1 */
} nn_shape;

/* Number of elements per sample (1 for rank 0). */
size_t nn_shape_numel(const nn_shape *s);

/* The last axis, or 1 for rank 0. */
int nn_shape_last(const nn_shape *s);

bool nn_shape_equal(const nn_shape *a, const nn_shape *b);

/* Builds a shape from n dims. */
nn_shape nn_shape_make(int rank, const int *dims);

/* Keras style with the batch axis: "(None, 32, 32, 128)"; returns buf. */
const char *nn_shape_format(const nn_shape *s, char *buf, size_t size);

/* Plain list without the batch axis: "[32, 32, 3]"; returns buf. */
const char *nn_shape_format_list(const nn_shape *s, char *buf, size_t size);

#endif
