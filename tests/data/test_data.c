/* test_data.c — nn_data_load end to end on fixture files: good sets, every kind of bad
 * file, limits, splits, preprocessing; and, when it is there, the real MNIST. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/sha256.h"
#include "data/internal.h"
#include "support/data_fixtures.h"

typedef struct fixture {
    char dir[512];
    nn_pool *pool;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    nn_error err;
    if (!f || nn_fx_tempdir("data", f->dir, sizeof f->dir) != 0 ||
        nn_pool_create(2, &f->pool, &err) != NN_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    nn_fx_rmtree(f->dir);
    nn_pool_destroy(f->pool);
    free(f);
    return 0;
}

static nn_data_spec spec_for(nn_dataset_kind kind, const char *dir)
{
    nn_data_spec s;
    memset(&s, 0, sizeof s);
    s.dataset = kind;
    s.dir = dir;
    s.num_classes = 10;
    s.mark = (nn_mark){"cfg.yaml", 2, 3};
    return s;
}

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

/* Loads and expects an NN_E_DATA naming `file` (a name inside f->dir, or NULL for none)
 * with `needle` in the message. */
static void expect_data_error(fixture *f, const nn_data_spec *s, const char *file,
                              const char *needle)
{
    nn_data d;
    nn_error err;
    nn_error_clear(&err);
    nn_status st = nn_data_load(s, f->pool, &d, &err);
    if (st != NN_E_DATA)
        fail_msg("status %d, message '%s' (wanted a data error with '%s')", st, err.msg, needle);
    if (file) {
        char want[1024];
        path_in(want, sizeof want, f->dir, file);
        assert_string_equal(err.file, want);
    }
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
    assert_null(d.x_train_buf); /* nothing left allocated */
    assert_int_equal(d.train.n, 0);
}

static void check_mnist_sample(const nn_split *s, size_t i, size_t index)
{
    int label = nn_fx_label(index, 10);
    assert_int_equal(s->y[i], label);
    for (size_t p = 0; p < 784; p += 97)
        assert_float_equal(s->x[i * 784 + p], nn_fx_pixel(index, label, p, 28, 28), 0);
}

static void test_mnist_raw_and_gz(void **state)
{
    fixture *f = *state;
    for (int gz = 0; gz < 2; gz++) {
        assert_int_equal(nn_fx_write_mnist(f->dir, 50, 20, gz), 0);
        nn_data_spec s = spec_for(NN_DS_MNIST, f->dir);
        s.validation_split = 0.1;
        nn_data d;
        nn_error err;
        assert_int_equal(nn_data_load(&s, f->pool, &d, &err), NN_OK);
        assert_int_equal(d.train.n, 45);
        assert_int_equal(d.val.n, 5);
        assert_int_equal(d.test.n, 20);
        assert_int_equal(d.train.shape.rank, 2);
        assert_int_equal(d.train.shape.dim[0], 28);
        assert_true(nn_shape_equal(&d.test.shape, &d.train.shape));
        check_mnist_sample(&d.train, 0, 0);
        check_mnist_sample(&d.train, 44, 44);
        check_mnist_sample(&d.val, 0, 45); /* the last 10% of the training file */
        check_mnist_sample(&d.test, 19, 19);
        assert_string_equal(d.dir, f->dir);
        assert_int_equal(d.num_classes, 10);
        assert_string_equal(d.class_names[3], "3");
        assert_false(d.one_hot);
        assert_true(d.load_seconds >= 0);

        /* every file recorded with its size and the SHA-256 of its bytes as stored */
        assert_int_equal(d.n_files, 4);
        for (int i = 0; i < 4; i++) {
            uint8_t *bytes;
            size_t len;
            assert_int_equal(nn_file_slurp(d.files[i].path, &bytes, &len, &err), NN_OK);
            char hex[65];
            nn_sha256_hex(bytes, len, hex);
            assert_string_equal(d.files[i].sha256, hex);
            assert_int_equal(d.files[i].bytes, len);
            assert_int_equal(nn_gz_magic(bytes, len), gz);
            free(bytes);
        }
        assert_non_null(strstr(d.files[0].path, gz ? "train-images-idx3-ubyte.gz"
                                                   : "train-images-idx3-ubyte"));
        nn_data_free(&d);
        assert_null(d.x_train_buf);
        if (!gz) /* the raw files would win over the .gz ones */
            for (int k = 0; k < 4; k++) {
                static const char *const names[] = {
                    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
                char p[1024];
                path_in(p, sizeof p, f->dir, names[k]);
                unlink(p);
            }
    }
}

/* Writes an IDX file built by nn_fx_idx_images (rows > 0) or nn_fx_idx_labels (rows 0),
 * cut to `keep` bytes when keep > 0. */
static void write_idx(fixture *f, const char *name, size_t n, int rows, size_t keep)
{
    size_t len;
    uint8_t *bytes = rows ? nn_fx_idx_images(n, rows, rows, 0x803, 10, &len)
                          : nn_fx_idx_labels(n, 0x801, 10, &len);
    assert_non_null(bytes);
    assert_int_equal(nn_fx_write(f->dir, name, bytes, keep ? keep : len, false), 0);
    free(bytes);
}

static void test_mnist_bad_files(void **state)
{
    fixture *f = *state;
    nn_data_spec s = spec_for(NN_DS_MNIST, f->dir);

    /* wrong magic: a label file in the image file's place */
    assert_int_equal(nn_fx_write_mnist(f->dir, 30, 10, false), 0);
    write_idx(f, "train-images-idx3-ubyte", 30, 0, 0);
    expect_data_error(f, &s, "train-images-idx3-ubyte", "wrong magic number 0x00000801");

    /* truncated */
    write_idx(f, "train-images-idx3-ubyte", 30, 28, 16 + 30 * 784 - 784 - 10);
    expect_data_error(f, &s, "train-images-idx3-ubyte",
                      "truncated: the header announces 30 images of 28x28, which take 23536 "
                      "bytes with the header, but the file holds 22742");

    /* not 28x28 */
    write_idx(f, "train-images-idx3-ubyte", 30, 32, 0);
    expect_data_error(f, &s, "train-images-idx3-ubyte", "images are 32x32, but mnist images are 28x28");

    /* images and labels disagree on the count */
    write_idx(f, "train-images-idx3-ubyte", 30, 28, 0);
    write_idx(f, "t10k-labels-idx1-ubyte", 9, 0, 0);
    char images[1024];
    path_in(images, sizeof images, f->dir, "t10k-images-idx3-ubyte");
    char want[1200];
    snprintf(want, sizeof want, "holds 9 labels but %s holds 10 images", images);
    expect_data_error(f, &s, "t10k-labels-idx1-ubyte", want);

    /* labels out of range for num_classes */
    write_idx(f, "t10k-labels-idx1-ubyte", 10, 0, 0);
    s.num_classes = 5;
    expect_data_error(f, &s, "train-labels-idx1-ubyte",
                      "label 5 of record 5 is outside [0, 5) (data.num_classes)");
    s.num_classes = 10;

    /* a corrupt gzip stream (the .gz is used once the raw file is gone) */
    char raw[1024];
    path_in(raw, sizeof raw, f->dir, "t10k-images-idx3-ubyte");
    unlink(raw);
    size_t len;
    uint8_t *img = nn_fx_idx_images(10, 28, 28, 0x803, 10, &len);
    size_t gz_len;
    uint8_t *gz = nn_fx_gzip(img, len, &gz_len);
    free(img);
    uint8_t first = gz[10];
    gz[10] = 0xff; /* block type 3, which does not exist */
    assert_int_equal(nn_fx_write(f->dir, "t10k-images-idx3-ubyte.gz", gz, gz_len, false), 0);
    expect_data_error(f, &s, "t10k-images-idx3-ubyte.gz", "corrupt gzip stream");
    /* and a truncated one */
    gz[10] = first;
    assert_int_equal(nn_fx_write(f->dir, "t10k-images-idx3-ubyte.gz", gz, gz_len / 2, false), 0);
    expect_data_error(f, &s, "t10k-images-idx3-ubyte.gz", "gzip stream ends early");
    free(gz);
}

static void test_missing_set(void **state)
{
    fixture *f = *state;
    char sub[1024];
    path_in(sub, sizeof sub, f->dir, "empty");
    mkdir(sub, 0777);
    nn_data_spec s = spec_for(NN_DS_MNIST, sub);
    nn_data d;
    nn_error err;
    assert_int_equal(nn_data_load(&s, f->pool, &d, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "mnist data set not found in data.dir"));
    assert_non_null(strstr(err.msg, "missing train-images-idx3-ubyte[.gz], "
                                    "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], "
                                    "t10k-labels-idx1-ubyte[.gz]"));
    assert_non_null(strstr(err.msg, "Fetch it with: scripts/get-data.sh mnist"));
}

/* CIFAR-10 record i of the training set is nn_fx_pixel(i, ...) in CHW order; HWC here. */
static void check_cifar_sample(const nn_split *s, size_t i, size_t index)
{
    int label = nn_fx_label(index, 10);
    assert_int_equal(s->y[i], label);
    const float *x = s->x + i * 3072;
    for (int h = 0; h < 32; h += 7)
        for (int w = 0; w < 32; w += 5)
            for (int c = 0; c < 3; c++) {
                size_t chw = (size_t)c * 1024 + (size_t)h * 32 + (size_t)w;
                assert_float_equal(x[(h * 32 + w) * 3 + c],
                                   nn_fx_pixel(index, label, chw, 96, 32), 0);
            }
}

static void check_cifar_set(fixture *f, const nn_data_spec *s, size_t n_train, size_t n_test,
                            int n_files)
{
    nn_data d;
    nn_error err;
    nn_status st = nn_data_load(s, f->pool, &d, &err);
    if (st != NN_OK)
        fail_msg("%s: %s", err.file, err.msg);
    assert_int_equal(d.train.n, n_train);
    assert_int_equal(d.val.n, 0);
    assert_int_equal(d.test.n, n_test);
    assert_int_equal(d.train.shape.rank, 3);
    assert_int_equal(d.train.shape.dim[0], 32);
    assert_int_equal(d.train.shape.dim[1], 32);
    assert_int_equal(d.train.shape.dim[2], 3);
    for (size_t i = 0; i < n_train; i += 3) /* batches follow each other in order */
        check_cifar_sample(&d.train, i, i);
    check_cifar_sample(&d.test, n_test - 1, n_test - 1);
    assert_string_equal(d.class_names[0], "airplane");
    assert_string_equal(d.class_names[9], "truck");
    assert_int_equal(d.n_files, n_files);
    nn_data_free(&d);
}

static void test_cifar_files_raw_gz_and_archive(void **state)
{
    fixture *f = *state;
    char raw[1024], gz[1024], arch[1024];
    path_in(raw, sizeof raw, f->dir, "raw");
    path_in(gz, sizeof gz, f->dir, "gz");
    path_in(arch, sizeof arch, f->dir, "arch");
    mkdir(raw, 0777);
    mkdir(gz, 0777);
    mkdir(arch, 0777);
    assert_int_equal(nn_fx_write_cifar(raw, 5, 4, 6, false, true), 0);
    assert_int_equal(nn_fx_write_cifar(gz, 2, 5, 3, true, false), 0);
    assert_int_equal(nn_fx_write_cifar_archive(arch, 3, 4, 5), 0);
    nn_data_spec s = spec_for(NN_DS_CIFAR10, raw);
    check_cifar_set(f, &s, 20, 6, 7); /* 5 batches, test, meta */
    s.dir = gz;
    check_cifar_set(f, &s, 10, 3, 3);
    s.dir = arch;
    check_cifar_set(f, &s, 12, 5, 1);
}

static void test_cifar_bad_files(void **state)
{
    fixture *f = *state;
    assert_int_equal(nn_fx_write_cifar(f->dir, 2, 4, 6, false, false), 0);
    nn_data_spec s = spec_for(NN_DS_CIFAR10, f->dir);
    size_t len;
    uint8_t *recs = nn_fx_cifar_records(4, 4, &len);
    assert_int_equal(nn_fx_write(f->dir, "data_batch_2.bin", recs, len - 1, false), 0);
    expect_data_error(f, &s, "data_batch_2.bin",
                      "size 12291 bytes is not a whole number of 3073-byte CIFAR-10 records");
    recs[3 * 3073] = 12;
    assert_int_equal(nn_fx_write(f->dir, "data_batch_2.bin", recs, len, false), 0);
    expect_data_error(f, &s, "data_batch_2.bin", "label 12 of record 3 is outside [0, 10)");
    free(recs);
}

static void test_cifar_archive_damaged(void **state)
{
    fixture *f = *state;
    nn_data_spec s = spec_for(NN_DS_CIFAR10, f->dir);
    size_t len;
    uint8_t *recs = nn_fx_cifar_records(0, 2, &len);
    char path[1024];
    path_in(path, sizeof path, f->dir, "cifar-10-binary.tar");

    nn_fx_member only_train[] = {{"cifar-10-batches-bin/data_batch_1.bin", recs, len}};
    assert_int_equal(nn_fx_write_tar(path, only_train, 1, true), 0);
    expect_data_error(f, &s, "cifar-10-binary.tar.gz",
                      "archive has no member test_batch.bin: expected the official layout");

    nn_fx_member gap[] = {{"cifar-10-batches-bin/data_batch_1.bin", recs, len},
                          {"cifar-10-batches-bin/data_batch_3.bin", recs, len},
                          {"cifar-10-batches-bin/test_batch.bin", recs, len}};
    assert_int_equal(nn_fx_write_tar(path, gap, 3, true), 0);
    expect_data_error(f, &s, "cifar-10-binary.tar.gz",
                      "archive has member data_batch_3.bin but not data_batch_2.bin");

    nn_fx_member odd[] = {{"cifar-10-batches-bin/data_batch_1.bin", recs, len - 7},
                          {"cifar-10-batches-bin/test_batch.bin", recs, len}};
    assert_int_equal(nn_fx_write_tar(path, odd, 2, true), 0);
    expect_data_error(f, &s, "cifar-10-binary.tar.gz",
                      "member data_batch_1.bin: size 6139 bytes is not a whole number");
    free(recs);
}

static void test_limits_and_split(void **state)
{
    fixture *f = *state;
    assert_int_equal(nn_fx_write_mnist(f->dir, 40, 30, true), 0);
    nn_data_spec s = spec_for(NN_DS_MNIST, f->dir);
    s.limit_train = 20;
    s.limit_test = 7;
    s.validation_split = 0.25;
    nn_data d;
    nn_error err;
    assert_int_equal(nn_data_load(&s, NULL, &d, &err), NN_OK);
    assert_int_equal(d.train.n, 15); /* the first 20 records, then the last quarter as val */
    assert_int_equal(d.val.n, 5);
    assert_int_equal(d.test.n, 7);
    check_mnist_sample(&d.val, 4, 19);
    check_mnist_sample(&d.test, 6, 6);
    nn_data_free(&d);

    s.limit_train = 1000; /* more than there is: all of it */
    s.limit_test = 0;
    assert_int_equal(nn_data_load(&s, NULL, &d, &err), NN_OK);
    assert_int_equal(d.train.n + d.val.n, 40);
    assert_int_equal(d.test.n, 30);
    nn_data_free(&d);

    s.limit_train = 1;
    s.validation_split = 0.5;
    assert_int_equal(nn_data_load(&s, NULL, &d, &err), NN_E_CONFIG);
    assert_string_equal(err.file, "cfg.yaml");
    assert_non_null(strstr(err.msg, "leaves none to train on"));
}

/* The notebook's pipeline: /255, l2_normalize along axis 1, reshape; plus one_hot and
 * standardize statistics from the training split (not the validation part). */
static void test_preprocessing_pipeline(void **state)
{
    fixture *f = *state;
    assert_int_equal(nn_fx_write_mnist(f->dir, 20, 5, false), 0);
    nn_data_spec s = spec_for(NN_DS_MNIST, f->dir);
    s.validation_split = 0.5;
    s.steps[0] = (nn_preprocess){.kind = NN_PP_DIVIDE, .value = 255};
    s.steps[1] = (nn_preprocess){.kind = NN_PP_L2_NORMALIZE, .axis = 1};
    s.steps[2] = (nn_preprocess){.kind = NN_PP_RESHAPE,
                                 .shape = nn_shape_make(1, (const int[]){784})};
    s.steps[3] = (nn_preprocess){.kind = NN_PP_ONE_HOT};
    s.n_steps = 4;
    nn_data d;
    nn_error err;
    assert_int_equal(nn_data_load(&s, f->pool, &d, &err), NN_OK);
    assert_true(d.one_hot);
    assert_int_equal(d.train.shape.rank, 1);
    assert_int_equal(d.val.shape.dim[0], 784);
    assert_int_equal(d.test.shape.dim[0], 784);
    /* test sample 2, column 5: its 28 values have unit norm */
    double sum = 0;
    for (int r = 0; r < 28; r++)
        sum += (double)d.test.x[2 * 784 + r * 28 + 5] * d.test.x[2 * 784 + r * 28 + 5];
    assert_float_equal(sum, 1.0, 1e-5);
    nn_data_free(&d);

    /* a lone divide (folded into decoding) gives exactly byte / value */
    s.n_steps = 1;
    assert_int_equal(nn_data_load(&s, f->pool, &d, &err), NN_OK);
    for (size_t p = 0; p < 784; p += 13)
        assert_float_equal(d.val.x[3 * 784 + p],
                           (float)nn_fx_pixel(13, nn_fx_label(13, 10), p, 28, 28) / 255.0f, 0);
    nn_data_free(&d);

    s.steps[0] = (nn_preprocess){.kind = NN_PP_STANDARDIZE};
    s.n_steps = 1;
    assert_int_equal(nn_data_load(&s, f->pool, &d, &err), NN_OK);
    /* channel = last axis = column 5: statistics over the 10 training samples x 28 rows */
    double m = 0, v = 0;
    for (size_t i = 0; i < 10; i++)
        for (int r = 0; r < 28; r++)
            m += nn_fx_pixel(i, nn_fx_label(i, 10), (size_t)r * 28 + 5, 28, 28);
    m /= 280;
    for (size_t i = 0; i < 10; i++)
        for (int r = 0; r < 28; r++) {
            double e = nn_fx_pixel(i, nn_fx_label(i, 10), (size_t)r * 28 + 5, 28, 28) - m;
            v += e * e;
        }
    double sd = sqrt(v / 280);
    double raw_val = nn_fx_pixel(10, nn_fx_label(10, 10), 3 * 28 + 5, 28, 28);
    double raw_test = nn_fx_pixel(4, nn_fx_label(4, 10), 27 * 28 + 5, 28, 28);
    assert_float_equal(d.val.x[3 * 28 + 5], (raw_val - m) / sd, 1e-5);
    assert_float_equal(d.test.x[4 * 784 + 27 * 28 + 5], (raw_test - m) / sd, 1e-5);
    nn_data_free(&d);

    s.steps[0] = (nn_preprocess){.kind = NN_PP_RESHAPE, .shape = nn_shape_make(1, (const int[]){780}),
                                 .mark = {"cfg.yaml", 9, 11}};
    assert_int_equal(nn_data_load(&s, f->pool, &d, &err), NN_E_CONFIG);
    assert_int_equal(err.line, 9);
    assert_int_equal(err.column, 11);
    assert_null(d.x_train_buf);
}

/* The same set loaded with and without threads gives the same bytes. */
static void test_same_with_any_thread_count(void **state)
{
    fixture *f = *state;
    assert_int_equal(nn_fx_write_cifar(f->dir, 2, 700, 300, true, false), 0);
    nn_data_spec s = spec_for(NN_DS_CIFAR10, f->dir);
    s.validation_split = 0.2;
    s.steps[0] = (nn_preprocess){.kind = NN_PP_DIVIDE, .value = 255};
    s.steps[1] = (nn_preprocess){.kind = NN_PP_L2_NORMALIZE, .axis = 0};
    s.steps[2] = (nn_preprocess){.kind = NN_PP_STANDARDIZE};
    s.steps[3] = (nn_preprocess){.kind = NN_PP_L2_NORMALIZE, .axis = 1};
    s.n_steps = 4;
    nn_data one, two;
    nn_error err;
    assert_int_equal(nn_data_load(&s, NULL, &one, &err), NN_OK);
    assert_int_equal(nn_data_load(&s, f->pool, &two, &err), NN_OK);
    assert_int_equal(one.train.n, 1120);
    assert_memory_equal(one.x_train_buf, two.x_train_buf, 1400 * 3072 * sizeof(float));
    assert_memory_equal(one.x_test_buf, two.x_test_buf, 300 * 3072 * sizeof(float));
    assert_memory_equal(one.y_train_buf, two.y_train_buf, 1400 * sizeof(int32_t));
    for (int i = 0; i < one.n_files; i++)
        assert_string_equal(one.files[i].sha256, two.files[i].sha256);
    nn_data_free(&one);
    nn_data_free(&two);
}

/* The real MNIST when the shared copy is there (development machines); skipped otherwise. */
static void test_real_mnist(void **state)
{
    fixture *f = *state;
    const char *dirs[] = {"../shared/data/mnist", "/work/shared/data/mnist"};
    const char *dir = NULL;
    for (int i = 0; i < 2 && !dir; i++)
        if (access(dirs[i], R_OK) == 0)
            dir = dirs[i];
    if (!dir) {
        print_message("real MNIST not found in ../shared/data/mnist: test skipped\n");
        skip();
    }
    nn_data_spec s = spec_for(NN_DS_MNIST, dir);
    nn_data d;
    nn_error err;
    assert_int_equal(nn_data_load(&s, f->pool, &d, &err), NN_OK);
    assert_int_equal(d.train.n, 60000);
    assert_int_equal(d.test.n, 10000);
    assert_int_equal(d.train.y[0], 5);
    assert_int_equal(d.test.y[0], 7);
    assert_string_equal(d.files[0].sha256,
                        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609");
    nn_data_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mnist_raw_and_gz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mnist_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cifar_files_raw_gz_and_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cifar_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cifar_archive_damaged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preprocessing_pipeline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_with_any_thread_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_mnist, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
