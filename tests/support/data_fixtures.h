/* data_fixtures.h — small data sets written by tests into a temporary directory.
 *
 * Everything is generated, so no test depends on downloaded files. Pixels follow
 * nn_fx_pixel: a label-dependent bright band over deterministic noise, so a model can learn
 * the fixtures (CLI tests train on them) and a test can recompute any expected value.
 * Functions return 0 on success and -1 on failure (with errno from the failing call).
 */
#ifndef NN_TESTS_DATA_FIXTURES_H
#define NN_TESTS_DATA_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Creates a new empty directory under $TMPDIR (or /tmp) named nnrun-<tag>-XXXXXX. */
int nn_fx_tempdir(const char *tag, char *out, size_t size);

/* Removes a directory tree made by the tests (files and subdirectories). */
void nn_fx_rmtree(const char *dir);

/* gzip-compresses data (a real gzip member, as gzip(1) writes); caller frees. NULL on
 * failure. */
uint8_t *nn_fx_gzip(const void *data, size_t len, size_t *out_len);

/* Writes dir/name (gzip-compressed when gz). */
int nn_fx_write(const char *dir, const char *name, const void *data, size_t len, bool gz);

/* The label of record i of a fixture split: i % num_classes. */
int nn_fx_label(size_t i, int num_classes);

/* Pixel `offset` of an image of `label` that is record i: noise in [0, 64) plus 160 on the
 * label's band (a horizontal stripe of the image whose position depends on the label).
 * `rows` and `row_len` describe the plane (28, 28 for IDX; 32, 32 for each CIFAR plane). */
uint8_t nn_fx_pixel(size_t i, int label, size_t offset, int rows, int row_len);

/* IDX files in memory; caller frees. magic lets tests write a wrong one. Images are
 * rows x cols, labels nn_fx_label(i, num_classes). */
uint8_t *nn_fx_idx_images(size_t n, int rows, int cols, uint32_t magic, int num_classes,
                          size_t *len);
uint8_t *nn_fx_idx_labels(size_t n, uint32_t magic, int num_classes, size_t *len);

/* The four MNIST files with their official names (".gz" added when gz). */
int nn_fx_write_mnist(const char *dir, size_t n_train, size_t n_test, bool gz);

/* n CIFAR-10 records; record i (counting from first) has label nn_fx_label(first + i, 10)
 * and plane c (R, G, B) pixel p = nn_fx_pixel(first + i, label, c * 1024 + p, 96, 32). */
uint8_t *nn_fx_cifar_records(size_t first, size_t n, size_t *len);

/* data_batch_1..n_batches.bin (per_batch records each, continuing the record count) and
 * test_batch.bin (n_test records, counted from 0), plus batches.meta.txt when meta. */
int nn_fx_write_cifar(const char *dir, int n_batches, size_t per_batch, size_t n_test, bool gz,
                      bool meta);

/* One ustar header block: name (< 100 bytes), octal size, type ('0' file, '5' directory,
 * 'L' GNU long name, 'x' pax header), valid checksum. */
void nn_fx_tar_header(uint8_t h[512], const char *name, size_t size, char type);

/* A tar archive of the given members (ustar headers; a name ending in '/' is a directory)
 * written to `path`, or gzip-compressed to `path` + ".gz" when gz. */
typedef struct nn_fx_member {
    const char *name;
    const void *data;
    size_t len;
} nn_fx_member;
int nn_fx_write_tar(const char *path, const nn_fx_member *members, int n, bool gz);

/* dir/cifar-10-binary.tar.gz laid out like the official archive (members under
 * cifar-10-batches-bin/, with a directory entry, readme.html and batches.meta.txt), holding
 * the same records as nn_fx_write_cifar. */
int nn_fx_write_cifar_archive(const char *dir, int n_batches, size_t per_batch, size_t n_test);

#endif
