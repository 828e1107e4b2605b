/* test_tar.c — members out of plain and gzipped tar archives; damaged archives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/internal.h"
#include "support/data_fixtures.h"

typedef struct fixture {
    char dir[512];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f || nn_fx_tempdir("tar", f->dir, sizeof f->dir) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    nn_fx_rmtree(f->dir);
    free(f);
    return 0;
}

static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint8_t *data;
    nn_error err;
    assert_int_equal(nn_file_slurp(path, &data, len, &err), NN_OK);
    return data;
}

static void free_wants(nn_tar_want *w, int n)
{
    for (int i = 0; i < n; i++)
        free(w[i].data);
}

static void expect_msg(const nn_error *err, const char *needle)
{
    if (!strstr(err->msg, needle))
        fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

static const char big_text[] = "0123456789abcdef";

static void write_sample(const char *dir, bool gz)
{
    char *big = malloc(1500);
    for (int i = 0; i < 1500; i++)
        big[i] = big_text[i % 16];
    nn_fx_member m[] = {
        {"top/", NULL, 0},
        {"top/a.txt", "alpha", 5},
        {"top/sub/b.bin", big, 1500},
        {"other/a.txt", "second a", 8},
        {"top/empty", "", 0},
    };
    char path[1024];
    snprintf(path, sizeof path, "%s/sample.tar", dir);
    assert_int_equal(nn_fx_write_tar(path, m, 5, gz), 0);
    free(big);
}

static void test_extract_plain_and_gz(void **state)
{
    fixture *f = *state;
    for (int gz = 0; gz < 2; gz++) {
        write_sample(f->dir, gz);
        size_t len;
        uint8_t *stored = slurp(f->dir, gz ? "sample.tar.gz" : "sample.tar", &len);
        nn_tar_want w[] = {{.name = "a.txt"}, {.name = "b.bin"}, {.name = "c.bin"},
                           {.name = "empty"}};
        nn_error err;
        assert_int_equal(nn_tar_extract("s.tar", stored, len, w, 4, &err), NN_OK);
        assert_true(w[0].found);
        assert_int_equal(w[0].len, 5);
        assert_memory_equal(w[0].data, "alpha", 5); /* the first a.txt wins */
        assert_true(w[1].found);
        assert_int_equal(w[1].len, 1500);
        assert_memory_equal(w[1].data + 1488, "0123456789ab", 12);
        assert_false(w[2].found);
        assert_null(w[2].data);
        assert_true(w[3].found);
        assert_int_equal(w[3].len, 0);
        free_wants(w, 4);
        free(stored);
    }
}

/* GNU 'L' members and pax 'x' members carry names longer than the 100-byte field. */
static void test_long_names(void **state)
{
    (void)state;
    char longname[200];
    memset(longname, 'd', sizeof longname);
    memcpy(longname + 150, "/data_batch_1.bin", 18); /* NUL-terminated at 167 */
    size_t name_len = strlen(longname) + 1;
    char pax[256];
    int pax_len = snprintf(pax, sizeof pax, "%d path=x/test_batch.bin\n", 25);
    assert_int_equal(pax_len, 25);

    uint8_t tar[512 * 12] = {0};
    size_t at = 0;
    nn_fx_tar_header(tar + at, "././@LongLink", name_len, 'L');
    memcpy(tar + (at += 512), longname, name_len);
    nn_fx_tar_header(tar + (at += 512), "ddd-truncated", 3, '0');
    memcpy(tar + (at += 512), "one", 3);
    nn_fx_tar_header(tar + (at += 512), "PaxHeaders/x", (size_t)pax_len, 'x');
    memcpy(tar + (at += 512), pax, (size_t)pax_len);
    nn_fx_tar_header(tar + (at += 512), "short-name", 3, '0');
    memcpy(tar + (at += 512), "two", 3);
    at += 512 + 1024; /* end of archive */

    nn_tar_want w[] = {{.name = "data_batch_1.bin"}, {.name = "test_batch.bin"},
                       {.name = "short-name"}};
    nn_error err;
    assert_int_equal(nn_tar_extract("l.tar", tar, at, w, 3, &err), NN_OK);
    assert_true(w[0].found);
    assert_memory_equal(w[0].data, "one", 3);
    assert_true(w[1].found);
    assert_memory_equal(w[1].data, "two", 3);
    assert_false(w[2].found); /* renamed by the pax header */
    free_wants(w, 3);
}

static void test_bad_checksum(void **state)
{
    fixture *f = *state;
    write_sample(f->dir, false);
    size_t len;
    uint8_t *stored = slurp(f->dir, "sample.tar", &len);
    stored[512 + 3] ^= 1; /* a name byte of the second header */
    nn_tar_want w[] = {{.name = "a.txt"}};
    nn_error err;
    assert_int_equal(nn_tar_extract("s.tar", stored, len, w, 1, &err), NN_E_DATA);
    assert_string_equal(err.file, "s.tar");
    expect_msg(&err, "not a tar archive (bad header checksum at offset 512)");
    assert_false(w[0].found);
    assert_null(w[0].data);
    free(stored);

    /* a gzip file that is not a tar at all */
    size_t gz_len;
    uint8_t *gz = nn_fx_gzip(big_text, 16, &gz_len);
    assert_int_equal(nn_tar_extract("s.tar.gz", gz, gz_len, w, 1, &err), NN_E_DATA);
    free(gz);
}

static void test_truncated(void **state)
{
    fixture *f = *state;
    write_sample(f->dir, false);
    size_t len;
    uint8_t *stored = slurp(f->dir, "sample.tar", &len);
    nn_tar_want w[] = {{.name = "b.bin"}};
    nn_error err;
    /* headers: top/ @0, a.txt @512 (+512 data), b.bin @1536, its data from 2048 */
    assert_int_equal(nn_tar_extract("s.tar", stored, 2048 + 700, w, 1, &err), NN_E_DATA);
    expect_msg(&err, "archive ends inside member top/sub/b.bin (700 of 1500 bytes present)");
    assert_null(w[0].data);
    assert_int_equal(nn_tar_extract("s.tar", stored, 1536 + 100, w, 1, &err), NN_E_DATA);
    expect_msg(&err, "archive ends inside a tar header");

    /* the same through gzip: the gzip stream itself is cut short */
    size_t gz_len;
    uint8_t *gz = nn_fx_gzip(stored, len, &gz_len);
    assert_int_equal(nn_tar_extract("s.tar.gz", gz, gz_len / 2, w, 1, &err), NN_E_DATA);
    expect_msg(&err, "truncated");
    free(gz);
    free(stored);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_extract_plain_and_gz, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
