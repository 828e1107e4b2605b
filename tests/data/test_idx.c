/* test_idx.c — IDX headers checked against the bytes that follow. */
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

static void test_good_images_and_labels(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = nn_fx_idx_images(5, 28, 28, NN_IDX_IMAGES, 10, &len);
    assert_int_equal(len, 16 + 5 * 784);
    nn_idx idx;
    nn_error err;
    assert_int_equal(nn_idx_parse("x", false, b, len, NN_IDX_IMAGES, &idx, &err), NN_OK);
    assert_int_equal(idx.n, 5);
    assert_int_equal(idx.rank, 3);
    assert_int_equal(idx.dim[1], 28);
    assert_int_equal(idx.dim[2], 28);
    assert_ptr_equal(idx.data, b + 16);
    free(b);

    b = nn_fx_idx_labels(7, NN_IDX_LABELS, 10, &len);
    assert_int_equal(nn_idx_parse("y", false, b, len, NN_IDX_LABELS, &idx, &err), NN_OK);
    assert_int_equal(idx.n, 7);
    assert_ptr_equal(idx.data, b + 8);
    assert_int_equal(idx.data[6], 6);
    free(b);
}

static void test_wrong_magic(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = nn_fx_idx_labels(3, NN_IDX_LABELS, 10, &len);
    nn_idx idx;
    nn_error err;
    /* a label file where the image file should be */
    assert_int_equal(nn_idx_parse("imgs", false, b, len, NN_IDX_IMAGES, &idx, &err), NN_E_DATA);
    assert_string_equal(err.file, "imgs");
    expect_msg(&err, "wrong magic number 0x00000801");
    expect_msg(&err, "0x00000803");
    /* a gzip file that was not inflated, or any other file */
    const uint8_t html[] = "<html><body>404</body></html>";
    assert_int_equal(nn_idx_parse("p", false, html, sizeof html, NN_IDX_LABELS, &idx, &err),
                     NN_E_DATA);
    expect_msg(&err, "wrong magic number 0x3c68746d");
    free(b);
}

static void test_truncated_and_oversized(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = nn_fx_idx_images(10, 28, 28, NN_IDX_IMAGES, 10, &len);
    nn_idx idx;
    nn_error err;
    assert_int_equal(nn_idx_parse("t", true, b, len - 100, NN_IDX_IMAGES, &idx, &err), NN_E_DATA);
    expect_msg(&err, "truncated");
    expect_msg(&err, "10 images of 28x28");
    expect_msg(&err, "7856 bytes"); /* expected: 16 + 10 * 784 */
    expect_msg(&err, "the unpacked file holds 7756");

    assert_int_equal(nn_idx_parse("t", false, b, 10, NN_IDX_IMAGES, &idx, &err), NN_E_DATA);
    expect_msg(&err, "the IDX header needs 16 bytes");
    assert_int_equal(nn_idx_parse("t", false, b, 3, NN_IDX_IMAGES, &idx, &err), NN_E_DATA);
    expect_msg(&err, "too short");

    uint8_t *more = calloc(1, len + 5);
    memcpy(more, b, len);
    assert_int_equal(nn_idx_parse("t", false, more, len + 5, NN_IDX_IMAGES, &idx, &err),
                     NN_E_DATA);
    expect_msg(&err, "size does not match the header");
    expect_msg(&err, "the file holds 7861");
    free(more);
    free(b);
}

/* A header announcing absurd sizes must not overflow into a false match. */
static void test_huge_header(void **state)
{
    (void)state;
    uint8_t b[16] = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                     0xff, 0xff};
    nn_idx idx;
    nn_error err;
    assert_int_equal(nn_idx_parse("h", false, b, sizeof b, NN_IDX_IMAGES, &idx, &err), NN_E_DATA);
    expect_msg(&err, "truncated");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_images_and_labels),
        cmocka_unit_test(test_wrong_magic),
        cmocka_unit_test(test_truncated_and_oversized),
        cmocka_unit_test(test_huge_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
