/* test_configs.c — every file in configs/ and every file in tests/config/bad/.
 *
 * configs/: each file is read, built and checked (nn_check) as `nnrun check` does it; the
 * notebook's files give exactly the notebook's parameter counts and use its recipe; the
 * resolved configuration (what a run writes to config.yaml) reads back to the same model
 * and to the same text; the memory nn_check reports is what nn_graph_plan allocates.
 * tests/config/bad/: each file fails with the error its header announces (see the README
 * there), at its file, line and column.
 *
 * Paths are relative to the repository root, where the tests run.
 */
#include <dirent.h>
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
#include "train/experiment.h"
#include "train/run.h"

/* --- helpers ------------------------------------------------------------------------ */

/* Sorted names of the *.yaml files in dir; NULL-terminated, free with free_list. */
static char **yaml_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s (tests run from the repository root)", dir);
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    assert_non_null(names);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        if (n + 1 == cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[n] = malloc(strlen(dir) + len + 2);
        assert_non_null(names[n]);
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    names[n] = NULL;
    for (size_t i = 1; i < n; i++) /* insertion sort: a few dozen names */
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    return names;
}

static void free_list(char **names)
{
    for (size_t i = 0; names[i]; i++)
        free(names[i]);
    free(names);
}

static size_t count(char **names)
{
    size_t n = 0;
    while (names[n])
        n++;
    return n;
}

/* What nn_check prints for `path` (with overrides); the status goes to *st. */
static char *check_output(const char *path, const char *const *sets, int n_sets, nn_status *st,
                          nn_error *err)
{
    nn_run_options o;
    memset(&o, 0, sizeof o);
    o.config_path = path;
    o.overrides = sets;
    o.n_overrides = n_sets;
    o.threads = 1;
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    nn_error_clear(err);
    *st = nn_check(&o, fp, err);
    fclose(fp);
    return text;
}

static char *emit(const nn_cfg_doc *doc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    nn_error err;
    assert_int_equal(nn_cfg_emit(doc, fp, &err), NN_OK);
    fclose(fp);
    return text;
}

static char *summary(const nn_graph *g)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    assert_non_null(fp);
    nn_graph_summary(g, fp);
    fclose(fp);
    return text;
}

static char *first_line(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char line[512];
    if (!fgets(line, sizeof line, fp))
        line[0] = '\0';
    fclose(fp);
    return line;
}

/* --- the notebook's configurations ----------------------------------------------------- */

typedef struct notebook_config {
    const char *file;
    const char *step;        /* "step 3": the opening comment names it */
    size_t total, trainable; /* the notebook's summaries */
    const char *model_name;
    bool input_row;          /* functional API: the summary lists the InputLayer */
    bool branching;          /* "Connected to" column */
    nn_dataset_kind dataset;
    nn_loss_kind loss;
    nn_optim_kind optimizer;
    bool amsgrad;
    int batch_size, epochs;
} notebook_config;

static const notebook_config NOTEBOOK[] = {
    {"configs/baseline.yaml", "step 3", 59210, 59210, "sequential", false, false, NN_DS_MNIST,
     NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, NN_OPT_SGD, false, 64, 20},
    {"configs/functional.yaml", "step 4", 59210, 59210, "model", true, false, NN_DS_MNIST,
     NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, NN_OPT_SGD, false, 64, 20},
    {"configs/resnet_shallow.yaml", "step 5", 152330, 151818, "resnet", true, false, NN_DS_MNIST,
     NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, NN_OPT_ADAM, true, 128, 20},
    {"configs/resnet10.yaml", "step 6", 441226, 436618, "resnet", true, true, NN_DS_MNIST,
     NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, NN_OPT_ADAM, true, 128, 20},
    {"configs/resnet_skip13.yaml", "step 7", 202890, 201866, "resnet", true, true, NN_DS_MNIST,
     NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, NN_OPT_ADAM, true, 128, 20},
    {"configs/cifar_baseline.yaml", "step 8", 205642, 205642, "model", true, false, NN_DS_CIFAR10,
     NN_LOSS_CATEGORICAL_CROSSENTROPY, NN_OPT_SGD, false, 64, 20},
    {"configs/cifar_resnet.yaml", "step 9", 1361802, 1361290, "resnet", true, false, NN_DS_CIFAR10,
     NN_LOSS_CATEGORICAL_CROSSENTROPY, NN_OPT_ADAM, true, 128, 20},
    {"configs/cifar_resnet_custom.yaml", "step 10", 1361802, 1361290, "resnet", true, false,
     NN_DS_CIFAR10, NN_LOSS_CATEGORICAL_CROSSENTROPY, NN_OPT_ADAM, false, 32, 30},
    {"configs/fashion_mnist.yaml", "step 3", 59210, 59210, "sequential", false, false,
     NN_DS_FASHION_MNIST, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, NN_OPT_SGD, false, 64, 20},
};

static void test_notebook_configs(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof NOTEBOOK / sizeof NOTEBOOK[0]; k++) {
        const notebook_config *c = &NOTEBOOK[k];
        nn_cfg_doc *doc;
        nn_experiment ex;
        nn_graph *g;
        nn_error err;
        if (nn_experiment_load(c->file, NULL, 0, &doc, &ex, &g, &err))
            fail_msg("%s: %s:%d:%d: %s", c->file, err.file, err.line, err.column, err.msg);
        /* the opening comment names the file and its notebook step */
        const char *line = first_line(c->file);
        if (strncmp(line, "# ", 2) != 0 || !strstr(line, c->file) || !strstr(line, c->step))
            fail_msg("%s: first line should name the file and '%s': %s", c->file, c->step, line);
        /* the notebook's counts, exactly */
        if (nn_graph_params_total(g) != c->total || nn_graph_params_trainable(g) != c->trainable)
            fail_msg("%s: %zu / %zu params, the notebook has %zu / %zu", c->file,
                     nn_graph_params_total(g), nn_graph_params_trainable(g), c->total,
                     c->trainable);
        /* the summary in the notebook's style */
        assert_string_equal(g->name, c->model_name);
        assert_int_equal(g->functional, c->input_row);
        assert_int_equal(nn_graph_branching(g), c->branching);
        /* the notebook's recipe */
        assert_int_equal(ex.data.dataset, c->dataset);
        assert_int_equal(ex.compile.loss, c->loss);
        assert_int_equal(ex.compile.optimizer.kind, c->optimizer);
        assert_int_equal(ex.compile.optimizer.amsgrad, c->amsgrad);
        if (c->optimizer == NN_OPT_SGD) { /* SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov) */
            assert_true(ex.compile.optimizer.learning_rate == 0.01);
            assert_true(ex.compile.optimizer.decay == 1e-6);
            assert_true(ex.compile.optimizer.momentum == 0.9);
            assert_true(ex.compile.optimizer.nesterov);
        } else { /* Adam(amsgrad=True): Keras defaults otherwise */
            assert_true(ex.compile.optimizer.learning_rate == 0.001);
        }
        assert_true(ex.compile.accuracy);
        assert_string_equal(ex.compile.metric_name, "accuracy");
        assert_int_equal(ex.fit.batch_size, c->batch_size);
        assert_int_equal(ex.fit.epochs, c->epochs);
        assert_true(ex.fit.shuffle);
        assert_true(ex.data.validation_split == 0.1);
        nn_graph_free(g);
        nn_cfg_free(doc);
    }
}

/* MNIST: /255, then L2 along axis 1; the 784-input nets reshape. CIFAR: the trap —
 * the baseline and the custom net (step 10) normalise alone, the per-pixel net of step 9
 * normalises and then divides by 255. */
static void test_notebook_preprocessing(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int n;
        nn_preprocess_kind kinds[3];
    } want[] = {
        {"configs/baseline.yaml", 2, {NN_PP_DIVIDE, NN_PP_L2_NORMALIZE}},
        {"configs/functional.yaml", 2, {NN_PP_DIVIDE, NN_PP_L2_NORMALIZE}},
        {"configs/resnet_shallow.yaml", 3, {NN_PP_DIVIDE, NN_PP_L2_NORMALIZE, NN_PP_RESHAPE}},
        {"configs/resnet10.yaml", 3, {NN_PP_DIVIDE, NN_PP_L2_NORMALIZE, NN_PP_RESHAPE}},
        {"configs/resnet_skip13.yaml", 3, {NN_PP_DIVIDE, NN_PP_L2_NORMALIZE, NN_PP_RESHAPE}},
        {"configs/cifar_baseline.yaml", 1, {NN_PP_L2_NORMALIZE}},
        {"configs/cifar_resnet.yaml", 2, {NN_PP_L2_NORMALIZE, NN_PP_DIVIDE}},
        {"configs/cifar_resnet_custom.yaml", 1, {NN_PP_L2_NORMALIZE}},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        nn_cfg_doc *doc;
        nn_experiment ex;
        nn_graph *g;
        nn_error err;
        assert_int_equal(nn_experiment_load(want[k].file, NULL, 0, &doc, &ex, &g, &err), NN_OK);
        if (ex.data.n_steps != want[k].n)
            fail_msg("%s: %d preprocessing steps, expected %d", want[k].file, ex.data.n_steps,
                     want[k].n);
        for (int i = 0; i < want[k].n; i++) {
            const nn_preprocess *s = &ex.data.steps[i];
            assert_int_equal(s->kind, want[k].kinds[i]);
            if (s->kind == NN_PP_DIVIDE)
                assert_true(s->value == 255.0);
            if (s->kind == NN_PP_L2_NORMALIZE)
                assert_int_equal(s->axis, 1);
            if (s->kind == NN_PP_RESHAPE)
                assert_int_equal(nn_shape_numel(&s->shape), 784);
        }
        nn_graph_free(g);
        nn_cfg_free(doc);
    }
}

/* Every file in configs/ — including ones this test does not know — passes `nnrun check`,
 * and its resolved configuration repeats it: the same model, the same text again. */
static void test_every_config_checks_and_resolves(void **state)
{
    (void)state;
    char **files = yaml_files("configs");
    assert_true(count(files) >= sizeof NOTEBOOK / sizeof NOTEBOOK[0]);
    for (size_t k = 0; k < sizeof NOTEBOOK / sizeof NOTEBOOK[0]; k++) {
        bool found = false;
        for (size_t i = 0; files[i]; i++)
            found |= strcmp(files[i], NOTEBOOK[k].file) == 0;
        if (!found)
            fail_msg("%s is missing", NOTEBOOK[k].file);
    }
    for (size_t i = 0; files[i]; i++) {
        nn_status st;
        nn_error err;
        char *out = check_output(files[i], NULL, 0, &st, &err);
        if (st)
            fail_msg("%s: %s:%d:%d: %s", files[i], err.file, err.line, err.column, err.msg);
        assert_non_null(strstr(out, "Total params: "));
        assert_non_null(strstr(out, "FLOPs/sample"));
        assert_non_null(strstr(out, "Memory for batch size "));

        nn_cfg_doc *doc, *again;
        nn_experiment ex, ex2;
        nn_graph *g, *g2;
        assert_int_equal(nn_experiment_load(files[i], NULL, 0, &doc, &ex, &g, &err), NN_OK);
        char *resolved = emit(doc);
        assert_int_equal(nn_cfg_load_string(resolved, "config.yaml", &again, &err), NN_OK);
        if (nn_experiment_read(again, &ex2, &err) || nn_graph_build(ex2.model, &g2, &err))
            fail_msg("%s resolved: %d:%d: %s\n%s", files[i], err.line, err.column, err.msg,
                     resolved);
        char *s1 = summary(g), *s2 = summary(g2), *resolved2 = emit(again);
        assert_string_equal(s1, s2);
        assert_string_equal(resolved, resolved2); /* every default was already written */
        assert_string_equal(ex.name, ex2.name);
        assert_true(ex.seed == ex2.seed);
        assert_int_equal(ex.fit.batch_size, ex2.fit.batch_size);
        assert_int_equal(ex.data.n_steps, ex2.data.n_steps);
        free(s1);
        free(s2);
        free(resolved);
        free(resolved2);
        free(out);
        nn_graph_free(g);
        nn_graph_free(g2);
        nn_cfg_free(doc);
        nn_cfg_free(again);
    }
    free_list(files);
}

/* nn_check's memory estimate is the allocation nn_graph_plan makes, item by item (both
 * read one layout, plan.c; this guards the sums and the carving). */
static void test_measure_matches_plan(void **state)
{
    (void)state;
    char **files = yaml_files("configs");
    static const int batches[] = {1, 3, 37};
    for (size_t i = 0; files[i]; i++) {
        nn_cfg_doc *doc;
        nn_experiment ex;
        nn_graph *g;
        nn_error err;
        assert_int_equal(nn_experiment_load(files[i], NULL, 0, &doc, &ex, &g, &err), NN_OK);
        for (size_t b = 0; b < sizeof batches / sizeof batches[0]; b++)
            for (int slots = 0; slots <= 3; slots += 3) {
                nn_graph_memory m;
                size_t *per_node = calloc((size_t)g->n_nodes, sizeof *per_node);
                assert_non_null(per_node);
                assert_int_equal(nn_graph_measure(g, batches[b], slots, &m, per_node, &err),
                                 NN_OK);
                assert_int_equal(nn_graph_plan(g, batches[b], slots, &err), NN_OK);
                if (m.total != g->memory_bytes)
                    fail_msg("%s batch %d: measured %zu bytes, planned %zu", files[i],
                             batches[b], m.total, g->memory_bytes);
                assert_int_equal(m.outputs + m.output_grads + m.scratch + m.workspace,
                                 g->activation_bytes);
                size_t sum = 0;
                for (int n = 0; n < g->n_nodes; n++)
                    sum += per_node[n];
                assert_int_equal(sum, g->activation_bytes);
                free(per_node);
            }
        nn_graph_free(g);
        nn_cfg_free(doc);
    }
    free_list(files);
}

/* nnrun check prints the checks' results as well as the summary. */
static void test_check_output(void **state)
{
    (void)state;
    nn_status st;
    nn_error err;
    char *out = check_output("configs/resnet10.yaml", NULL, 0, &st, &err);
    assert_int_equal(st, NN_OK);
    assert_non_null(strstr(out, "Connected to"));
    assert_non_null(strstr(out, "Total params: 441,226\nTrainable params: 436,618\n"
                                "Non-trainable params: 4,608\n"));
    /* dense: 784*128 multiply-adds and 128 bias adds, twice each */
    assert_non_null(strstr(out, "dense (Dense)"));
    assert_non_null(strstr(out, "200,960"));
    assert_non_null(strstr(out, "Memory for batch size 128 (fit.batch_size)"));
    assert_non_null(strstr(out, "m, v and vhat"));
    free(out);
    /* the batch size of an override is the one measured */
    const char *sets[] = {"fit.batch_size=7"};
    out = check_output("configs/resnet10.yaml", sets, 1, &st, &err);
    assert_int_equal(st, NN_OK);
    assert_non_null(strstr(out, "Memory for batch size 7 (fit.batch_size)"));
    free(out);
}

/* --- the corpus of bad configurations ------------------------------------------------ */

#define MAX_SETS 8

typedef struct expectation {
    char *sets[MAX_SETS];
    int n_sets;
    char file[256]; /* the config's own path, or "<--set N>" */
    int line, column;
    char msg[1024];
} expectation;

/* Reads the header comments of a corpus file (format: tests/config/bad/README.md). */
static void read_expectation(const char *path, expectation *e)
{
    memset(e, 0, sizeof *e);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char line[2048];
    bool have_error = false;
    while (fgets(line, sizeof line, fp) && line[0] == '#') {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "# set: ", 7) == 0) {
            assert_true(e->n_sets < MAX_SETS);
            e->sets[e->n_sets] = strdup(line + 7);
            assert_non_null(e->sets[e->n_sets]);
            e->n_sets++;
        } else if (strncmp(line, "# error: ", 9) == 0) {
            const char *p = line + 9;
            if (strncmp(p, "<--set ", 7) == 0) {
                const char *end = strchr(p, '>');
                assert_non_null(end);
                snprintf(e->file, sizeof e->file, "%.*s", (int)(end - p + 1), p);
                p = end + 2; /* past ">:" */
            } else {
                snprintf(e->file, sizeof e->file, "%s", path);
            }
            int used = 0;
            if (sscanf(p, "%d:%d: %n", &e->line, &e->column, &used) != 2 || used == 0)
                fail_msg("%s: cannot read '# error: LINE:COLUMN: MESSAGE' from '%s'", path, line);
            snprintf(e->msg, sizeof e->msg, "%s", p + used);
            have_error = true;
        }
    }
    fclose(fp);
    if (!have_error || !e->msg[0])
        fail_msg("%s: no '# error:' line", path);
}

static void test_bad_configs(void **state)
{
    (void)state;
    char **files = yaml_files("tests/config/bad");
    size_t n = count(files);
    if (n < 30)
        fail_msg("the corpus has %zu bad configurations, the issue asks for at least 30", n);
    for (size_t i = 0; files[i]; i++) {
        expectation e;
        read_expectation(files[i], &e);
        nn_status st;
        nn_error err;
        char *out = check_output(files[i], (const char *const *)e.sets, e.n_sets, &st, &err);
        if (st != NN_E_CONFIG && st != NN_E_DATA)
            fail_msg("%s: expected a configuration error, got status %d (%s)", files[i], st,
                     err.msg);
        if (strcmp(err.file, e.file) != 0 || err.line != e.line || err.column != e.column ||
            strncmp(err.msg, e.msg, strlen(e.msg)) != 0)
            fail_msg("%s:\n  expected %s:%d:%d: %s\n  got      %s:%d:%d: %s", files[i], e.file,
                     e.line, e.column, e.msg, err.file, err.line, err.column, err.msg);
        assert_string_equal(out, ""); /* nothing printed for a bad configuration */
        free(out);
        for (int k = 0; k < e.n_sets; k++)
            free(e.sets[k]);
    }
    free_list(files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notebook_configs),
        cmocka_unit_test(test_notebook_preprocessing),
        cmocka_unit_test(test_every_config_checks_and_resolves),
        cmocka_unit_test(test_measure_matches_plan),
        cmocka_unit_test(test_check_output),
        cmocka_unit_test(test_bad_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
