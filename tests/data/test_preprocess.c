/* test_preprocess.c — preprocessing steps and splits against examples worked by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"

static nn_split split_of(float *x, size_t n, int rank, const int *dims)
{
    nn_split s = {n, nn_shape_make(rank, dims), x, NULL};
    return s;
}

static nn_preprocess l2(int axis)
{
    nn_preprocess p;
    memset(&p, 0, sizeof p);
    p.kind = NN_PP_L2_NORMALIZE;
    p.axis = axis;
    p.mark = (nn_mark){"c.yaml", 7, 9};
    return p;
}

static void expect_values(const float *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(got[i] - want[i]) > 1e-6 * fmax(1.0, fabs(want[i])))
            fail_msg("value %zu: got %.9g, want %.9g", i, got[i], want[i]);
}

/* x[2, 2, 3]: two samples of 2 rows x 3 columns.
 *   sample 0: [[3, 0, 1],   sample 1: [[0, 2, 0],
 *              [4, 0, 1]]              [0, 0, 0]]
 * axis 1 (over the 2 rows of each column, batch axis = 0 as in Keras):
 *   sample 0 columns: norms 5, 0, sqrt(2) -> [[.6, 0, .7071], [.8, 0, .7071]]
 *   sample 1 columns: norms 0, 2, 0       -> [[0, 1, 0], [0, 0, 0]]
 * axis 2 = axis -1 (over the 3 columns of each row):
 *   sample 0 rows: norms sqrt(10), sqrt(17); sample 1 rows: 2 and 0 (left alone)
 * axis 0 (over the 2 samples, per position): norms 3, 2, 1, 4, 0, 1 */
static const float example[12] = {3, 0, 1, 4, 0, 1, 0, 2, 0, 0, 0, 0};

static void test_l2_normalize_axis1(void **state)
{
    (void)state;
    float x[12];
    memcpy(x, example, sizeof x);
    nn_split s = split_of(x, 2, 2, (const int[]){2, 3});
    nn_preprocess p = l2(1);
    nn_error err;
    assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_OK);
    const double r = 1 / sqrt(2.0);
    const double want[12] = {0.6, 0, r, 0.8, 0, r, 0, 1, 0, 0, 0, 0};
    expect_values(x, want, 12);
}

static void test_l2_normalize_last_axis(void **state)
{
    (void)state;
    const double a = sqrt(10.0), b = sqrt(17.0);
    const double want[12] = {3 / a, 0, 1 / a, 4 / b, 0, 1 / b, 0, 1, 0, 0, 0, 0};
    for (int axis = -1; axis <= 2; axis += 3) { /* -1 and 2 are the same axis */
        float x[12];
        memcpy(x, example, sizeof x);
        nn_split s = split_of(x, 2, 2, (const int[]){2, 3});
        nn_preprocess p = l2(axis);
        nn_error err;
        assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_OK);
        expect_values(x, want, 12);
    }
}

static void test_l2_normalize_axis0(void **state)
{
    (void)state;
    float x[12];
    memcpy(x, example, sizeof x);
    nn_split s = split_of(x, 2, 2, (const int[]){2, 3});
    nn_preprocess p = l2(0);
    nn_error err;
    assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_OK);
    const double want[12] = {1, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0};
    expect_values(x, want, 12);
}

static void test_l2_normalize_bad_axis(void **state)
{
    (void)state;
    float x[12];
    memcpy(x, example, sizeof x);
    nn_split s = split_of(x, 2, 2, (const int[]){2, 3});
    for (int axis = -4; axis <= 3; axis += 7) {
        nn_preprocess p = l2(axis);
        nn_error err;
        assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_E_CONFIG);
        assert_string_equal(err.file, "c.yaml");
        assert_int_equal(err.line, 7);
        assert_int_equal(err.column, 9);
        assert_non_null(strstr(err.msg, "out of range for data of shape (None, 2, 3)"));
        assert_non_null(strstr(err.msg, "valid: -3 .. 2"));
    }
    assert_memory_equal(x, example, sizeof x);
}

/* A sample of zeros keeps its zeros (Keras replaces a zero norm by 1): no NaN. */
static void test_zero_norm_left_alone(void **state)
{
    (void)state;
    float x[6] = {0, 0, 0, 0, 5, 0};
    nn_split s = split_of(x, 2, 1, (const int[]){3});
    nn_preprocess p = l2(1);
    nn_error err;
    assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_OK);
    const double want[6] = {0, 0, 0, 0, 1, 0};
    expect_values(x, want, 6);
}

static void test_divide(void **state)
{
    (void)state;
    float x[20];
    for (int i = 0; i < 20; i++)
        x[i] = (float)(i * 13);
    nn_split s = split_of(x, 4, 1, (const int[]){5});
    nn_preprocess p = {.kind = NN_PP_DIVIDE, .value = 255};
    nn_error err;
    assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_OK);
    for (int i = 0; i < 20; i++)
        assert_float_equal(x[i], (float)(i * 13) / 255.0f, 0);
}

static void test_reshape(void **state)
{
    (void)state;
    float x[24] = {0};
    nn_split s = split_of(x, 2, 2, (const int[]){3, 4});
    nn_preprocess p = {.kind = NN_PP_RESHAPE, .shape = nn_shape_make(1, (const int[]){12}),
                       .mark = {"c.yaml", 3, 7}};
    nn_error err;
    assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_OK);
    assert_int_equal(s.shape.rank, 1);
    assert_int_equal(s.shape.dim[0], 12);

    p.shape = nn_shape_make(2, (const int[]){5, 2});
    assert_int_equal(nn_preprocess_apply(&p, &s, NULL, NULL, &err), NN_E_CONFIG);
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 7);
    assert_string_equal(err.msg, "reshape: cannot reshape samples of shape [12] (12 values) to "
                                 "[5, 2] (10 values)");
    assert_int_equal(s.shape.dim[0], 12);
}

/* Two channels; statistics from the training split only (the first 2 of 4 samples). */
static void test_standardize_train_statistics(void **state)
{
    (void)state;
    /* samples [2 positions, 2 channels]; channel 0 values in train: 1, 3, 5, 7 (mean 4,
     * std sqrt(5)); channel 1 in train: 10, 10, 10, 10 (std 0 -> 1) */
    float x[16] = {1, 10, 3, 10, 5, 10, 7, 10, /* train */
                   100, 0, 4, 11, 0, 0, 0, 0}; /* validation: not in the statistics */
    nn_split all = split_of(x, 4, 2, (const int[]){2, 2}), train, val;
    nn_data_split(&all, 0.5, &train, &val);
    assert_int_equal(train.n, 2);
    nn_channel_stats st;
    nn_error err;
    assert_int_equal(nn_channel_stats_compute(&train, NULL, &st, &err), NN_OK);
    assert_int_equal(st.channels, 2);
    assert_float_equal(st.mean[0], 4, 1e-12);
    assert_float_equal(st.std[0], sqrt(5.0), 1e-12);
    assert_float_equal(st.mean[1], 10, 1e-12);
    assert_float_equal(st.std[1], 1, 0);

    float t[4] = {4, 12, 9, 10};
    nn_split test = split_of(t, 1, 2, (const int[]){2, 2});
    nn_preprocess p = {.kind = NN_PP_STANDARDIZE};
    assert_int_equal(nn_preprocess_apply(&p, &all, &st, NULL, &err), NN_OK);
    assert_int_equal(nn_preprocess_apply(&p, &test, &st, NULL, &err), NN_OK);
    const double r5 = sqrt(5.0);
    const double want_all[16] = {-3 / r5, 0, -1 / r5, 0, 1 / r5, 0, 3 / r5, 0,
                                 96 / r5, -10, 0, 1, -4 / r5, -10, -4 / r5, -10};
    expect_values(x, want_all, 16);
    const double want_test[4] = {0, 2, 5 / r5, 0};
    expect_values(t, want_test, 4);

    nn_channel_stats_free(&st);
    nn_split three = split_of(t, 1, 1, (const int[]){4});
    nn_channel_stats wrong = {.channels = 2};
    assert_int_equal(nn_preprocess_apply(&p, &three, &wrong, NULL, &err), NN_E_INTERNAL);
}

static void test_validation_split(void **state)
{
    (void)state;
    float x[30];
    int32_t y[10];
    nn_split all = {10, nn_shape_make(1, (const int[]){3}), x, y}, train, val;
    const struct {
        double fraction;
        size_t train, val;
    } cases[] = {{0.1, 9, 1}, {0.25, 7, 3}, {0.0, 10, 0}, {0.5, 5, 5}, {0.99, 0, 10}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nn_data_split(&all, cases[i].fraction, &train, &val);
        assert_int_equal(train.n, cases[i].train);
        assert_int_equal(val.n, cases[i].val);
        assert_ptr_equal(train.x, x); /* views, the validation part last */
        assert_ptr_equal(val.x, x + 3 * cases[i].train);
        assert_ptr_equal(val.y, y + cases[i].train);
        assert_true(nn_shape_equal(&val.shape, &all.shape));
    }
}

/* Reductions across samples give bit-identical results for 1 and 2 threads. */
static void test_thread_count_independent(void **state)
{
    (void)state;
    size_t n = 3000, d = 12;
    float *a = malloc(n * d * sizeof *a), *b = malloc(n * d * sizeof *b);
    uint32_t r = 12345;
    for (size_t i = 0; i < n * d; i++) {
        r = r * 1103515245u + 12345u;
        a[i] = (float)(r >> 8) / 65536.0f;
    }
    memcpy(b, a, n * d * sizeof *a);
    nn_pool *pool;
    nn_error err;
    assert_int_equal(nn_pool_create(2, &pool, &err), NN_OK);
    nn_split sa = split_of(a, n, 2, (const int[]){4, 3}), sb = split_of(b, n, 2, (const int[]){4, 3});
    nn_channel_stats st1, st2;
    assert_int_equal(nn_channel_stats_compute(&sa, NULL, &st1, &err), NN_OK);
    assert_int_equal(nn_channel_stats_compute(&sb, pool, &st2, &err), NN_OK);
    assert_memory_equal(st1.mean, st2.mean, 3 * sizeof(double));
    assert_memory_equal(st1.std, st2.std, 3 * sizeof(double));
    nn_preprocess steps[] = {l2(0), l2(1), {.kind = NN_PP_STANDARDIZE}};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(nn_preprocess_apply(&steps[k], &sa, &st1, NULL, &err), NN_OK);
        assert_int_equal(nn_preprocess_apply(&steps[k], &sb, &st2, pool, &err), NN_OK);
    }
    assert_memory_equal(a, b, n * d * sizeof *a);
    nn_channel_stats_free(&st1);
    nn_channel_stats_free(&st2);
    nn_pool_destroy(pool);
    free(a);
    free(b);
}

static void test_check_input(void **state)
{
    (void)state;
    nn_data_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.mark = (nn_mark){"m.yaml", 4, 3};
    nn_data data;
    memset(&data, 0, sizeof data);
    data.train.shape = nn_shape_make(2, (const int[]){28, 28});
    nn_shape same = nn_shape_make(2, (const int[]){28, 28});
    nn_shape flat = nn_shape_make(1, (const int[]){784});
    nn_shape other = nn_shape_make(1, (const int[]){100});
    nn_error err;
    assert_int_equal(nn_data_check_input(&spec, &data, &same, &err), NN_OK);
    assert_int_equal(nn_data_check_input(&spec, &data, &flat, &err), NN_E_DATA);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.msg, "(None, 28, 28) but the model input is (None, 784): add "
                                    "`- reshape: [784]` to data.preprocess"));
    assert_int_equal(nn_data_check_input(&spec, &data, &other, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "(784 values)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_l2_normalize_axis1),
        cmocka_unit_test(test_l2_normalize_last_axis),
        cmocka_unit_test(test_l2_normalize_axis0),
        cmocka_unit_test(test_l2_normalize_bad_axis),
        cmocka_unit_test(test_zero_norm_left_alone),
        cmocka_unit_test(test_divide),
        cmocka_unit_test(test_reshape),
        cmocka_unit_test(test_standardize_train_statistics),
        cmocka_unit_test(test_validation_split),
        cmocka_unit_test(test_thread_count_independent),
        cmocka_unit_test(test_check_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
