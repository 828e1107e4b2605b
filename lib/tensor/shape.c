/* shape.c — per-sample shapes: size, equality, printing. */
#include "tensor/shape.h"

#include <stdio.h>
#include <string.h>

size_t nn_shape_numel(const nn_shape *s)
{
    size_t n = 1;
    for (int i = 0; i < s->rank; i++)
        n *= (size_t)s->dim[i];
    return n;
}

int nn_shape_last(const nn_shape *s)
{
    return s->rank > 0 ? s->dim[s->rank - 1] : 1;
}

bool nn_shape_equal(const nn_shape *a, const nn_shape *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dim[i] != b->dim[i])
            return false;
    return true;
}

nn_shape nn_shape_make(int rank, const int *dims)
{
    nn_shape s;
    memset(&s, 0, sizeof s);
    s.rank = rank;
    for (int i = 0; i < rank && i < NN_MAX_RANK; i++)
        s.dim[i] = dims[i];
    return s;
}

static const char *format_dims(const nn_shape *s, const char *open, const char *first,
                               const char *close, char *buf, size_t size)
{
    size_t used = 0;
    int n = snprintf(buf, size, "%s%s", open, first);
    used = n > 0 ? (size_t)n : 0;
    for (int i = 0; i < s->rank && used < size; i++) {
        const char *sep = (i == 0 && first[0] == '\0') ? "" : ", ";
        n = snprintf(buf + used, size - used, "%s%d", sep, s->dim[i]);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < size)
        snprintf(buf + used, size - used, "%s", close);
    return buf;
}

const char *nn_shape_format(const nn_shape *s, char *buf, size_t size)
{
    /* A 1-tuple prints as "(None,)" in Python; with the batch axis there is always >= 1. */
    return format_dims(s, "(", "None", ")", buf, size);
}

const char *nn_shape_format_list(const nn_shape *s, char *buf, size_t size)
{
    return format_dims(s, "[", "", "]", buf, size);
}
