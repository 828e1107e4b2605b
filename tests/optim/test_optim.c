/* test_optim.c — optimizer steps against values worked out by hand from the Keras rules
 * (reference rows 7–9), and the optimizer section of a config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "optim/optim.h"

/* Runs `steps` steps of one weight w0 with the gradients g[]; returns the weights after each. */
static void run(const nn_optim_spec *spec, float w0, const float *g, int steps, float *after)
{
    float slots[3] = {0, 0, 0};
    nn_optimizer opt;
    nn_optim_init(&opt, spec, slots, 1);
    float w = w0;
    for (int i = 0; i < steps; i++) {
        nn_optim_step(&opt, &w, &g[i], NULL);
        after[i] = w;
    }
    assert_int_equal(opt.iterations, steps);
}

static void test_sgd_plain(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_SGD, .learning_rate = 0.1};
    float g[2] = {0.5f, -1.0f}, w[2];
    run(&s, 1.0f, g, 2, w);
    assert_float_equal(w[0], 0.95, 1e-7);  /* 1 - 0.1·0.5 */
    assert_float_equal(w[1], 1.05, 1e-7);  /* 0.95 + 0.1·1 */
    assert_int_equal(nn_optim_slot_count(&s), 0);
}

static void test_sgd_momentum(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_SGD, .learning_rate = 0.1, .momentum = 0.9};
    float g[2] = {0.5f, 0.5f}, w[2];
    run(&s, 1.0f, g, 2, w);
    /* v1 = -0.05, w1 = 0.95; v2 = 0.9·(-0.05) - 0.05 = -0.095, w2 = 0.855 */
    assert_float_equal(w[0], 0.95, 1e-7);
    assert_float_equal(w[1], 0.855, 1e-6);
    assert_int_equal(nn_optim_slot_count(&s), 1);
}

static void test_sgd_nesterov(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_SGD, .learning_rate = 0.1, .momentum = 0.9, .nesterov = true};
    float g[2] = {0.5f, 0.5f}, w[2];
    run(&s, 1.0f, g, 2, w);
    /* v1 = -0.05, w1 = 1 + 0.9·(-0.05) - 0.05 = 0.905
     * v2 = -0.095, w2 = 0.905 + 0.9·(-0.095) - 0.05 = 0.7695 */
    assert_float_equal(w[0], 0.905, 1e-6);
    assert_float_equal(w[1], 0.7695, 1e-6);
}

static void test_sgd_decay(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_SGD, .learning_rate = 0.1, .decay = 0.5};
    float g[3] = {0.5f, 0.5f, 0.5f}, w[3];
    run(&s, 1.0f, g, 3, w);
    /* lr_t = 0.1 / (1 + 0.5·it): 0.1, 0.0666.., 0.05 (iterations counted before the step) */
    assert_float_equal(w[0], 0.95, 1e-6);
    assert_float_equal(w[1], 0.95 - 0.5 * 0.1 / 1.5, 1e-6);
    assert_float_equal(w[2], 0.95 - 0.5 * 0.1 / 1.5 - 0.5 * 0.05, 1e-6);
}

static void test_sgd_decay_with_momentum(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_SGD, .learning_rate = 0.01, .decay = 1e-6,
                       .momentum = 0.9, .nesterov = true};
    nn_optimizer opt;
    float slot = 0.0f, w = 0.0f, g = 1.0f;
    nn_optim_init(&opt, &s, &slot, 1);
    opt.iterations = 1000000; /* lr_t = 0.01 / 2 */
    assert_float_equal(nn_optim_rate(&opt), 0.005, 1e-12);
    nn_optim_step(&opt, &w, &g, NULL);
    /* v = -0.005; w = 0.9·(-0.005) - 0.005 = -0.0095 */
    assert_float_equal(slot, -0.005, 1e-9);
    assert_float_equal(w, -0.0095, 1e-8);
}

/* Adam, lr 0.001, betas 0.9/0.999, eps 1e-7, w0 = 0, gradients 1, 0, -0.5:
 *   t=1: m = 0.1,    v = 0.001,      alpha = 0.001·sqrt(0.001)/0.1      = 3.16227766e-4
 *        w = -alpha·0.1/(sqrt(0.001)+1e-7)                               = -9.99996838e-4
 *   t=2: m = 0.09,   v = 0.000999,   alpha = 0.001·sqrt(1-0.999²)/0.19  = 2.35316725e-4
 *        adam:    w -= alpha·0.09/(sqrt(0.000999)+1e-7)                  -> -1.67005297e-3
 *        amsgrad: vhat = max(0.001, 0.000999) = 0.001
 *                 w -= alpha·0.09/(sqrt(0.001)+1e-7)                     -> -1.66971786e-3
 *   t=3: m = 0.031,  v = 0.001248001, alpha = 2.02010597e-4
 *        adam -> -1.84731967e-3;  amsgrad (vhat = v) -> -1.84698456e-3 */
static void test_adam(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_ADAM, .learning_rate = 0.001, .beta_1 = 0.9,
                       .beta_2 = 0.999, .epsilon = 1e-7};
    float g[3] = {1.0f, 0.0f, -0.5f}, w[3];
    run(&s, 0.0f, g, 3, w);
    assert_float_equal(w[0], -9.99996838e-4, 2e-10);
    assert_float_equal(w[1], -1.67005297e-3, 2e-10);
    assert_float_equal(w[2], -1.84731967e-3, 2e-10);
    assert_int_equal(nn_optim_slot_count(&s), 2);
}

static void test_adam_amsgrad(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_ADAM, .learning_rate = 0.001, .beta_1 = 0.9,
                       .beta_2 = 0.999, .epsilon = 1e-7, .amsgrad = true};
    float g[3] = {1.0f, 0.0f, -0.5f}, w[3];
    run(&s, 0.0f, g, 3, w);
    assert_float_equal(w[0], -9.99996838e-4, 2e-10);
    assert_float_equal(w[1], -1.66971786e-3, 2e-10);
    assert_float_equal(w[2], -1.84698456e-3, 2e-10);
    assert_int_equal(nn_optim_slot_count(&s), 3);
}

/* decay applies before bias correction: lr 0.01, decay 0.1, gradients 1, 1
 *   t=1: lr_t = 0.01 -> w = -9.99996838e-3;  t=2: lr_t = 0.01/1.1 -> w = -1.90908571e-2 */
static void test_adam_decay(void **state)
{
    (void)state;
    nn_optim_spec s = {.kind = NN_OPT_ADAM, .learning_rate = 0.01, .beta_1 = 0.9,
                       .beta_2 = 0.999, .epsilon = 1e-7, .decay = 0.1};
    float g[2] = {1.0f, 1.0f}, w[2];
    run(&s, 0.0f, g, 2, w);
    assert_float_equal(w[0], -9.99996838e-3, 2e-9);
    assert_float_equal(w[1], -1.90908571e-2, 2e-9);
}

static void test_many_values_one_loop(void **state)
{
    (void)state;
    /* the flat loop updates every element the same way */
    enum { N = 100000 };
    static float w[N], g[N], slots[2 * N];
    for (int i = 0; i < N; i++) {
        w[i] = 0.0f;
        g[i] = 1.0f;
    }
    nn_optim_spec s = {.kind = NN_OPT_ADAM, .learning_rate = 0.001, .beta_1 = 0.9,
                       .beta_2 = 0.999, .epsilon = 1e-7};
    nn_optimizer opt;
    nn_optim_init(&opt, &s, slots, N);
    nn_optim_step(&opt, w, g, NULL);
    for (int i = 0; i < N; i++)
        assert_float_equal(w[i], -9.99996838e-4, 2e-10);
}

static nn_status read_spec(const char *yaml, nn_optim_spec *spec, nn_error *err, nn_cfg_doc **doc)
{
    nn_status st = nn_cfg_load_string(yaml, "<test>", doc, err);
    if (st)
        return st;
    return nn_optim_spec_read(nn_cfg_get(nn_cfg_root(*doc), "optimizer"), spec, err);
}

static void test_spec_defaults_and_alias(void **state)
{
    (void)state;
    nn_error err;
    nn_cfg_doc *doc = NULL;
    nn_optim_spec s;
    assert_int_equal(read_spec("optimizer: adam\n", &s, &err, &doc), NN_OK);
    assert_int_equal(s.kind, NN_OPT_ADAM);
    assert_float_equal(s.learning_rate, 0.001, 1e-12);
    assert_float_equal(s.beta_1, 0.9, 1e-12);
    assert_float_equal(s.beta_2, 0.999, 1e-12);
    assert_float_equal(s.epsilon, 1e-7, 1e-15);
    assert_false(s.amsgrad);
    nn_cfg_free(doc);

    assert_int_equal(read_spec("optimizer: {sgd: {lr: 0.05, momentum: 0.9}}\n", &s, &err, &doc),
                     NN_OK);
    assert_int_equal(s.kind, NN_OPT_SGD);
    assert_float_equal(s.learning_rate, 0.05, 1e-12);
    assert_float_equal(s.momentum, 0.9, 1e-12);
    assert_false(s.nesterov);
    nn_cfg_free(doc);

    /* Keras: epsilon 0 means 1e-7 */
    assert_int_equal(read_spec("optimizer: {adam: {epsilon: 0}}\n", &s, &err, &doc), NN_OK);
    assert_float_equal(s.epsilon, 1e-7, 1e-15);
    nn_cfg_free(doc);
}

static void test_spec_errors(void **state)
{
    (void)state;
    nn_error err;
    nn_cfg_doc *doc = NULL;
    nn_optim_spec s;
    assert_int_equal(read_spec("optimizer: adma\n", &s, &err, &doc), NN_E_CONFIG);
    assert_non_null(strstr(err.msg, "did you mean 'adam'"));
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 12);
    nn_cfg_free(doc);
    assert_int_equal(read_spec("optimizer:\n  sgd: {momentum: 1.5}\n", &s, &err, &doc),
                     NN_E_CONFIG);
    assert_non_null(strstr(err.msg, "momentum"));
    assert_int_equal(err.line, 2);
    nn_cfg_free(doc);
    assert_int_equal(read_spec("optimizer: {sgd: {learning_rate: 0}}\n", &s, &err, &doc),
                     NN_E_CONFIG);
    nn_cfg_free(doc);
    assert_int_equal(read_spec("optimizer: {sgd: {}, adam: {}}\n", &s, &err, &doc), NN_E_CONFIG);
    assert_non_null(strstr(err.msg, "one optimizer"));
    nn_cfg_free(doc);
    assert_int_equal(read_spec("optimizer: {adam: {amsgard: true}}\n", &s, &err, &doc),
                     NN_E_CONFIG);
    assert_non_null(strstr(err.msg, "did you mean 'amsgrad'"));
    nn_cfg_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_plain),
        cmocka_unit_test(test_sgd_momentum),
        cmocka_unit_test(test_sgd_nesterov),
        cmocka_unit_test(test_sgd_decay),
        cmocka_unit_test(test_sgd_decay_with_momentum),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adam_amsgrad),
        cmocka_unit_test(test_adam_decay),
        cmocka_unit_test(test_many_values_one_loop),
        cmocka_unit_test(test_spec_defaults_and_alias),
        cmocka_unit_test(test_spec_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
