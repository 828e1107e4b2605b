/* summary.c — model.summary() as tf.keras 2.x prints it (keras/utils/layer_utils.py,
 * print_summary; docs/keras-rules.md).
 *
 * Chain-like models: 65 columns, stops at 45%, 85%, 100%. Branching models: 98 columns,
 * stops at 33%, 55%, 67%, 100%, with a "Connected to" column listing name[0][0] of each
 * input, one per row. Keras builds each row field by field: the line so far loses its last
 * character to a space, the field is appended, and the result is cut or padded to the
 * field's stop — which is why long names print as "batch_normalization (BatchNo".
 */
#include <stdio.h>
#include <string.h>

#include "graph/graph.h"

static void print_row(FILE *out, const char *const *fields, const int *stops, int n)
{
    char line[256] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && len > 0)
            line[len - 1] = ' ';
        size_t flen = strlen(fields[i]);
        size_t room = sizeof line - 1 - len;
        memcpy(line + len, fields[i], flen < room ? flen : room);
        len += flen < room ? flen : room;
        if (len > (size_t)stops[i])
            len = (size_t)stops[i];
        while (len < (size_t)stops[i])
            line[len++] = ' ';
        line[len] = '\0';
    }
    fprintf(out, "%s\n", line);
}

static void rule(FILE *out, char c, int n)
{
    for (int i = 0; i < n; i++)
        fputc(c, out);
    fputc('\n', out);
}

/* 1234567 -> "1,234,567" */
static const char *thousands(size_t v, char *buf, size_t size)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%zu", v);
    size_t k = 0;
    for (int i = 0; i < n && k + 1 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0 && k + 1 < size)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

void nn_graph_summary(const nn_graph *g, FILE *out)
{
    bool branching = nn_graph_branching(g);
    int width = branching ? 98 : 65;
    int stops4[4] = {32, 53, 65, 98}; /* int(98 * [.33, .55, .67, 1]) */
    int stops3[3] = {29, 55, 65};     /* int(65 * [.45, .85, 1]) */
    const int *stops = branching ? stops4 : stops3;
    int nf = branching ? 4 : 3;

    fprintf(out, "Model: \"%s\"\n", g->name);
    rule(out, '_', width);
    const char *head[4] = {"Layer (type)", "Output Shape", "Param #", "Connected to"};
    print_row(out, head, stops, nf);
    rule(out, '=', width);

    int first = g->functional ? 0 : 1; /* Sequential models do not list their input */
    for (int i = first; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        char name[NN_NAME_MAX + 48], shape[96], params[32], conn[NN_NAME_MAX + 16];
        snprintf(name, sizeof name, "%s (%s)", n->name, n->ops->keras_class);
        if (i == 0) {
            char inner[96];
            snprintf(shape, sizeof shape, "[%s]", nn_shape_format(&n->shape, inner, sizeof inner));
        } else {
            nn_shape_format(&n->shape, shape, sizeof shape);
        }
        size_t count = 0;
        for (int p = 0; p < n->n_params; p++)
            count += nn_shape_numel(&n->param[p].shape);
        snprintf(params, sizeof params, "%zu", count);
        conn[0] = '\0';
        if (n->n_in > 0)
            snprintf(conn, sizeof conn, "%s[0][0]", g->nodes[n->in[0]].name);
        const char *row[4] = {name, shape, params, conn};
        print_row(out, row, stops, nf);
        for (int k = 1; branching && k < n->n_in; k++) {
            snprintf(conn, sizeof conn, "%s[0][0]", g->nodes[n->in[k]].name);
            const char *more[4] = {"", "", "", conn};
            print_row(out, more, stops, nf);
        }
        rule(out, i == g->n_nodes - 1 ? '=' : '_', width);
    }
    char a[32], b[32], c[32];
    size_t total = nn_graph_params_total(g), trainable = nn_graph_params_trainable(g);
    fprintf(out, "Total params: %s\n", thousands(total, a, sizeof a));
    fprintf(out, "Trainable params: %s\n", thousands(trainable, b, sizeof b));
    fprintf(out, "Non-trainable params: %s\n", thousands(total - trainable, c, sizeof c));
    rule(out, '_', width);
}
