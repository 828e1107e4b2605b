/* test_graph.c — building models from the layer-list language, the plan, the summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "graph/graph.h"

typedef struct built {
    nn_cfg_doc *doc;
    nn_graph *g;
    nn_error err;
    nn_status st;
} built;

static built build(const char *yaml)
{
    built b = {0};
    b.st = nn_cfg_load_string(yaml, "model.yaml", &b.doc, &b.err);
    if (!b.st)
        b.st = nn_graph_build(nn_cfg_root(b.doc), &b.g, &b.err);
    return b;
}

static void release(built *b)
{
    nn_graph_free(b->g);
    nn_cfg_free(b->doc);
}

/* The error for `yaml` contains `text` and sits at line:column. */
static void expect_error(const char *yaml, const char *text, int line, int column)
{
    built b = build(yaml);
    if (b.st != NN_E_CONFIG)
        fail_msg("expected a config error containing '%s', got status %d", text, b.st);
    if (!strstr(b.err.msg, text))
        fail_msg("expected '%s' in the error, got '%s'", text, b.err.msg);
    if (b.err.line != line || b.err.column != column)
        fail_msg("'%s' at %d:%d, expected %d:%d", b.err.msg, b.err.line, b.err.column, line,
                 column);
    release(&b);
}

static char *summary_of(const nn_graph *g)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    nn_graph_summary(g, fp);
    fclose(fp);
    return text;
}

static void test_baseline_summary(void **state)
{
    (void)state;
    built b = build("input: [28, 28]\nlayers:\n  - flatten:\n  - dense: {units: 64, activation: relu}\n"
                    "  - dense: {units: 64, activation: relu}\n  - dense: {units: 64, activation: relu}\n"
                    "  - dense: {units: 10, activation: softmax}\n");
    assert_int_equal(b.st, NN_OK);
    char *s = summary_of(b.g);
    const char *expect =
        "Model: \"sequential\"\n"
        "_________________________________________________________________\n"
        "Layer (type)                 Output Shape              Param #   \n"
        "=================================================================\n"
        "flatten (Flatten)            (None, 784)               0         \n"
        "_________________________________________________________________\n"
        "dense (Dense)                (None, 64)                50240     \n"
        "_________________________________________________________________\n"
        "dense_1 (Dense)              (None, 64)                4160      \n"
        "_________________________________________________________________\n"
        "dense_2 (Dense)              (None, 64)                4160      \n"
        "_________________________________________________________________\n"
        "dense_3 (Dense)              (None, 10)                650       \n"
        "=================================================================\n"
        "Total params: 59,210\n"
        "Trainable params: 59,210\n"
        "Non-trainable params: 0\n"
        "_________________________________________________________________\n";
    assert_string_equal(s, expect);
    free(s);
    assert_int_equal(nn_graph_params_total(b.g), 59210);
    assert_false(nn_graph_branching(b.g));
    release(&b);
}

static void test_residual_summary_connected_to(void **state)
{
    (void)state;
    built b = build("name: resnet\ninput: {shape: [784], name: img}\nlayers:\n"
                    "  - dense: {units: 8, activation: relu}\n"
                    "  - residual:\n      - dense: 8\n      - batch_normalization: {}\n"
                    "  - dense: {units: 10, activation: softmax}\n");
    assert_int_equal(b.st, NN_OK);
    char *s = summary_of(b.g);
    const char *rule98 = "__________________________________________________________________________________________________\n";
    const char *eq98 = "==================================================================================================\n";
    char expect[4096];
    snprintf(expect, sizeof expect,
             "Model: \"resnet\"\n%s"
             "Layer (type)                    Output Shape         Param #     Connected to                     \n"
             "%s"
             "img (InputLayer)                [(None, 784)]        0                                            \n%s"
             "dense (Dense)                   (None, 8)            6280        img[0][0]                        \n%s"
             "dense_1 (Dense)                 (None, 8)            72          dense[0][0]                      \n%s"
             "batch_normalization (BatchNorma (None, 8)            32          dense_1[0][0]                    \n%s"
             "add (Add)                       (None, 8)            0           batch_normalization[0][0]        \n"
             "                                                                 dense[0][0]                      \n%s"
             "dense_2 (Dense)                 (None, 10)           90          add[0][0]                        \n%s"
             "Total params: 6,474\nTrainable params: 6,458\nNon-trainable params: 16\n%s",
             rule98, eq98, rule98, rule98, rule98, rule98, rule98, eq98, rule98);
    assert_string_equal(s, expect);
    free(s);
    assert_true(nn_graph_branching(b.g));
    release(&b);
}

static void test_notebook_param_counts(void **state)
{
    (void)state;
    /* lab step 6: ten residual blocks */
    built b = build("input: [784]\nlayers:\n  - dense: {units: 128, activation: relu}\n"
                    "  - {name: block_1_output, dense: {units: 128, activation: relu}}\n"
                    "  - repeat: 9\n    residual:\n      - dense: 128\n      - batch_normalization: {}\n"
                    "      - activation: relu\n      - dropout: 0.5\n      - dense: 128\n"
                    "      - batch_normalization: {}\n      - activation: relu\n      - dropout: 0.5\n"
                    "  - dense: {units: 128, activation: relu}\n  - dropout: 0.5\n"
                    "  - dense: {units: 10, activation: softmax}\n");
    assert_int_equal(b.st, NN_OK);
    assert_int_equal(nn_graph_params_total(b.g), 441226);
    assert_int_equal(nn_graph_params_trainable(b.g), 436618);
    /* Keras default names continue across blocks */
    assert_true(nn_graph_find(b.g, "add_8") >= 0);
    assert_true(nn_graph_find(b.g, "batch_normalization_17") >= 0);
    assert_true(nn_graph_find(b.g, "dropout_18") >= 0);
    release(&b);
    /* lab step 9: Dense per pixel on [32, 32, 3] */
    b = build("input: [32, 32, 3]\nlayers:\n  - dense: {units: 128, activation: relu}\n"
              "  - dense: {units: 128, activation: relu}\n  - dense: 128\n"
              "  - batch_normalization: {}\n  - activation: relu\n  - dropout: 0.5\n"
              "  - dense: 128\n  - batch_normalization: {}\n  - activation: relu\n"
              "  - dropout: 0.5\n  - flatten: {}\n  - dense: {units: 10, activation: softmax}\n");
    assert_int_equal(b.st, NN_OK);
    assert_int_equal(nn_graph_params_total(b.g), 1361802);
    assert_int_equal(nn_graph_params_trainable(b.g), 1361290);
    release(&b);
}

static void test_functional_names_and_forward_references(void **state)
{
    (void)state;
    /* default names step around names the config gives explicitly */
    built d = build("input: [4]\nlayers:\n  - dense: 4\n  - {name: dense, dense: 3}\n");
    assert_int_equal(d.st, NN_OK);
    assert_string_equal(d.g->nodes[1].name, "dense_1");
    assert_string_equal(d.g->nodes[2].name, "dense");
    release(&d);
    /* a layer may name an input defined later; the graph is ordered afterwards */
    built b = build("input: [4]\nlayers:\n  - {name: out, add: [a, b]}\n"
                    "  - {name: a, dense: 4, inputs: [input_1]}\n"
                    "  - {name: b, dense: 4, inputs: [a]}\n"
                    "  - {dense: 2, inputs: [out]}\n");
    assert_int_equal(b.st, NN_OK);
    int a = nn_graph_find(b.g, "a"), bb = nn_graph_find(b.g, "b"), out = nn_graph_find(b.g, "out");
    assert_true(a > 0 && a < bb && bb < out);
    assert_int_equal(b.g->output, b.g->n_nodes - 1);
    release(&b);
}

static void test_build_errors(void **state)
{
    (void)state;
    expect_error("input: [4]\nlayers:\n  - dens: 4\n", "did you mean 'dense'", 3, 5);
    expect_error("input: [4]\nlayers:\n  - dense: 4\n  - {name: x, dense: 3}\n  - {name: x, dense: 3}\n",
                 "duplicate layer name 'x'", 5, 12);
    expect_error("input: [4]\nlayers:\n  - {dense: 4, inputs: [nope]}\n", "unknown input 'nope'",
                 3, 25);
    expect_error("input: [4]\nlayers:\n  - {name: a, dense: 4, inputs: [b]}\n"
                 "  - {name: b, dense: 4, inputs: [a]}\n",
                 "cycle", 3, 15);
    expect_error("input: [4]\nlayers:\n  - {name: a, dense: 4, inputs: [a]}\n", "itself", 3, 34);
    expect_error("input: [4]\nlayers:\n  - {name: a, dense: 4}\n  - {name: b, dense: 3}\n"
                 "  - add: [a, b]\n",
                 "same shape", 5, 5);
    expect_error("input: [6]\nlayers:\n  - reshape: [4, 2]\n", "cannot reshape", 3, 5);
    expect_error("input: [4]\nlayers:\n  - {name: a, dense: 4}\n  - {dense: 3, inputs: [input_1]}\n",
                 "does not lead to the model's output", 3, 15);
    expect_error("input: [4]\nlayers:\n  - dense: 0\n", "units: must be in [1, 16777216], got 0", 3, 12);
    expect_error("input: [4]\nlayers:\n  - dropout: 1.0\n", "dropout", 3, 14);
    expect_error("input: [4]\nlayers:\n  - dense: {units: 4, activation: rleu}\n",
                 "did you mean 'relu'", 3, 35);
    expect_error("input: [4]\nlayers:\n  - add: [input_1]\n", "takes", 3, 5);
    expect_error("input: [4]\nlayers:\n  - flatten: 3\n", "no shorthand", 3, 14);
    expect_error("input: [4]\nlayers: []\n", "no layers", 2, 9);
    expect_error("layers:\n  - dense: 4\n", "input", 1, 1);
}

/* `- flatten` is the layer with every default, written back as `flatten: {}` so that the
 * resolved configuration shows it; messages about an entry name its path in the file. */
static void test_bare_types_and_entry_paths(void **state)
{
    (void)state;
    built b = build("input: [2, 3]\nlayers:\n  - flatten\n  - batch_normalization\n  - dense: 2\n");
    assert_int_equal(b.st, NN_OK);
    assert_string_equal(b.g->nodes[1].ops->type, "flatten");
    assert_string_equal(b.g->nodes[2].ops->type, "batch_normalization");
    assert_int_equal(nn_graph_params_total(b.g), 6 * 4 + 6 * 2 + 2);
    nn_cfg *layers = nn_cfg_get(nn_cfg_root(b.doc), "layers");
    nn_cfg *first = layers->items[0];
    assert_int_equal(first->kind, NN_CFG_MAP);
    assert_string_equal(first->keys[0]->text, "flatten");
    assert_int_equal(first->items[0]->kind, NN_CFG_MAP);
    nn_cfg *bn = nn_cfg_get(layers->items[1], "batch_normalization");
    assert_non_null(nn_cfg_get(bn, "momentum")); /* defaults written in */
    release(&b);

    expect_error("input: [4]\nlayers:\n  - dense\n", "model.layers[0].dense: missing required key 'units'", 3, 5);
    expect_error("input: [4]\nlayers:\n  - flaten\n", "unknown layer type 'flaten' (did you mean 'flatten'?)", 3, 5);
    expect_error("input: [4]\nlayers:\n  - dense: 4\n  - residual:\n      - dense: {units: 4, use_bais: true}\n",
                 "unknown key 'use_bais' in model.layers[1].residual[0].dense (did you mean 'use_bias'?)", 5, 27);
    expect_error("input: [4]\nlayers:\n  - repeat: 2\n    residul: [dense: 4]\n",
                 "unknown block key 'residul' (did you mean 'residual'?)", 4, 5);
    expect_error("input: [4]\nlayers:\n  - {repeat: 2, dense: 4}\n",
                 "model.layers[0]: repeat: goes with a block", 3, 6);
    expect_error("input: [4]\nlayers:\n  - {dense: 4, nmae: x}\n",
                 "unknown key 'nmae' in model.layers[0] (did you mean 'name'?)", 3, 16);
    expect_error("input: [4]\nlayers:\n  - repeat: 2\n    layers: [{name: x, dense: 4}]\n",
                 "named layer inside a repeated block", 4, 21);
    expect_error("input: [4]\nlayers:\n  - {name: [x], dense: 4}\n", "model.layers[0].name: expected a string", 3, 12);
    expect_error("input: [4]\nlayers:\n  - {name: x}\n", "model.layers[0]: a layer entry needs a type", 3, 5);
    expect_error("input: [4]\nlayers:\n  - residual: [dense: 4]\n    dropout: 0.5\n",
                 "a block holds its layers in its list", 4, 5);
}

static void test_plan_overwrite_and_views(void **state)
{
    (void)state;
    built b = build("input: [3]\nlayers:\n  - {name: a, dense: 4}\n  - {name: b, dense: 4}\n"
                    "  - {name: s, add: [a, b]}\n  - flatten:\n  - dense: 2\n");
    assert_int_equal(b.st, NN_OK);
    nn_error err;
    assert_int_equal(nn_graph_plan(b.g, 5, 2, &err), NN_OK);
    nn_graph *g = b.g;
    const nn_node *a = &g->nodes[nn_graph_find(g, "a")], *bn = &g->nodes[nn_graph_find(g, "b")];
    const nn_node *s = &g->nodes[nn_graph_find(g, "s")], *f = &g->nodes[nn_graph_find(g, "flatten")];
    /* the first layer computes no input gradient */
    assert_null(a->dx[0]);
    /* backward runs s before b: s writes a's gradient first, b adds into it */
    assert_ptr_equal(s->dx[0], a->dy);
    assert_true(s->dx_overwrite[0]);
    assert_ptr_equal(bn->dx[0], a->dy);
    assert_false(bn->dx_overwrite[0]);
    /* flatten is a view of s */
    assert_ptr_equal(f->y, s->y);
    assert_ptr_equal(f->dy, s->dy);
    /* flat parameters: grads mirror the trainable prefix, slots follow */
    assert_int_equal(g->n_trainable, 3 * 4 + 4 + 4 * 4 + 4 + 4 * 2 + 2);
    assert_ptr_equal(a->param[0].w, g->weights);
    assert_ptr_equal(a->param[0].g, g->grads);
    assert_true((uintptr_t)g->slots % 64 == 0);
    release(&b);
}

static void test_batch_norm_params_after_trainable(void **state)
{
    (void)state;
    built b = build("input: [3]\nlayers:\n  - dense: 2\n  - batch_normalization: {}\n  - dense: 2\n");
    assert_int_equal(b.st, NN_OK);
    nn_error err;
    assert_int_equal(nn_graph_plan(b.g, 4, 0, &err), NN_OK);
    nn_graph *g = b.g;
    assert_int_equal(g->n_weights, 8 + 4 + 6 + 4);
    assert_int_equal(g->n_trainable, 8 + 4 + 6);
    const nn_node *bn = &g->nodes[2];
    assert_ptr_equal(bn->param[2].w, g->weights + g->n_trainable); /* moving_mean */
    assert_null(bn->param[2].g);
    release(&b);
}

/* Which nodes the planner fuses into a batch normalization (layers/epilogue.h). */
static const char *fused_names(const char *yaml, bool no_fusion, char *buf, size_t size)
{
    built b = build(yaml);
    assert_int_equal(b.st, NN_OK);
    nn_error err;
    b.g->no_fusion = no_fusion;
    assert_int_equal(nn_graph_plan(b.g, 3, 0, &err), NN_OK);
    buf[0] = '\0';
    for (int i = 0; i < b.g->n_nodes; i++) {
        const nn_node *n = &b.g->nodes[i];
        if (!n->fused)
            continue;
        /* a fused node runs nothing: it is its layer's epilogue and shares its buffers */
        const nn_node *p = &b.g->nodes[n->in[0]];
        while (p->fused)
            p = &b.g->nodes[p->in[0]];
        assert_true(p->epilogue_relu == n || p->epilogue_dropout == n);
        assert_ptr_equal(n->y, p->y);
        assert_ptr_equal(n->dy, p->dy);
        assert_null(n->dx[0]);
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", buf[0] ? " " : "", n->name);
    }
    release(&b);
    return buf;
}

static void test_plan_fuses_relu_and_dropout(void **state)
{
    (void)state;
    char buf[256];
    const char *block = "input: [4]\nlayers:\n  - dense: 4\n  - batch_normalization: {}\n"
                        "  - activation: relu\n  - dropout: 0.5\n  - dense: 2\n";
    assert_string_equal(fused_names(block, false, buf, sizeof buf), "activation dropout");
    assert_string_equal(fused_names(block, true, buf, sizeof buf), "");
    /* the fused outputs are not allocated */
    built b = build(block);
    nn_error err;
    nn_graph_memory fused, apart;
    assert_int_equal(nn_graph_measure(b.g, 8, 0, &fused, NULL, &err), NN_OK);
    b.g->no_fusion = true;
    assert_int_equal(nn_graph_measure(b.g, 8, 0, &apart, NULL, &err), NN_OK);
    assert_int_equal(apart.outputs - fused.outputs, 2 * 8 * 4 * sizeof(float)); /* [8, 4] twice */
    release(&b);
    /* which nodes fuse, by case */
    static const struct {
        const char *yaml, *fused;
    } cases[] = {
        /* one part at a time, relu before dropout, one of each */
        {"input: [4]\nlayers:\n  - batch_normalization: {}\n  - dropout: 0.5\n"
         "  - activation: relu\n",
         "dropout"},
        {"input: [4]\nlayers:\n  - batch_normalization: {}\n  - activation: relu\n"
         "  - activation: relu\n",
         "activation"},
        /* only relu, and only after a layer that takes an epilogue */
        {"input: [4]\nlayers:\n  - batch_normalization: {}\n  - activation: tanh\n"
         "  - dropout: 0.5\n",
         ""},
        {"input: [4]\nlayers:\n  - dense: 4\n  - activation: relu\n  - dropout: 0.5\n", ""},
        /* an output someone else reads is not changed in place: the batch normalization
         * feeds an add too, then the relu feeds one */
        {"input: [4]\nlayers:\n  - {name: n, batch_normalization: {}}\n"
         "  - {name: r, activation: relu}\n  - add: [n, r]\n",
         ""},
        {"input: [4]\nlayers:\n  - batch_normalization: {}\n  - {name: r, activation: relu}\n"
         "  - {name: d, dropout: 0.5}\n  - add: [r, d]\n",
         "r"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        assert_string_equal(fused_names(cases[k].yaml, false, buf, sizeof buf), cases[k].fused);
}

/* The shared workspace: one block of the largest request, the same for every node,
 * apart from every other buffer, counted by nn_graph_measure. Two dense layers are given
 * a request each through copies of their ops. */
static nn_layer_ops ws_small, ws_large;

static size_t small_request(const nn_node *n, int batch)
{
    (void)n;
    return 1000 + (size_t)batch;
}

static size_t large_request(const nn_node *n, int batch)
{
    (void)n;
    return 3000 + 10 * (size_t)batch;
}

static void test_plan_shared_workspace(void **state)
{
    (void)state;
    built b = build("input: [3]\nlayers:\n  - {name: a, dense: 4}\n  - {name: b, dense: 4}\n"
                    "  - dense: 2\n");
    assert_int_equal(b.st, NN_OK);
    nn_graph *g = b.g;
    nn_error err;
    nn_graph_memory none, with;
    size_t per_node[4];
    assert_int_equal(nn_graph_measure(g, 5, 0, &none, NULL, &err), NN_OK);
    assert_int_equal(none.workspace, 0);
    assert_int_equal(nn_graph_plan(g, 5, 0, &err), NN_OK);
    for (int i = 0; i < g->n_nodes; i++)
        assert_null(g->nodes[i].workspace);

    ws_small = *g->nodes[1].ops;
    ws_small.workspace_bytes = small_request;
    ws_large = *g->nodes[2].ops;
    ws_large.workspace_bytes = large_request;
    g->nodes[1].ops = &ws_small;
    g->nodes[2].ops = &ws_large;
    assert_int_equal(nn_graph_measure(g, 5, 0, &with, per_node, &err), NN_OK);
    assert_int_equal(with.workspace, 3072); /* 3050 bytes, rounded up to 64 */
    assert_int_equal(with.total, none.total + 3072);
    assert_int_equal(with.outputs, none.outputs);
    assert_int_equal(with.scratch, none.scratch);
    /* the per-layer table shows it at the layer that asks for the most */
    nn_graph_memory again;
    size_t plain[4];
    g->nodes[2].ops = g->nodes[3].ops;
    assert_int_equal(nn_graph_measure(g, 5, 0, &again, plain, &err), NN_OK);
    assert_int_equal(again.workspace, 1024); /* the small request alone: 1005 -> 1024 */
    g->nodes[2].ops = &ws_large;
    assert_int_equal(per_node[2] - plain[2], 3072);
    assert_int_equal(per_node[1] + 1024, plain[1]);

    assert_int_equal(nn_graph_plan(g, 5, 0, &err), NN_OK);
    assert_int_equal(g->memory_bytes, with.total);
    char *ws = g->nodes[0].workspace;
    assert_non_null(ws);
    assert_true((uintptr_t)ws % 64 == 0);
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        assert_ptr_equal(n->workspace, ws);
        /* nothing else lives in it */
        const char *y = (const char *)n->y, *dy = (const char *)n->dy;
        size_t bytes = 5 * nn_node_numel(n) * sizeof(float);
        assert_true(y + bytes <= ws || y >= ws + 3050);
        assert_true(!dy || dy + bytes <= ws || dy >= ws + 3050);
        const char *s = n->scratch;
        assert_true(!s || s < ws || s >= ws + 3050);
    }
    const char *w = (const char *)g->weights, *gr = (const char *)g->grads;
    assert_true(w + g->n_weights * sizeof(float) <= ws && gr + g->n_trainable * sizeof(float) <= ws);
    release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_summary),
        cmocka_unit_test(test_residual_summary_connected_to),
        cmocka_unit_test(test_notebook_param_counts),
        cmocka_unit_test(test_functional_names_and_forward_references),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_bare_types_and_entry_paths),
        cmocka_unit_test(test_plan_overwrite_and_views),
        cmocka_unit_test(test_batch_norm_params_after_trainable),
        cmocka_unit_test(test_plan_fuses_relu_and_dropout),
        cmocka_unit_test(test_plan_shared_workspace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
