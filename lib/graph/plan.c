/* plan.c — one allocation for a graph, and running it.
 *
 * Sizes first, then one block (llm.c style): a table of (pointer to set, bytes) is filled,
 * summed with 64-byte alignment, allocated once, and carved. Layout:
 *   weights [n_weights]   trainable parameters in node order, then non-trainable ones
 *   grads   [n_trainable] mirrors the trainable prefix of weights
 *   slots   [n_slots × n_trainable]
 *   per node: y [batch × numel], scratch
 *   output gradients (dy) where gradients flow: buffers shared by liveness, below
 * Views (flatten, reshape) get their input's y and dy instead of their own.
 *
 * Input gradients are written, not zeroed and added: walking the nodes in backward order,
 * the first writer of each dy buffer gets dx_overwrite, later writers add into it.
 *
 * Output gradients live only during backward, and briefly: node i's dy is first written
 * by the backward of its last consumer (by the loss, for the output) and last read by i's
 * own backward. Walking the backward order, the buffer of a node that has run is handed to
 * the next dy that starts (the smallest free one that fits; its first writer overwrites
 * it, so what it held does not matter). A chain of layers then needs two or three dy
 * buffers instead of one per layer: resnet10 holds 0.2 instead of 5.3 MiB of gradients at
 * batch 128, the per-pixel CIFAR net 0.2 instead of 0.6 GiB. The input's dy (input_grad) is
 * never reused: it is read after backward. nn_graph_measure sizes the same buffers
 * (nn_graph_dy_buffers).
 */
#include <limits.h>
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

/* Backward runs node n-1 first and node 1 last: node i at time n-1-i. The loss, which
 * writes the output's gradient, runs at time -1. */
static int backward_time(const nn_graph *g, int i)
{
    return g->n_nodes - 1 - i;
}

int nn_graph_dy_buffers(const nn_graph *g, int batch, const bool *grad, int *buffer_of,
                        size_t *buffer_bytes)
{
    int n = g->n_nodes, buffers = 0;
    int *first = malloc((size_t)n * sizeof *first); /* when node r's dy is first written */
    bool *busy = calloc((size_t)n, sizeof *busy);   /* buffer b holds a live dy */
    if (!first || !busy) {
        free(first);
        free(busy);
        return -1;
    }
    /* a node has a dy of its own when gradients flow through it and it is not a view */
    for (int r = 0; r < n; r++) {
        buffer_of[r] = -1;
        first[r] = INT_MAX;
    }
    first[root_of(g, g->output)] = -1;
    for (int j = 1; j < n; j++) {
        const nn_node *c = &g->nodes[j];
        if (!grad[j] || c->ops->view)
            continue; /* its backward writes no input gradient */
        for (int k = 0; k < c->n_in; k++) {
            int r = root_of(g, c->in[k]);
            if (backward_time(g, j) < first[r])
                first[r] = backward_time(g, j);
        }
    }
    for (int r = 0; r < n; r++)
        if (!grad[r] || g->nodes[r].ops->view)
            first[r] = INT_MAX; /* no dy */
        else if (first[r] == INT_MAX)
            first[r] = -1; /* a dy nothing writes (none in a built graph): live throughout */
    for (int t = -1; t < n - 1; t++) {
        /* the dy first written at time t take buffers ... */
        for (int r = 0; r < n; r++) {
            if (first[r] != t)
                continue;
            size_t bytes = (size_t)batch * nn_node_numel(&g->nodes[r]) * sizeof(float);
            int best = -1;
            for (int b = 0; b < buffers; b++)
                if (!busy[b] && buffer_bytes[b] >= bytes &&
                    (best < 0 || buffer_bytes[b] < buffer_bytes[best]))
                    best = b;
            if (best < 0) {
                best = buffers++;
                buffer_bytes[best] = bytes;
            }
            busy[best] = true;
            buffer_of[r] = best;
        }
        /* ... then the node that ran at time t gives its own back (node 0 never runs) */
        int i = n - 1 - t;
        if (t >= 0 && i >= 1 && buffer_of[i] >= 0)
            busy[buffer_of[i]] = false;
    }
    free(first);
    free(busy);
    return buffers;
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

    /* the output-gradient buffers and which node uses which */
    int *buffer_of = malloc((size_t)g->n_nodes * sizeof *buffer_of);
    size_t *buffer_bytes = malloc((size_t)g->n_nodes * sizeof *buffer_bytes);
    float **buffer = calloc((size_t)g->n_nodes, sizeof *buffer);
    int buffers = buffer_of && buffer_bytes && buffer
                      ? nn_graph_dy_buffers(g, batch, grad, buffer_of, buffer_bytes)
                      : -1;

    bool ok = buffers >= 0 && want(&t, (void **)&g->weights, g->n_weights * sizeof(float)) &&
              want(&t, (void **)&g->grads, n_train * sizeof(float)) &&
              want(&t, (void **)&g->slots, (size_t)optim_slots * n_train * sizeof(float));
    size_t act_start = t.n;
    for (int i = 0; ok && i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        size_t bytes = (size_t)batch * nn_node_numel(n) * sizeof(float);
        n->y = n->dy = NULL;
        n->scratch = NULL;
        if (!n->ops->view)
            ok = want(&t, (void **)&n->y, bytes);
        if (ok && n->ops->scratch_bytes)
            ok = want(&t, &n->scratch, n->ops->scratch_bytes(n, batch));
    }
    for (int b = 0; ok && b < buffers; b++)
        ok = want(&t, (void **)&buffer[b], buffer_bytes[b]);
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
        free(buffer_of);
        free(buffer_bytes);
        free(buffer);
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
    for (int i = 0; i < g->n_nodes; i++)
        if (buffer_of[i] >= 0)
            g->nodes[i].dy = buffer[buffer_of[i]];
    free(buffer_of);
    free(buffer_bytes);
    free(buffer);
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
