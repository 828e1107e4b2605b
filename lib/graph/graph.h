/* graph.h — a model as a graph of named nodes: built from the `model` section, checked,
 * ordered, shape-inferred, given one block of memory, run forward and backward.
 *
 * Life of a graph:
 *   nn_graph_build   config -> nodes with names and inputs, topological order, shapes and
 *                    parameter declarations (nothing allocated for tensors yet); every
 *                    error points at the layer's line in the config
 *   nn_graph_plan    sizes every buffer for a batch size and carves them out of one
 *                    allocation: [weights | grads | optimizer slots], per node [y | scratch],
 *                    one workspace every layer uses in turn (im2col), then the output
 *                    gradients in buffers shared along the backward pass;
 *                    views (flatten, reshape) share their input's buffers, and so do a relu
 *                    and a dropout fused into the batch normalization before them
 *                    (layers/epilogue.h). nn_graph_measure sizes the same layout without
 *                    allocating it (plan.c).
 *   nn_graph_init_weights, then nn_graph_forward / nn_graph_backward per step
 *
 * Parameters are one flat float array: every trainable parameter first (in node order),
 * then the non-trainable ones (batch-norm moving statistics). grads mirror the trainable
 * prefix, so an optimizer step is one loop and a checkpoint is one write.
 */
#ifndef NN_GRAPH_GRAPH_H
#define NN_GRAPH_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config/cfg.h"
#include "core/error.h"
#include "core/rng.h"
#include "layers/layer.h"

typedef struct nn_graph {
    char name[NN_NAME_MAX]; /* Keras model name ("sequential", "model", or model.name) */
    bool functional;        /* summary lists the InputLayer (functional API style) */
    bool input_grad;        /* set before planning to get d(loss)/d(input) in nodes[0].dy
                               (saliency, and the gradient checks of the tests) */
    bool no_fusion;         /* set before planning to run every layer on its own instead of
                               fusing relu and dropout into the layer before (plan.c; the
                               tests compare the two) */
    nn_mark input_mark;     /* where model.input was written */

    int n_nodes;
    nn_node *nodes;         /* topological order; nodes[0] is the input */
    int output;             /* index of the output node (the last one) */

    /* after nn_graph_plan */
    int batch;              /* rows the buffers hold */
    size_t n_weights;       /* floats in weights: trainable, then non-trainable */
    size_t n_trainable;     /* floats in grads (= the trainable prefix of weights) */
    int n_slots;            /* optimizer slot arrays of n_trainable floats */
    float *weights, *grads, *slots;
    size_t activation_bytes; /* y, dy and scratch of every node, and the shared workspace */
    void *memory;           /* the one allocation */
    size_t memory_bytes;
} nn_graph;

/* Builds the graph from the `model` mapping. Keys: `input` (shape list, or mapping with
 * `shape` and `name`), `layers` (list), optional `name`. See the README's config reference
 * for the layer-list language (scalar shorthand, name/inputs, add, residual, repeat).
 * Errors: NN_E_CONFIG at the offending line (unknown layer type with suggestion, unknown
 * or duplicate names, cycles, wrong input counts, shape mismatches, unused layers). */
nn_status nn_graph_build(nn_cfg *model, nn_graph **out, nn_error *err);

/* Allocates all buffers for up to `batch` rows and `optim_slots` optimizer slot arrays;
 * zeroes everything. May be called again to re-plan (weights are not kept). */
nn_status nn_graph_plan(nn_graph *g, int batch, int optim_slots, nn_error *err);

/* Glorot-uniform kernels, zero biases, ones/zeros for batch-norm, from `rng`. */
void nn_graph_init_weights(nn_graph *g, nn_rng *rng);

/* Runs every node forward; the batch must already be in nodes[0].y. */
void nn_graph_forward(nn_graph *g, const nn_ctx *ctx);

/* Runs every node backward in reverse order; the output's dy must already hold the loss
 * gradient. Parameter gradients are added into grads (zero them before). */
void nn_graph_backward(nn_graph *g, const nn_ctx *ctx);

void nn_graph_free(nn_graph *g);

/* Parameter counts in elements, Keras style. */
size_t nn_graph_params_total(const nn_graph *g);
size_t nn_graph_params_trainable(const nn_graph *g);

/* Forward FLOPs per sample (multiply-add = 2). */
double nn_graph_flops(const nn_graph *g);

/* What nn_graph_plan would allocate for `batch` rows and `optim_slots` slot arrays, in
 * bytes, each buffer rounded up to the plan's 64-byte alignment. */
typedef struct nn_graph_memory {
    size_t weights;          /* every parameter, trainable or not */
    size_t grads;            /* gradients of the trainable parameters */
    size_t slots;            /* optimizer slots */
    size_t outputs;          /* each layer's output y (views share their input's) */
    size_t output_grads;     /* dy of the layers that gradients flow through */
    size_t scratch;          /* per-layer work space (batch statistics, partial sums, ...) */
    size_t workspace;        /* the one work space layers share in turn (im2col) */
    size_t total;            /* the sum: the one allocation */
} nn_graph_memory;

/* Sizes the plan without allocating it (nn_check's estimate for any batch size): the same
 * table of buffers nn_graph_plan carves. When `per_node` is not NULL it receives
 * g->n_nodes entries: the bytes of each node's y and scratch, of each shared dy buffer
 * at the node closest to the output that uses it, and of the workspace at the first node
 * that asks for the most. The graph is not changed.
 * Errors: NN_E_NOMEM. */
nn_status nn_graph_measure(const nn_graph *g, int batch, int optim_slots, nn_graph_memory *m,
                           size_t *per_node, nn_error *err);

/* True when some node has several inputs or several consumers (Keras prints the
 * "Connected to" column then). */
bool nn_graph_branching(const nn_graph *g);

/* Writes model.summary() exactly as tf.keras 2.1 prints it. */
void nn_graph_summary(const nn_graph *g, FILE *out);

/* Finds a node by name; -1 if none. */
int nn_graph_find(const nn_graph *g, const char *name);

/* After a step on `batch` rows: the first node whose output holds a NaN or an infinity
 * (forward order), else the first whose gradient does (output or parameter gradients, in
 * backward order; *gradient set), else -1. Views are skipped (their input owns the data). */
int nn_graph_find_nonfinite(const nn_graph *g, int batch, bool *gradient);

#endif
