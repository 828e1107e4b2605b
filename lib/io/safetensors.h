/* safetensors.h — the safetensors file format: weights and checkpoints.
 *
 * A file is
 *   [N: u64 little-endian][N bytes: JSON header][data: the tensors' bytes, back to back]
 * The header is one JSON object. Each tensor is a member
 *   "dense.kernel": {"dtype": "F32", "shape": [784, 64], "data_offsets": [BEGIN, END]}
 * with byte offsets relative to the start of the data; an optional member "__metadata__"
 * maps strings to strings. nnrun writes "__metadata__" first, then the tensors in the order
 * they were added with increasing offsets, and pads the header with spaces so the data
 * starts at a multiple of 8 bytes. Values are little-endian (converted on big-endian hosts).
 *
 * Reading is strict, like the reference implementation: the header is well-formed JSON
 * (json_read.h) no longer than NN_ST_MAX_HEADER, every tensor has exactly the keys dtype,
 * shape and data_offsets, a known dtype, END - BEGIN = element count × dtype size, and the
 * tensors tile the data exactly (no gap, no overlap, nothing after the last one). Any
 * violation is NN_E_DATA naming the file and what is wrong.
 *
 * An nn_st is either being written (tensors borrow the caller's float arrays until the
 * file is written) or has been read (it owns the file's bytes; tensors point into them).
 */
#ifndef NN_IO_SAFETENSORS_H
#define NN_IO_SAFETENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define NN_ST_MAX_RANK 8
#define NN_ST_MAX_HEADER 100000000u /* bytes; as the reference implementation */

typedef enum nn_st_dtype {
    NN_ST_BOOL,
    NN_ST_U8,
    NN_ST_I8,
    NN_ST_F8_E5M2,
    NN_ST_F8_E4M3,
    NN_ST_I16,
    NN_ST_U16,
    NN_ST_F16,
    NN_ST_BF16,
    NN_ST_I32,
    NN_ST_U32,
    NN_ST_F32,
    NN_ST_F64,
    NN_ST_I64,
    NN_ST_U64,
    NN_ST_DTYPE_COUNT
} nn_st_dtype;

/* The format's dtype names, indexed by nn_st_dtype ("F32", ...), NULL-terminated. */
extern const char *const nn_st_dtype_names[];

/* Bytes per element. */
size_t nn_st_dtype_size(nn_st_dtype dtype);

typedef struct nn_st_tensor {
    char *name;                       /* owned */
    nn_st_dtype dtype;
    int rank;                         /* 0 = a scalar */
    uint64_t shape[NN_ST_MAX_RANK];
    uint64_t begin, end;              /* byte range in the data section */
    const void *data;                 /* writing: the caller's floats; reading: file bytes */
} nn_st_tensor;

typedef struct nn_st {
    nn_st_tensor *tensors;
    size_t n, cap;
    char **meta_keys, **meta_values;  /* "__metadata__", in insertion / file order */
    size_t n_meta, cap_meta;
    unsigned char *file;              /* reading: the whole file, owned */
    size_t file_len;
    size_t data_start;                /* reading: 8 + N */
} nn_st;

void nn_st_init(nn_st *s);
void nn_st_free(nn_st *s);

/* --- building a file --------------------------------------------------------------- */

/* Adds an F32 tensor. `data` holds numel(shape) floats and must stay valid until the file
 * is written. Errors: NN_E_INTERNAL for a duplicate or empty name, a name starting with
 * "__", rank > NN_ST_MAX_RANK; NN_E_NOMEM. */
nn_status nn_st_add_f32(nn_st *s, const char *name, int rank, const uint64_t *shape,
                        const float *data, nn_error *err);

/* Sets (adds or replaces) a metadata entry. Errors: NN_E_NOMEM. */
nn_status nn_st_meta_set(nn_st *s, const char *key, const char *value, nn_error *err);
/* Convenience: a long long, or a double printed so that it reads back exactly (%.17g;
 * "inf", "-inf" and "nan" for the non-finite values). */
nn_status nn_st_meta_set_ll(nn_st *s, const char *key, long long value, nn_error *err);
nn_status nn_st_meta_set_double(nn_st *s, const char *key, double value, nn_error *err);

/* Called at named stages of nn_st_save: "begin" (temporary file open, nothing written),
 * "half" (header and about half of the data written), "synced" (all written and fsync'd,
 * not yet renamed into place). Test hooks use it to stop a writer part-way. */
typedef void (*nn_st_stage_fn)(void *user, const char *stage);

/* Writes the file to fp (header, then data). `path` names it in errors. */
nn_status nn_st_write(const nn_st *s, FILE *fp, const char *path, nn_st_stage_fn stage,
                      void *user, nn_error *err);

/* Writes the file atomically: a temporary file in the same directory, fsync, rename.
 * `stage` may be NULL. Errors: NN_E_IO naming the path. */
nn_status nn_st_save(const nn_st *s, const char *path, nn_st_stage_fn stage, void *user,
                     nn_error *err);

/* The header exactly as nn_st_write would write it (without the 8-byte length), in a
 * fresh NUL-terminated buffer the caller frees; for tests and tools. */
nn_status nn_st_header(const nn_st *s, char **out, size_t *len, nn_error *err);

/* --- reading a file ---------------------------------------------------------------- */

/* Reads and checks a whole file into s (nn_st_init'd or fresh; freed first).
 * Errors: NN_E_IO when it cannot be read; NN_E_DATA for any format violation, with the
 * path and the reason ("... is not a safetensors file: header length 9000000000 is larger
 * than the file (1234 bytes)"). */
nn_status nn_st_load(const char *path, nn_st *s, nn_error *err);

/* As nn_st_load, from bytes in memory (copied). `name` stands for the path in errors. */
nn_status nn_st_parse(const void *bytes, size_t len, const char *name, nn_st *s,
                      nn_error *err);

/* The tensor named `name`, or NULL. */
const nn_st_tensor *nn_st_find(const nn_st *s, const char *name);

/* Element count of a tensor (1 for a scalar). */
uint64_t nn_st_numel(const nn_st_tensor *t);

/* Copies an F32 tensor's values into dst[numel] (host order). The caller checks the dtype
 * first; for another dtype this returns NN_E_DATA naming the tensor and its dtype. */
nn_status nn_st_read_f32(const nn_st_tensor *t, float *dst, nn_error *err);

/* Metadata value for key, or NULL. */
const char *nn_st_meta_get(const nn_st *s, const char *key);

/* Typed metadata reads: the value must be present and spelled as written by the
 * nn_st_meta_set_* functions; else NN_E_DATA naming `what` (the file) and the key. */
nn_status nn_st_meta_get_ll(const nn_st *s, const char *key, const char *what,
                            long long *out, nn_error *err);
nn_status nn_st_meta_get_double(const nn_st *s, const char *key, const char *what,
                                double *out, nn_error *err);

/* "[784, 64]" */
const char *nn_st_shape_format(int rank, const uint64_t *shape, char *buf, size_t size);

#endif
