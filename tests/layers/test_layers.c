/* test_layers.c — the layer registry, and every layer type through the gradient checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gradcheck.h"
#include "layers/act.h"
#include "layers/layer.h"

/* Every case names the layer type it is about, so the registry walk can insist that
 * each type has at least one. */
typedef struct gc_case {
    const char *type;
    const char *yaml;
    int batch;
    bool training;
    bool kinked;
} gc_case;

static const gc_case cases[] = {
    {"dense", "input: [5]\nlayers:\n  - dense: 4\n", 3, true, false},
    {"dense", "input: [5]\nlayers:\n  - dense: {units: 4, use_bias: false}\n", 3, true, false},
    {"dense", "input: [5]\nlayers:\n  - dense: {units: 4, activation: relu}\n", 4, true, true},
    {"dense", "input: [5]\nlayers:\n  - dense: {units: 4, activation: sigmoid}\n", 3, true, false},
    {"dense", "input: [5]\nlayers:\n  - dense: {units: 4, activation: tanh}\n", 3, true, false},
    {"dense", "input: [5]\nlayers:\n  - dense: {units: 4, activation: softmax}\n", 3, true, false},
    /* Keras rule: any rank, the product is on the last axis */
    {"dense", "input: [2, 3, 4]\nlayers:\n  - dense: {units: 5, activation: tanh}\n", 2, true,
     false},
    {"flatten", "input: [2, 3]\nlayers:\n  - flatten: {}\n  - dense: 3\n", 3, true, false},
    {"flatten", "input: [2, 3]\nlayers:\n  - dense: 2\n  - flatten:\n", 3, true, false},
    {"reshape", "input: [6]\nlayers:\n  - reshape: [2, 3]\n  - dense: 2\n", 3, true, false},
    {"activation", "input: [4]\nlayers:\n  - activation: relu\n", 3, true, true},
    {"activation", "input: [4]\nlayers:\n  - activation: sigmoid\n", 3, true, false},
    {"activation", "input: [4]\nlayers:\n  - activation: tanh\n", 3, true, false},
    {"activation", "input: [4]\nlayers:\n  - activation: softmax\n", 3, true, false},
    {"activation", "input: [4]\nlayers:\n  - activation: linear\n", 3, true, false},
    {"dropout", "input: [6]\nlayers:\n  - dense: 5\n  - dropout: 0.4\n", 4, true, false},
    {"dropout", "input: [6]\nlayers:\n  - dropout: 0.4\n", 4, false, false},
    {"batch_normalization", "input: [5]\nlayers:\n  - batch_normalization: {}\n", 6, true,
     false},
    {"batch_normalization", "input: [2, 2, 3]\nlayers:\n  - batch_normalization: {}\n", 3, true,
     false},
    {"batch_normalization",
     "input: [4]\nlayers:\n  - batch_normalization: {center: false, scale: false}\n", 5, true,
     false},
    {"batch_normalization", "input: [4]\nlayers:\n  - batch_normalization: {}\n", 5, false, false},
    /* add with fan-out: `a` feeds both `b` and the add */
    {"add",
     "input: [4]\nlayers:\n  - {name: a, dense: 4}\n  - {name: b, dense: 4}\n  - add: [a, b]\n",
     3, true, false},
    /* the same buffer on both sides, and a skip straight from the input */
    {"add", "input: [4]\nlayers:\n  - {name: a, dense: 4}\n  - add: [a, a, input_1]\n", 3, true,
     false},
    /* a residual block around a batch-norm/relu/dropout stack, as in the notebook */
    {"add",
     "input: [6]\nlayers:\n  - dense: 6\n  - residual:\n      - dense: 6\n      - "
     "batch_normalization: {}\n      - activation: tanh\n      - dropout: 0.5\n",
     5, true, false},
};

static void test_registry_is_complete(void **state)
{
    (void)state;
    int n = 0;
    for (int i = 0; nn_layer_registry[i]; i++, n++) {
        const nn_layer_ops *ops = nn_layer_registry[i];
        assert_non_null(ops->type);
        assert_non_null(ops->keras_class);
        assert_non_null(ops->infer);
        assert_non_null(ops->forward);
        assert_non_null(ops->backward);
        assert_non_null(ops->flops);
        assert_true(ops->min_inputs >= 1 && ops->min_inputs <= ops->max_inputs);
        assert_true((ops->schema == NULL) == (ops->cfg_size == 0));
        /* the name list used for suggestions matches the table, in order */
        assert_non_null(nn_layer_names[i]);
        assert_string_equal(nn_layer_names[i], ops->type);
        assert_ptr_equal(nn_layer_find(ops->type), ops);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(nn_layer_registry[j]->type, ops->type);
        bool covered = false;
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            covered |= strcmp(cases[c].type, ops->type) == 0;
        if (!covered)
            fail_msg("layer type '%s' has no gradient-check case", ops->type);
    }
    assert_null(nn_layer_names[n]);
    assert_null(nn_layer_find("conv2d"));
}

static void test_gradients(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gc_report rep;
        bool ok = gc_check_model(cases[c].yaml, cases[c].batch, cases[c].training,
                                 cases[c].kinked ? gc_kinked : gc_smooth, &rep);
        if (!ok)
            fail_msg("case %zu (%s%s): %s%d of %d elements off; worst %s", c, cases[c].type,
                     cases[c].training ? "" : ", evaluation mode", rep.error, rep.bad,
                     rep.checked, rep.worst_what);
    }
}

/* The checker itself must catch a wrong gradient: break one element and see it fail. */
static void test_checker_catches_errors(void **state)
{
    (void)state;
    /* a model whose backward is right passes ... */
    gc_report rep;
    assert_true(gc_check_model("input: [3]\nlayers:\n  - dense: 2\n", 2, true, gc_smooth, &rep));
    assert_true(rep.checked == 3 * 2 + 2 + 2 * 3);
    /* ... and one with a tolerance it cannot meet fails */
    gc_tol impossible = {1e-2, 0.0, 0.0, 0.0};
    assert_false(gc_check_model("input: [3]\nlayers:\n  - dense: {units: 2, activation: "
                                "sigmoid}\n",
                                2, true, impossible, &rep));
    assert_true(rep.bad > 0);
}

static void test_dropout_masks(void **state)
{
    (void)state;
    /* evaluation: identity; training: zeros or x / (1 - rate), about 1 - rate kept */
    float x[4000], y[4000];
    uint8_t keep[4000];
    for (int i = 0; i < 4000; i++)
        x[i] = 1.0f + (float)i;
    const nn_layer_ops *ops = nn_layer_find("dropout");
    struct {
        double rate;
    } cfg = {0.25};
    nn_node n;
    memset(&n, 0, sizeof n);
    n.ops = ops;
    n.cfg = &cfg;
    n.n_in = 1;
    n.in_shape[0] = nn_shape_make(1, (int[]){1000});
    assert_int_equal(ops->infer(&n, NULL), NN_OK);
    n.x[0] = x;
    n.y = y;
    n.scratch = keep;
    nn_ctx ctx = {.batch = 4, .training = true, .seed = 99};
    ops->forward(&n, &ctx);
    int kept = 0;
    for (int i = 0; i < 4000; i++) {
        if (y[i] != 0.0f) {
            kept++;
            assert_float_equal(y[i], x[i] / 0.75f, 1e-3);
        }
    }
    assert_in_range(kept, 2850, 3150); /* 3000 expected, sd ~27 */
    /* same key, same mask; another key, another mask */
    float y2[4000];
    n.y = y2;
    ops->forward(&n, &ctx);
    assert_memory_equal(y, y2, sizeof y);
    ctx.seed = 100;
    ops->forward(&n, &ctx);
    assert_memory_not_equal(y, y2, sizeof y);
    ctx.training = false;
    ops->forward(&n, &ctx);
    assert_memory_equal(x, y2, sizeof x);
}

static void test_batch_norm_statistics(void **state)
{
    (void)state;
    /* two samples of 2 channels: batch statistics in training, moving ones in evaluation */
    const nn_layer_ops *ops = nn_layer_find("batch_normalization");
    struct {
        double momentum, epsilon;
        bool center, scale;
        int axis;
    } cfg = {0.99, 1e-3, true, true, -1};
    nn_node n;
    memset(&n, 0, sizeof n);
    n.ops = ops;
    n.cfg = &cfg;
    n.n_in = 1;
    n.in_shape[0] = nn_shape_make(1, (int[]){2});
    assert_int_equal(ops->infer(&n, NULL), NN_OK);
    assert_int_equal(n.n_params, 4);
    assert_string_equal(n.param[0].name, "gamma");
    assert_string_equal(n.param[3].name, "moving_variance");
    assert_false(n.param[2].trainable);
    float w[4][2] = {{1, 1}, {0, 0}, {0, 0}, {1, 1}};
    for (int p = 0; p < 4; p++)
        n.param[p].w = w[p];
    float x[4] = {1, 10, 3, 30}, y[4];
    static char scratch[4096];
    n.x[0] = x;
    n.y = y;
    n.scratch = scratch;
    nn_ctx ctx = {.batch = 2, .training = true};
    ops->forward(&n, &ctx);
    /* channel 0: mean 2, biased var 1 -> y = ±1/sqrt(1.001) */
    assert_float_equal(y[0], -1.0 / sqrt(1.001), 1e-5);
    assert_float_equal(y[2], 1.0 / sqrt(1.001), 1e-5);
    /* moving = 0.99 moving + 0.01 stat */
    assert_float_equal(w[2][0], 0.02, 1e-6);
    assert_float_equal(w[2][1], 0.2, 1e-6);
    assert_float_equal(w[3][0], 0.99 + 0.01 * 1.0, 1e-6);
    assert_float_equal(w[3][1], 0.99 + 0.01 * 100.0, 1e-4);
    ctx.training = false;
    ops->forward(&n, &ctx);
    assert_float_equal(y[0], (1.0 - 0.02) / sqrt(1.0 + 0.001), 1e-5);
    assert_float_equal(y[1], (10.0 - 0.2) / sqrt(1.99 + 0.001), 1e-4);
}

static void test_activation_names(void **state)
{
    (void)state;
    assert_string_equal(nn_act_names[NN_ACT_LINEAR], "linear");
    assert_string_equal(nn_act_names[NN_ACT_RELU], "relu");
    assert_string_equal(nn_act_names[NN_ACT_SIGMOID], "sigmoid");
    assert_string_equal(nn_act_names[NN_ACT_TANH], "tanh");
    assert_string_equal(nn_act_names[NN_ACT_SOFTMAX], "softmax");
    assert_null(nn_act_names[NN_ACT_SOFTMAX + 1]);
    float y[6] = {1, 2, 3, -1000, 0, 1000};
    nn_act_forward(NN_ACT_SOFTMAX, y, 2, 3, NULL);
    assert_float_equal(y[0] + y[1] + y[2], 1.0, 1e-6);
    assert_float_equal(y[2] / y[1], exp(1.0), 1e-4);
    assert_float_equal(y[5], 1.0, 1e-6); /* no overflow for large logits */
    assert_float_equal(y[3], 0.0, 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_is_complete),
        cmocka_unit_test(test_gradients),
        cmocka_unit_test(test_checker_catches_errors),
        cmocka_unit_test(test_dropout_masks),
        cmocka_unit_test(test_batch_norm_statistics),
        cmocka_unit_test(test_activation_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
