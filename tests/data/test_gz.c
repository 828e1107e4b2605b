/* test_gz.c — reading whole files and inflating gzip streams, good and damaged. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "data/internal.h"
#include "support/data_fixtures.h"

static uint8_t *pattern(size_t n)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)((i * 7) ^ (i >> 9));
    return b;
}

static void test_magic(void **state)
{
    (void)state;
    const uint8_t gz[] = {0x1f, 0x8b, 8, 0};
    const uint8_t idx[] = {0, 0, 8, 3};
    assert_true(nn_gz_magic(gz, sizeof gz));
    assert_false(nn_gz_magic(idx, sizeof idx));
    assert_false(nn_gz_magic(gz, 1));
}

static void test_roundtrip(void **state)
{
    (void)state;
    size_t n = 1 << 20, packed_len, out_len;
    uint8_t *raw = pattern(n);
    uint8_t *packed = nn_fx_gzip(raw, n, &packed_len);
    assert_non_null(packed);
    uint8_t *out;
    nn_error err;
    assert_int_equal(nn_gz_inflate("x.gz", packed, packed_len, &out, &out_len, &err), NN_OK);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, raw, n);
    free(out);
    free(packed);
    free(raw);
}

/* Two gzip members back to back are one file to gzip(1), and zero padding is ignored. */
static void test_concatenated_members_and_padding(void **state)
{
    (void)state;
    size_t la, lb;
    uint8_t *a = nn_fx_gzip("hello ", 6, &la);
    uint8_t *b = nn_fx_gzip("world", 5, &lb);
    uint8_t *both = calloc(1, la + lb + 100);
    memcpy(both, a, la);
    memcpy(both + la, b, lb);
    uint8_t *out;
    size_t out_len;
    nn_error err;
    assert_int_equal(nn_gz_inflate("x.gz", both, la + lb + 100, &out, &out_len, &err), NN_OK);
    assert_int_equal(out_len, 11);
    assert_memory_equal(out, "hello world", 11);
    free(out);
    free(both);
    free(a);
    free(b);
}

static void expect_error(const uint8_t *data, size_t len, const char *needle)
{
    uint8_t *out = (uint8_t *)"not touched";
    size_t out_len = 99;
    nn_error err;
    nn_error_clear(&err);
    assert_int_equal(nn_gz_inflate("bad.gz", data, len, &out, &out_len, &err), NN_E_DATA);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_string_equal(err.file, "bad.gz");
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void test_corrupt_stream(void **state)
{
    (void)state;
    size_t n = 100000, len;
    uint8_t *raw = pattern(n);
    uint8_t *packed = nn_fx_gzip(raw, n, &len);
    packed[10] = 0xff; /* first deflate block: BTYPE 11, which does not exist */
    expect_error(packed, len, "corrupt gzip stream");
    free(packed);
    packed = nn_fx_gzip(raw, n, &len);
    packed[len - 6] ^= 0x55; /* the CRC in the trailer */
    expect_error(packed, len, "corrupt gzip stream");
    free(packed);
    free(raw);
}

static void test_truncated_stream(void **state)
{
    (void)state;
    size_t n = 100000, len;
    uint8_t *raw = pattern(n);
    uint8_t *packed = nn_fx_gzip(raw, n, &len);
    expect_error(packed, len / 2, "truncated");
    expect_error(packed, len - 3, "truncated"); /* inside the trailer */
    free(packed);
    free(raw);
}

static void test_trailing_garbage(void **state)
{
    (void)state;
    size_t len;
    uint8_t *packed = nn_fx_gzip("abc", 3, &len);
    uint8_t *more = malloc(len + 4);
    memcpy(more, packed, len);
    memcpy(more + len, "junk", 4);
    expect_error(more, len + 4, "unexpected bytes after the gzip stream");
    free(more);
    free(packed);
}

static void test_slurp(void **state)
{
    (void)state;
    char dir[512], path[600];
    assert_int_equal(nn_fx_tempdir("gz", dir, sizeof dir), 0);
    assert_int_equal(nn_fx_write(dir, "f.bin", "12345", 5, false), 0);
    snprintf(path, sizeof path, "%s/f.bin", dir);
    uint8_t *data;
    size_t len;
    nn_error err;
    assert_int_equal(nn_file_slurp(path, &data, &len, &err), NN_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(data, "12345", 5);
    free(data);

    snprintf(path, sizeof path, "%s/missing.bin", dir);
    assert_int_equal(nn_file_slurp(path, &data, &len, &err), NN_E_DATA);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.msg, "cannot open"));
    assert_int_equal(nn_file_slurp(dir, &data, &len, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "not a regular file"));
    nn_fx_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_magic),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_concatenated_members_and_padding),
        cmocka_unit_test(test_corrupt_stream),
        cmocka_unit_test(test_truncated_stream),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_slurp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
