/* test_repeats.c — grouping a results table's repeats, and their mean ± std (a diverged
 * repeat is not averaged away). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/util.h"
#include "io/results_table.h"
#include "report/repeats.h"

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

static void test_groups_and_stats(void **state)
{
    (void)state;
    nn_results_table t = {0};
    t.cap = t.n = 5;
    t.rows = calloc(5, sizeof *t.rows);
    assert_non_null(t.rows);
    t.rows[0] = sample_row("a", 1, 0.90);
    t.rows[1] = sample_row("b", 1, 0.80);
    nn_strlcpy(t.rows[1].overrides, "fit.batch_size=128", sizeof t.rows[1].overrides);
    t.rows[2] = sample_row("c", 2, 0.94);
    t.rows[3] = sample_row("d", 2, 0.84);
    nn_strlcpy(t.rows[3].overrides, "fit.batch_size=128", sizeof t.rows[3].overrides);
    t.rows[4] = sample_row("e", 1, 0.5);
    nn_strlcpy(t.rows[4].config, "other", sizeof t.rows[4].config);

    nn_results_group *g;
    size_t ng;
    nn_error err;
    assert_int_equal(nn_results_group_rows(&t, &g, &ng, &err), NN_OK);
    assert_int_equal(ng, 3);
    assert_int_equal(g[0].n, 2);
    assert_int_equal(g[0].members[0], 0);
    assert_int_equal(g[0].members[1], 2);
    assert_int_equal(g[1].n, 2);
    assert_int_equal(g[1].members[1], 3);
    assert_int_equal(g[2].n, 1);
    int acc = nn_results_column_find("test_accuracy");
    assert_true(acc >= 0);
    double mean, std;
    nn_results_group_stats(&t, &g[0], acc, &mean, &std);
    assert_true(fabs(mean - 0.92) < 1e-12);
    assert_true(fabs(std - sqrt(0.0008)) < 1e-12); /* (0.02² + 0.02²) / (2 - 1) */
    nn_results_group_stats(&t, &g[2], acc, &mean, &std);
    assert_true(mean == 0.5 && std == 0.0);
    /* a diverged repeat is not averaged away */
    t.rows[3].test_accuracy = NAN;
    nn_results_group_stats(&t, &g[1], acc, &mean, &std);
    assert_true(isnan(mean) && isnan(std));
    /* the block of member lists is found again after the caller reorders the groups */
    nn_results_group tmp = g[0];
    g[0] = g[2];
    g[2] = tmp;
    nn_results_groups_free(g, ng);

    double v[] = {1.0, 2.0, 3.0, 4.0};
    nn_results_mean_std(v, 4, &mean, &std);
    assert_true(mean == 2.5);
    assert_true(fabs(std - sqrt(5.0 / 3.0)) < 1e-12);
    nn_results_mean_std(v, 0, &mean, &std);
    assert_true(isnan(mean));
    free(t.rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups_and_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
