/* optim.h — optimizers over the flat parameter array (Keras rules, reference rows 7–9).
 *
 * Trainable parameters and their gradients are each one contiguous float array, so a step
 * is one elementwise loop over n values. The optimizer's slots (SGD velocity; Adam m, v and
 * vhat) are one more contiguous block of n_slots × n floats, zeroed at the start.
 *
 *   lr_t = lr / (1 + decay · iterations)          iterations = steps already applied
 *   SGD        w -= lr_t g
 *   momentum   v = m v - lr_t g;  w += v                  nesterov: w += m v - lr_t g
 *   Adam       t = iterations + 1;  alpha = lr_t sqrt(1 - b2^t) / (1 - b1^t)
 *              m += (g - m)(1 - b1);  v += (g² - v)(1 - b2)
 *              w -= alpha m / (sqrt(v) + eps)         amsgrad: vhat = max(vhat, v), sqrt(vhat)
 */
#ifndef NN_OPTIM_OPTIM_H
#define NN_OPTIM_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"
#include "core/error.h"
#include "core/pool.h"

typedef enum nn_optim_kind { NN_OPT_SGD, NN_OPT_ADAM } nn_optim_kind;

/* YAML names indexed by nn_optim_kind, NULL-terminated. */
extern const char *const nn_optim_names[];

typedef struct nn_optim_spec {
    nn_optim_kind kind;
    double learning_rate;
    double decay;
    double momentum; /* sgd */
    bool nesterov;   /* sgd */
    double beta_1, beta_2, epsilon; /* adam */
    bool amsgrad;    /* adam */
} nn_optim_spec;

/* Reads `compile.optimizer`: a name (`adam`) or a one-key mapping (`{sgd: {momentum: 0.9}}`),
 * with Keras defaults, `lr` accepted for `learning_rate`. Adam's epsilon 0 becomes 1e-7
 * (Keras: `epsilon or 1e-7`). */
nn_status nn_optim_spec_read(nn_cfg *node, nn_optim_spec *spec, nn_error *err);

/* Slot arrays the optimizer keeps per parameter (0 .. 3). */
int nn_optim_slot_count(const nn_optim_spec *spec);

typedef struct nn_optimizer {
    nn_optim_spec spec;
    double lr;            /* base learning rate; schedules and callbacks change it */
    long long iterations; /* steps applied so far (Keras `iterations`) */
    size_t n;             /* number of trainable values */
    float *slots;         /* [n_slots, n], not owned */
} nn_optimizer;

/* Sets up an optimizer for n values; `slots` must hold nn_optim_slot_count × n zeroed
 * floats and outlive the optimizer. */
void nn_optim_init(nn_optimizer *opt, const nn_optim_spec *spec, float *slots, size_t n);

/* The rate the next step will use: lr / (1 + decay · iterations). */
double nn_optim_rate(const nn_optimizer *opt);

/* One step: updates w[n] from g[n] and increments iterations. */
void nn_optim_step(nn_optimizer *opt, float *w, const float *g, nn_pool *pool);

/* g[n] = 0 before a step's backward, shared over the pool (a serial memset of the
 * resnet10's 1.7 MiB of gradients left the other core idle for ~100 µs per step). */
void nn_optim_zero_grad(float *g, size_t n, nn_pool *pool);

#endif
