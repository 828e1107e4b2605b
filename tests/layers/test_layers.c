/* test_layers.c — the layer registry, and every layer type through the gradient checker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gradcheck.h"
#include "core/pool.h"
#include "core/rng.h"
#include "config/cfg.h"
#include "graph/graph.h"
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
    /* relu and dropout as the epilogue of the batch normalization before them (the planner
     * fuses them: layers/epilogue.h) */
    {"batch_normalization",
     "input: [5]\nlayers:\n  - batch_normalization: {}\n  - activation: relu\n  - dropout: "
     "0.4\n",
     6, true, true},
    {"batch_normalization",
     "input: [5]\nlayers:\n  - batch_normalization: {}\n  - activation: relu\n  - dropout: "
     "0.4\n",
     6, false, true},
    {"batch_normalization",
     "input: [2, 5]\nlayers:\n  - batch_normalization: {}\n  - activation: relu\n", 4, true,
     true},
    {"batch_normalization", "input: [5]\nlayers:\n  - batch_normalization: {}\n  - dropout: 0.4\n",
     6, true, false},
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
    assert_null(nn_layer_find("no_such_layer"));
}

/* Parameters carry the fans their initializer scales by: Keras's rule from the shape
 * (initializers_v2.py, _compute_fans), unless the layer states them. */
static void test_param_fans(void **state)
{
    (void)state;
    static const struct {
        int rank, dim[4], fan_in, fan_out;
    } fans[] = {
        {0, {0}, 1, 1},
        {1, {7}, 7, 7},
        {2, {5, 3}, 5, 3},                 /* dense kernel [in, out] */
        {3, {4, 5, 3}, 20, 12},            /* conv1d kernel [k, in, out] */
        {4, {3, 2, 5, 7}, 30, 42},         /* conv2d kernel [kh, kw, in, out] */
    };
    nn_node n;
    for (size_t c = 0; c < sizeof fans / sizeof fans[0]; c++) {
        memset(&n, 0, sizeof n);
        nn_param *p = nn_node_add_param(&n, "kernel", nn_shape_make(fans[c].rank, fans[c].dim),
                                        true, NN_INIT_GLOROT_UNIFORM);
        assert_non_null(p);
        assert_int_equal(p->fan_in, fans[c].fan_in);
        assert_int_equal(p->fan_out, fans[c].fan_out);
    }
    memset(&n, 0, sizeof n);
    nn_param *p = nn_node_add_param_fans(&n, "kernel", nn_shape_make(2, (int[]){9, 4}), true,
                                         NN_INIT_GLOROT_UNIFORM, 11, 13);
    assert_int_equal(p->fan_in, 11);
    assert_int_equal(p->fan_out, 13);
    for (int k = 1; k < NN_MAX_PARAMS; k++)
        assert_non_null(nn_node_add_param(&n, "b", nn_shape_make(1, (int[]){1}), true,
                                          NN_INIT_ZEROS));
    assert_null(nn_node_add_param(&n, "c", nn_shape_make(1, (int[]){1}), true, NN_INIT_ZEROS));
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

/* Dense on many rows (Dense per pixel) takes the chunked backward path: check it against a
 * product computed in double, and that it gives the same bits on one thread and on two. */
enum { MR_ROWS = 9000, MR_IN = 96, MR_UNITS = 160 }; /* 17 chunks of 512 rows and a part */

typedef struct many_rows_run {
    float w[MR_IN * MR_UNITS], b[MR_UNITS], gw[MR_IN * MR_UNITS], gb[MR_UNITS];
    float *x, *y, *dy, *dx;
} many_rows_run;

static void dense_many_rows(many_rows_run *r, nn_pool *pool)
{
    enum { ROWS = MR_ROWS, IN = MR_IN, UNITS = MR_UNITS };
    const nn_layer_ops *ops = nn_layer_find("dense");
    struct {
        int units, activation;
        bool use_bias;
    } cfg = {UNITS, NN_ACT_RELU, true};
    nn_node n;
    memset(&n, 0, sizeof n);
    n.ops = ops;
    n.cfg = &cfg;
    n.n_in = 1;
    n.in_shape[0] = nn_shape_make(2, (int[]){ROWS, IN});
    assert_int_equal(ops->infer(&n, NULL), NN_OK);
    n.param[0].w = r->w;
    n.param[1].w = r->b;
    n.param[0].g = r->gw;
    n.param[1].g = r->gb;
    n.scratch = malloc(ops->scratch_bytes(&n, 1));
    assert_non_null(n.scratch);
    nn_rng rng = nn_rng_stream(5, NN_STREAM_TEST);
    for (int i = 0; i < IN * UNITS; i++)
        r->w[i] = nn_rng_uniform(&rng) - 0.5f;
    for (int i = 0; i < UNITS; i++) {
        r->b[i] = nn_rng_uniform(&rng) - 0.5f;
        r->gb[i] = 1.0f; /* gradients are added into */
    }
    for (int i = 0; i < IN * UNITS; i++)
        r->gw[i] = 1.0f;
    for (int i = 0; i < ROWS * IN; i++) {
        r->x[i] = nn_rng_uniform(&rng) - 0.5f;
        r->dx[i] = 2.0f; /* dx_overwrite is off: added into */
    }
    for (int i = 0; i < ROWS * UNITS; i++)
        r->dy[i] = nn_rng_uniform(&rng) - 0.5f;
    n.x[0] = r->x;
    n.y = r->y;
    n.dy = r->dy;
    n.dx[0] = r->dx;
    nn_ctx ctx = {.batch = 1, .training = true, .pool = pool};
    ops->forward(&n, &ctx);
    ops->backward(&n, &ctx);
    free(n.scratch);
}

static void test_dense_many_rows(void **state)
{
    (void)state;
    enum { ROWS = MR_ROWS, IN = MR_IN, UNITS = MR_UNITS };
    static many_rows_run one, two;
    many_rows_run *runs[2] = {&one, &two};
    for (int k = 0; k < 2; k++) {
        runs[k]->x = malloc(sizeof(float) * ROWS * IN);
        runs[k]->y = malloc(sizeof(float) * ROWS * UNITS);
        runs[k]->dy = malloc(sizeof(float) * ROWS * UNITS);
        runs[k]->dx = malloc(sizeof(float) * ROWS * IN);
        assert_true(runs[k]->x && runs[k]->y && runs[k]->dy && runs[k]->dx);
    }
    static float dy0[ROWS * UNITS]; /* backward turns dy into dz in place: made again below */
    dense_many_rows(&one, NULL);
    nn_pool *pool = NULL;
    nn_error err;
    assert_int_equal(nn_pool_create(2, &pool, &err), NN_OK);
    dense_many_rows(&two, pool);
    nn_pool_destroy(pool);
    assert_memory_equal(one.y, two.y, sizeof(float) * ROWS * UNITS);
    assert_memory_equal(one.dx, two.dx, sizeof(float) * ROWS * IN);
    assert_memory_equal(one.gw, two.gw, sizeof one.gw);
    assert_memory_equal(one.gb, two.gb, sizeof one.gb);

    /* the reference, in double, from the same inputs */
    nn_rng rng = nn_rng_stream(5, NN_STREAM_TEST);
    static double w[IN * UNITS], b[UNITS], dz[ROWS * UNITS];
    for (int i = 0; i < IN * UNITS; i++)
        w[i] = nn_rng_uniform(&rng) - 0.5f;
    for (int i = 0; i < UNITS; i++)
        b[i] = nn_rng_uniform(&rng) - 0.5f;
    for (int i = 0; i < ROWS * IN; i++)
        assert_true(one.x[i] == (float)(nn_rng_uniform(&rng) - 0.5f));
    for (int i = 0; i < ROWS * UNITS; i++)
        dy0[i] = nn_rng_uniform(&rng) - 0.5f;
    double worst = 0.0;
    for (int r = 0; r < ROWS; r++)
        for (int u = 0; u < UNITS; u++) {
            double z = b[u];
            for (int i = 0; i < IN; i++)
                z += (double)one.x[r * IN + i] * w[i * UNITS + u];
            double y = z > 0.0 ? z : 0.0;
            worst = fmax(worst, fabs(y - one.y[r * UNITS + u]));
            dz[r * UNITS + u] = one.y[r * UNITS + u] > 0.0f ? dy0[r * UNITS + u] : 0.0;
        }
    assert_true(worst < 1e-5);
    for (int u = 0; u < UNITS; u++) {
        double db = 1.0;
        for (int r = 0; r < ROWS; r++)
            db += dz[r * UNITS + u];
        assert_float_equal(one.gb[u], db, 1e-3 * (1.0 + fabs(db)));
        for (int i = 0; i < IN; i++) {
            double dw = 1.0;
            for (int r = 0; r < ROWS; r++)
                dw += (double)one.x[r * IN + i] * dz[r * UNITS + u];
            assert_float_equal(one.gw[i * UNITS + u], dw, 1e-3 * (1.0 + fabs(dw)));
        }
    }
    for (int r = 0; r < ROWS; r += 7)
        for (int i = 0; i < IN; i++) {
            double dx = 2.0;
            for (int u = 0; u < UNITS; u++)
                dx += dz[r * UNITS + u] * w[i * UNITS + u];
            assert_float_equal(one.dx[r * IN + i], dx, 1e-5);
        }
    for (int k = 0; k < 2; k++) {
        free(runs[k]->x);
        free(runs[k]->y);
        free(runs[k]->dy);
        free(runs[k]->dx);
    }
}

/* One training step of `yaml` at batch 8 (fixed weights, input and output gradient), on
 * `pool`, fused or not: the output, then every parameter gradient, then the input
 * gradient, then the output in evaluation mode, in one malloc'd array of *n floats. */
static float *step_of(const char *yaml, bool no_fusion, nn_pool *pool, size_t *n)
{
    enum { BATCH = 8 };
    nn_cfg_doc *doc;
    nn_graph *g;
    nn_error err;
    assert_int_equal(nn_cfg_load_string(yaml, "model.yaml", &doc, &err), NN_OK);
    assert_int_equal(nn_graph_build(nn_cfg_root(doc), &g, &err), NN_OK);
    g->input_grad = true;
    g->no_fusion = no_fusion;
    assert_int_equal(nn_graph_plan(g, BATCH, 0, &err), NN_OK);
    nn_rng rng = nn_rng_stream(3, NN_STREAM_TEST);
    nn_graph_init_weights(g, &rng);
    nn_node *in = &g->nodes[0], *out = &g->nodes[g->output];
    size_t n_in = BATCH * nn_node_numel(in), n_out = BATCH * nn_node_numel(out);
    for (size_t i = 0; i < n_in; i++)
        in->y[i] = 2.0f * nn_rng_uniform(&rng) - 1.0f;
    *n = 2 * n_out + g->n_trainable + n_in;
    float *all = malloc(*n * sizeof *all), *at = all;
    assert_non_null(all);
    nn_ctx ctx = {.batch = BATCH, .training = true, .seed = 77u, .pool = pool};
    nn_graph_forward(g, &ctx);
    memcpy(at, out->y, n_out * sizeof *at);
    at += n_out;
    for (size_t i = 0; i < n_out; i++)
        out->dy[i] = 2.0f * nn_rng_uniform(&rng) - 1.0f;
    memset(g->grads, 0, g->n_trainable * sizeof *g->grads);
    nn_graph_backward(g, &ctx);
    memcpy(at, g->grads, g->n_trainable * sizeof *at);
    at += g->n_trainable;
    memcpy(at, in->dy, n_in * sizeof *at);
    at += n_in;
    ctx.training = false;
    nn_graph_forward(g, &ctx);
    memcpy(at, out->y, n_out * sizeof *at);
    nn_graph_free(g);
    nn_cfg_free(doc);
    return all;
}

/* The fused epilogue gives the separate layers' bits, forward and backward: against the
 * layers run apart on 1 thread, fused on 1 and 2 threads, and apart on 2 threads. Rows
 * enough for several chunks per thread (512 rows of 16 channels). */
static void test_epilogue_matches_layers(void **state)
{
    (void)state;
    const char *yaml = "input: [64, 16]\nlayers:\n  - dense: 16\n  - batch_normalization: {}\n"
                       "  - activation: relu\n  - dropout: 0.3\n  - dense: 16\n"
                       "  - batch_normalization: {}\n  - dropout: 0.5\n"
                       "  - batch_normalization: {}\n  - activation: relu\n  - flatten: {}\n"
                       "  - dense: 3\n";
    nn_pool *pool = NULL;
    nn_error err;
    assert_int_equal(nn_pool_create(2, &pool, &err), NN_OK);
    size_t n, n2;
    float *apart = step_of(yaml, true, NULL, &n);
    for (int k = 0; k < 4; k++) {
        float *fused = step_of(yaml, k >= 2, k % 2 ? pool : NULL, &n2);
        assert_int_equal(n, n2);
        assert_memory_equal(apart, fused, n * sizeof *apart);
        free(fused);
    }
    free(apart);
    nn_pool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_is_complete),
        cmocka_unit_test(test_param_fans),
        cmocka_unit_test(test_gradients),
        cmocka_unit_test(test_checker_catches_errors),
        cmocka_unit_test(test_dropout_masks),
        cmocka_unit_test(test_batch_norm_statistics),
        cmocka_unit_test(test_activation_names),
        cmocka_unit_test(test_dense_many_rows),
        cmocka_unit_test(test_epilogue_matches_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
