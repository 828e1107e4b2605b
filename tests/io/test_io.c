/* test_report.c — Python-repr floats, Keras progress numbers, history.csv, JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "io/format.h"
#include "io/history.h"
#include "io/json.h"

static void test_repr_like_python(void **state)
{
    (void)state;
    char b[40];
    /* each pair: value, what Python's repr() prints */
    struct {
        double v;
        const char *s;
    } cases[] = {
        {1.0, "1.0"},          {0.1, "0.1"},           {-2.5, "-2.5"},
        {0.001, "0.001"},      {0.0001, "0.0001"},     {1e-05, "1e-05"},
        {1.5e-07, "1.5e-07"},  {123456.0, "123456.0"}, {1e16, "1e+16"},
        {1.25e17, "1.25e+17"}, {0.0, "0.0"},           {100.0, "100.0"},
        {(double)0.9241f, "0.9240999817848206"},
        {0.30000000000000004, "0.30000000000000004"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(nn_format_repr(cases[i].v, b, sizeof b), cases[i].s);
    assert_string_equal(nn_format_repr(NAN, b, sizeof b), "nan");
    assert_string_equal(nn_format_repr(-INFINITY, b, sizeof b), "-inf");
}

static void test_keras_numbers(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(nn_format_keras(0.26071, b, sizeof b), "0.2607");
    assert_string_equal(nn_format_keras(0.0005, b, sizeof b), "5.0000e-04");
    assert_string_equal(nn_format_keras(102263.6198, b, sizeof b), "102263.6198");
}

static void test_history_csv(void **state)
{
    (void)state;
    char dir[] = "/tmp/nnrun-hist-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/history.csv", dir);
    nn_history h;
    nn_error err;
    assert_int_equal(nn_history_open(&h, path, &err), NN_OK);
    nn_logs logs = {0};
    nn_logs_set(&logs, "loss", 0.5);
    nn_logs_set(&logs, "val_loss", 0.25);
    nn_logs_set(&logs, "accuracy", 0.75);
    nn_logs_set(&logs, "val_accuracy", 1.0);
    assert_int_equal(nn_history_write(&h, 0, &logs, &err), NN_OK);
    nn_logs later = {0};
    nn_logs_set(&later, "loss", 0.125);
    nn_logs_set(&later, "lr", 0.001); /* appears after the first row: dropped (Keras) */
    assert_int_equal(nn_history_write(&h, 1, &later, &err), NN_OK);
    nn_history_close(&h);
    char *text;
    assert_int_equal(nn_read_file(path, &text, NULL, &err), NN_OK);
    assert_string_equal(text, "epoch,accuracy,loss,val_accuracy,val_loss\r\n"
                              "0,0.75,0.5,1.0,0.25\r\n"
                              "1,NA,0.125,NA,NA\r\n");
    free(text);
    unlink(path);
    rmdir(dir);
}

/* A resumed run cuts history.csv back to its checkpoint's epoch (dropping the rows it will
 * repeat and a torn last line), keeps the frozen header, and appends. */
static void test_history_resume(void **state)
{
    (void)state;
    char dir[] = "/tmp/nnrun-hist-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/history.csv", dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("epoch,loss,lr\r\n0,0.5,0.1\r\n1,0.25,0.1\r\n2,0.125,0.1\r\n3,0.06", fp);
    fclose(fp);
    nn_history h;
    nn_error err;
    assert_int_equal(nn_history_resume(&h, path, 2, &err), NN_OK);
    nn_logs logs = {0};
    nn_logs_set(&logs, "lr", 0.01); /* a new row in the header's order */
    nn_logs_set(&logs, "loss", 0.2);
    nn_logs_set(&logs, "val_loss", 0.3); /* not in the frozen header: dropped */
    assert_int_equal(nn_history_write(&h, 2, &logs, &err), NN_OK);
    nn_history_close(&h);
    char *text;
    assert_int_equal(nn_read_file(path, &text, NULL, &err), NN_OK);
    assert_string_equal(text, "epoch,loss,lr\r\n0,0.5,0.1\r\n1,0.25,0.1\r\n2,0.2,0.01\r\n");
    free(text);

    assert_int_equal(nn_history_resume(&h, path, 5, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "has 3 complete epoch rows; the checkpoint needs 5"));
    nn_history_close(&h);
    assert_int_equal(nn_history_resume(&h, path, 0, &err), NN_OK); /* before any epoch */
    assert_int_equal(nn_history_write(&h, 0, &logs, &err), NN_OK);
    nn_history_close(&h);
    assert_int_equal(nn_read_file(path, &text, NULL, &err), NN_OK);
    assert_string_equal(text, "epoch,loss,lr,val_loss\r\n0,0.2,0.01,0.3\r\n");
    free(text);
    unlink(path);
    rmdir(dir);
}

static void test_json(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    nn_json j;
    nn_json_init(&j, fp, false);
    nn_json_object(&j, NULL);
    nn_json_string(&j, "name", "a \"b\"\n");
    nn_json_number(&j, "x", 0.5);
    nn_json_number(&j, "bad", NAN);
    nn_json_array(&j, "list");
    nn_json_int(&j, NULL, 3);
    nn_json_bool(&j, NULL, true);
    nn_json_end(&j);
    nn_json_object(&j, "empty");
    nn_json_end(&j);
    nn_json_end(&j);
    fclose(fp);
    assert_string_equal(text, "{\"name\":\"a \\\"b\\\"\\n\",\"x\":0.5,\"bad\":null,\"list\":[3,true],"
                              "\"empty\":{}}");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_repr_like_python),
        cmocka_unit_test(test_keras_numbers),
        cmocka_unit_test(test_history_csv),
        cmocka_unit_test(test_history_resume),
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
