/* scan.c — where a step's numbers first went non-finite (for terminate_on_nan and the
 * non-finite-loss error): outputs in forward order, then gradients in backward order. */
#include <math.h>

#include "graph/graph.h"

static bool all_finite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return false;
    return true;
}

/* Output-gradient buffers are reused along the backward pass (plan.c): after a step,
 * node i's dy still holds its own gradient only if no node that ran after it (a lower
 * index) took the same buffer. */
static bool dy_still_own(const nn_graph *g, int i)
{
    for (int j = 1; j < i; j++)
        if (!g->nodes[j].ops->view && g->nodes[j].dy == g->nodes[i].dy)
            return false;
    return true;
}

int nn_graph_find_nonfinite(const nn_graph *g, int batch, bool *gradient)
{
    *gradient = false;
    for (int i = 1; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        if (!n->ops->view && n->y && !all_finite(n->y, (size_t)batch * nn_node_numel(n)))
            return i;
    }
    *gradient = true;
    for (int i = g->n_nodes - 1; i >= 1; i--) {
        const nn_node *n = &g->nodes[i];
        if (!n->ops->view && n->dy && dy_still_own(g, i) &&
            !all_finite(n->dy, (size_t)batch * nn_node_numel(n)))
            return i;
        for (int p = 0; p < n->n_params; p++)
            if (n->param[p].g && !all_finite(n->param[p].g, nn_shape_numel(&n->param[p].shape)))
                return i;
    }
    *gradient = false;
    return -1;
}
