/* layer.h — what a layer type is, and the node a layer becomes in a graph.
 *
 * A layer type is one nn_layer_ops table in one file (dense.c, dropout.c, ...): its YAML
 * name and Keras class, the schema of its settings, and the functions the graph calls:
 *   infer     input shapes -> output shape, and the parameters it owns (names, shapes, init)
 *   forward   y = f(x)                       over ctx->batch rows
 *   backward  dx (+)= df/dx · dy,  dparams += df/dparams · dy
 * Buffers are given by the graph's memory plan; a layer never allocates during a step.
 *
 * Gradient accumulation: parameter gradients are always ADDED into (the trainer zeroes the
 * flat gradient array once per step). Input gradients dx[k] are added into, except when
 * dx_overwrite[k] is set: then this layer is the first writer of that buffer in the step and
 * must overwrite it (the planner arranges it so no buffer needs a zeroing pass). dx[k] is
 * NULL when no gradient is wanted for that input (e.g. the model input): skip that work.
 */
#ifndef NN_LAYERS_LAYER_H
#define NN_LAYERS_LAYER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg.h"
#include "core/error.h"
#include "core/pool.h"
#include "layers/act.h"
#include "tensor/blas.h"
#include "tensor/shape.h"

#define NN_NAME_MAX 64
#define NN_MAX_INPUTS 8
#define NN_MAX_PARAMS 4

typedef struct nn_node nn_node;
typedef struct nn_layer_ops nn_layer_ops;

/* Everything a forward or backward call needs besides the node itself. */
typedef struct nn_ctx {
    int batch;             /* rows in this batch (<= the planned batch) */
    bool training;         /* dropout active, batch-norm batch statistics */
    uint32_t seed;         /* this step's random key (dropout masks); set per step */
    nn_pool *pool;         /* may be NULL */
    nn_gemm_trace *trace;  /* may be NULL */
} nn_ctx;

typedef enum nn_init_kind {
    NN_INIT_ZEROS,
    NN_INIT_ONES,
    NN_INIT_GLOROT_UNIFORM /* U(-L, L), L = sqrt(6 / (fan_in + fan_out)) */
} nn_init_kind;

typedef struct nn_param {
    char name[24];       /* Keras name: kernel, bias, gamma, beta, moving_mean, ... */
    nn_shape shape;      /* Keras shape: dense kernel [in, out], conv2d [kh, kw, in, out] */
    bool trainable;
    nn_init_kind init;
    int fan_in, fan_out; /* for the initializers that scale by fans (glorot) */
    float *w;            /* values [numel(shape)], set by the planner */
    float *g;            /* gradient, same size; NULL when not trainable */
} nn_param;

struct nn_node {
    char name[NN_NAME_MAX];
    const nn_layer_ops *ops;
    void *cfg;             /* settings struct (ops->cfg_size bytes) filled from the schema */
    nn_mark mark;          /* where the layer was written */
    int index;             /* position in the graph's topological order */

    int n_in;
    int in[NN_MAX_INPUTS];           /* indices of the input nodes */
    nn_shape in_shape[NN_MAX_INPUTS];
    nn_shape shape;                  /* output shape per sample */

    int n_params;
    nn_param param[NN_MAX_PARAMS];

    /* buffers, all [batch, numel(shape)] row-major, set by the planner */
    const float *x[NN_MAX_INPUTS];
    float *dx[NN_MAX_INPUTS];        /* NULL: no gradient wanted for that input */
    bool dx_overwrite[NN_MAX_INPUTS];
    float *y;
    float *dy;                       /* NULL when nothing upstream needs gradients */
    void *scratch;                   /* ops->scratch_bytes(node, planned batch) bytes, this
                                        node's own: kept from forward to backward */
    void *workspace;                 /* the graph's one shared work space, at least
                                        ops->workspace_bytes(node, planned batch) bytes;
                                        every layer uses it in turn, so it holds nothing
                                        from one forward or backward call to the next */

    /* Set when the loss applies this node's softmax itself (fused cross-entropy): forward
     * leaves logits in y, the loss turns them into probabilities and writes dlogits into
     * dy, and backward treats the activation as linear. */
    bool softmax_in_loss;

    /* Set by the planner (layers/epilogue.h): on a layer whose ops take an epilogue, the
     * relu Activation and the Dropout it applies after its own output (NULL: none); on
     * those two, `fused`: they run nothing and share that layer's y and dy. */
    const nn_node *epilogue_relu, *epilogue_dropout;
    bool fused;
};

/* What an elementwise layer can be in another layer's epilogue (layers/epilogue.h). */
typedef enum nn_epilogue_part {
    NN_EPILOGUE_NONE, /* it cannot be one */
    NN_EPILOGUE_RELU,
    NN_EPILOGUE_DROPOUT
} nn_epilogue_part;

struct nn_layer_ops {
    const char *type;          /* YAML name: "dense" */
    const char *keras_class;   /* summary name: "Dense" */
    const char *main_key;      /* key a scalar shorthand fills ("units"); NULL: none */
    const nn_key *schema;      /* settings keys, NULL-terminated; NULL: takes none */
    size_t cfg_size;           /* bytes of the settings struct */
    int min_inputs, max_inputs;
    bool view;                 /* output is input 0's memory reinterpreted (flatten,
                                  reshape): no forward/backward work, dy aliases dx */

    /* Optional: cross-key checks after the schema was read. */
    nn_status (*check)(nn_node *n, const nn_cfg *args, nn_error *err);
    /* in_shape[] is set; sets n->shape and declares parameters (nn_node_add_param).
     * Shape errors are NN_E_CONFIG at n->mark. */
    nn_status (*infer)(nn_node *n, nn_error *err);
    /* Optional: scratch bytes needed for `batch` rows (the node's own memory). */
    size_t (*scratch_bytes)(const nn_node *n, int batch);
    /* Optional: bytes of the shared work space one forward or backward call needs for
     * `batch` rows (an im2col buffer). The planner allocates the largest request of any
     * layer once and hands the same block to every layer (node->workspace). */
    size_t (*workspace_bytes)(const nn_node *n, int batch);
    /* Forward FLOPs per sample (a multiply-add counts 2). */
    double (*flops)(const nn_node *n);
    void (*forward)(nn_node *n, const nn_ctx *ctx);
    void (*backward)(nn_node *n, const nn_ctx *ctx);
    /* Optional: the activation applied last (lets the loss fuse a softmax); NULL: none. */
    int (*final_activation)(const nn_node *n);
    /* Takes an epilogue: forward applies the node's epilogue to its output, backward first
     * turns dy into the gradient before it (layers/epilogue.h). Only for layers whose
     * backward does not otherwise read their own output y. */
    bool epilogue;
    /* Optional: what this node can be in the epilogue of the layer before it. */
    nn_epilogue_part (*epilogue_part)(const nn_node *n);
};

/* Declares a parameter whose fans are stated by the layer (a conv2d kernel
 * [kh, kw, in, out]: fan_in = kh·kw·in, fan_out = kh·kw·out); returns it (NULL when the
 * node already has NN_MAX_PARAMS). */
nn_param *nn_node_add_param_fans(nn_node *n, const char *name, nn_shape shape, bool trainable,
                                 nn_init_kind init, int fan_in, int fan_out);

/* As nn_node_add_param_fans, with the fans Keras computes from the shape alone
 * (initializers_v2.py, _compute_fans): rank 0: 1 and 1; rank 1: dim[0] both; rank 2:
 * dim[0] and dim[1] (a dense kernel [in, out]); higher ranks: the product of the leading
 * dims (the receptive field) times the last two. */
nn_param *nn_node_add_param(nn_node *n, const char *name, nn_shape shape, bool trainable,
                            nn_init_kind init);

/* Number of elements per sample of input k / of the output. */
size_t nn_node_in_numel(const nn_node *n, int k);
size_t nn_node_numel(const nn_node *n);

/* The registry: every layer type, NULL-terminated, and the list of YAML names in the same
 * order (both made from one table in registry.c). */
extern const nn_layer_ops *const nn_layer_registry[];
extern const char *const nn_layer_names[];
const nn_layer_ops *nn_layer_find(const char *type);

/* The graph's input node type (InputLayer); not in the registry. */
extern const nn_layer_ops nn_input_ops;

#endif
