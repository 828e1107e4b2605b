/* cifar.c — CIFAR-10 binary records.
 *
 * A record is 1 label byte then 3072 pixel bytes: the 1024 red values of the 32x32 image
 * row by row, then the 1024 green, then the 1024 blue (CHW). Keras's cifar10.load_data()
 * hands images out channels-last, [N, 32, 32, 3], so records are transposed while they
 * are turned into floats.
 */
#include "data/internal.h"

#include <stdio.h>
#include <string.h>

nn_status nn_cifar_check(const char *name, const uint8_t *bytes, size_t len, int num_classes,
                         size_t *n, nn_error *err)
{
    *n = 0;
    if (len % NN_CIFAR_RECORD != 0)
        return nn_fail_at(err, NN_E_DATA, name, 0, 0,
                          "size %zu bytes is not a whole number of %d-byte CIFAR-10 records "
                          "(1 label + 3072 pixels): %zu records and %zu bytes left over",
                          len, NN_CIFAR_RECORD, len / NN_CIFAR_RECORD, len % NN_CIFAR_RECORD);
    size_t count = len / NN_CIFAR_RECORD;
    if (count == 0)
        return nn_fail_at(err, NN_E_DATA, name, 0, 0, "holds no records");
    for (size_t i = 0; i < count; i++) {
        int label = bytes[i * NN_CIFAR_RECORD];
        if (label >= num_classes)
            return nn_fail_at(err, NN_E_DATA, name, 0, 0,
                              "label %d of record %zu is outside [0, %d) (data.num_classes)",
                              label, i, num_classes);
    }
    *n = count;
    return NN_OK;
}

typedef struct decode_job {
    const uint8_t *records;
    float divisor;
    float *x;
    int32_t *y;
} decode_job;

static void decode_range(void *arg, size_t begin, size_t end)
{
    enum { VEC = 16 }; /* fixed-width inner loops vectorize at -O2 */
    const decode_job *j = arg;
    float plane[3][1024]; /* one record's R, G, B planes as floats */
    for (size_t i = begin; i < end; i++) {
        const uint8_t *rec = j->records + i * NN_CIFAR_RECORD;
        j->y[i] = rec[0];
        for (int c = 0; c < 3; c++) {
            const uint8_t *src = rec + 1 + c * 1024;
            if (j->divisor != 1.0f)
                for (int p = 0; p < 1024; p += VEC)
                    for (int k = 0; k < VEC; k++)
                        plane[c][p + k] = (float)src[p + k] / j->divisor;
            else
                for (int p = 0; p < 1024; p += VEC)
                    for (int k = 0; k < VEC; k++)
                        plane[c][p + k] = (float)src[p + k];
        }
        float *x = j->x + i * 3072; /* x[32, 32, 3]: pixel p = h * 32 + w, channel c */
        for (int p = 0; p < 1024; p++) {
            x[3 * p + 0] = plane[0][p];
            x[3 * p + 1] = plane[1][p];
            x[3 * p + 2] = plane[2][p];
        }
    }
}

void nn_cifar_decode(const uint8_t *records, size_t n, float divisor, float *x, int32_t *y,
                     nn_pool *pool)
{
    decode_job j = {records, divisor, x, y};
    nn_pool_for(pool, n, 256, decode_range, &j);
}

int nn_cifar_class_names(const uint8_t *text, size_t len, char names[16][32])
{
    int count = 0;
    size_t i = 0;
    while (i < len && count < 16) {
        size_t start = i;
        while (i < len && text[i] != '\n')
            i++;
        size_t end = i;
        i++; /* past the newline */
        while (end > start && (text[end - 1] == '\r' || text[end - 1] == ' ' ||
                               text[end - 1] == '\t'))
            end--;
        while (start < end && (text[start] == ' ' || text[start] == '\t'))
            start++;
        if (end == start)
            continue;
        size_t k = end - start < 31 ? end - start : 31;
        memcpy(names[count], text + start, k);
        names[count][k] = '\0';
        count++;
    }
    return count;
}
