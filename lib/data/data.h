/* data.h — data sets: where they are found, how they are read, preprocessed and split.
 *
 * A data set is read once per run into contiguous float32 images [N, numel(shape)] and
 * int32 labels [N]; preprocessing runs in place, in the order the config lists it; the
 * validation split is a view of the last fraction of the training set, taken before any
 * shuffling (Keras rule). Test data gets the same preprocessing as training data.
 *
 * Search order for a data set's files (first directory holding all of them wins):
 *   1. data.dir from the config (relative paths are taken from the working directory);
 *      when given it is the only place looked at: a directory the user named that does
 *      not hold the set is an error, never a reason to read another copy
 *   2. $NNRUN_DATA/<dataset>
 *   3. ./data/<dataset>
 *   4. for fashion_mnist only: /usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist)
 * Files in a place: MNIST family train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or the dotted train-images.idx3-ubyte
 * spelling), each raw or gzip (told by magic bytes; raw preferred when both exist);
 * CIFAR-10 data_batch_1.bin .. data_batch_5.bin and test_batch.bin (raw or .gz) in the
 * place or in its cifar-10-batches-bin/, else the official cifar-10-binary.tar.gz read
 * directly. data_batch_1 is required, data_batch_2..5 are used when present (a later
 * batch without an earlier one is an error), so a prefix of the set (the shared 4,000-
 * record subset) loads. batches.meta.txt is optional.
 *
 * Shapes: MNIST family [28, 28]; CIFAR-10 [32, 32, 3] channels-last (HWC, as Keras).
 * Loading and preprocessing use the pool when given; results do not depend on its size.
 */
#ifndef NN_DATA_DATA_H
#define NN_DATA_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "core/error.h"
#include "core/pool.h"
#include "tensor/shape.h"

typedef enum nn_dataset_kind {
    NN_DS_MNIST,
    NN_DS_FASHION_MNIST,
    NN_DS_CIFAR10,
    NN_DS_COUNT
} nn_dataset_kind;

/* YAML names, indexed by nn_dataset_kind, NULL-terminated: "mnist", "fashion_mnist", "cifar10". */
extern const char *const nn_dataset_names[];

typedef enum nn_preprocess_kind {
    NN_PP_DIVIDE,       /* x /= value                                                     */
    NN_PP_L2_NORMALIZE, /* Keras utils.normalize(x, axis): x / ||x||_2 along axis, zero
                           norms left alone; axis counts the batch axis as 0, like Keras
                           (axis 1 of MNIST [N,28,28] = over the 28 rows of each column);
                           negative axes count from the end; axis 0 = across the samples,
                           as Keras does it on the array it is given: the training set
                           (validation part included) and the test set each on their own */
    NN_PP_RESHAPE,      /* new per-sample shape with the same number of elements          */
    NN_PP_STANDARDIZE,  /* per channel (last axis): (x - mean) / std, mean and std taken on
                           the training split only (after the validation split)           */
    NN_PP_ONE_HOT       /* labels are to be treated as one-hot vectors of num_classes;
                           only recorded (nn_data.one_hot): labels stay int32 indices     */
} nn_preprocess_kind;

typedef struct nn_preprocess {
    nn_preprocess_kind kind;
    double value;   /* divide */
    int axis;       /* l2_normalize */
    nn_shape shape; /* reshape */
    nn_mark mark;   /* where the step was written, for errors found while applying it */
} nn_preprocess;

#define NN_MAX_PREPROCESS 16

typedef struct nn_data_spec {
    nn_dataset_kind dataset;
    const char *dir;          /* data.dir or NULL (points into the config document) */
    nn_preprocess steps[NN_MAX_PREPROCESS];
    int n_steps;
    double validation_split;  /* in [0, 1) */
    long limit_train;         /* first N training records only; 0 = all */
    long limit_test;          /* first N test records only; 0 = all */
    int num_classes;          /* labels must lie in [0, num_classes) */
    nn_mark mark;             /* the `data` mapping, for errors such as a shape mismatch */
} nn_data_spec;

/* Reads the `data` section (keys: dataset, dir, preprocess, validation_split,
 * limit_train, limit_test, num_classes) with the schema rules of cfg.h. */
nn_status nn_data_spec_read(nn_cfg *data, nn_data_spec *spec, nn_error *err);

/* One split: a view into memory owned by nn_data. */
typedef struct nn_split {
    size_t n;
    nn_shape shape; /* per-sample shape after preprocessing */
    float *x;       /* [n, numel(shape)] */
    int32_t *y;     /* [n], each in [0, num_classes) */
} nn_split;

#define NN_MAX_DATA_FILES 8

/* One file read, in read order (MNIST: train images, train labels, test images, test
 * labels; CIFAR-10: data batches, test batch, batches.meta.txt; or the one archive). */
typedef struct nn_data_file {
    char path[512];
    char sha256[65];  /* hex of the file's bytes as stored on disk (the .gz, the archive) */
    size_t bytes;     /* size on disk */
} nn_data_file;

typedef struct nn_data {
    nn_split train, val, test;
    int num_classes;
    bool one_hot;                  /* NN_PP_ONE_HOT was asked for */
    char dir[512];                 /* the directory the files came from */
    nn_data_file files[NN_MAX_DATA_FILES];
    int n_files;
    char class_names[16][32];      /* CIFAR-10: batches.meta.txt, else the official names;
                                      Fashion-MNIST: its names; MNIST: "0".."9"; beyond
                                      10 classes: "10", "11", ...                      */
    double load_seconds;           /* reading + decoding + preprocessing */
    /* owned buffers */
    float *x_train_buf, *x_test_buf;
    int32_t *y_train_buf, *y_test_buf;
} nn_data;

/* Finds, reads, checks, preprocesses and splits the data set. limit_train / limit_test
 * keep the first N records (before the validation split); the validation split is the
 * last fraction of the (limited) training set, a view. Preprocessing steps run in order on
 * the whole training set (validation part included) and on the test set; standardize
 * takes its statistics from the training split only. On failure *out is left empty.
 * Errors are NN_E_DATA naming the file in err->file and the problem in err->msg (missing
 * set: every place looked at and the fetch command, no file; wrong magic, truncated,
 * label out of range, count mismatch, corrupt gzip, wrong record size, archive members
 * missing, ...), NN_E_CONFIG at a step's mark when a step does not fit the data (reshape
 * to another size, axis out of range) or at the data mark when validation_split leaves no
 * training sample, NN_E_NOMEM. `pool` may be NULL. */
nn_status nn_data_load(const nn_data_spec *spec, nn_pool *pool, nn_data *out, nn_error *err);

void nn_data_free(nn_data *data);

/* Splits [n] samples held in `all` into train = first int(n*(1-fraction)), val = the rest
 * (Keras validation_split). Views only; nothing is copied. */
void nn_data_split(const nn_split *all, double fraction, nn_split *train, nn_split *val);

/* Per-channel statistics for NN_PP_STANDARDIZE; a channel is an index of the last axis. */
typedef struct nn_channel_stats {
    int channels;
    double *mean; /* [channels] */
    double *std;  /* [channels], population standard deviation (ddof 0); 0 is stored as 1 so
                     a constant channel becomes 0 instead of NaN */
} nn_channel_stats;

/* Mean and standard deviation of every channel over all samples and positions of `s`
 * (nn_data_load passes the training split). Sums run in double over fixed chunks of
 * samples combined in order, so the result does not depend on the pool size. Errors:
 * NN_E_NOMEM; NN_E_DATA for an empty split. Free with nn_channel_stats_free. */
nn_status nn_channel_stats_compute(const nn_split *s, nn_pool *pool, nn_channel_stats *out,
                                   nn_error *err);
void nn_channel_stats_free(nn_channel_stats *stats);

/* Applies one preprocessing step to a split in place (used by nn_data_load and tests).
 * For NN_PP_RESHAPE only the shape changes; NN_PP_ONE_HOT changes nothing here;
 * NN_PP_STANDARDIZE uses `stats` (computed on the training split; its channel count must
 * equal the split's last axis), the other steps ignore it (may be NULL). Results do not
 * depend on the pool size. l2_normalize with axis 0 (across samples) normalizes over the
 * samples of `s`: nn_data_load applies it to the whole training set (validation part
 * included, as Keras's normalize(x_train, axis=0) before fit) and to the test set on its own.
 * Errors: NN_E_CONFIG at step->mark for a reshape to another element count or an axis out
 * of range; NN_E_INTERNAL for standardize statistics that do not fit. */
nn_status nn_preprocess_apply(const nn_preprocess *step, nn_split *s,
                              const nn_channel_stats *stats, nn_pool *pool, nn_error *err);

/* Checks that the data's per-sample shape equals the model's input shape. Error:
 * NN_E_DATA at spec->mark, e.g. "data.preprocess gives samples of shape (None, 28, 28) but
 * the model input is (None, 784): add `- reshape: [784]` to data.preprocess". */
nn_status nn_data_check_input(const nn_data_spec *spec, const nn_data *data,
                              const nn_shape *input, nn_error *err);

#endif
