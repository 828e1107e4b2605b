/* plan.c — one allocation for a graph, and running it.
 *
 * Sizes first, then one block (llm.c style): a table of (pointer to set, bytes) is filled,
 * summed with 64-byte alignment, allocated once, and carved. Layout:
 *   weights [n_weights]   trainable parameters in node order, then non-trainable ones
 *   grads   [n_trainable] mirrors the trainable prefix of weights
 *   slots   [n_slots × n_trainable]
 *   per node: y [batch × numel], dy [batch × numel] (only where gradients flow), scratch
 * Views (flatten, reshape) get their input's y and dy instead of their own.
 *
 * Input gradients are written, not zeroed and added: walking the nodes in backward order,
 * the first writer of each dy buffer gets dx_overwrite, later writers add into it.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"

#define ALIGN 64

static size_t align_up(size_t n)
{
    return (n + ALIGN - 1) / ALIGN * ALIGN;
}

typedef struct carve {
    void **dst;
    size_t bytes;
} carve;

typedef struct carve_table {
    carve *items;
    size_t n, cap;
} carve_table;

static bool want(carve_table *t, void **dst, size_t bytes)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        carve *items = realloc(t->items, cap * sizeof *items);
        if (!items)
            return false;
        t->items = items;
        t->cap = cap;
    }
    t->items[t->n++] = (carve){dst, bytes};
    return true;
}

/* The node whose memory a view finally refers to. */
static int root_of(const nn_graph *g, int i)
{
    while (g->nodes[i].ops->view)
        i = g->nodes[i].in[0];
    return i;
}

nn_status nn_graph_plan(nn_graph *g, int batch, int optim_slots, nn_error *err)
{
    if (batch < 1)
        return nn_fail(err, NN_E_INTERNAL, "plan for batch %d", batch);
    free(g->memory);
    g->memory = NULL;
    g->batch = batch;
    g->n_slots = optim_slots;

    /* parameter counts; a node's trainable params come first in the flat array */
    size_t n_train = 0, n_fixed = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int p = 0; p < g->nodes[i].n_params; p++) {
            const nn_param *pr = &g->nodes[i].param[p];
            *(pr->trainable ? &n_train : &n_fixed) += nn_shape_numel(&pr->shape);
        }
    g->n_trainable = n_train;
    g->n_weights = n_train + n_fixed;

    /* which nodes need a gradient: they own trainable parameters or feed on one that does */
    bool *grad = calloc((size_t)g->n_nodes, sizeof *grad);
    carve_table t = {0};
    if (!grad)
        return nn_fail(err, NN_E_NOMEM, "out of memory planning the model");
    grad[0] = g->input_grad;
    for (int i = 1; i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        for (int p = 0; p < n->n_params; p++)
            grad[i] |= n->param[p].trainable;
        for (int k = 0; k < n->n_in; k++)
            grad[i] |= grad[n->in[k]];
    }

    bool ok = want(&t, (void **)&g->weights, g->n_weights * sizeof(float)) &&
              want(&t, (void **)&g->grads, n_train * sizeof(float)) &&
              want(&t, (void **)&g->slots, (size_t)optim_slots * n_train * sizeof(float));
    size_t act_start = t.n;
    for (int i = 0; ok && i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        size_t bytes = (size_t)batch * nn_node_numel(n) * sizeof(float);
        n->y = n->dy = NULL;
        n->scratch = NULL;
        if (!n->ops->view) {
            ok = want(&t, (void **)&n->y, bytes);
            if (ok && grad[i])
                ok = want(&t, (void **)&n->dy, bytes);
        }
        if (ok && n->ops->scratch_bytes)
            ok = want(&t, &n->scratch, n->ops->scratch_bytes(n, batch));
    }
    size_t total = 0, act = 0;
    for (size_t k = 0; ok && k < t.n; k++) {
        total += align_up(t.items[k].bytes);
        if (k >= act_start)
            act += align_up(t.items[k].bytes);
    }
    void *mem = NULL;
    if (ok && posix_memalign(&mem, ALIGN, total ? total : ALIGN) != 0)
        mem = NULL;
    if (!ok || !mem) {
        free(t.items);
        free(grad);
        return nn_fail(err, NN_E_NOMEM,
                       "out of memory: the model needs %.1f MiB for batch size %d", (double)total / 1048576.0,
                       batch);
    }
    memset(mem, 0, total);
    char *at = mem;
    for (size_t k = 0; k < t.n; k++) {
        *t.items[k].dst = t.items[k].bytes ? at : NULL;
        at += align_up(t.items[k].bytes);
    }
    free(t.items);
    g->memory = mem;
    g->memory_bytes = total;
    g->activation_bytes = act;

    /* parameters: trainable prefix, then the rest, each in node order */
    size_t off_train = 0, off_fixed = n_train;
    for (int i = 0; i < g->n_nodes; i++)
        for (int p = 0; p < g->nodes[i].n_params; p++) {
            nn_param *pr = &g->nodes[i].param[p];
            size_t numel = nn_shape_numel(&pr->shape);
            if (pr->trainable) {
                pr->w = g->weights + off_train;
                pr->g = g->grads + off_train;
                off_train += numel;
            } else {
                pr->w = g->weights + off_fixed;
                pr->g = NULL;
                off_fixed += numel;
            }
        }

    /* views share their root's buffers */
    for (int i = 0; i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        if (n->ops->view) {
            const nn_node *r = &g->nodes[root_of(g, i)];
            n->y = r->y;
            n->dy = r->dy;
        }
    }

    /* inputs and gradient wiring; overwrite flags in backward execution order */
    bool *written = calloc((size_t)g->n_nodes, sizeof *written);
    if (!written) {
        free(grad);
        return nn_fail(err, NN_E_NOMEM, "out of memory planning the model");
    }
    written[root_of(g, g->output)] = true; /* the loss writes the output's gradient */
    for (int i = g->n_nodes - 1; i >= 1; i--) {
        nn_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++) {
            const nn_node *src = &g->nodes[n->in[k]];
            n->x[k] = src->y;
            n->dx[k] = grad[i] && !n->ops->view ? src->dy : NULL;
            n->dx_overwrite[k] = false;
            if (n->dx[k]) {
                int r = root_of(g, n->in[k]);
                n->dx_overwrite[k] = !written[r];
                written[r] = true;
            }
        }
    }
    free(written);
    free(grad);
    return NN_OK;
}

static float glorot_limit(const nn_param *p)
{
    return sqrtf(6.0f / (float)(p->fan_in + p->fan_out));
}

void nn_graph_init_weights(nn_graph *g, nn_rng *rng)
{
    for (int i = 0; i < g->n_nodes; i++)
        for (int p = 0; p < g->nodes[i].n_params; p++) {
            nn_param *pr = &g->nodes[i].param[p];
            size_t numel = nn_shape_numel(&pr->shape);
            switch (pr->init) {
            case NN_INIT_ZEROS:
                memset(pr->w, 0, numel * sizeof(float));
                break;
            case NN_INIT_ONES:
                for (size_t k = 0; k < numel; k++)
                    pr->w[k] = 1.0f;
                break;
            case NN_INIT_GLOROT_UNIFORM: {
                float lim = glorot_limit(pr);
                for (size_t k = 0; k < numel; k++)
                    pr->w[k] = (2.0f * nn_rng_uniform(rng) - 1.0f) * lim;
                break;
            }
            }
        }
}

void nn_graph_forward(nn_graph *g, const nn_ctx *ctx)
{
    for (int i = 1; i < g->n_nodes; i++)
        g->nodes[i].ops->forward(&g->nodes[i], ctx);
}

void nn_graph_backward(nn_graph *g, const nn_ctx *ctx)
{
    for (int i = g->n_nodes - 1; i >= 1; i--) {
        nn_node *n = &g->nodes[i];
        if (n->dy)
            n->ops->backward(n, ctx);
    }
}

void nn_graph_free(nn_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_nodes; i++)
        free(g->nodes[i].cfg);
    free(g->nodes);
    free(g->memory);
    free(g);
}

static size_t count_params(const nn_graph *g, bool trainable_only)
{
    size_t total = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int p = 0; p < g->nodes[i].n_params; p++)
            if (!trainable_only || g->nodes[i].param[p].trainable)
                total += nn_shape_numel(&g->nodes[i].param[p].shape);
    return total;
}

size_t nn_graph_params_total(const nn_graph *g)
{
    return count_params(g, false);
}

size_t nn_graph_params_trainable(const nn_graph *g)
{
    return count_params(g, true);
}

double nn_graph_flops(const nn_graph *g)
{
    double f = 0.0;
    for (int i = 1; i < g->n_nodes; i++)
        f += g->nodes[i].ops->flops(&g->nodes[i]);
    return f;
}

bool nn_graph_branching(const nn_graph *g)
{
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].n_in > 1)
            return true;
        int consumers = 0;
        for (int j = 0; j < g->n_nodes; j++)
            for (int k = 0; k < g->nodes[j].n_in; k++)
                consumers += g->nodes[j].in[k] == i;
        if (consumers > 1)
            return true;
    }
    return false;
}

int nn_graph_find(const nn_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0)
            return i;
    return -1;
}
