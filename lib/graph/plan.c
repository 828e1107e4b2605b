/* plan.c — the memory of a graph: one layout, measured or allocated, and running the
 * graph on it.
 *
 * Sizes first, then one block (llm.c's size table, ggml's measure-only pass): layout_make
 * fills a table of every buffer with its size and offset;
 *   nn_graph_measure sums the table without allocating (`nnrun check` prints it for the
 *                    configured batch size; the per-pixel CIFAR net needs over a gigabyte),
 *   nn_graph_plan    allocates the block and carves it,
 * so the two cannot disagree. The table, in block order:
 *   weights [n_weights]   trainable parameters in node order, then non-trainable ones
 *   grads   [n_trainable] mirrors the trainable prefix of weights
 *   slots   [n_slots × n_trainable]
 *   per node: y [batch × numel], then the scratch the layer asks for; views (flatten,
 *             reshape) and fused nodes (below) have no y and get their input's y and dy
 *   workspace: one block of the largest ops->workspace_bytes of any node, handed to every
 *             node (darknet's net.workspace): layers use it in turn, one forward or backward
 *             call at a time (im2col), so one block serves them all
 *   output gradients (dy) of the nodes gradients flow through, in shared buffers (below)
 * Every buffer starts on a 64-byte boundary; a buffer of 0 bytes takes no room.
 *
 * Output gradients live only during backward, and briefly: node i's dy is first written
 * by the backward of its last consumer (by the loss, for the output) and last read by i's
 * own backward. Walking the backward order, the buffer of a node that has run is handed to
 * the next dy that starts (the smallest free one that fits; its first writer overwrites
 * it, so what it held does not matter). A chain of layers then needs two or three dy
 * buffers instead of one per layer: resnet10 holds 0.2 instead of 5.3 MiB of gradients at
 * batch 128, the per-pixel CIFAR net 0.2 instead of 0.6 GiB. The input's dy (input_grad) is
 * never reused: it is read after backward.
 *
 * Input gradients are written, not zeroed and added: walking the nodes in backward order,
 * the first writer of each dy buffer gets dx_overwrite, later writers add into it.
 *
 * Fusion (layers/epilogue.h): a relu Activation, then a Dropout, that follow a layer whose
 * ops take an epilogue (batch normalization) become that layer's epilogue when each is the
 * only consumer of what precedes it: they run nothing and share its buffers, which saves
 * their passes and their outputs (the per-pixel CIFAR net: 256 MiB).
 * g->no_fusion turns this off.
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

/* What a buffer of the layout holds. */
typedef enum holds { WEIGHTS, GRADS, SLOTS, OUTPUT, SCRATCH, WORKSPACE, OUTPUT_GRAD } holds;

typedef struct buffer {
    holds what;
    int node;      /* OUTPUT, SCRATCH: its node; OUTPUT_GRAD: the node closest to the output
                      among those whose dy it holds; WORKSPACE: the first node with the
                      largest request; -1 for the parameter parts and an unused workspace */
    size_t bytes;
    size_t offset; /* from the start of the block, a multiple of ALIGN */
} buffer;

typedef struct layout {
    size_t n_weights, n_trainable; /* floats */
    int *into;                     /* [n_nodes] the layer whose epilogue node i is; -1: none */
    int n;                         /* buffers */
    buffer *buf;                   /* [n] in block order (room for 4 + 3 × n_nodes) */
    size_t total;                  /* bytes of the block */
    bool *grad;                    /* [n_nodes] gradients flow through node i */
    int *dy;                       /* [n_nodes] the buffer of node i's dy; -1: none of its
                                      own (no gradient, a view, fused) */
} layout;

static void layout_free(layout *l)
{
    free(l->into);
    free(l->buf);
    free(l->grad);
    free(l->dy);
}

static int add(layout *l, holds what, int node, size_t bytes)
{
    l->buf[l->n] = (buffer){what, node, bytes, 0};
    return l->n++;
}

/* Node i has no buffers of its own: it is a view, or fused into the layer before it. */
static bool shares_input(const layout *l, const nn_graph *g, int i)
{
    return g->nodes[i].ops->view || l->into[i] >= 0;
}

/* The node whose memory a view or a fused node finally refers to. */
static int root_of(const layout *l, const nn_graph *g, int i)
{
    while (shares_input(l, g, i))
        i = g->nodes[i].in[0];
    return i;
}

static nn_epilogue_part part_of(const nn_node *n)
{
    return n->ops->epilogue_part ? n->ops->epilogue_part(n) : NN_EPILOGUE_NONE;
}

/* Sets l->into: node j joins the epilogue of layer p when it can be a part of one, its
 * input is p or a node already fused into p, it is that input's only consumer, and the
 * parts come in order (a relu, then a dropout; one of each). */
static void find_fusions(const nn_graph *g, layout *l)
{
    int n = g->n_nodes;
    for (int j = 0; j < n; j++)
        l->into[j] = -1;
    for (int j = 1; j < n && !g->no_fusion; j++) {
        const nn_node *f = &g->nodes[j];
        nn_epilogue_part part = part_of(f);
        if (part == NN_EPILOGUE_NONE || f->n_in != 1)
            continue;
        int i = f->in[0], p = l->into[i] >= 0 ? l->into[i] : i, consumers = 0;
        for (int c = 1; c < n; c++)
            for (int k = 0; k < g->nodes[c].n_in; k++)
                consumers += g->nodes[c].in[k] == i;
        if (!g->nodes[p].ops->epilogue || consumers != 1)
            continue;
        bool taken[NN_EPILOGUE_DROPOUT + 1] = {false};
        for (int k = p + 1; k < j; k++)
            if (l->into[k] == p)
                taken[part_of(&g->nodes[k])] = true;
        if (!taken[part] && !taken[NN_EPILOGUE_DROPOUT])
            l->into[j] = p;
    }
}

/* Backward runs node n-1 first and node 1 last: node i at time n-1-i. The loss, which
 * writes the output's gradient, runs at time -1. */
static int backward_time(const nn_graph *g, int i)
{
    return g->n_nodes - 1 - i;
}

/* Appends the output-gradient buffers and sets l->dy (l->grad is set). */
static bool add_dy_buffers(const nn_graph *g, int batch, layout *l)
{
    int n = g->n_nodes, from = l->n;
    int *first = malloc((size_t)n * sizeof *first); /* when node r's dy is first written */
    bool *busy = calloc((size_t)(from + n), sizeof *busy); /* buffer b holds a live dy */
    if (!first || !busy) {
        free(first);
        free(busy);
        return false;
    }
    /* a node has a dy of its own when gradients flow through it and it has buffers */
    for (int r = 0; r < n; r++)
        first[r] = INT_MAX;
    first[root_of(l, g, g->output)] = -1;
    for (int j = 1; j < n; j++) {
        const nn_node *c = &g->nodes[j];
        if (!l->grad[j] || shares_input(l, g, j))
            continue; /* its backward writes no input gradient */
        for (int k = 0; k < c->n_in; k++) {
            int r = root_of(l, g, c->in[k]);
            if (backward_time(g, j) < first[r])
                first[r] = backward_time(g, j);
        }
    }
    for (int r = 0; r < n; r++)
        if (!l->grad[r] || shares_input(l, g, r))
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
            for (int b = from; b < l->n; b++)
                if (!busy[b] && l->buf[b].bytes >= bytes &&
                    (best < 0 || l->buf[b].bytes < l->buf[best].bytes))
                    best = b;
            if (best < 0)
                best = add(l, OUTPUT_GRAD, r, bytes);
            if (r > l->buf[best].node)
                l->buf[best].node = r;
            busy[best] = true;
            l->dy[r] = best;
        }
        /* ... then the node that ran at time t gives its own back (node 0 never runs) */
        int i = n - 1 - t;
        if (t >= 0 && i >= 1 && l->dy[i] >= 0)
            busy[l->dy[i]] = false;
    }
    free(first);
    free(busy);
    return true;
}

/* Appends the shared workspace: the largest request of any node (0 bytes when none asks). */
static void add_workspace(const nn_graph *g, int batch, layout *l)
{
    int b = add(l, WORKSPACE, -1, 0);
    for (int i = 1; i < g->n_nodes; i++) {
        const nn_node *nd = &g->nodes[i];
        size_t bytes = nd->ops->workspace_bytes ? nd->ops->workspace_bytes(nd, batch) : 0;
        if (bytes > l->buf[b].bytes) {
            l->buf[b].bytes = bytes;
            l->buf[b].node = i;
        }
    }
}

/* The layout for `batch` rows and `optim_slots` slot arrays; false when out of memory. */
static bool layout_make(const nn_graph *g, int batch, int optim_slots, layout *l)
{
    int n = g->n_nodes;
    memset(l, 0, sizeof *l);
    l->buf = malloc((size_t)(4 + 3 * n) * sizeof *l->buf);
    l->grad = calloc((size_t)n, sizeof *l->grad);
    l->dy = malloc((size_t)n * sizeof *l->dy);
    l->into = malloc((size_t)n * sizeof *l->into);
    if (!l->buf || !l->grad || !l->dy || !l->into) {
        layout_free(l);
        return false;
    }
    size_t n_fixed = 0;
    for (int i = 0; i < n; i++)
        for (int p = 0; p < g->nodes[i].n_params; p++) {
            const nn_param *pr = &g->nodes[i].param[p];
            *(pr->trainable ? &l->n_trainable : &n_fixed) += nn_shape_numel(&pr->shape);
        }
    l->n_weights = l->n_trainable + n_fixed;
    add(l, WEIGHTS, -1, l->n_weights * sizeof(float));
    add(l, GRADS, -1, l->n_trainable * sizeof(float));
    add(l, SLOTS, -1, (size_t)optim_slots * l->n_trainable * sizeof(float));

    /* gradients flow through a node that owns trainable parameters or feeds on one they
     * flow through (topological order: one pass settles it) */
    find_fusions(g, l);
    l->grad[0] = g->input_grad;
    for (int i = 0; i < n; i++) {
        const nn_node *nd = &g->nodes[i];
        for (int p = 0; i > 0 && p < nd->n_params; p++)
            l->grad[i] |= nd->param[p].trainable;
        for (int k = 0; i > 0 && k < nd->n_in; k++)
            l->grad[i] |= l->grad[nd->in[k]];
        l->dy[i] = -1;
        if (!shares_input(l, g, i))
            add(l, OUTPUT, i, (size_t)batch * nn_node_numel(nd) * sizeof(float));
        if (nd->ops->scratch_bytes)
            add(l, SCRATCH, i, nd->ops->scratch_bytes(nd, batch));
    }
    add_workspace(g, batch, l);
    if (!add_dy_buffers(g, batch, l)) {
        layout_free(l);
        return false;
    }
    for (int b = 0; b < l->n; b++) {
        l->buf[b].offset = l->total;
        l->total += align_up(l->buf[b].bytes);
    }
    return true;
}

nn_status nn_graph_measure(const nn_graph *g, int batch, int optim_slots, nn_graph_memory *m,
                           size_t *per_node, nn_error *err)
{
    layout l;
    if (!layout_make(g, batch, optim_slots, &l))
        return nn_fail(err, NN_E_NOMEM, "out of memory measuring the model");
    memset(m, 0, sizeof *m);
    size_t *sum[] = {[WEIGHTS] = &m->weights, [GRADS] = &m->grads, [SLOTS] = &m->slots,
                     [OUTPUT] = &m->outputs, [SCRATCH] = &m->scratch,
                     [WORKSPACE] = &m->workspace, [OUTPUT_GRAD] = &m->output_grads};
    if (per_node)
        memset(per_node, 0, (size_t)g->n_nodes * sizeof *per_node);
    for (int b = 0; b < l.n; b++) {
        *sum[l.buf[b].what] += align_up(l.buf[b].bytes);
        if (per_node && l.buf[b].node >= 0)
            per_node[l.buf[b].node] += align_up(l.buf[b].bytes);
    }
    m->total = l.total;
    layout_free(&l);
    return NN_OK;
}

/* Points every node's y, scratch, workspace and dy, and the graph's weights, grads and
 * slots, at their buffers in `base` (a buffer of 0 bytes is NULL); sums activation_bytes. */
static void carve_buffers(nn_graph *g, const layout *l, char *base)
{
    void *workspace = NULL;
    for (int b = 0; b < l->n; b++)
        if (l->buf[b].what == WORKSPACE && l->buf[b].bytes)
            workspace = base + l->buf[b].offset;
    for (int i = 0; i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        n->y = NULL;
        n->scratch = NULL;
        n->workspace = workspace;
        n->dy = l->dy[i] >= 0 ? (float *)(base + l->buf[l->dy[i]].offset) : NULL;
    }
    g->activation_bytes = 0;
    for (int b = 0; b < l->n; b++) {
        const buffer *u = &l->buf[b];
        void *p = u->bytes ? base + u->offset : NULL;
        if (u->what >= OUTPUT)
            g->activation_bytes += align_up(u->bytes);
        switch (u->what) {
        case WEIGHTS:
            g->weights = p;
            break;
        case GRADS:
            g->grads = p;
            break;
        case SLOTS:
            g->slots = p;
            break;
        case OUTPUT:
            g->nodes[u->node].y = p;
            break;
        case SCRATCH:
            g->nodes[u->node].scratch = p;
            break;
        case WORKSPACE:   /* set above */
        case OUTPUT_GRAD: /* set above */
            break;
        }
    }
}

/* Each parameter's values and gradient: the trainable prefix, then the rest, each in node
 * order. */
static void place_params(nn_graph *g, const layout *l)
{
    size_t off_train = 0, off_fixed = l->n_trainable;
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
}

/* Views and fused nodes take their root's y and dy; each layer learns its epilogue. */
static void share_and_fuse(nn_graph *g, const layout *l)
{
    for (int i = 0; i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        n->fused = l->into[i] >= 0;
        n->epilogue_relu = n->epilogue_dropout = NULL;
        if (shares_input(l, g, i)) {
            const nn_node *r = &g->nodes[root_of(l, g, i)];
            n->y = r->y;
            n->dy = r->dy;
        }
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (l->into[i] >= 0) {
            nn_node *p = &g->nodes[l->into[i]];
            *(part_of(&g->nodes[i]) == NN_EPILOGUE_RELU ? &p->epilogue_relu
                                                        : &p->epilogue_dropout) = &g->nodes[i];
        }
}

/* Each node's inputs x[k] and input gradients dx[k]; walking the nodes in backward order,
 * the first writer of each dy buffer overwrites it (dx_overwrite), later ones add.
 * `written` is scratch of n_nodes flags, all false. */
static void wire_inputs(nn_graph *g, const layout *l, bool *written)
{
    written[root_of(l, g, g->output)] = true; /* the loss writes the output's gradient */
    for (int i = g->n_nodes - 1; i >= 1; i--) {
        nn_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++) {
            const nn_node *src = &g->nodes[n->in[k]];
            n->x[k] = src->y;
            n->dx[k] = l->grad[i] && !shares_input(l, g, i) ? src->dy : NULL;
            n->dx_overwrite[k] = false;
            if (n->dx[k]) {
                int r = root_of(l, g, n->in[k]);
                n->dx_overwrite[k] = !written[r];
                written[r] = true;
            }
        }
    }
}

nn_status nn_graph_plan(nn_graph *g, int batch, int optim_slots, nn_error *err)
{
    if (batch < 1)
        return nn_fail(err, NN_E_INTERNAL, "plan for batch %d", batch);
    free(g->memory);
    g->memory = NULL;
    layout l;
    if (!layout_make(g, batch, optim_slots, &l))
        return nn_fail(err, NN_E_NOMEM, "out of memory planning the model");
    bool *written = calloc((size_t)g->n_nodes, sizeof *written);
    void *mem = NULL;
    if (!written || posix_memalign(&mem, ALIGN, l.total ? l.total : ALIGN) != 0) {
        free(written);
        layout_free(&l);
        return nn_fail(err, NN_E_NOMEM, "out of memory: the model needs %.1f MiB for batch size %d",
                       (double)l.total / 1048576.0, batch);
    }
    memset(mem, 0, l.total);
    g->memory = mem;
    g->memory_bytes = l.total;
    g->batch = batch;
    g->n_slots = optim_slots;
    g->n_weights = l.n_weights;
    g->n_trainable = l.n_trainable;
    carve_buffers(g, &l, mem);
    place_params(g, &l);
    share_and_fuse(g, &l);
    wire_inputs(g, &l, written);
    free(written);
    layout_free(&l);
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
        if (!g->nodes[i].fused)
            g->nodes[i].ops->forward(&g->nodes[i], ctx);
}

void nn_graph_backward(nn_graph *g, const nn_ctx *ctx)
{
    for (int i = g->n_nodes - 1; i >= 1; i--) {
        nn_node *n = &g->nodes[i];
        if (n->dy && !n->fused)
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
