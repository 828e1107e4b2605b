/* internal.h — what the files of lib/data/ share with each other and with their tests.
 * Not part of the library's public interface (that is data.h).
 *
 *   gz.c          whole files into memory; gzip detected by magic bytes and inflated
 *   idx.c         IDX headers (MNIST family) checked against the bytes that follow
 *   cifar.c       CIFAR-10 binary records: checks and the CHW -> HWC conversion
 *   tar.c         members pulled out of a (gzipped) tar stream, for cifar-10-binary.tar.gz
 *   find.c        where a data set's files are, in the search order of data.h
 *   preprocess.c  the preprocessing steps, splits, standardize statistics
 *   spec.c        the `data` config section
 *   data.c        nn_data_load: find, read + hash + inflate in parallel, check, decode
 *
 * Data errors name the file through nn_error.file (line 0), so nn_error_format prints
 * "PATH: problem"; messages start with a lower-case word and carry the numbers involved.
 */
#ifndef NN_DATA_INTERNAL_H
#define NN_DATA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data/data.h"

/* --- gz.c ----------------------------------------------------------------------------- */

/* Reads the whole file `path` into a new buffer (*data, *len). Errors: NN_E_DATA naming
 * the path ("cannot open: No such file or directory"), NN_E_NOMEM. Caller frees *data. */
nn_status nn_file_slurp(const char *path, uint8_t **data, size_t *len, nn_error *err);

/* True when p starts with the gzip magic bytes 1f 8b. */
bool nn_gz_magic(const uint8_t *p, size_t n);

/* Receives inflated bytes in order; returns NN_OK to go on. */
typedef nn_status (*nn_sink_fn)(void *ctx, const uint8_t *p, size_t n, nn_error *err);

/* Inflates the gzip data in[0, n) (one or more concatenated members; zero padding after
 * the last one is ignored) and passes the output to `sink` in chunks. `name` is the file
 * named in errors: "corrupt gzip stream (invalid block type)", "gzip stream ends early:
 * the file is truncated", "unexpected bytes after the gzip stream". */
nn_status nn_gz_stream(const char *name, const uint8_t *in, size_t n, nn_sink_fn sink,
                       void *ctx, nn_error *err);

/* nn_gz_stream into one new buffer (*out, *out_len); caller frees *out. */
nn_status nn_gz_inflate(const char *name, const uint8_t *in, size_t n, uint8_t **out,
                        size_t *out_len, nn_error *err);

/* --- idx.c ---------------------------------------------------------------------------- */

#define NN_IDX_IMAGES 0x00000803u /* unsigned bytes, 3 dimensions */
#define NN_IDX_LABELS 0x00000801u /* unsigned bytes, 1 dimension  */

typedef struct nn_idx {
    size_t n;            /* first dimension: the number of records */
    int rank;            /* 1 (labels) or 3 (images) */
    int dim[3];          /* dim[0] = n (clamped to int for messages), rows, columns */
    const uint8_t *data; /* n * rows * columns bytes after the header */
} nn_idx;

/* Checks that bytes[0, len) is an IDX file with magic `magic` (NN_IDX_IMAGES or
 * NN_IDX_LABELS) whose size matches its header. `name` is the file named in errors;
 * `gz` says the bytes were inflated (messages then speak of the unpacked size). */
nn_status nn_idx_parse(const char *name, bool gz, const uint8_t *bytes, size_t len,
                       uint32_t magic, nn_idx *out, nn_error *err);

/* --- cifar.c -------------------------------------------------------------------------- */

#define NN_CIFAR_RECORD 3073 /* 1 label byte + 3 * 32 * 32 pixel bytes (R, G, B planes) */

/* Checks that len is a whole number of records and every label is below num_classes;
 * *n gets the record count. Errors name `name`. */
nn_status nn_cifar_check(const char *name, const uint8_t *bytes, size_t len, int num_classes,
                         size_t *n, nn_error *err);

/* Decodes n records into x[n, 32, 32, 3] (HWC, as Keras's cifar10.load_data) and y[n].
 * Each value is (float)byte / divisor (divisor 1: the byte itself), the same float as a
 * later `divide` step would give, one pass over the data earlier. */
void nn_cifar_decode(const uint8_t *records, size_t n, float divisor, float *x, int32_t *y,
                     nn_pool *pool);

/* Reads batches.meta.txt: one class name per line (blank lines skipped), at most 16
 * names of up to 31 bytes are kept. Returns the number of names. */
int nn_cifar_class_names(const uint8_t *text, size_t len, char names[16][32]);

/* --- tar.c ---------------------------------------------------------------------------- */

typedef struct nn_tar_want {
    const char *name; /* the member's base name, e.g. "data_batch_1.bin" */
    uint8_t *data;    /* filled: the member's bytes (caller frees) */
    size_t len;
    bool found;
} nn_tar_want;

/* Walks the tar archive in stored[0, n) (gzip-compressed or plain, told by magic bytes),
 * ustar / GNU / pax headers, and copies out every regular member whose base name matches
 * one of `want` (the first match wins; the directory part is not compared). Errors:
 * corrupt gzip, "not a tar archive (bad header checksum at offset N)", "archive ends inside
 * member M". Members not found are simply left with found = false. */
nn_status nn_tar_extract(const char *name, const uint8_t *stored, size_t n, nn_tar_want *want,
                         int n_want, nn_error *err);

/* --- find.c --------------------------------------------------------------------------- */

/* Logical files of the MNIST family, in nn_found.path order. */
enum { NN_MNIST_TRAIN_X, NN_MNIST_TRAIN_Y, NN_MNIST_TEST_X, NN_MNIST_TEST_Y, NN_MNIST_FILES };

#define NN_CIFAR_MAX_TRAIN 5
#define NN_CIFAR_ARCHIVE "cifar-10-binary.tar.gz"
#define NN_CIFAR_SUBDIR "cifar-10-batches-bin"

typedef struct nn_found {
    char dir[512];     /* the directory the set came from */
    char archive[512]; /* CIFAR-10 from the official archive: its path; else empty */
    /* MNIST family: the four files in NN_MNIST_* order.
     * CIFAR-10 (no archive): data_batch_1 .. data_batch_<n_train>, test_batch, then
     * batches.meta.txt when has_meta. */
    char path[NN_MAX_DATA_FILES][512];
    int n_paths;
    int n_train;
    bool has_meta;
} nn_found;

/* Finds the data set's files (data.h's search order). Errors: NN_E_DATA listing every place
 * looked at and why each did not do, with the fetch command; a gap in the CIFAR training
 * batches (data_batch_3 present, data_batch_2 missing). */
nn_status nn_data_find(const nn_data_spec *spec, nn_found *out, nn_error *err);

/* The command that fetches a data set: "scripts/get-data.sh mnist". */
const char *nn_data_fetch_hint(nn_dataset_kind kind);

#endif
