/* idx.c — the IDX format of MNIST and Fashion-MNIST, checked against its own header.
 *
 * An IDX file is a 4-byte magic (0, 0, type, rank; type 0x08 = unsigned byte), then rank
 * big-endian uint32 dimensions, then the values row-major. MNIST images are rank 3
 * (count, 28, 28), labels rank 1 (count). The size must be exactly header + product of dims.
 */
#include "data/internal.h"

#include <stdint.h>
#include <stdio.h>

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

nn_status nn_idx_parse(const char *name, bool gz, const uint8_t *bytes, size_t len,
                       uint32_t magic, nn_idx *out, nn_error *err)
{
    const char *what = magic == NN_IDX_IMAGES ? "image" : "label";
    int rank = (int)(magic & 0xff);
    const char *size_word = gz ? "the unpacked file" : "the file";
    if (len < 4)
        return nn_fail_at(err, NN_E_DATA, name, 0, 0,
                          "too short for an IDX %s file: %zu bytes (%s)", what, len, size_word);
    uint32_t got = be32(bytes);
    if (got != magic)
        return nn_fail_at(err, NN_E_DATA, name, 0, 0,
                          "wrong magic number 0x%08x: an IDX %s file starts with 0x%08x "
                          "(unsigned bytes, %d dimension%s)",
                          got, what, magic, rank, rank == 1 ? "" : "s");
    size_t header = 4 + 4 * (size_t)rank;
    if (len < header)
        return nn_fail_at(err, NN_E_DATA, name, 0, 0,
                          "truncated: the IDX header needs %zu bytes, %s holds %zu",
                          header, size_word, len);
    size_t expected = 1;
    out->rank = rank;
    for (int i = 0; i < rank; i++) {
        uint32_t d = be32(bytes + 4 + 4 * (size_t)i);
        out->dim[i] = d > 0x7fffffffu ? 0x7fffffff : (int)d;
        expected = d != 0 && expected > SIZE_MAX / 2 / d ? SIZE_MAX / 2 : expected * d;
    }
    out->n = be32(bytes + 4);
    out->data = bytes + header;
    expected += header;
    if (len != expected) {
        char dims[64] = "";
        if (rank == 3)
            snprintf(dims, sizeof dims, " of %dx%d", out->dim[1], out->dim[2]);
        return nn_fail_at(err, NN_E_DATA, name, 0, 0,
                          "%s: the header announces %zu %ss%s, which take %zu bytes with "
                          "the header, but %s holds %zu",
                          len < expected ? "truncated" : "size does not match the header",
                          out->n, what, dims, expected, size_word, len);
    }
    return NN_OK;
}
