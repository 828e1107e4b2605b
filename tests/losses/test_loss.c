/* test_loss.c — cross-entropy values, gradients by finite differences, accuracy counting. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "losses/loss.h"

/* mean loss of the fused form at z (z is copied: the function overwrites it) */
static double fused_mean(const float *z, const int32_t *y, int B, int C)
{
    float tmp[64];
    memcpy(tmp, z, (size_t)(B * C) * sizeof *tmp);
    return nn_softmax_xent(tmp, y, B, C, NULL).loss_sum / B;
}

static double prob_mean(const float *p, const int32_t *y, int B, int C)
{
    return nn_prob_xent(p, y, B, C, NULL).loss_sum / B;
}

static void test_softmax_xent_value(void **state)
{
    (void)state;
    /* one sample, logits (1, 2, 3), label 2: log(e + e² + e³) - 3 */
    float z[3] = {1, 2, 3};
    int32_t y[1] = {2};
    nn_loss_result r = nn_softmax_xent(z, y, 1, 3, NULL);
    double expect = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3.0;
    assert_float_equal(r.loss_sum, expect, 1e-6);
    assert_int_equal(r.correct, 1);
    /* z now holds the probabilities */
    assert_float_equal(z[0] + z[1] + z[2], 1.0, 1e-6);
    assert_float_equal(z[2], exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0)), 1e-6);
    /* huge logits stay finite (no clipping needed on the fused path) */
    float big[2] = {1000.0f, -1000.0f};
    int32_t wrong[1] = {1};
    r = nn_softmax_xent(big, wrong, 1, 2, NULL);
    assert_float_equal(r.loss_sum, 2000.0, 1e-3);
}

static void test_softmax_xent_gradient(void **state)
{
    (void)state;
    enum { B = 3, C = 4 };
    float z[B * C] = {0.1f, -0.3f, 0.7f, 0.2f, 1.5f, -1.0f, 0.0f, 0.3f, -0.2f, 0.4f, 0.9f, -0.6f};
    int32_t y[B] = {2, 0, 3};
    float tmp[B * C], dz[B * C];
    memcpy(tmp, z, sizeof z);
    nn_softmax_xent(tmp, y, B, C, dz);
    for (int i = 0; i < B * C; i++) {
        float keep = z[i];
        double h = 1e-2;
        z[i] = keep + (float)h;
        double lp = fused_mean(z, y, B, C);
        z[i] = keep - (float)h;
        double lm = fused_mean(z, y, B, C);
        z[i] = keep;
        assert_float_equal(dz[i], (lp - lm) / (2 * h), 2e-4);
    }
}

static void test_prob_xent_value_and_clip(void **state)
{
    (void)state;
    /* rows are renormalised, then clipped to [1e-7, 1 - 1e-7] */
    float p[4] = {0.2f, 0.6f, 0.0f, 2.0f};
    int32_t y[2] = {1, 0};
    nn_loss_result r = nn_prob_xent(p, y, 2, 2, NULL);
    assert_float_equal(r.loss_sum, -log(0.75) - log(1e-7), 1e-4);
    assert_int_equal(r.correct, 1);
}

static void test_prob_xent_gradient(void **state)
{
    (void)state;
    enum { B = 2, C = 3 };
    float p[B * C] = {0.2f, 0.5f, 0.3f, 0.6f, 0.1f, 0.3f};
    int32_t y[B] = {1, 2};
    float dp[B * C];
    nn_prob_xent(p, y, B, C, dp);
    for (int i = 0; i < B * C; i++) {
        float keep = p[i];
        double h = 1e-3;
        p[i] = keep + (float)h;
        double lp = prob_mean(p, y, B, C);
        p[i] = keep - (float)h;
        double lm = prob_mean(p, y, B, C);
        p[i] = keep;
        assert_float_equal(dp[i], (lp - lm) / (2 * h), 1e-3);
    }
}

static void test_accuracy_ties_go_to_first(void **state)
{
    (void)state;
    float z[6] = {0.5f, 0.5f, 0.1f, 0.2f, 0.9f, 0.9f};
    int32_t y[2] = {0, 2};
    nn_loss_result r = nn_softmax_xent(z, y, 2, 3, NULL);
    assert_int_equal(r.correct, 1); /* sample 0: argmax 0 (tie, first wins); sample 1: argmax 1 */
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(nn_loss_names[NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY],
                        "sparse_categorical_crossentropy");
    assert_string_equal(nn_loss_names[NN_LOSS_CATEGORICAL_CROSSENTROPY],
                        "categorical_crossentropy");
    assert_null(nn_loss_names[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_xent_value),
        cmocka_unit_test(test_softmax_xent_gradient),
        cmocka_unit_test(test_prob_xent_value_and_clip),
        cmocka_unit_test(test_prob_xent_gradient),
        cmocka_unit_test(test_accuracy_ties_go_to_first),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
