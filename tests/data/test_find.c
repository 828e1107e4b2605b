/* test_find.c — where data sets are looked for, in order, and what a miss says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/internal.h"
#include "support/data_fixtures.h"

typedef struct fixture {
    char root[512];
    char old_cwd[1024];
} fixture;

/* Each test runs in a fresh directory (so ./data is the test's own) with NNRUN_DATA unset. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || nn_fx_tempdir("find", f->root, sizeof f->root) != 0 ||
        !getcwd(f->old_cwd, sizeof f->old_cwd) || chdir(f->root) != 0)
        return -1;
    unsetenv("NNRUN_DATA");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (chdir(f->old_cwd) != 0)
        return -1;
    nn_fx_rmtree(f->root);
    unsetenv("NNRUN_DATA");
    free(f);
    return 0;
}

static void mkdirs(const char *root, const char *rel, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", root, rel);
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", out);
    for (char *p = buf + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0777);
            *p = '/';
        }
    mkdir(buf, 0777);
}

static nn_data_spec spec_for(nn_dataset_kind kind, const char *dir)
{
    nn_data_spec s;
    memset(&s, 0, sizeof s);
    s.dataset = kind;
    s.dir = dir;
    s.num_classes = 10;
    return s;
}

static void expect_msg(const nn_error *err, const char *needle)
{
    if (!strstr(err->msg, needle))
        fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

static void test_search_order(void **state)
{
    fixture *f = *state;
    char a[600], env[600], env_set[600], local[600];
    mkdirs(f->root, "explicit", a, sizeof a);
    mkdirs(f->root, "env/mnist", env_set, sizeof env_set);
    snprintf(env, sizeof env, "%s/env", f->root);
    mkdirs(f->root, "data/mnist", local, sizeof local);
    assert_int_equal(nn_fx_write_mnist(a, 2, 2, false), 0);
    assert_int_equal(nn_fx_write_mnist(env_set, 2, 2, true), 0);
    assert_int_equal(nn_fx_write_mnist(local, 2, 2, false), 0);
    setenv("NNRUN_DATA", env, 1);

    nn_found found;
    nn_error err;
    nn_data_spec s = spec_for(NN_DS_MNIST, a);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_string_equal(found.dir, a);
    assert_int_equal(found.n_paths, 4);

    s.dir = NULL; /* then $NNRUN_DATA/mnist */
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_string_equal(found.dir, env_set);
    char want[700];
    snprintf(want, sizeof want, "%s/train-images-idx3-ubyte.gz", env_set);
    assert_string_equal(found.path[NN_MNIST_TRAIN_X], want);

    unsetenv("NNRUN_DATA"); /* then ./data/mnist */
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_string_equal(found.dir, "data/mnist");
    assert_string_equal(found.path[NN_MNIST_TEST_Y], "data/mnist/t10k-labels-idx1-ubyte");
}

/* An incomplete place is skipped, and the error lists every place with its reason. */
static void test_missing_lists_every_place(void **state)
{
    fixture *f = *state;
    char env_set[600], env[600];
    mkdirs(f->root, "env/mnist", env_set, sizeof env_set);
    snprintf(env, sizeof env, "%s/env", f->root);
    assert_int_equal(nn_fx_write_mnist(env_set, 2, 2, false), 0);
    char path[700];
    snprintf(path, sizeof path, "%s/t10k-labels-idx1-ubyte", env_set);
    unlink(path);

    nn_found found;
    nn_error err;
    nn_data_spec s = spec_for(NN_DS_MNIST, NULL);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_E_DATA);
    expect_msg(&err, "mnist data set not found. Looked in: $NNRUN_DATA (not set); "
                     "./data/mnist (no such directory). Fetch it with: scripts/get-data.sh mnist");

    setenv("NNRUN_DATA", env, 1);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_E_DATA);
    char want[1024];
    snprintf(want, sizeof want,
             "Looked in: $NNRUN_DATA/mnist = %s (missing t10k-labels-idx1-ubyte[.gz]); "
             "./data/mnist (no such directory)",
             env_set);
    expect_msg(&err, want);

    /* the incomplete place is passed over for a complete one further down */
    char local[600];
    mkdirs(f->root, "data/mnist", local, sizeof local);
    assert_int_equal(nn_fx_write_mnist(local, 2, 2, true), 0);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_string_equal(found.dir, "data/mnist");
}

/* data.dir is the only place looked at when given, even if another place has the set. */
static void test_explicit_dir_is_exclusive(void **state)
{
    fixture *f = *state;
    char local[600];
    mkdirs(f->root, "data/fashion_mnist", local, sizeof local);
    assert_int_equal(nn_fx_write_mnist(local, 2, 2, false), 0);
    nn_found found;
    nn_error err;
    nn_data_spec s = spec_for(NN_DS_FASHION_MNIST, "nowhere");
    assert_int_equal(nn_data_find(&s, &found, &err), NN_E_DATA);
    expect_msg(&err, "fashion_mnist data set not found in data.dir nowhere (no such directory). "
                     "Fetch it with: scripts/get-data.sh fashion_mnist nowhere");
    s.dir = NULL;
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_string_equal(found.dir, "data/fashion_mnist");
}

static void test_dotted_names(void **state)
{
    fixture *f = *state;
    char d[600];
    mkdirs(f->root, "dotted", d, sizeof d);
    size_t len;
    uint8_t *img = nn_fx_idx_images(1, 28, 28, 0x803, 10, &len);
    assert_int_equal(nn_fx_write(d, "train-images.idx3-ubyte", img, len, true), 0);
    assert_int_equal(nn_fx_write(d, "t10k-images.idx3-ubyte", img, len, false), 0);
    free(img);
    uint8_t *lab = nn_fx_idx_labels(1, 0x801, 10, &len);
    assert_int_equal(nn_fx_write(d, "train-labels-idx1-ubyte", lab, len, false), 0);
    assert_int_equal(nn_fx_write(d, "t10k-labels.idx1-ubyte", lab, len, true), 0);
    free(lab);
    nn_found found;
    nn_error err;
    nn_data_spec s = spec_for(NN_DS_MNIST, d);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_non_null(strstr(found.path[NN_MNIST_TRAIN_X], "/train-images.idx3-ubyte.gz"));
    assert_non_null(strstr(found.path[NN_MNIST_TEST_Y], "/t10k-labels.idx1-ubyte.gz"));
}

static void test_cifar_layouts(void **state)
{
    fixture *f = *state;
    char loose[600], sub[600], arch[600];
    nn_found found;
    nn_error err;

    mkdirs(f->root, "loose", loose, sizeof loose);
    assert_int_equal(nn_fx_write_cifar(loose, 2, 3, 2, true, true), 0);
    nn_data_spec s = spec_for(NN_DS_CIFAR10, loose);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_int_equal(found.n_train, 2);
    assert_true(found.has_meta);
    assert_int_equal(found.n_paths, 4);
    assert_string_equal(found.archive, "");

    mkdirs(f->root, "up/cifar-10-batches-bin", sub, sizeof sub);
    assert_int_equal(nn_fx_write_cifar(sub, 5, 3, 2, false, false), 0);
    snprintf(sub, sizeof sub, "%s/up", f->root);
    s.dir = sub;
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_int_equal(found.n_train, 5);
    assert_false(found.has_meta);
    assert_non_null(strstr(found.dir, "/up/cifar-10-batches-bin"));

    mkdirs(f->root, "arch", arch, sizeof arch);
    assert_int_equal(nn_fx_write_cifar_archive(arch, 1, 3, 2), 0);
    s.dir = arch;
    assert_int_equal(nn_data_find(&s, &found, &err), NN_OK);
    assert_non_null(strstr(found.archive, "/arch/cifar-10-binary.tar.gz"));
    assert_string_equal(found.dir, arch);
}

static void test_cifar_gap_and_missing(void **state)
{
    fixture *f = *state;
    char d[600], path[700];
    mkdirs(f->root, "gap", d, sizeof d);
    assert_int_equal(nn_fx_write_cifar(d, 3, 3, 2, false, false), 0);
    snprintf(path, sizeof path, "%s/data_batch_2.bin", d);
    unlink(path);
    nn_found found;
    nn_error err;
    nn_data_spec s = spec_for(NN_DS_CIFAR10, d);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_E_DATA);
    assert_string_equal(err.file, d);
    expect_msg(&err, "data_batch_3.bin is present but data_batch_2.bin is missing");

    snprintf(path, sizeof path, "%s/test_batch.bin", d);
    unlink(path);
    assert_int_equal(nn_data_find(&s, &found, &err), NN_E_DATA);
    expect_msg(&err, "(missing test_batch.bin[.gz]; no cifar-10-binary.tar.gz)");
    expect_msg(&err, "scripts/get-data.sh cifar10");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_search_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_lists_every_place, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explicit_dir_is_exclusive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotted_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cifar_layouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cifar_gap_and_missing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
