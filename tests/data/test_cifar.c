/* test_cifar.c — CIFAR-10 records: size and label checks, CHW -> HWC, class names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "data/internal.h"
#include "support/data_fixtures.h"

static void expect_msg(const nn_error *err, const char *needle)
{
    if (!strstr(err->msg, needle))
        fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

/* A record whose every byte says where it is: R = (h*32+w) % 251, G = h, B = 100 + w. */
static void craft(uint8_t *rec, int label)
{
    rec[0] = (uint8_t)label;
    for (int h = 0; h < 32; h++)
        for (int w = 0; w < 32; w++) {
            rec[1 + h * 32 + w] = (uint8_t)((h * 32 + w) % 251);
            rec[1 + 1024 + h * 32 + w] = (uint8_t)h;
            rec[1 + 2048 + h * 32 + w] = (uint8_t)(100 + w);
        }
}

static void test_hwc_transposition(void **state)
{
    (void)state;
    uint8_t recs[2 * NN_CIFAR_RECORD];
    craft(recs, 3);
    craft(recs + NN_CIFAR_RECORD, 7);
    recs[NN_CIFAR_RECORD + 1] = 42; /* second record, red, row 0, column 0 */
    float x[2 * 3072];
    int32_t y[2];
    nn_cifar_decode(recs, 2, 1.0f, x, y, NULL);
    assert_int_equal(y[0], 3);
    assert_int_equal(y[1], 7);
    for (int h = 0; h < 32; h++)
        for (int w = 0; w < 32; w++) {
            const float *px = x + (h * 32 + w) * 3; /* x[h, w, :] */
            assert_float_equal(px[0], (float)((h * 32 + w) % 251), 0);
            assert_float_equal(px[1], (float)h, 0);
            assert_float_equal(px[2], (float)(100 + w), 0);
        }
    assert_float_equal(x[3072 + 0], 42, 0);
    assert_float_equal(x[3072 + 1], 0, 0);
    assert_float_equal(x[3072 + 2], 100, 0);
}

static void test_decode_same_with_threads(void **state)
{
    (void)state;
    size_t n = 700, len;
    uint8_t *recs = nn_fx_cifar_records(0, n, &len);
    float *a = malloc(n * 3072 * sizeof *a), *b = malloc(n * 3072 * sizeof *b);
    int32_t *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb);
    nn_pool *pool;
    nn_error err;
    assert_int_equal(nn_pool_create(2, &pool, &err), NN_OK);
    nn_cifar_decode(recs, n, 1.0f, a, ya, NULL);
    nn_cifar_decode(recs, n, 1.0f, b, yb, pool);
    assert_memory_equal(a, b, n * 3072 * sizeof *a);
    assert_memory_equal(ya, yb, n * sizeof *ya);
    nn_pool_destroy(pool);
    free(a);
    free(b);
    free(ya);
    free(yb);
    free(recs);
}

/* Dividing while decoding gives the floats a separate divide step gives. */
static void test_decode_with_divisor(void **state)
{
    (void)state;
    size_t n = 3, len;
    uint8_t *recs = nn_fx_cifar_records(5, n, &len);
    float a[3 * 3072], b[3 * 3072];
    int32_t y[3];
    nn_cifar_decode(recs, n, 255.0f, a, y, NULL);
    nn_cifar_decode(recs, n, 1.0f, b, y, NULL);
    nn_split s = {n, nn_shape_make(3, (const int[]){32, 32, 3}), b, y};
    nn_preprocess divide = {.kind = NN_PP_DIVIDE, .value = 255};
    nn_error err;
    assert_int_equal(nn_preprocess_apply(&divide, &s, NULL, NULL, &err), NN_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_float_equal(a[3 * 40 + 1], (float)recs[1 + 1024 + 40] / 255.0f, 0);
    free(recs);
}

static void test_record_size(void **state)
{
    (void)state;
    size_t n, len;
    uint8_t *recs = nn_fx_cifar_records(0, 3, &len);
    nn_error err;
    assert_int_equal(nn_cifar_check("b.bin", recs, len, 10, &n, &err), NN_OK);
    assert_int_equal(n, 3);
    assert_int_equal(nn_cifar_check("b.bin", recs, len - 5, 10, &n, &err), NN_E_DATA);
    assert_string_equal(err.file, "b.bin");
    expect_msg(&err, "not a whole number of 3073-byte CIFAR-10 records");
    expect_msg(&err, "2 records and 3068 bytes left over");
    assert_int_equal(nn_cifar_check("b.bin", recs, 0, 10, &n, &err), NN_E_DATA);
    expect_msg(&err, "holds no records");
    free(recs);
}

static void test_label_range(void **state)
{
    (void)state;
    size_t n, len;
    uint8_t *recs = nn_fx_cifar_records(0, 4, &len);
    nn_error err;
    recs[2 * NN_CIFAR_RECORD] = 10;
    assert_int_equal(nn_cifar_check("b.bin", recs, len, 10, &n, &err), NN_E_DATA);
    expect_msg(&err, "label 10 of record 2 is outside [0, 10)");
    recs[2 * NN_CIFAR_RECORD] = 2;
    /* with 3 classes, record 3 (label 3) is the first bad one */
    assert_int_equal(nn_cifar_check("b.bin", recs, len, 3, &n, &err), NN_E_DATA);
    expect_msg(&err, "label 3 of record 3 is outside [0, 3)");
    free(recs);
}

static void test_class_names(void **state)
{
    (void)state;
    const char text[] = "airplane\r\nautomobile\n\n  bird  \ncat\n"
                        "a-name-that-is-much-longer-than-thirty-one-bytes\n";
    char names[16][32];
    int n = nn_cifar_class_names((const uint8_t *)text, sizeof text - 1, names);
    assert_int_equal(n, 5);
    assert_string_equal(names[0], "airplane");
    assert_string_equal(names[1], "automobile");
    assert_string_equal(names[2], "bird");
    assert_string_equal(names[3], "cat");
    assert_int_equal(strlen(names[4]), 31);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hwc_transposition),
        cmocka_unit_test(test_decode_same_with_threads),
        cmocka_unit_test(test_decode_with_divisor),
        cmocka_unit_test(test_record_size),
        cmocka_unit_test(test_label_range),
        cmocka_unit_test(test_class_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
