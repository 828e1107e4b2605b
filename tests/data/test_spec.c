/* test_spec.c — the `data` config section: keys, defaults, step forms, located errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "data/data.h"

/* Reads the `data` mapping of `yaml`; returns the status, doc in *doc (caller frees). */
static nn_status read_spec(const char *yaml, nn_data_spec *spec, nn_error *err)
{
    nn_cfg_doc *doc;
    nn_status st = nn_cfg_load_string(yaml, "t.yaml", &doc, err);
    assert_int_equal(st, NN_OK);
    nn_cfg *data = nn_cfg_get(nn_cfg_root(doc), "data");
    assert_non_null(data);
    st = nn_data_spec_read(data, spec, err);
    nn_cfg_free(doc);
    return st;
}

static void expect_error(const char *yaml, int line, int column, const char *needle)
{
    nn_data_spec spec;
    nn_error err;
    nn_error_clear(&err);
    assert_int_equal(read_spec(yaml, &spec, &err), NN_E_CONFIG);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
    if (err.line != line || err.column != column)
        fail_msg("'%s' at %d:%d, expected %d:%d", err.msg, err.line, err.column, line, column);
    assert_string_equal(err.file, "t.yaml");
}

static void test_full_section(void **state)
{
    (void)state;
    const char *yaml = "data:\n"
                       "  dataset: cifar10\n"
                       "  dir: /some/where\n"
                       "  preprocess:\n"
                       "    - divide: 255\n"
                       "    - l2_normalize: {axis: 1}\n"
                       "    - reshape: [3072]\n"
                       "    - standardize: {}\n"
                       "    - one_hot: {}\n"
                       "  validation_split: 0.25\n"
                       "  limit_train: 1000\n"
                       "  limit_test: 500\n"
                       "  num_classes: 10\n";
    nn_data_spec s;
    nn_error err;
    nn_cfg_doc *doc;
    assert_int_equal(nn_cfg_load_string(yaml, "t.yaml", &doc, &err), NN_OK);
    assert_int_equal(nn_data_spec_read(nn_cfg_get(nn_cfg_root(doc), "data"), &s, &err), NN_OK);
    assert_int_equal(s.dataset, NN_DS_CIFAR10);
    assert_string_equal(s.dir, "/some/where");
    assert_int_equal(s.n_steps, 5);
    assert_int_equal(s.steps[0].kind, NN_PP_DIVIDE);
    assert_float_equal(s.steps[0].value, 255, 0);
    assert_int_equal(s.steps[0].mark.line, 5);
    assert_int_equal(s.steps[0].mark.column, 7);
    assert_int_equal(s.steps[1].kind, NN_PP_L2_NORMALIZE);
    assert_int_equal(s.steps[1].axis, 1);
    assert_int_equal(s.steps[2].kind, NN_PP_RESHAPE);
    assert_int_equal(s.steps[2].shape.rank, 1);
    assert_int_equal(s.steps[2].shape.dim[0], 3072);
    assert_int_equal(s.steps[3].kind, NN_PP_STANDARDIZE);
    assert_int_equal(s.steps[4].kind, NN_PP_ONE_HOT);
    assert_float_equal(s.validation_split, 0.25, 0);
    assert_int_equal(s.limit_train, 1000);
    assert_int_equal(s.limit_test, 500);
    assert_int_equal(s.num_classes, 10);
    assert_int_equal(s.mark.line, 2);
    nn_cfg_free(doc);
}

static void test_defaults_and_short_forms(void **state)
{
    (void)state;
    const char *yaml = "data:\n"
                       "  dataset: mnist\n"
                       "  preprocess:\n"
                       "    - divide: {value: 2.5}\n"
                       "    - l2_normalize: 2\n"
                       "    - l2_normalize: {}\n"
                       "    - l2_normalize:\n"
                       "    - reshape: {shape: [28, 28, 1]}\n"
                       "    - standardize\n"
                       "    - one_hot:\n";
    nn_data_spec s;
    nn_error err;
    assert_int_equal(read_spec(yaml, &s, &err), NN_OK);
    assert_null(s.dir);
    assert_float_equal(s.validation_split, 0, 0);
    assert_int_equal(s.limit_train, 0);
    assert_int_equal(s.limit_test, 0);
    assert_int_equal(s.num_classes, 10);
    assert_int_equal(s.n_steps, 7);
    assert_float_equal(s.steps[0].value, 2.5, 0);
    assert_int_equal(s.steps[1].axis, 2);
    assert_int_equal(s.steps[2].axis, -1); /* Keras's default axis */
    assert_int_equal(s.steps[3].axis, -1);
    assert_int_equal(s.steps[4].shape.rank, 3);
    assert_int_equal(s.steps[5].kind, NN_PP_STANDARDIZE);
    assert_int_equal(s.steps[6].kind, NN_PP_ONE_HOT);

    assert_int_equal(read_spec("data: {dataset: fashion_mnist}\n", &s, &err), NN_OK);
    assert_int_equal(s.dataset, NN_DS_FASHION_MNIST);
    assert_int_equal(s.n_steps, 0);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("data:\n  preprocess: []\n", 2, 3, "missing required key 'dataset'");
    expect_error("data:\n  dataset: minst\n", 2, 12, "did you mean 'mnist'");
    expect_error("data:\n  dataset: mnist\n  validation_split: 1.0\n", 3, 21, "validation_split");
    expect_error("data:\n  dataset: mnist\n  limit_train: -1\n", 3, 16, "limit_train");
    expect_error("data:\n  dataset: mnist\n  num_classes: 1\n", 3, 16, "num_classes");
    expect_error("data:\n  dataset: mnist\n  preproces: []\n", 3, 3, "did you mean 'preprocess'");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - normalise: {axis: 1}\n", 4, 7,
                 "unknown preprocessing step 'normalise'");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - l2_normalise: 1\n", 4, 7,
                 "did you mean 'l2_normalize'");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - divide: 0\n", 4, 15,
                 "data.preprocess[0].divide");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - divide: 255\n"
                 "    - l2_normalize: {axs: 1}\n",
                 5, 22, "did you mean 'axis'");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - {divide: 255, reshape: [784]}\n", 4,
                 7, "several keys");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - divide\n", 4, 7,
                 "divide needs an argument");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - reshape: [0]\n", 4, 17, "reshape");
    expect_error("data:\n  dataset: mnist\n  preprocess:\n    - standardize: 3\n", 4, 20,
                 "takes no argument");
    expect_error("data:\n  dataset: mnist\n  preprocess: {divide: 255}\n", 3, 15,
                 "expected a list of steps");
    char many[2048] = "data:\n  dataset: mnist\n  preprocess:\n";
    for (int i = 0; i < NN_MAX_PREPROCESS + 1; i++)
        strcat(many, "    - divide: 2\n");
    expect_error(many, 4 + NN_MAX_PREPROCESS, 7, "at most 16 steps");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_section),
        cmocka_unit_test(test_defaults_and_short_forms),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
