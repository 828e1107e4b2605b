/* measure.c — the size of a graph's memory plan, without allocating it.
 *
 * nn_graph_plan carves one block; `nnrun check` wants to know how big that block will be
 * for the configured batch size before anything is allocated (the per-pixel CIFAR net
 * needs over a gigabyte at batch 128). The rules here are plan.c's: parameters, their
 * gradients and the optimizer slots; per node an output y unless the node is a view
 * (flatten, reshape share their input's buffers) and the scratch the layer asks for; and
 * the output-gradient buffers, shared along the backward pass (nn_graph_dy_buffers, the
 * same function the plan uses). In `per_node`, a gradient buffer counts for the layer
 * closest to the output that uses it. tests/train checks that the two agree byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"

#define ALIGN 64

static size_t align_up(size_t n)
{
    return (n + ALIGN - 1) / ALIGN * ALIGN;
}

nn_status nn_graph_measure(const nn_graph *g, int batch, int optim_slots, nn_graph_memory *m,
                           size_t *per_node, nn_error *err)
{
    memset(m, 0, sizeof *m);
    /* grad[i]: whether gradients flow through node i; nodes are in topological order, so
     * one pass in that order settles it */
    bool *grad = calloc((size_t)g->n_nodes, sizeof *grad);
    if (!grad)
        return nn_fail(err, NN_E_NOMEM, "out of memory measuring the model");
    size_t n_train = 0, n_all = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int p = 0; p < g->nodes[i].n_params; p++) {
            size_t numel = nn_shape_numel(&g->nodes[i].param[p].shape);
            n_all += numel;
            n_train += g->nodes[i].param[p].trainable ? numel : 0;
        }
    m->weights = align_up(n_all * sizeof(float));
    m->grads = align_up(n_train * sizeof(float));
    m->slots = align_up((size_t)optim_slots * n_train * sizeof(float));

    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        bool flows = i == 0 ? g->input_grad : false;
        for (int p = 0; i > 0 && p < n->n_params; p++)
            flows |= n->param[p].trainable;
        for (int k = 0; i > 0 && k < n->n_in; k++)
            flows |= grad[n->in[k]];
        grad[i] = flows;
        size_t bytes = align_up((size_t)batch * nn_node_numel(n) * sizeof(float));
        size_t y = n->ops->view ? 0 : bytes;
        size_t scratch = n->ops->scratch_bytes ? align_up(n->ops->scratch_bytes(n, batch)) : 0;
        m->outputs += y;
        m->scratch += scratch;
        if (per_node)
            per_node[i] = y + scratch;
    }
    int *buffer_of = malloc((size_t)g->n_nodes * sizeof *buffer_of);
    size_t *buffer_bytes = malloc((size_t)g->n_nodes * sizeof *buffer_bytes);
    int buffers = buffer_of && buffer_bytes
                      ? nn_graph_dy_buffers(g, batch, grad, buffer_of, buffer_bytes)
                      : -1;
    for (int b = 0; b < buffers; b++) {
        m->output_grads += align_up(buffer_bytes[b]);
        for (int i = g->n_nodes - 1; per_node && i >= 0; i--)
            if (buffer_of[i] == b) {
                per_node[i] += align_up(buffer_bytes[b]);
                break;
            }
    }
    free(buffer_of);
    free(buffer_bytes);
    free(grad);
    if (buffers < 0)
        return nn_fail(err, NN_E_NOMEM, "out of memory measuring the model");
    m->total = m->weights + m->grads + m->slots + m->outputs + m->output_grads + m->scratch;
    return NN_OK;
}
