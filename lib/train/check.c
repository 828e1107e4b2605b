/* check.c — `nnrun check CONFIG`: what a run verifies before it reads any data, then what
 * the model is and what it will cost, without reading data or training.
 *
 * Verified, in the order a run meets them:
 *   - the configuration: every key of every section, --set overrides, the layer graph
 *     (nn_experiment_load, the same code the run uses);
 *   - the model's output against the loss (nn_trainer_init, on a batch of one so that no
 *     large buffer is allocated);
 *   - the shape the data will have after data.preprocess against the model input. The
 *     data sets' sample shapes are fixed (MNIST family [28, 28], CIFAR-10 [32, 32, 3]), so
 *     the preprocessing steps are run by the data module itself on one blank sample, and
 *     the result goes through the trainer's own data check: the rules and the messages
 *     are the run's, not a copy of them;
 *   - the number of classes the output scores against data.num_classes (a run finds that
 *     one later, at the first label the model cannot score).
 * Printed: the Keras summary, a table of forward FLOPs per sample and memory per layer,
 * and the memory plan for fit.batch_size item by item (nn_graph_measure: nothing that
 * size is allocated).
 */
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "graph/graph.h"
#include "train/experiment.h"
#include "train/fit.h"
#include "train/run.h"

/* The data sets as their official files hold them. */
typedef struct dataset_facts {
    int rank;
    int dim[3];
    size_t train, test;
} dataset_facts;

static const dataset_facts FACTS[NN_DS_COUNT] = {
    [NN_DS_MNIST] = {2, {28, 28, 0}, 60000, 10000},
    [NN_DS_FASHION_MNIST] = {2, {28, 28, 0}, 60000, 10000},
    [NN_DS_CIFAR10] = {3, {32, 32, 3}, 50000, 10000},
};

/* --- formatting ------------------------------------------------------------------- */

/* 1234567 -> "1,234,567" */
static const char *grouped(double v, char *buf, size_t size)
{
    char digits[64];
    int n = snprintf(digits, sizeof digits, "%.0f", v);
    size_t k = 0;
    for (int i = 0; i < n && k + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

/* 1536 -> "1.5 KiB" */
static const char *bytes_text(size_t bytes, char *buf, size_t size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%zu B", bytes);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
    return buf;
}

/* --- what a run would find ---------------------------------------------------------- */

/* Runs data.preprocess on one blank sample of the data set's shape: the shape the run's
 * data will have, or the loader's own error for a step that does not fit. */
static nn_status preprocessed_shape(const nn_data_spec *spec, nn_shape *shape, nn_error *err)
{
    const dataset_facts *f = &FACTS[spec->dataset];
    nn_split s;
    memset(&s, 0, sizeof s);
    s.n = 1;
    s.shape = nn_shape_make(f->rank, f->dim);
    s.x = calloc(nn_shape_numel(&s.shape), sizeof *s.x);
    if (!s.x)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    nn_status st = NN_OK;
    for (int i = 0; !st && i < spec->n_steps; i++) {
        const nn_preprocess *step = &spec->steps[i];
        /* standardize needs the data's statistics; it and one_hot keep the shape */
        if (step->kind != NN_PP_STANDARDIZE && step->kind != NN_PP_ONE_HOT)
            st = nn_preprocess_apply(step, &s, NULL, NULL, err);
    }
    free(s.x);
    *shape = s.shape;
    return st;
}

/* What the run checks between building the model and training, with the run's own code
 * and messages: the output against the loss (a trainer planned for one sample), then the
 * data's sample shape against the model input. Also the number of classes the output
 * scores against data.num_classes, which the run only finds when a label is out of range. */
static nn_status check_against_data(const nn_experiment *ex, nn_graph *g, nn_error *err)
{
    nn_fit_spec one = ex->fit;
    one.batch_size = 1;
    nn_trainer t;
    nn_status st = nn_trainer_init(&t, g, &ex->compile, &one, (uint64_t)ex->seed, NULL, err);
    nn_shape shape;
    if (!st)
        st = preprocessed_shape(&ex->data, &shape, err);
    if (!st) {
        int32_t label = 0;
        nn_split sample = {.n = 1, .shape = shape, .x = NULL, .y = &label};
        st = nn_trainer_check_data(&t, &sample, "training", err);
    }
    if (!st && t.classes < ex->data.num_classes) {
        const nn_node *out = &g->nodes[g->output];
        st = nn_fail_at(err, NN_E_CONFIG, out->mark.file, out->mark.line, out->mark.column,
                        "the model's output '%s' scores %d classes but the data has %d "
                        "(data.num_classes): give the last layer %d units",
                        out->name, t.classes, ex->data.num_classes, ex->data.num_classes);
    }
    nn_trainer_free(&t);
    return st;
}

/* --- what it costs ------------------------------------------------------------------ */

static void print_costs(FILE *out, const nn_graph *g, int batch, const size_t *node_bytes,
                        size_t total_bytes)
{
    enum { NAME = NN_NAME_MAX + 40, SHAPE = 96, NUM = 48 };
    const char *head[5] = {"Layer (type)", "Output Shape", "FLOPs/sample", "Share", "Memory"};
    int w[5];
    for (int c = 0; c < 5; c++)
        w[c] = (int)strlen(head[c]);
    double total = nn_graph_flops(g);
    char name[NAME], shape[SHAPE], flops[NUM], mem[NUM];
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        int len = snprintf(name, sizeof name, "%s (%s)", n->name, n->ops->keras_class);
        w[0] = len > w[0] ? len : w[0];
        len = (int)strlen(nn_shape_format(&n->shape, shape, sizeof shape));
        w[1] = len > w[1] ? len : w[1];
        len = (int)strlen(grouped(n->ops->flops(n), flops, sizeof flops));
        w[2] = len > w[2] ? len : w[2];
        len = (int)strlen(bytes_text(node_bytes[i], mem, sizeof mem));
        w[4] = len > w[4] ? len : w[4];
    }
    int len = (int)strlen(grouped(total, flops, sizeof flops));
    w[2] = len > w[2] ? len : w[2];
    len = (int)strlen(bytes_text(total_bytes, mem, sizeof mem));
    w[4] = len > w[4] ? len : w[4];
    w[3] = 6; /* "100.0%" */

    fprintf(out, "\nCost per layer: forward FLOPs for one sample (a multiply-add counts 2), and\n"
                 "memory for a batch of %d (output, work space, and the gradient buffers\n"
                 "the backward pass takes there; float32; \"shared\": a view of its input,\n"
                 "\"fused\": run inside the pass of the layer before it)\n",
            batch);
    fprintf(out, "%-*s  %-*s  %*s  %*s  %*s\n", w[0], head[0], w[1], head[1], w[2], head[2],
            w[3], head[3], w[4], head[4]);
    int width = w[0] + w[1] + w[2] + w[3] + w[4] + 8;
    for (int k = 0; k < width; k++)
        fputc('-', out);
    fputc('\n', out);
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        double f = n->ops->flops(n);
        char share[16];
        snprintf(name, sizeof name, "%s (%s)", n->name, n->ops->keras_class);
        snprintf(share, sizeof share, "%.1f%%", total > 0 ? 100.0 * f / total : 0.0);
        fprintf(out, "%-*s  %-*s  %*s  %*s  %*s\n", w[0], name, w[1],
                nn_shape_format(&n->shape, shape, sizeof shape), w[2],
                grouped(f, flops, sizeof flops), w[3], share, w[4],
                n->ops->view ? "shared"
                : n->fused   ? "fused" /* set by the plan check_against_data made */
                             : bytes_text(node_bytes[i], mem, sizeof mem));
    }
    for (int k = 0; k < width; k++)
        fputc('-', out);
    fputc('\n', out);
    fprintf(out, "%-*s  %-*s  %*s  %*s  %*s\n", w[0], "Total", w[1], "", w[2],
            grouped(total, flops, sizeof flops), w[3], "100.0%", w[4],
            bytes_text(total_bytes, mem, sizeof mem));
    fprintf(out, "A training step costs about 3 times the forward pass (the backward pass "
                 "computes\ngradients for inputs and weights): about %s FLOPs per sample.\n",
            grouped(3.0 * total, flops, sizeof flops));
}

static void slot_names(const nn_optim_spec *o, char *buf, size_t size)
{
    if (o->kind == NN_OPT_SGD)
        snprintf(buf, size, "sgd with momentum: a velocity per trainable value");
    else
        snprintf(buf, size, "adam%s: %s per trainable value", o->amsgrad ? " with amsgrad" : "",
                 o->amsgrad ? "m, v and vhat" : "m and v");
}

static void print_memory(FILE *out, const nn_experiment *ex, const nn_graph *g,
                         const nn_graph_memory *m)
{
    size_t all = nn_graph_params_total(g), trainable = nn_graph_params_trainable(g);
    int slots = nn_optim_slot_count(&ex->compile.optimizer);
    char a[48], b[48], why[128];
    fprintf(out, "\nMemory for batch size %d (fit.batch_size), float32, in one allocation:\n",
            ex->fit.batch_size);
    const char *row = "  %-18s %15s  %10s  %s\n";
    fprintf(out, row, "", "values", "size", "holding");
    fprintf(out, row, "parameters", grouped((double)all, a, sizeof a),
            bytes_text(m->weights, b, sizeof b), "weights, biases, batch-norm statistics");
    fprintf(out, row, "gradients", grouped((double)trainable, a, sizeof a),
            bytes_text(m->grads, b, sizeof b), "one per trainable value");
    if (slots > 0) {
        slot_names(&ex->compile.optimizer, why, sizeof why);
        fprintf(out, row, "optimizer slots", grouped((double)slots * (double)trainable, a, sizeof a),
                bytes_text(m->slots, b, sizeof b), why);
    } else {
        fprintf(out, row, "optimizer slots", "0", bytes_text(0, b, sizeof b),
                "plain sgd keeps no state");
    }
    fprintf(out, row, "layer outputs", "", bytes_text(m->outputs, b, sizeof b),
            "forward activations (views and fused layers share their input's)");
    fprintf(out, row, "output gradients", "", bytes_text(m->output_grads, b, sizeof b),
            "backward; reused once a layer's gradient is used up");
    fprintf(out, row, "work space", "", bytes_text(m->scratch, b, sizeof b),
            "batch-norm statistics, partial sums of gradients");
    if (m->workspace > 0)
        fprintf(out, row, "shared work space", "", bytes_text(m->workspace, b, sizeof b),
                "one buffer the layers use in turn (im2col)");
    fprintf(out, "  %-18s %15s  %10s\n", "total", "", bytes_text(m->total, b, sizeof b));

    const dataset_facts *f = &FACTS[ex->data.dataset];
    size_t train = f->train, test = f->test;
    if (ex->data.limit_train > 0 && (size_t)ex->data.limit_train < train)
        train = (size_t)ex->data.limit_train;
    if (ex->data.limit_test > 0 && (size_t)ex->data.limit_test < test)
        test = (size_t)ex->data.limit_test;
    size_t per_sample = nn_shape_numel(&g->nodes[0].shape) * sizeof(float) + sizeof(int32_t);
    char shape[96], tr[48], te[48];
    fprintf(out,
            "Not included: the data set, held apart as float32 images and int32 labels: %s,\n"
            "%s training + %s test samples of %s, %s.\n",
            nn_dataset_names[ex->data.dataset], grouped((double)train, tr, sizeof tr),
            grouped((double)test, te, sizeof te),
            nn_shape_format_list(&g->nodes[0].shape, shape, sizeof shape),
            bytes_text((train + test) * per_sample, b, sizeof b));
}

nn_status nn_check(const nn_run_options *o, FILE *out, nn_error *err)
{
    nn_cfg_doc *doc;
    nn_experiment ex;
    nn_graph *g;
    nn_status st =
        nn_experiment_load(o->config_path, o->overrides, o->n_overrides, &doc, &ex, &g, err);
    if (st)
        return st;
    size_t *node_bytes = calloc((size_t)g->n_nodes, sizeof *node_bytes);
    nn_graph_memory m;
    if (!node_bytes)
        st = nn_fail(err, NN_E_NOMEM, "out of memory");
    if (!st)
        st = check_against_data(&ex, g, err);
    if (!st)
        st = nn_graph_measure(g, ex.fit.batch_size, nn_optim_slot_count(&ex.compile.optimizer),
                              &m, node_bytes, err);
    if (!st) {
        nn_graph_summary(g, out);
        size_t layer_bytes = m.outputs + m.output_grads + m.scratch + m.workspace;
        print_costs(out, g, ex.fit.batch_size, node_bytes, layer_bytes);
        print_memory(out, &ex, g, &m);
    }
    free(node_bytes);
    nn_graph_free(g);
    nn_cfg_free(doc);
    return st;
}
