/* test_results_table.c — results.csv: where a row goes, what it says, that it reads back,
 * that concurrent appends keep every row whole, and column access by name. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/util.h"
#include "io/results_table.h"

static void test_table_path(void **state)
{
    (void)state;
    char b[256];
    nn_results_table_path(NULL, NULL, b, sizeof b);
    assert_string_equal(b, "runs/results.csv");
    nn_results_table_path(NULL, "/data/runs", b, sizeof b);
    assert_string_equal(b, "/data/runs/results.csv");
    nn_results_table_path("/tmp/sweep/p1", NULL, b, sizeof b);
    assert_string_equal(b, "/tmp/sweep/results.csv");
    nn_results_table_path("/tmp/sweep/p1/", NULL, b, sizeof b);
    assert_string_equal(b, "/tmp/sweep/results.csv");
    nn_results_table_path("try", NULL, b, sizeof b);
    assert_string_equal(b, "results.csv");
    nn_results_table_path("/try", NULL, b, sizeof b);
    assert_string_equal(b, "/results.csv");
    nn_results_table_path("a//b", NULL, b, sizeof b);
    assert_string_equal(b, "a/results.csv");
}

static void test_run_id(void **state)
{
    (void)state;
    nn_results_row row;
    nn_results_row_init(&row);
    nn_results_row_set_run(&row, "runs/results.csv", "runs/baseline/20261128-040112");
    assert_string_equal(row.run_id, "baseline/20261128-040112");
    nn_results_row_set_run(&row, "/tmp/sweep/results.csv", "/tmp/sweep/p1/");
    assert_string_equal(row.run_id, "p1");
    nn_results_row_set_run(&row, "results.csv", "./try");
    assert_string_equal(row.run_id, "try");
    /* not inside the table's directory: as given */
    nn_results_row_set_run(&row, "runs/results.csv", "runsx/a");
    assert_string_equal(row.run_id, "runsx/a");
}

static void test_overrides_leave_out_the_seed(void **state)
{
    (void)state;
    nn_results_row row;
    nn_results_row_init(&row);
    const char *o[] = {"fit.epochs=2", "seed=7", "model.input=[28, 28]", " seed =3",
                       "name=it's", "fit.seedling=1"};
    nn_results_row_set_overrides(&row, o, 6);
    assert_string_equal(row.overrides,
                        "fit.epochs=2 'model.input=[28, 28]' 'name=it'\\''s' fit.seedling=1");
    nn_results_row_set_overrides(&row, o + 1, 1);
    assert_string_equal(row.overrides, "");
}

static void make_dir(char *dir)
{
    assert_non_null(mkdtemp(dir));
}

static nn_results_row sample_row(const char *id, long long seed, double acc)
{
    nn_results_row row;
    nn_results_row_init(&row);
    nn_strlcpy(row.run_id, id, sizeof row.run_id);
    nn_strlcpy(row.config, "baseline", sizeof row.config);
    nn_strlcpy(row.overrides, "fit.epochs=2 'x=a, \"b\"'", sizeof row.overrides);
    row.seed = seed;
    row.params = 59210;
    row.epochs_run = 2;
    row.best_epoch = 1;
    row.best_val_loss = 0.25;
    row.best_val_accuracy = 0.9;
    row.final_val_loss = 0.3;
    row.final_val_accuracy = 0.875;
    row.test_loss = 0.1;
    row.test_accuracy = acc;
    row.seconds_per_epoch = 1.5;
    nn_strlcpy(row.stop_reason, "completed", sizeof row.stop_reason);
    return row;
}

static void test_append_and_read_back(void **state)
{
    (void)state;
    char dir[] = "/tmp/nnrun-results-XXXXXX", path[64];
    make_dir(dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    nn_error err;
    nn_results_row a = sample_row("p1/seed1", 1, 0.96875), b = sample_row("p1/seed2", 2, NAN);
    assert_int_equal(nn_results_table_append(path, &a, &err), NN_OK);
    assert_int_equal(nn_results_table_append(path, &b, &err), NN_OK);

    char *text;
    size_t len;
    assert_int_equal(nn_read_file(path, &text, &len, &err), NN_OK);
    /* one header, two rows; the field with a comma and quotes is quoted, quotes doubled */
    assert_non_null(strstr(text, "run_id,config,overrides,seed,params,epochs_run,"));
    assert_non_null(strstr(text, "p1/seed1,baseline,\"fit.epochs=2 'x=a, \"\"b\"\"'\",1,59210,2,1,"
                                 "0.25,0.9,0.3,0.875,0.1,0.96875,1.5,completed,"));
    assert_non_null(strstr(text, ",nan,1.5,completed,"));
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 3);
    free(text);

    nn_results_table t = {0};
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.rows[0].run_id, "p1/seed1");
    assert_string_equal(t.rows[0].overrides, a.overrides);
    assert_int_equal(t.rows[1].seed, 2);
    assert_true(t.rows[0].test_accuracy == 0.96875);
    assert_true(isnan(t.rows[1].test_accuracy));
    assert_string_equal(t.rows[1].stop_reason, "completed");
    assert_string_equal(t.rows[0].finished, a.finished);
    nn_results_table_free(&t);
    unlink(path);
    rmdir(dir);
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_reader_by_header_and_errors(void **state)
{
    (void)state;
    char dir[] = "/tmp/nnrun-results-XXXXXX", path[64];
    make_dir(dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    nn_error err;
    nn_results_table t = {0};

    /* columns in another order, an unknown one, CRLF, a quoted line break */
    write_text(path, "config,extra,run_id,test_accuracy\r\nm,?,\"a\nb\",0.5\r\n\r\n");
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_OK);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.rows[0].run_id, "a\nb");
    assert_true(t.rows[0].test_accuracy == 0.5);
    assert_true(isnan(t.rows[0].test_loss));
    assert_int_equal(t.rows[0].best_epoch, -1);
    nn_results_table_free(&t);

    write_text(path, "epoch,loss\n0,0.5\n");
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "not a results table"));

    write_text(path, "run_id,config,seed\na,b,1\na,b\n");
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_E_DATA);
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "2 fields where the header has 3"));
    assert_int_equal(t.n, 1); /* the rows before the error are kept */
    nn_results_table_free(&t);

    write_text(path, "run_id,config,seed\na,b,one\n");
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "seed: expected an integer, got 'one'"));
    nn_results_table_free(&t);

    write_text(path, "run_id,config,test_loss\na,b,\"0.5\n");
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "quote"));
    nn_results_table_free(&t);

    /* appending under another header would misplace the row: refused */
    write_text(path, "run_id,config\n");
    nn_results_row row = sample_row("x", 1, 0.5);
    assert_int_equal(nn_results_table_append(path, &row, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "other columns"));

    unlink(path);
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_E_IO);
    rmdir(dir);
}

/* Eight processes append 60 rows each at the same time: every row arrives, whole. */
static void test_concurrent_appends(void **state)
{
    (void)state;
    enum { WRITERS = 8, ROWS = 60 };
    char dir[] = "/tmp/nnrun-results-XXXXXX", path[64];
    make_dir(dir);
    snprintf(path, sizeof path, "%s/results.csv", dir);
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            for (int i = 0; i < ROWS; i++) {
                char id[32];
                snprintf(id, sizeof id, "w%d/r%d", w, i);
                nn_results_row row = sample_row(id, w, (double)i / ROWS);
                /* long rows make torn writes likely if the lock did not hold */
                memset(row.overrides, 'a' + w, 1500);
                row.overrides[1500] = '\0';
                nn_error err;
                if (nn_results_table_append(path, &row, &err))
                    _exit(1);
            }
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    nn_results_table t = {0};
    nn_error err;
    assert_int_equal(nn_results_table_read(path, &t, &err), NN_OK);
    assert_int_equal(t.n, WRITERS * ROWS);
    int seen[WRITERS][ROWS] = {{0}};
    for (size_t k = 0; k < t.n; k++) {
        int w, i;
        assert_int_equal(sscanf(t.rows[k].run_id, "w%d/r%d", &w, &i), 2);
        assert_true(w >= 0 && w < WRITERS && i >= 0 && i < ROWS);
        assert_int_equal(t.rows[k].seed, w);
        assert_int_equal(strlen(t.rows[k].overrides), 1500);
        assert_true(strspn(t.rows[k].overrides, (char[]){(char)('a' + w), 0}) == 1500);
        seen[w][i]++;
    }
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < ROWS; i++)
            assert_int_equal(seen[w][i], 1);
    nn_results_table_free(&t);
    unlink(path);
    rmdir(dir);
}

static void test_columns(void **state)
{
    (void)state;
    nn_results_row row = sample_row("a", 1, 0.90);
    int acc = nn_results_column_find("test_accuracy");
    assert_true(acc >= 0);
    assert_true(nn_results_number(&row, acc) == 0.90);
    assert_int_equal(nn_results_column_find("nope"), -1);
    assert_string_equal(nn_results_text(&row, nn_results_column_find("config")), "baseline");
    assert_null(nn_results_text(&row, acc));
    assert_true(isnan(nn_results_number(&row, nn_results_column_find("config"))));
    assert_true(nn_results_number(&row, nn_results_column_find("params")) == 59210.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_path),
        cmocka_unit_test(test_run_id),
        cmocka_unit_test(test_overrides_leave_out_the_seed),
        cmocka_unit_test(test_append_and_read_back),
        cmocka_unit_test(test_reader_by_header_and_errors),
        cmocka_unit_test(test_concurrent_appends),
        cmocka_unit_test(test_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
