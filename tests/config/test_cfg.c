/* test_cfg.c — the configuration tree: loading with marks, the errors a config author
 * sees (text, line and column), schema reading, --set overrides, and the writer's
 * round trip. Every message test checks the words a user reads, not just the status. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg.h"

/* --- helpers ----------------------------------------------------------------------- */

#define assert_has(haystack, needle)                                                       \
    do {                                                                                   \
        const char *h_ = (haystack), *n_ = (needle);                                       \
        if (!strstr(h_, n_))                                                               \
            fail_msg("message \"%s\" lacks \"%s\"", h_, n_);                               \
    } while (0)

#define assert_at(err, l, c)                                                               \
    do {                                                                                   \
        if ((err).line != (l) || (err).column != (c))                                      \
            fail_msg("error \"%s\" at %d:%d, expected %d:%d", (err).msg, (err).line,       \
                     (err).column, (l), (c));                                              \
    } while (0)

static nn_cfg_doc *load(const char *text)
{
    nn_error err;
    nn_cfg_doc *doc = NULL;
    if (nn_cfg_load_string(text, "t.yaml", &doc, &err) != NN_OK)
        fail_msg("load failed: %d:%d: %s", err.line, err.column, err.msg);
    assert_non_null(doc);
    return doc;
}

/* Loads text that must be rejected; returns the error. */
static nn_error load_bad(const char *text)
{
    nn_error err;
    nn_error_clear(&err);
    nn_cfg_doc *doc = (nn_cfg_doc *)1;
    nn_status st = nn_cfg_load_string(text, "t.yaml", &doc, &err);
    if (st == NN_OK)
        nn_cfg_free(doc);
    assert_int_equal(st, NN_E_CONFIG);
    assert_int_equal(err.code, NN_E_CONFIG);
    assert_null(doc);
    assert_string_equal(err.file, "t.yaml");
    return err;
}

/* The node at a dotted path ("model.layers.1.dense"); digits index sequences. Does not
 * mark anything used. */
static nn_cfg *at(nn_cfg *node, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *seg = strtok(buf, "."); seg && node; seg = strtok(NULL, ".")) {
        nn_cfg *next = NULL;
        if (node->kind == NN_CFG_MAP) {
            for (size_t i = 0; i < node->n; i++)
                if (strcmp(node->keys[i]->text, seg) == 0)
                    next = node->items[i];
        } else if (node->kind == NN_CFG_SEQ) {
            size_t i = (size_t)strtoul(seg, NULL, 10);
            next = i < node->n ? node->items[i] : NULL;
        }
        node = next;
    }
    if (!node)
        fail_msg("no node at %s", path);
    return node;
}

static int count_key(const nn_cfg *map, const char *key)
{
    int n = 0;
    for (size_t i = 0; i < map->n; i++)
        n += strcmp(map->keys[i]->text, key) == 0;
    return n;
}

static const char *text_at(nn_cfg_doc *doc, const char *path)
{
    nn_cfg *n = at(nn_cfg_root(doc), path);
    assert_int_equal(n->kind, NN_CFG_SCALAR);
    return n->text;
}

/* The emitted YAML as a heap string (caller frees). */
static char *emit(const nn_cfg_doc *doc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    nn_error err;
    assert_int_equal(nn_cfg_emit(doc, fp, &err), NN_OK);
    fclose(fp);
    return buf;
}

/* Same kinds, texts, quotedness and order throughout. */
static void assert_same_tree(const nn_cfg *a, const nn_cfg *b, const char *where)
{
    if (a->kind != b->kind)
        fail_msg("%s: kind %d vs %d", where, a->kind, b->kind);
    if (a->kind == NN_CFG_SCALAR) {
        if (strcmp(a->text, b->text) != 0 || a->quoted != b->quoted)
            fail_msg("%s: '%s'%s vs '%s'%s", where, a->text, a->quoted ? " (quoted)" : "",
                     b->text, b->quoted ? " (quoted)" : "");
        return;
    }
    if (a->n != b->n)
        fail_msg("%s: %zu vs %zu entries", where, a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        char sub[512];
        if (a->kind == NN_CFG_MAP) {
            snprintf(sub, sizeof sub, "%s.%s", where, a->keys[i]->text);
            assert_same_tree(a->keys[i], b->keys[i], sub);
        } else {
            snprintf(sub, sizeof sub, "%s[%zu]", where, i);
        }
        assert_same_tree(a->items[i], b->items[i], sub);
    }
}

/* emit -> load must give the same tree; returns the emitted text (caller frees). */
static char *round_trip(nn_cfg_doc *doc)
{
    char *yaml = emit(doc);
    nn_cfg_doc *again = load(yaml);
    assert_same_tree(nn_cfg_root(doc), nn_cfg_root(again), "root");
    char *twice = emit(again);
    assert_string_equal(yaml, twice); /* emitting is a fixed point */
    free(twice);
    nn_cfg_free(again);
    return yaml;
}

/* DESIGN.md §3, comments and all. */
static const char RESNET10[] =
    "# configs/resnet10.yaml — lab step 6: ten residual blocks on MNIST\n"
    "name: resnet10\n"
    "seed: 1\n"
    "data:\n"
    "  dataset: mnist                # mnist | fashion_mnist | cifar10\n"
    "  preprocess:                   # applied in order, to train and test alike\n"
    "    - divide: 255\n"
    "    - l2_normalize: {axis: 1}   # tf.keras.utils.normalize(x, axis=1)\n"
    "    - reshape: [784]\n"
    "  validation_split: 0.1         # the LAST 10% of the training set\n"
    "model:\n"
    "  input: [784]\n"
    "  layers:\n"
    "    - dense: {units: 128, activation: relu}\n"
    "    - {name: block_1_output, dense: {units: 128, activation: relu}}\n"
    "    - repeat: 9                 # block_2 .. block_10\n"
    "      residual:                 # out = add(f(in), in)\n"
    "        - dense: 128\n"
    "        - batch_normalization: {}\n"
    "        - activation: relu\n"
    "        - dropout: 0.5\n"
    "        - dense: 128\n"
    "        - batch_normalization: {}\n"
    "        - activation: relu\n"
    "        - dropout: 0.5\n"
    "    - dense: {units: 128, activation: relu}\n"
    "    - dropout: 0.5\n"
    "    - dense: {units: 10, activation: softmax}\n"
    "compile:\n"
    "  loss: sparse_categorical_crossentropy\n"
    "  optimizer: {adam: {amsgrad: true}}\n"
    "  metrics: [accuracy]\n"
    "fit:\n"
    "  epochs: 20\n"
    "  batch_size: 128\n"
    "  shuffle: true\n";

/* A schema exercising every type. */
typedef struct spec {
    int epochs;
    long long steps;
    double rate;
    double decay;
    bool shuffle;
    const char *name;
    int loss;
    nn_shape input;
    nn_cfg *extra;
    int verbose;
} spec;

static const char *const LOSSES[] = {"sparse_categorical_crossentropy",
                                     "categorical_crossentropy", "mean_squared_error", NULL};

static const nn_key SPEC[] = {
    {.name = "epochs", .type = NN_T_INT, .offset = offsetof(spec, epochs), .flags = NN_K_MIN,
     .lo = 1},
    {.name = "steps", .type = NN_T_I64, .def = "0", .offset = offsetof(spec, steps)},
    {.name = "learning_rate", .type = NN_T_FLOAT, .def = "0.001", .offset = offsetof(spec, rate),
     .flags = NN_K_MIN | NN_K_MIN_OPEN, .lo = 0},
    {.name = "lr", .type = NN_T_ALIAS, .def = "learning_rate"},
    {.name = "decay", .type = NN_T_FLOAT, .def = NN_OPTIONAL, .offset = offsetof(spec, decay),
     .flags = NN_K_MIN, .lo = 0},
    {.name = "shuffle", .type = NN_T_BOOL, .def = "true", .offset = offsetof(spec, shuffle)},
    {.name = "name", .type = NN_T_STR, .def = NN_OPTIONAL, .offset = offsetof(spec, name)},
    {.name = "loss", .type = NN_T_ENUM, .def = "sparse_categorical_crossentropy",
     .offset = offsetof(spec, loss), .choices = LOSSES},
    {.name = "input", .type = NN_T_SHAPE, .def = "[28, 28]", .offset = offsetof(spec, input)},
    {.name = "extra", .type = NN_T_NODE, .def = NN_OPTIONAL, .offset = offsetof(spec, extra)},
    {.name = "verbose", .type = NN_T_INT, .def = NN_OPTIONAL, .offset = offsetof(spec, verbose)},
    {.name = NULL},
};

/* Loads "fit:\n<body>" and reads fit through SPEC. */
static nn_status read_fit(const char *yaml, nn_cfg_doc **doc, spec *out, nn_error *err)
{
    *doc = load(yaml);
    memset(out, 0, sizeof *out);
    out->verbose = -7;
    nn_cfg *fit = nn_cfg_get(nn_cfg_root(*doc), "fit");
    assert_non_null(fit);
    nn_error_clear(err);
    return nn_cfg_read(fit, SPEC, out, "fit", err);
}

/* Reads a bad fit mapping; checks the code and returns the error. */
static nn_error read_fit_bad(const char *yaml)
{
    nn_cfg_doc *doc;
    spec s;
    nn_error err;
    assert_int_equal(read_fit(yaml, &doc, &s, &err), NN_E_CONFIG);
    assert_string_equal(err.file, "t.yaml");
    nn_cfg_free(doc);
    return err;
}

/* --- loading ----------------------------------------------------------------------- */

static void test_load_tree_and_marks(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("name: x\nmodel:\n  input: [28, 28]\n  layers:\n    - dense: 128\n");
    nn_cfg *root = nn_cfg_root(doc);
    assert_int_equal(root->kind, NN_CFG_MAP);
    assert_int_equal(root->n, 2);
    assert_string_equal(root->keys[0]->text, "name");
    assert_string_equal(root->keys[0]->mark.file, "t.yaml");
    assert_string_equal(nn_cfg_doc_file(doc), "t.yaml");

    nn_cfg *input = at(root, "model.input");
    assert_int_equal(input->kind, NN_CFG_SEQ);
    assert_int_equal(input->n, 2);
    assert_int_equal(input->mark.line, 3);
    assert_int_equal(input->mark.column, 10);
    assert_int_equal(input->items[1]->mark.column, 15);
    assert_string_equal(input->items[1]->text, "28");

    nn_cfg *layers = at(root, "model.layers");
    assert_int_equal(layers->kind, NN_CFG_SEQ);
    assert_int_equal(layers->mark.line, 5);
    assert_int_equal(layers->mark.column, 5);
    nn_cfg *units = at(root, "model.layers.0.dense");
    assert_string_equal(units->text, "128");
    assert_false(units->quoted);
    assert_int_equal(units->mark.line, 5);
    assert_int_equal(units->mark.column, 14);
    assert_ptr_equal(units->doc, doc);
    assert_false(units->used);
    assert_false(units->defaulted);
    nn_cfg_free(doc);
}

static void test_load_quoted_styles(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("a: plain\nb: 'single'\nc: \"dq\\tx\"\nd: |\n  lit\ne: 128\nf: '128'\n");
    nn_cfg *root = nn_cfg_root(doc);
    assert_false(at(root, "a")->quoted);
    assert_true(at(root, "b")->quoted);
    assert_true(at(root, "c")->quoted);
    assert_string_equal(text_at(doc, "c"), "dq\tx");
    assert_true(at(root, "d")->quoted);
    assert_string_equal(text_at(doc, "d"), "lit\n");
    assert_false(at(root, "e")->quoted);
    assert_true(at(root, "f")->quoted);
    assert_string_equal(text_at(doc, "f"), "128");
    nn_cfg_free(doc);
}

static void test_load_tab_indentation(void **state)
{
    (void)state;
    nn_error err = load_bad("fit:\n\tepochs: 3\n");
    assert_has(err.msg, "tab character used for indentation; use spaces");
    assert_at(err, 2, 1);

    /* A tab after spaces, deeper in a file: points at the tab itself. */
    err = load_bad("fit:\n  epochs: 3\n  \tbatch_size: 2\n");
    assert_has(err.msg, "tab character used for indentation; use spaces");
    assert_at(err, 3, 3);

    err = load_bad("layers:\n  -\tdense\n");
    assert_has(err.msg, "tab character not allowed here; use spaces");
    assert_at(err, 2, 4);
}

static void test_load_duplicate_key(void **state)
{
    (void)state;
    nn_error err = load_bad("name: a\nfit:\n  epochs: 3\n  batch_size: 2\n  epochs: 4\n");
    assert_string_equal(err.msg, "duplicate key 'epochs' (first at line 3)");
    assert_at(err, 5, 3);

    /* Quoting does not make a different key. */
    err = load_bad("seed: 1\n'seed': 2\n");
    assert_has(err.msg, "duplicate key 'seed' (first at line 1)");
    assert_at(err, 2, 1);

    err = load_bad("opt: {adam: {}, adam: {}}\n");
    assert_has(err.msg, "duplicate key 'adam'");
    assert_at(err, 1, 17);
}

static void test_load_anchors_aliases_tags(void **state)
{
    (void)state;
    nn_error err = load_bad("a: &unit 128\nb: 1\n");
    assert_has(err.msg, "anchors (&unit) are not supported");
    assert_at(err, 1, 4);

    err = load_bad("a: 1\nb: *x\n");
    assert_has(err.msg, "aliases (*x) are not supported");
    assert_at(err, 2, 4);

    err = load_bad("a: !!str 128\n");
    assert_has(err.msg, "tags (!!str) are not supported");
    assert_at(err, 1, 4);

    err = load_bad("a: !custom {b: 1}\n");
    assert_has(err.msg, "tags (!custom) are not supported");
}

static void test_load_one_document_only(void **state)
{
    (void)state;
    nn_error err = load_bad("a: 1\n---\nb: 2\n");
    assert_has(err.msg, "a second YAML document");
    assert_at(err, 2, 1);

    /* An explicit start marker for a single document is fine. */
    nn_cfg_doc *doc = load("---\na: 1\n...\n");
    assert_string_equal(text_at(doc, "a"), "1");
    nn_cfg_free(doc);
}

static void test_load_empty(void **state)
{
    (void)state;
    const char *empties[] = {"", "\n\n", "# just a comment\n", "---\n", "~\n"};
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        nn_error err = load_bad(empties[i]);
        assert_string_equal(err.msg, "empty configuration");
    }
}

static void test_load_nonscalar_key(void **state)
{
    (void)state;
    nn_error err = load_bad("a: 1\n? [x, y]\n: 2\n");
    assert_has(err.msg, "a mapping key must be a plain name, not a sequence");
    assert_at(err, 2, 3);
    err = load_bad("{{a: 1}: 2}\n");
    assert_has(err.msg, "not a mapping");
}

static void test_load_syntax_messages(void **state)
{
    (void)state;
    nn_error err = load_bad("name: 'resnet\nseed: 1\n");
    assert_has(err.msg, "unterminated quoted string");
    assert_at(err, 1, 7);

    err = load_bad("input: [28, 28\nseed: 1\n");
    assert_has(err.msg, "expected ',' or ']'");
    assert_has(err.msg, "opened with '[' at line 1");
    assert_at(err, 2, 5);

    err = load_bad("opt: {adam: 1\n");
    assert_has(err.msg, "expected ',' or '}'");

    err = load_bad("fit:\n    epochs: 1\n  batch_size: 2\n");
    assert_has(err.msg, "check the indentation");
    assert_has(err.msg, "starts at line 1");
    assert_at(err, 3, 3);

    err = load_bad("name: a: b\n");
    assert_has(err.msg, "unexpected ':'");
    assert_has(err.msg, "quote a value that contains ': '");
    assert_at(err, 1, 8);

    err = load_bad("a: 1\nfoo\n");
    assert_has(err.msg, "expected ':' after this key");
    assert_at(err, 2, 1);

    err = load_bad("a: \"c:\\q\"\n");
    assert_has(err.msg, "unknown escape sequence");

    err = load_bad("a: @home\n");
    assert_has(err.msg, "a value cannot start with '@'; quote it");
    assert_at(err, 1, 4);

    err = load_bad("a: 1\nb: x\x01y\n");
    assert_has(err.msg, "control character 0x01");
    assert_at(err, 2, 5);

    err = load_bad("a: 1\nb: caf\xc3\n");
    assert_has(err.msg, "UTF-8");
    assert_int_equal(err.line, 2);
}

static void test_load_deep_nesting_refused(void **state)
{
    (void)state;
    char text[1200];
    memset(text, '[', 600);
    memset(text + 600, ']', 600);
    text[1199] = '\0';
    text[1198] = '\n';
    nn_error err = load_bad(text);
    assert_has(err.msg, "nesting deeper than");
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/nnrun_test_cfg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "fit:\n  epochs: 5\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);

    nn_cfg_doc *doc;
    nn_error err;
    assert_int_equal(nn_cfg_load_file(path, &doc, &err), NN_OK);
    assert_string_equal(nn_cfg_doc_file(doc), path);
    nn_cfg *epochs = at(nn_cfg_root(doc), "fit.epochs");
    assert_string_equal(epochs->mark.file, path);
    assert_int_equal(epochs->mark.line, 2);
    assert_int_equal(epochs->mark.column, 11);
    nn_cfg_free(doc);

    /* Errors name the file too. */
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("fit:\n\tepochs: 5\n", fp);
    fclose(fp);
    assert_int_equal(nn_cfg_load_file(path, &doc, &err), NN_E_CONFIG);
    assert_null(doc);
    assert_string_equal(err.file, path);
    assert_at(err, 2, 1);
    unlink(path);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    nn_cfg_doc *doc = (nn_cfg_doc *)1;
    nn_error err;
    assert_int_equal(nn_cfg_load_file("/nonexistent/nnrun.yaml", &doc, &err), NN_E_IO);
    assert_null(doc);
    assert_has(err.msg, "cannot open /nonexistent/nnrun.yaml: ");
    assert_has(err.msg, "No such file");
}

static void test_load_design_example(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load(RESNET10);
    assert_string_equal(text_at(doc, "name"), "resnet10");
    assert_string_equal(text_at(doc, "data.preprocess.1.l2_normalize.axis"), "1");
    assert_string_equal(text_at(doc, "model.layers.1.name"), "block_1_output");
    assert_string_equal(text_at(doc, "model.layers.2.residual.3.dropout"), "0.5");
    assert_int_equal(at(nn_cfg_root(doc), "model.layers.2.residual.1.batch_normalization")->kind,
                     NN_CFG_MAP);
    assert_string_equal(text_at(doc, "compile.optimizer.adam.amsgrad"), "true");
    assert_int_equal(at(nn_cfg_root(doc), "model.layers")->n, 6);
    nn_cfg_free(doc);
}

/* --- schema reading ---------------------------------------------------------------- */

static void test_read_every_type(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    spec s;
    nn_error err;
    assert_int_equal(read_fit("fit:\n"
                              "  epochs: 20\n"
                              "  steps: -9000000000\n"
                              "  learning_rate: 1e-3\n"
                              "  decay: .5\n"
                              "  shuffle: False\n"
                              "  name: 'run 1'\n"
                              "  loss: categorical_crossentropy\n"
                              "  input:\n"
                              "    - 32\n"
                              "    - 32\n"
                              "    - 3\n"
                              "  extra: {anything: [1, 2]}\n"
                              "  verbose: +2\n",
                              &doc, &s, &err),
                     NN_OK);
    assert_int_equal(s.epochs, 20);
    assert_true(s.steps == -9000000000LL);
    assert_true(s.rate == 1e-3);
    assert_true(s.decay == 0.5);
    assert_false(s.shuffle);
    assert_string_equal(s.name, "run 1");
    assert_int_equal(s.loss, 1);
    assert_int_equal(s.input.rank, 3);
    assert_int_equal(s.input.dim[0], 32);
    assert_int_equal(s.input.dim[2], 3);
    assert_non_null(s.extra);
    assert_int_equal(s.extra->kind, NN_CFG_MAP);
    assert_int_equal(s.verbose, 2);
    assert_null(nn_cfg_unused(at(nn_cfg_root(doc), "fit")));
    nn_cfg_free(doc);
}

static void test_read_float_spellings(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double value;
    } ok[] = {{"0.001", 0.001}, {"1e-3", 1e-3}, {".5", 0.5}, {"5.", 5.0}, {"3", 3.0},
              {"+2.5E+2", 250.0}, {"1E3", 1000.0}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char yaml[128];
        snprintf(yaml, sizeof yaml, "fit:\n  epochs: 1\n  learning_rate: %s\n", ok[i].text);
        nn_cfg_doc *doc;
        spec s;
        nn_error err;
        if (read_fit(yaml, &doc, &s, &err) != NN_OK)
            fail_msg("%s: %s", ok[i].text, err.msg);
        assert_true(s.rate == ok[i].value);
        nn_cfg_free(doc);
    }
}

static void test_read_int_errors(void **state)
{
    (void)state;
    nn_error err = read_fit_bad("fit:\n  epochs: ten\n");
    assert_string_equal(err.msg, "fit.epochs: expected an integer, got 'ten'");
    assert_at(err, 2, 11);

    err = read_fit_bad("fit:\n  epochs: '128'\n");
    assert_has(err.msg, "fit.epochs: expected an integer, got the quoted string '128'");
    assert_has(err.msg, "remove the quotes");

    err = read_fit_bad("fit:\n  epochs: 2.5\n");
    assert_has(err.msg, "expected an integer, got '2.5'");

    err = read_fit_bad("fit:\n  epochs: 1e3\n");
    assert_has(err.msg, "expected an integer, got '1e3'");

    err = read_fit_bad("fit:\n  epochs: 99999999999\n");
    assert_has(err.msg, "fit.epochs: '99999999999' is out of range for an integer");

    err = read_fit_bad("fit:\n  epochs: 1\n  steps: 99999999999999999999\n");
    assert_has(err.msg, "fit.steps: '99999999999999999999' is out of range");

    err = read_fit_bad("fit:\n  epochs:\n");
    assert_string_equal(err.msg, "fit.epochs: expected an integer, got an empty value");

    err = read_fit_bad("fit:\n  epochs: ~\n");
    assert_string_equal(err.msg, "fit.epochs: expected an integer, got null");

    err = read_fit_bad("fit:\n  epochs: [1]\n");
    assert_string_equal(err.msg, "fit.epochs: expected an integer, got a sequence");

    err = read_fit_bad("fit:\n  epochs: 0x10\n");
    assert_has(err.msg, "got '0x10'");
}

static void test_read_float_errors(void **state)
{
    (void)state;
    nn_error err = read_fit_bad("fit:\n  epochs: 1\n  learning_rate: .inf\n");
    assert_string_equal(err.msg, "fit.learning_rate: expected a finite number, got '.inf'");
    assert_at(err, 3, 18);

    err = read_fit_bad("fit:\n  epochs: 1\n  learning_rate: .NaN\n");
    assert_has(err.msg, "expected a finite number");

    err = read_fit_bad("fit:\n  epochs: 1\n  learning_rate: 0x1p-3\n");
    assert_string_equal(err.msg, "fit.learning_rate: expected a number, got '0x1p-3'");

    err = read_fit_bad("fit:\n  epochs: 1\n  learning_rate: \"0.1\"\n");
    assert_has(err.msg, "got the quoted string '0.1' (remove the quotes)");

    err = read_fit_bad("fit:\n  epochs: 1\n  learning_rate: 1e999\n");
    assert_has(err.msg, "'1e999' is out of range for a number");

    err = read_fit_bad("fit:\n  epochs: 1\n  learning_rate: 1_000.0\n");
    assert_has(err.msg, "expected a number");
}

static void test_read_bool(void **state)
{
    (void)state;
    const char *truthy[] = {"true", "True", "TRUE"};
    for (size_t i = 0; i < 3; i++) {
        char yaml[64];
        snprintf(yaml, sizeof yaml, "fit:\n  epochs: 1\n  shuffle: %s\n", truthy[i]);
        nn_cfg_doc *doc;
        spec s;
        nn_error err;
        assert_int_equal(read_fit(yaml, &doc, &s, &err), NN_OK);
        assert_true(s.shuffle);
        nn_cfg_free(doc);
    }
    nn_error err = read_fit_bad("fit:\n  epochs: 1\n  shuffle: yes\n");
    assert_has(err.msg, "fit.shuffle: expected true or false, got 'yes'");
    assert_has(err.msg, "write true or false");
    assert_at(err, 3, 12);

    err = read_fit_bad("fit:\n  epochs: 1\n  shuffle: Off\n");
    assert_has(err.msg, "write true or false");

    err = read_fit_bad("fit:\n  epochs: 1\n  shuffle: 1\n");
    assert_string_equal(err.msg, "fit.shuffle: expected true or false, got '1'");

    err = read_fit_bad("fit:\n  epochs: 1\n  shuffle: 'true'\n");
    assert_has(err.msg, "the quoted string 'true' (remove the quotes)");
}

static void test_read_string(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    spec s;
    nn_error err;
    /* A string may look like a number: it is the caller's text. */
    assert_int_equal(read_fit("fit:\n  epochs: 1\n  name: 42\n", &doc, &s, &err), NN_OK);
    assert_string_equal(s.name, "42");
    nn_cfg_free(doc);

    err = read_fit_bad("fit:\n  epochs: 1\n  name: ''\n");
    assert_string_equal(err.msg, "fit.name: expected a non-empty string, got ''");

    err = read_fit_bad("fit:\n  epochs: 1\n  name: {a: 1}\n");
    assert_string_equal(err.msg, "fit.name: expected a string, got a mapping");
}

static void test_read_enum(void **state)
{
    (void)state;
    nn_error err = read_fit_bad("fit:\n  epochs: 1\n  loss: sparse_categorical_crossentropi\n");
    assert_string_equal(err.msg,
                        "fit.loss: unknown value 'sparse_categorical_crossentropi' (did you mean "
                        "'sparse_categorical_crossentropy'?); valid: "
                        "sparse_categorical_crossentropy, categorical_crossentropy, "
                        "mean_squared_error");
    assert_at(err, 3, 9);

    err = read_fit_bad("fit:\n  epochs: 1\n  loss: hinge\n");
    assert_string_equal(err.msg, "fit.loss: unknown value 'hinge'; valid: "
                                 "sparse_categorical_crossentropy, categorical_crossentropy, "
                                 "mean_squared_error");

    err = read_fit_bad("fit:\n  epochs: 1\n  loss:\n");
    assert_has(err.msg, "fit.loss: expected one of sparse_categorical_crossentropy, "
                        "categorical_crossentropy, mean_squared_error, got an empty value");

    /* Exact match only: case matters, and the suggestion still finds it. */
    err = read_fit_bad("fit:\n  epochs: 1\n  loss: Mean_Squared_Error\n");
    assert_has(err.msg, "did you mean 'mean_squared_error'?");
}

static void test_read_shape(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    spec s;
    nn_error err;
    assert_int_equal(read_fit("fit:\n  epochs: 1\n  input: [784]\n", &doc, &s, &err), NN_OK);
    assert_int_equal(s.input.rank, 1);
    assert_int_equal(s.input.dim[0], 784);
    nn_cfg_free(doc);

    err = read_fit_bad("fit:\n  epochs: 1\n  input: [28, 0]\n");
    assert_string_equal(err.msg, "fit.input[1]: must be >= 1, got 0");
    assert_at(err, 3, 15);

    err = read_fit_bad("fit:\n  epochs: 1\n  input: [28, -3]\n");
    assert_has(err.msg, "fit.input[1]: must be >= 1, got -3");

    err = read_fit_bad("fit:\n  epochs: 1\n  input: [28, 2.5]\n");
    assert_has(err.msg, "fit.input[1]: expected an integer, got '2.5'");

    err = read_fit_bad("fit:\n  epochs: 1\n  input: [1, 2, 3, 4, 5, 6, 7]\n");
    assert_string_equal(err.msg, "fit.input: a shape has 1 to 6 dimensions, got 7");
    assert_at(err, 3, 10);

    err = read_fit_bad("fit:\n  epochs: 1\n  input: []\n");
    assert_has(err.msg, "a shape has 1 to 6 dimensions, got 0");

    err = read_fit_bad("fit:\n  epochs: 1\n  input: 784\n");
    assert_has(err.msg, "fit.input: expected a shape (a list of positive integers such as "
                        "[28, 28]), got '784'");

    err = read_fit_bad("fit:\n  epochs: 1\n  input: [28, '28']\n");
    assert_has(err.msg, "quoted string '28'");
}

static void test_read_ranges(void **state)
{
    (void)state;
    nn_error err = read_fit_bad("fit:\n  epochs: 0\n");
    assert_string_equal(err.msg, "fit.epochs: must be >= 1, got 0");
    assert_at(err, 2, 11);

    err = read_fit_bad("fit:\n  epochs: 1\n  learning_rate: 0.0\n");
    assert_string_equal(err.msg, "fit.learning_rate: must be > 0, got 0.0");

    err = read_fit_bad("fit:\n  epochs: 1\n  decay: -1e-6\n");
    assert_string_equal(err.msg, "fit.decay: must be >= 0, got -1e-6");

    /* Both ends, open and closed, through nn_cfg_read_value. */
    nn_cfg_doc *doc = load("a: 1.5\nb: 1\nc: 0\nd: 7\n");
    nn_cfg *root = nn_cfg_root(doc);
    double v = -1;
    nn_key half_open = {.name = "p", .type = NN_T_FLOAT,
                        .flags = NN_K_MIN | NN_K_MAX | NN_K_MAX_OPEN, .lo = 0, .hi = 1};
    assert_int_equal(nn_cfg_read_value(at(root, "a"), &half_open, &v, "dropout.rate", &err),
                     NN_E_CONFIG);
    assert_string_equal(err.msg, "dropout.rate: must be in [0, 1), got 1.5");
    assert_int_equal(nn_cfg_read_value(at(root, "b"), &half_open, &v, "dropout.rate", &err),
                     NN_E_CONFIG);
    assert_string_equal(err.msg, "dropout.rate: must be in [0, 1), got 1");
    assert_int_equal(nn_cfg_read_value(at(root, "c"), &half_open, &v, "dropout.rate", &err),
                     NN_OK);
    assert_true(v == 0.0);

    nn_key open = {.name = "q", .type = NN_T_INT,
                   .flags = NN_K_MIN | NN_K_MAX | NN_K_MIN_OPEN | NN_K_MAX_OPEN, .lo = 0,
                   .hi = 7};
    int iv = 3;
    assert_int_equal(nn_cfg_read_value(at(root, "c"), &open, &iv, "q", &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "q: must be in (0, 7), got 0");
    assert_int_equal(nn_cfg_read_value(at(root, "d"), &open, &iv, "q", &err), NN_E_CONFIG);
    assert_int_equal(iv, 3); /* untouched on failure */

    nn_key at_most = {.name = "r", .type = NN_T_FLOAT, .flags = NN_K_MAX, .hi = 0.25};
    assert_int_equal(nn_cfg_read_value(at(root, "a"), &at_most, &v, "r", &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "r: must be <= 0.25, got 1.5");
    nn_cfg_free(doc);
}

static void test_read_unknown_key(void **state)
{
    (void)state;
    nn_error err = read_fit_bad("fit:\n  epoch: 3\n");
    assert_string_equal(err.msg, "unknown key 'epoch' in fit (did you mean 'epochs'?)");
    assert_at(err, 2, 3);

    err = read_fit_bad("fit:\n  epochs: 3\n  shufle: true\n");
    assert_string_equal(err.msg, "unknown key 'shufle' in fit (did you mean 'shuffle'?)");
    assert_at(err, 3, 3);

    err = read_fit_bad("fit:\n  epochs: 3\n  callbacks: []\n");
    assert_string_equal(err.msg, "unknown key 'callbacks' in fit; valid keys: epochs, steps, "
                                 "learning_rate, decay, shuffle, name, loss, input, extra, "
                                 "verbose");

    /* The first fault in file order is the one reported. */
    err = read_fit_bad("fit:\n  epochs: zero\n  bogus: 1\n");
    assert_has(err.msg, "fit.epochs: expected an integer");
}

static void test_read_missing_required(void **state)
{
    (void)state;
    nn_error err = read_fit_bad("name: x\nfit:\n  shuffle: false\n");
    assert_string_equal(err.msg, "fit: missing required key 'epochs'");
    assert_at(err, 3, 3);

    /* Without a name for the mapping, the message stands alone. */
    nn_cfg_doc *doc = load("shuffle: true\n");
    spec s;
    assert_int_equal(nn_cfg_read(nn_cfg_root(doc), SPEC, &s, "", &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "missing required key 'epochs'");
    assert_at(err, 1, 1);
    nn_cfg_free(doc);
}

static void test_read_not_a_mapping(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("compile: adam\nfit:\nseq: [1]\n");
    nn_cfg *root = nn_cfg_root(doc);
    spec s;
    nn_error err;
    assert_int_equal(nn_cfg_read(nn_cfg_get(root, "compile"), SPEC, &s, "compile", &err),
                     NN_E_CONFIG);
    assert_string_equal(err.msg, "compile: expected a mapping, got 'adam'");
    assert_at(err, 1, 10);
    assert_int_equal(nn_cfg_read(nn_cfg_get(root, "fit"), SPEC, &s, "fit", &err), NN_E_CONFIG);
    assert_has(err.msg, "fit: expected a mapping, got an empty value (write {}");
    assert_int_equal(nn_cfg_read(nn_cfg_get(root, "seq"), SPEC, &s, "seq", &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "seq: expected a mapping, got a sequence");
    nn_cfg_free(doc);
}

static void test_read_defaults_inserted(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    spec s;
    nn_error err;
    assert_int_equal(read_fit("fit:\n  epochs: 3\n", &doc, &s, &err), NN_OK);
    assert_int_equal(s.epochs, 3);
    assert_true(s.steps == 0);
    assert_true(s.rate == 0.001);
    assert_true(s.shuffle);
    assert_int_equal(s.loss, 0);
    assert_int_equal(s.input.rank, 2);
    assert_int_equal(s.input.dim[1], 28);

    nn_cfg *fit = at(nn_cfg_root(doc), "fit");
    /* epochs plus one entry per default (optional keys are not inserted) */
    assert_int_equal(fit->n, 6);
    nn_cfg *rate = at(fit, "learning_rate");
    assert_true(rate->defaulted);
    assert_true(rate->used);
    assert_string_equal(rate->text, "0.001");
    assert_int_equal(rate->mark.line, 2); /* the mapping's mark */
    assert_int_equal(rate->mark.column, 3);
    assert_false(at(fit, "epochs")->defaulted);
    assert_int_equal(at(fit, "input")->kind, NN_CFG_SEQ);

    char *yaml = emit(doc);
    assert_string_equal(yaml, "fit:\n"
                              "  epochs: 3\n"
                              "  steps: 0\n"
                              "  learning_rate: 0.001\n"
                              "  shuffle: true\n"
                              "  loss: sparse_categorical_crossentropy\n"
                              "  input: [28, 28]\n");
    free(yaml);

    /* Reading again finds the defaults present and adds nothing. */
    assert_int_equal(nn_cfg_read(fit, SPEC, &s, "fit", &err), NN_OK);
    assert_int_equal(fit->n, 6);
    nn_cfg_free(doc);
}

static void test_read_optional(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    spec s;
    nn_error err;
    assert_int_equal(read_fit("fit:\n  epochs: 3\n", &doc, &s, &err), NN_OK);
    assert_null(s.name);
    assert_null(s.extra);
    assert_true(isnan(s.decay));
    assert_int_equal(s.verbose, -7); /* left untouched */
    nn_cfg *fit = at(nn_cfg_root(doc), "fit");
    assert_int_equal(count_key(fit, "name"), 0); /* nothing inserted */
    assert_int_equal(count_key(fit, "decay"), 0);
    nn_cfg_free(doc);

    /* An explicit null says "not given" as plainly as leaving the key out... */
    assert_int_equal(read_fit("fit:\n  epochs: 3\n  name: ~\n  decay: null\n  verbose:\n",
                              &doc, &s, &err),
                     NN_OK);
    assert_null(s.name);
    assert_true(isnan(s.decay));
    assert_int_equal(s.verbose, -7);
    nn_cfg_free(doc);

    /* ...except for a NODE, whose reader gets the null node to judge. */
    assert_int_equal(read_fit("fit:\n  epochs: 3\n  extra:\n", &doc, &s, &err), NN_OK);
    assert_non_null(s.extra);
    assert_true(nn_cfg_is_null(s.extra));
    nn_cfg_free(doc);
}

static void test_read_alias_renamed(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    spec s;
    nn_error err;
    assert_int_equal(read_fit("fit:\n  lr: 0.1\n  epochs: 2\n", &doc, &s, &err), NN_OK);
    assert_true(s.rate == 0.1);
    nn_cfg *fit = at(nn_cfg_root(doc), "fit");
    assert_string_equal(fit->keys[0]->text, "learning_rate");
    assert_int_equal(count_key(fit, "lr"), 0);
    assert_int_equal(count_key(fit, "learning_rate"), 1);
    assert_int_equal(fit->keys[0]->mark.line, 2); /* the key keeps its place */
    assert_false(at(fit, "learning_rate")->defaulted);
    char *yaml = emit(doc);
    assert_has(yaml, "  learning_rate: 0.1\n");
    assert_null(strstr(yaml, "lr:"));
    free(yaml);
    nn_cfg_free(doc);

    /* A bad value under the alias is reported by the name that was written. */
    err = read_fit_bad("fit:\n  epochs: 2\n  lr: fast\n");
    assert_string_equal(err.msg, "fit.lr: expected a number, got 'fast'");
    assert_at(err, 3, 7);
}

static void test_read_alias_and_target(void **state)
{
    (void)state;
    nn_error err = read_fit_bad("fit:\n  epochs: 2\n  learning_rate: 0.1\n  lr: 0.2\n");
    assert_string_equal(err.msg, "fit: both 'lr' and 'learning_rate' given");
    assert_at(err, 4, 3);
    err = read_fit_bad("fit:\n  lr: 0.2\n  epochs: 2\n  learning_rate: 0.1\n");
    assert_string_equal(err.msg, "fit: both 'lr' and 'learning_rate' given");
    assert_at(err, 2, 3);
}

static void test_read_used_and_unused(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("name: block_1\ninputs: [a]\ndense: {units: 4}\n");
    nn_cfg *layer = nn_cfg_root(doc);
    assert_string_equal(nn_cfg_unused(layer)->text, "name");
    nn_cfg *name = nn_cfg_get(layer, "name");
    assert_string_equal(name->text, "block_1");
    assert_true(name->used);
    assert_null(nn_cfg_get(layer, "missing"));
    assert_null(nn_cfg_get(name, "name")); /* not a mapping */
    assert_null(nn_cfg_get(NULL, "name"));
    nn_cfg_get(layer, "inputs");
    /* What is left is the layer's type. */
    nn_cfg *type = nn_cfg_unused(layer);
    assert_non_null(type);
    assert_string_equal(type->text, "dense");
    assert_int_equal(type->mark.line, 3);
    nn_cfg_get(layer, "dense");
    assert_null(nn_cfg_unused(layer));
    assert_null(nn_cfg_unused(name));
    nn_cfg_free(doc);
}

static void test_read_value_and_bad_default(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("units: 128\nact: relu\nmap: {}\n");
    nn_cfg *root = nn_cfg_root(doc);
    nn_error err;
    int units = 0;
    nn_key k = {.name = "units", .type = NN_T_INT, .flags = NN_K_MIN, .lo = 1};
    assert_int_equal(nn_cfg_read_value(at(root, "units"), &k, &units, "dense.units", &err),
                     NN_OK);
    assert_int_equal(units, 128);
    assert_int_equal(nn_cfg_read_value(at(root, "act"), &k, &units, "dense.units", &err),
                     NN_E_CONFIG);
    assert_string_equal(err.msg, "dense.units: expected an integer, got 'relu'");
    assert_at(err, 2, 6);

    /* A default that does not satisfy its own key is a bug in the table. */
    struct {
        int n;
    } d;
    const nn_key broken[] = {
        {.name = "n", .type = NN_T_INT, .def = "many", .offset = 0},
        {.name = NULL},
    };
    assert_int_equal(nn_cfg_read(at(root, "map"), broken, &d, "thing", &err), NN_E_INTERNAL);
    assert_has(err.msg, "default 'many' of thing.n is invalid");
    nn_cfg_free(doc);
}

/* --- overrides --------------------------------------------------------------------- */

static void test_set_existing(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load(RESNET10);
    nn_error err;
    assert_int_equal(nn_cfg_set(doc, "fit.epochs=3", 1, &err), NN_OK);
    nn_cfg *epochs = at(nn_cfg_root(doc), "fit.epochs");
    assert_string_equal(epochs->text, "3");
    assert_string_equal(epochs->mark.file, "<--set 1>");
    assert_int_equal(epochs->mark.line, 1);
    assert_int_equal(epochs->mark.column, 12);
    assert_int_equal(at(nn_cfg_root(doc), "fit")->n, 3); /* replaced, not added */

    assert_int_equal(nn_cfg_set(doc, "name=resnet10_b", 2, &err), NN_OK);
    assert_string_equal(text_at(doc, "name"), "resnet10_b");
    assert_string_equal(at(nn_cfg_root(doc), "name")->mark.file, "<--set 2>");
    nn_cfg_free(doc);
}

static void test_set_creates_missing_maps(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load(RESNET10);
    nn_error err;
    assert_int_equal(nn_cfg_set(doc, "compile.optimizer.sgd.momentum=0.5", 4, &err), NN_OK);
    nn_cfg *sgd = at(nn_cfg_root(doc), "compile.optimizer.sgd");
    assert_int_equal(sgd->kind, NN_CFG_MAP);
    assert_string_equal(sgd->mark.file, "<--set 4>");
    assert_int_equal(sgd->mark.column, 19);
    nn_cfg *opt = at(nn_cfg_root(doc), "compile.optimizer");
    assert_string_equal(opt->keys[1]->text, "sgd");
    assert_int_equal(opt->keys[1]->mark.column, 19);
    nn_cfg *momentum = at(sgd, "momentum");
    assert_string_equal(momentum->text, "0.5");
    assert_int_equal(momentum->mark.column, 32);
    assert_string_equal(sgd->keys[0]->mark.file, "<--set 4>");
    assert_int_equal(sgd->keys[0]->mark.column, 23);

    /* A whole new section. */
    assert_int_equal(nn_cfg_set(doc, "report.every.n=2", 5, &err), NN_OK);
    assert_string_equal(text_at(doc, "report.every.n"), "2");
    nn_cfg_free(doc);
}

static void test_set_sequence_index(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load(RESNET10);
    nn_error err;
    assert_int_equal(nn_cfg_set(doc, "model.layers.0.dense.units=64", 1, &err), NN_OK);
    assert_string_equal(text_at(doc, "model.layers.0.dense.units"), "64");
    assert_int_equal(nn_cfg_set(doc, "model.layers.4=dropout: 0.25", 2, &err), NN_OK);
    assert_string_equal(text_at(doc, "model.layers.4.dropout"), "0.25");
    assert_int_equal(nn_cfg_set(doc, "model.input.0=28", 3, &err), NN_OK);
    assert_string_equal(text_at(doc, "model.input.0"), "28");
    assert_int_equal(at(nn_cfg_root(doc), "model.layers")->n, 6);
    nn_cfg_free(doc);
}

static void test_set_yaml_values(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("model:\n  input: [784]\n");
    nn_error err;
    assert_int_equal(nn_cfg_set(doc, "model.input=[28, 28]", 1, &err), NN_OK);
    nn_cfg *input = at(nn_cfg_root(doc), "model.input");
    assert_int_equal(input->kind, NN_CFG_SEQ);
    assert_int_equal(input->n, 2);
    assert_int_equal(input->mark.column, 13);
    assert_int_equal(input->items[1]->mark.column, 18);

    assert_int_equal(nn_cfg_set(doc, "compile.optimizer={adam: {amsgrad: true}}", 2, &err),
                     NN_OK);
    assert_string_equal(text_at(doc, "compile.optimizer.adam.amsgrad"), "true");

    assert_int_equal(nn_cfg_set(doc, "name='128'", 3, &err), NN_OK);
    assert_true(at(nn_cfg_root(doc), "name")->quoted);
    assert_string_equal(text_at(doc, "name"), "128");

    assert_int_equal(nn_cfg_set(doc, "note=a=b", 4, &err), NN_OK);
    assert_string_equal(text_at(doc, "note"), "a=b"); /* only the first '=' splits */

    assert_int_equal(nn_cfg_set(doc, "seed=", 5, &err), NN_OK);
    nn_cfg *seed = at(nn_cfg_root(doc), "seed");
    assert_true(nn_cfg_is_null(seed));
    assert_string_equal(seed->mark.file, "<--set 5>");
    assert_int_equal(seed->mark.column, 6);

    assert_int_equal(nn_cfg_set(doc, "rate=1e-3", 6, &err), NN_OK);
    assert_false(at(nn_cfg_root(doc), "rate")->quoted);
    nn_cfg_free(doc);
}

static void test_set_into_null(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("fit:\n  callbacks:\n");
    nn_error err;
    assert_int_equal(nn_cfg_set(doc, "fit.callbacks.early_stopping.patience=3", 1, &err),
                     NN_OK);
    assert_string_equal(text_at(doc, "fit.callbacks.early_stopping.patience"), "3");
    nn_cfg_free(doc);
}

static void test_set_errors(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load(RESNET10);
    nn_error err;
    char *before = emit(doc);

    assert_int_equal(nn_cfg_set(doc, "fit.epochs", 1, &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "--set fit.epochs: expected KEY=VALUE");
    assert_string_equal(err.file, "<--set 1>");

    assert_int_equal(nn_cfg_set(doc, "=3", 2, &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "--set =3: empty key before '='");

    assert_int_equal(nn_cfg_set(doc, "fit..epochs=3", 3, &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "--set fit..epochs: empty name in the key path");
    assert_at(err, 1, 5);

    assert_int_equal(nn_cfg_set(doc, "fit.epochs.x.y=3", 4, &err), NN_E_CONFIG);
    assert_string_equal(err.msg,
                        "--set fit.epochs.x.y: fit.epochs is a scalar ('20'), it has no key 'x'");
    assert_string_equal(err.file, "<--set 4>");
    assert_at(err, 1, 12);

    assert_int_equal(nn_cfg_set(doc, "model.layers.6.dense=1", 5, &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "--set model.layers.6.dense: index 6 is out of range "
                                 "(model.layers has 6 items)");
    assert_at(err, 1, 14);

    assert_int_equal(nn_cfg_set(doc, "model.layers.first=1", 6, &err), NN_E_CONFIG);
    assert_string_equal(err.msg, "--set model.layers.first: model.layers is a list; index it "
                                 "with a number, got 'first'");

    assert_int_equal(nn_cfg_set(doc, "model.input=[28, 28", 7, &err), NN_E_CONFIG);
    assert_has(err.msg, "--set model.input: expected ',' or ']'");
    assert_string_equal(err.file, "<--set 7>");
    assert_int_equal(err.line, 1);

    assert_int_equal(nn_cfg_set(doc, "name='unterminated", 8, &err), NN_E_CONFIG);
    assert_has(err.msg, "--set name: unterminated quoted string");
    assert_at(err, 1, 6);

    assert_int_equal(nn_cfg_set(doc, "name=*other", 9, &err), NN_E_CONFIG);
    assert_has(err.msg, "--set name: aliases (*other) are not supported");
    assert_at(err, 1, 6);

    assert_int_equal(nn_cfg_set(doc, "name=!!str x", 10, &err), NN_E_CONFIG);
    assert_has(err.msg, "tags (!!str) are not supported");

    /* Rejected assignments leave the tree as it was. */
    char *after = emit(doc);
    assert_string_equal(before, after);
    free(before);
    free(after);
    nn_cfg_free(doc);
}

static void test_set_then_read_points_at_override(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("fit:\n  epochs: 20\n");
    nn_error err;
    assert_int_equal(nn_cfg_set(doc, "fit.epochs=ten", 2, &err), NN_OK);
    spec s;
    assert_int_equal(nn_cfg_read(at(nn_cfg_root(doc), "fit"), SPEC, &s, "fit", &err),
                     NN_E_CONFIG);
    assert_string_equal(err.msg, "fit.epochs: expected an integer, got 'ten'");
    assert_string_equal(err.file, "<--set 2>");
    assert_at(err, 1, 12);
    char buf[1400];
    assert_string_equal(nn_error_format(&err, buf, sizeof buf),
                        "<--set 2>:1:12: fit.epochs: expected an integer, got 'ten'");
    nn_cfg_free(doc);
}

/* --- output ------------------------------------------------------------------------ */

static void test_emit_design_example(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load(RESNET10);
    char *yaml = round_trip(doc);
    /* Comments go; flow mappings become blocks; short lists of scalars stay on one line. */
    assert_null(strstr(yaml, "#"));
    assert_has(yaml, "name: resnet10\nseed: 1\ndata:\n  dataset: mnist\n  preprocess:\n"
                     "    - divide: 255\n    - l2_normalize:\n        axis: 1\n"
                     "    - reshape: [784]\n  validation_split: 0.1\n");
    assert_has(yaml, "  input: [784]\n");
    assert_has(yaml, "    - name: block_1_output\n      dense:\n        units: 128\n");
    assert_has(yaml, "    - repeat: 9\n      residual:\n        - dense: 128\n"
                     "        - batch_normalization: {}\n");
    assert_has(yaml, "  optimizer:\n    adam:\n      amsgrad: true\n  metrics: [accuracy]\n");
    assert_has(yaml, "fit:\n  epochs: 20\n  batch_size: 128\n  shuffle: true\n");
    free(yaml);
    nn_cfg_free(doc);
}

static void test_emit_resolved_config(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("fit:\n  lr: 0.01\n  epochs: 20\n");
    nn_error err;
    assert_int_equal(nn_cfg_set(doc, "fit.epochs=3", 1, &err), NN_OK);
    assert_int_equal(nn_cfg_set(doc, "fit.input=[32, 32, 3]", 2, &err), NN_OK);
    spec s;
    assert_int_equal(nn_cfg_read(at(nn_cfg_root(doc), "fit"), SPEC, &s, "fit", &err), NN_OK);
    assert_int_equal(s.epochs, 3);
    assert_int_equal(s.input.rank, 3);
    char *yaml = round_trip(doc);
    assert_string_equal(yaml, "fit:\n"
                              "  learning_rate: 0.01\n"
                              "  epochs: 3\n"
                              "  input: [32, 32, 3]\n"
                              "  steps: 0\n"
                              "  shuffle: true\n"
                              "  loss: sparse_categorical_crossentropy\n");
    free(yaml);
    nn_cfg_free(doc);
}

/* Every awkward text survives emit -> load, as a plain node and as a quoted one. */
static void test_emit_quotes_where_needed(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "a: b", "#x", "x #y", "x#y", "- x", "-", "-1", "-0.5", "1e-3", ".5", "true", "null",
        "~", "[a]", "{a}", "a,b", "a]", "&a", "*a", "!a", "|a", ">a", "'a", "\"a", "%a", "@a",
        "`a", " lead", "trail ", "a:", "?x", ":x", "?", "---", "...", "--- x", "a\nb",
        "tab\there", "\x01", "caf\xc3\xa9", "line\xe2\x80\xa8sep", "http://x.y/z?q=1", "a'b",
        "back\\slash", "a  b", "yes", "0x10", "-.inf", "1_000",
    };
    nn_cfg_doc *doc = load("plain: {}\nquoted: {}\nlist: []\nkeys: {}\n");
    nn_cfg *root = nn_cfg_root(doc);
    nn_cfg *plain = at(root, "plain"), *quoted = at(root, "quoted");
    nn_cfg *keys = at(root, "keys");
    size_t n = sizeof texts / sizeof texts[0];
    for (size_t i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%zu", i);
        assert_non_null(nn_cfg_map_put(plain, key, texts[i]));
        nn_cfg *q = nn_cfg_map_put(quoted, key, texts[i]);
        assert_non_null(q);
        q->quoted = true;
        assert_non_null(nn_cfg_map_put(keys, texts[i], "v"));
    }
    char *yaml = emit(doc);
    nn_cfg_doc *again = load(yaml);
    nn_cfg *root2 = nn_cfg_root(again);
    for (size_t i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%zu", i);
        nn_cfg *p = at(at(root2, "plain"), key), *q = at(at(root2, "quoted"), key);
        if (strcmp(p->text, texts[i]) != 0 || strcmp(q->text, texts[i]) != 0)
            fail_msg("text %zu changed: '%s' / '%s'\n%s", i, p->text, q->text, yaml);
        assert_true(q->quoted);
        assert_string_equal(at(root2, "keys")->keys[i]->text, texts[i]);
    }
    /* Quotedness matters for these, so plain ones must stay plain. */
    const char *bare[] = {"-1", "-0.5", "1e-3", ".5", "true", "null", "~", "yes", "0x10",
                          "-.inf", "1_000", "x#y", "a  b", "caf\xc3\xa9", "http://x.y/z?q=1"};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++)
        for (size_t j = 0; j < n; j++)
            if (strcmp(texts[j], bare[i]) == 0) {
                char key[16];
                snprintf(key, sizeof key, "k%zu", j);
                if (at(at(root2, "plain"), key)->quoted)
                    fail_msg("'%s' gained quotes", bare[i]);
            }
    nn_cfg_free(again);
    free(yaml);
    nn_cfg_free(doc);
}

static void test_emit_flow_and_block_lists(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("input: [28, 28]\n"
                           "names: ['a b', \"c\"]\n"
                           "odd: ['x', a,b, c]\n"
                           "holes: [1, ~, '']\n"
                           "nulls:\n  - \n  - 2\n"
                           "long: [aaaaaaaaaa, bbbbbbbbbb, cccccccccc, dddddddddd, eeeeeeeeee, "
                           "ffffffffff]\n"
                           "nested: [[1, 2], [3]]\n"
                           "maps: [{a: 1}, {}]\n"
                           "empty_list: []\n"
                           "empty_map: {}\n");
    char *yaml = round_trip(doc);
    assert_has(yaml, "input: [28, 28]\n");
    assert_has(yaml, "names: ['a b', 'c']\n");
    assert_has(yaml, "odd: ['x', a, b, c]\n");
    assert_has(yaml, "holes: [1, ~, '']\n");
    assert_has(yaml, "nulls:\n  -\n  - 2\n");
    assert_has(yaml, "long:\n  - aaaaaaaaaa\n");
    assert_has(yaml, "nested:\n  - [1, 2]\n  - [3]\n");
    assert_has(yaml, "maps:\n  - a: 1\n  - {}\n");
    assert_has(yaml, "empty_list: []\nempty_map: {}\n");
    free(yaml);
    nn_cfg_free(doc);

    /* A plain item that a flow list would split is written in block style instead. */
    doc = load("urls:\n  - http://a\n  - b\n");
    yaml = round_trip(doc);
    assert_has(yaml, "urls:\n  - http://a\n  - b\n");
    free(yaml);
    nn_cfg_free(doc);

    doc = load("- - 1\n  - x: 2\n    y: [3]\n- z\n");
    yaml = round_trip(doc);
    assert_string_equal(yaml, "- - 1\n  - x: 2\n    y: [3]\n- z\n");
    free(yaml);
    nn_cfg_free(doc);
}

static void test_emit_write_error(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("a: 1\n");
    FILE *fp = fopen("/dev/full", "w");
    if (!fp) {
        nn_cfg_free(doc);
        skip();
    }
    nn_error err;
    assert_int_equal(nn_cfg_emit(doc, fp, &err), NN_E_IO);
    assert_has(err.msg, "cannot write");
    fclose(fp);
    nn_cfg_free(doc);
}

/* --- helpers ----------------------------------------------------------------------- */

static void test_suggest(void **state)
{
    (void)state;
    const char *keys[] = {"epochs", "batch_size", "shuffle", "learning_rate", "sgd", NULL};
    assert_string_equal(nn_suggest("epoch", keys), "epochs");
    assert_string_equal(nn_suggest("epcohs", keys), "epochs"); /* a swap is one edit */
    assert_string_equal(nn_suggest("batchsize", keys), "batch_size");
    assert_string_equal(nn_suggest("learnig_rat", keys), "learning_rate");
    assert_string_equal(nn_suggest("SGD", keys), "sgd");
    assert_null(nn_suggest("momentum", keys));
    assert_null(nn_suggest("xyz", keys));
    assert_null(nn_suggest("", (const char *[]){NULL}));
    /* Threshold: max(2, strlen/3). 12 letters allow 4 edits, 5 letters only 2. */
    const char *long_name[] = {"abcdefghijkl", NULL};
    assert_string_equal(nn_suggest("abcdefghXXXX", long_name), "abcdefghijkl");
    assert_null(nn_suggest("abcdefgXXXXX", long_name));
    const char *short_name[] = {"dense", NULL};
    assert_string_equal(nn_suggest("dnese", short_name), "dense");
    assert_null(nn_suggest("daxxe", short_name));
}

static void test_fail_and_fail_choice(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("layers:\n  - dens: 128\n");
    nn_cfg *item = at(nn_cfg_root(doc), "layers.0");
    nn_cfg *key = item->keys[0];
    nn_error err;
    const char *types[] = {"dense", "dropout", "flatten", NULL};
    assert_int_equal(nn_cfg_fail_choice(&err, key, "layer type", key->text, types),
                     NN_E_CONFIG);
    assert_string_equal(err.msg, "unknown layer type 'dens' (did you mean 'dense'?); valid: "
                                 "dense, dropout, flatten");
    assert_string_equal(err.file, "t.yaml");
    assert_at(err, 2, 5);

    assert_int_equal(nn_cfg_fail_choice(&err, key, "layer type", "conv9d", types), NN_E_CONFIG);
    assert_string_equal(err.msg, "unknown layer type 'conv9d'; valid: dense, dropout, flatten");

    assert_int_equal(nn_cfg_fail(&err, item, "layer %d: %s", 1, "bad"), NN_E_CONFIG);
    assert_string_equal(err.msg, "layer 1: bad");
    assert_at(err, 2, 5);

    assert_int_equal(nn_cfg_fail(&err, NULL, "no place"), NN_E_CONFIG);
    assert_string_equal(err.file, "");
    assert_int_equal(err.line, 0);
    nn_cfg_free(doc);
}

static void test_wrap_scalar(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("layers:\n  - dense: 128\n  - dropout: '0.5'\n");
    nn_cfg *dense = at(nn_cfg_root(doc), "layers.0.dense");
    nn_error err;
    assert_int_equal(nn_cfg_wrap(dense, "units", &err), NN_OK);
    assert_int_equal(dense->kind, NN_CFG_MAP);
    assert_null(dense->text);
    assert_int_equal(dense->n, 1);
    assert_string_equal(dense->keys[0]->text, "units");
    assert_string_equal(dense->items[0]->text, "128");
    assert_int_equal(dense->items[0]->mark.line, 2);
    assert_int_equal(dense->items[0]->mark.column, 12);
    /* The wrapped map can take defaults like any other. */
    assert_non_null(nn_cfg_map_put(dense, "activation", "linear"));

    nn_cfg *dropout = at(nn_cfg_root(doc), "layers.1.dropout");
    assert_int_equal(nn_cfg_wrap(dropout, "rate", &err), NN_OK);
    assert_true(dropout->items[0]->quoted);

    assert_int_equal(nn_cfg_wrap(dense, "units", &err), NN_E_INTERNAL);

    char *yaml = round_trip(doc);
    assert_string_equal(yaml, "layers:\n"
                              "  - dense:\n"
                              "      units: 128\n"
                              "      activation: linear\n"
                              "  - dropout:\n"
                              "      rate: '0.5'\n");
    free(yaml);
    nn_cfg_free(doc);
}

static void test_map_put(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("fit:\n  epochs: 3\n");
    nn_cfg *fit = at(nn_cfg_root(doc), "fit");
    nn_cfg *v = nn_cfg_map_put(fit, "epochs", "4");
    assert_non_null(v);
    assert_int_equal(fit->n, 1);
    assert_string_equal(text_at(doc, "fit.epochs"), "4");
    assert_int_equal(v->mark.line, 2);
    assert_int_equal(v->mark.column, 3);
    assert_false(v->quoted);
    /* Many additions: the arrays grow. */
    for (int i = 0; i < 100; i++) {
        char key[16], val[16];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "%d", i * i);
        assert_non_null(nn_cfg_map_put(fit, key, val));
    }
    assert_int_equal(fit->n, 101);
    assert_string_equal(text_at(doc, "fit.k99"), "9801");
    assert_string_equal(text_at(doc, "fit.k0"), "0");
    assert_null(nn_cfg_map_put(v, "x", "1")); /* not a mapping */
    char *yaml = round_trip(doc);
    free(yaml);
    nn_cfg_free(doc);
}

static void test_is_null(void **state)
{
    (void)state;
    nn_cfg_doc *doc = load("a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: ''\ng: 'null'\nh: nil\n"
                           "i: {}\nj: 0\n");
    nn_cfg *root = nn_cfg_root(doc);
    const char *nulls = "abcde";
    for (const char *k = nulls; *k; k++) {
        char key[2] = {*k, '\0'};
        if (!nn_cfg_is_null(at(root, key)))
            fail_msg("%s should be null", key);
    }
    const char *not_nulls = "fghij";
    for (const char *k = not_nulls; *k; k++) {
        char key[2] = {*k, '\0'};
        if (nn_cfg_is_null(at(root, key)))
            fail_msg("%s should not be null", key);
    }
    assert_false(nn_cfg_is_null(NULL));
    nn_cfg_free(doc);
}

static void test_load_string_default_name(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    nn_error err;
    assert_int_equal(nn_cfg_load_string("a: 1\n", NULL, &doc, &err), NN_OK);
    assert_string_equal(nn_cfg_doc_file(doc), "<string>");
    assert_string_equal(nn_cfg_root(doc)->mark.file, "<string>");
    nn_cfg_free(doc);
    nn_cfg_free(NULL);
    assert_null(nn_cfg_root(NULL));
}

/* Many documents with overrides and defaults: under ASan this is the leak check. */
static void test_no_leaks_on_any_path(void **state)
{
    (void)state;
    for (int i = 0; i < 50; i++) {
        nn_cfg_doc *doc = load(RESNET10);
        nn_error err;
        nn_cfg_set(doc, "fit.epochs=3", 1, &err);
        nn_cfg_set(doc, "model.layers.99.x=1", 2, &err); /* fails */
        nn_cfg_set(doc, "a.b.c=[1, {d: e}]", 3, &err);
        spec s;
        nn_cfg_read(at(nn_cfg_root(doc), "fit"), SPEC, &s, "fit", &err); /* fails: unknown */
        char *yaml = emit(doc);
        free(yaml);
        nn_cfg_free(doc);
        nn_error e2 = load_bad("a: 1\nb: [1, 2\n");
        (void)e2;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_tree_and_marks),
        cmocka_unit_test(test_load_quoted_styles),
        cmocka_unit_test(test_load_tab_indentation),
        cmocka_unit_test(test_load_duplicate_key),
        cmocka_unit_test(test_load_anchors_aliases_tags),
        cmocka_unit_test(test_load_one_document_only),
        cmocka_unit_test(test_load_empty),
        cmocka_unit_test(test_load_nonscalar_key),
        cmocka_unit_test(test_load_syntax_messages),
        cmocka_unit_test(test_load_deep_nesting_refused),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_load_design_example),
        cmocka_unit_test(test_load_string_default_name),
        cmocka_unit_test(test_read_every_type),
        cmocka_unit_test(test_read_float_spellings),
        cmocka_unit_test(test_read_int_errors),
        cmocka_unit_test(test_read_float_errors),
        cmocka_unit_test(test_read_bool),
        cmocka_unit_test(test_read_string),
        cmocka_unit_test(test_read_enum),
        cmocka_unit_test(test_read_shape),
        cmocka_unit_test(test_read_ranges),
        cmocka_unit_test(test_read_unknown_key),
        cmocka_unit_test(test_read_missing_required),
        cmocka_unit_test(test_read_not_a_mapping),
        cmocka_unit_test(test_read_defaults_inserted),
        cmocka_unit_test(test_read_optional),
        cmocka_unit_test(test_read_alias_renamed),
        cmocka_unit_test(test_read_alias_and_target),
        cmocka_unit_test(test_read_used_and_unused),
        cmocka_unit_test(test_read_value_and_bad_default),
        cmocka_unit_test(test_set_existing),
        cmocka_unit_test(test_set_creates_missing_maps),
        cmocka_unit_test(test_set_sequence_index),
        cmocka_unit_test(test_set_yaml_values),
        cmocka_unit_test(test_set_into_null),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_set_then_read_points_at_override),
        cmocka_unit_test(test_emit_design_example),
        cmocka_unit_test(test_emit_resolved_config),
        cmocka_unit_test(test_emit_quotes_where_needed),
        cmocka_unit_test(test_emit_flow_and_block_lists),
        cmocka_unit_test(test_emit_write_error),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_fail_and_fail_choice),
        cmocka_unit_test(test_wrap_scalar),
        cmocka_unit_test(test_map_put),
        cmocka_unit_test(test_is_null),
        cmocka_unit_test(test_no_leaks_on_any_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
