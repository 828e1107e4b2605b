/* fit.h — the training loop: Keras's fit and evaluate (reference rows 1–6).
 *
 * Per epoch: a fresh permutation of the training rows (when shuffling); consecutive
 * slices of it are the batches, the last one partial; per batch: gather the rows, forward
 * in training mode, fused loss and its gradient (mean over the batch), zero the parameter
 * gradients, backward, one optimizer step. The epoch's `loss` and metric are running
 * means over the batches weighted by batch size; validation runs after the epoch's last
 * step in evaluation mode. Callbacks see every epoch's logs before the reporting hooks do.
 *
 * All randomness comes from streams derived from the seed (weights, shuffling, dropout),
 * so a run is repeatable; the trainer's state (epoch, optimizer iterations and slots, the
 * streams' counters) is small and can be saved and restored for exact resumption.
 */
#ifndef NN_TRAIN_FIT_H
#define NN_TRAIN_FIT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/logs.h"
#include "core/pool.h"
#include "core/rng.h"
#include "data/data.h"
#include "graph/graph.h"
#include "losses/loss.h"
#include "optim/optim.h"
#include "tensor/blas.h"
#include "train/experiment.h"

/* --- callbacks (fit.callbacks) ------------------------------------------------------- */

typedef struct nn_trainer nn_trainer;
typedef struct nn_callback nn_callback;
struct nn_st; /* io/safetensors.h: checkpoints */

/* One entry of fit.callbacks (train/callbacks.h builds them from the config). Hooks may be
 * NULL. They run in list order. A callback stops the run by calling nn_trainer_stop; an
 * error from on_epoch_end (a file it could not write) ends nn_trainer_fit with it.
 * save_state / restore_state put the callback's state into a checkpoint and take it back,
 * under names and metadata keys starting with `prefix`, so a resumed run goes on exactly. */
struct nn_callback {
    const char *type;
    void *self;
    void (*on_train_begin)(nn_callback *cb, nn_trainer *t);
    void (*on_epoch_begin)(nn_callback *cb, nn_trainer *t, int epoch);
    void (*on_batch_end)(nn_callback *cb, nn_trainer *t, int epoch, int batch, double loss);
    nn_status (*on_epoch_end)(nn_callback *cb, nn_trainer *t, int epoch, nn_logs *logs,
                              nn_error *err);
    nn_status (*save_state)(const nn_callback *cb, const nn_trainer *t, struct nn_st *st,
                            const char *prefix, nn_error *err);
    nn_status (*restore_state)(nn_callback *cb, nn_trainer *t, const struct nn_st *st,
                               const char *prefix, nn_error *err);
    void (*destroy)(nn_callback *cb);
};

/* --- reporting hooks (progress display, history file, checkpoints) ------------------- */

typedef struct nn_fit_hooks {
    void *user;
    void (*on_train_begin)(void *user, const nn_trainer *t, size_t n_train, size_t n_val);
    void (*on_epoch_begin)(void *user, const nn_trainer *t, int epoch);
    /* after every batch: samples seen so far this epoch, running loss and metric */
    void (*on_batch_end)(void *user, const nn_trainer *t, int epoch, size_t seen, size_t total,
                         double loss, double metric);
    /* after callbacks; an error here stops the run and is returned by nn_trainer_fit */
    nn_status (*on_epoch_end)(void *user, const nn_trainer *t, int epoch, const nn_logs *logs,
                              double seconds, nn_error *err);
} nn_fit_hooks;

/* --- the trainer --------------------------------------------------------------------- */

struct nn_trainer {
    nn_graph *g;
    nn_compile_spec compile;
    nn_fit_spec fit;
    nn_optimizer opt;
    nn_pool *pool;
    nn_gemm_trace *trace;                /* NULL unless measuring */
    volatile sig_atomic_t *interrupt;    /* set by a signal handler to stop after a batch */

    int classes;                         /* output units */
    nn_rng init_rng, shuffle_rng, dropout_rng;
    int epoch;                           /* next epoch to run (0-based) */
    int epochs_done;

    nn_callback **callbacks;
    int n_callbacks;

    bool stop;                           /* a callback or the loop asked to stop */
    char stop_reason[256];               /* "completed", "early_stopping", "nan", ... */
    char stop_message[512];              /* why, for people ("" when completed) */
    int nan_epoch, nan_batch;            /* where a non-finite loss appeared, or -1 */
    int batch_rows;                      /* rows in the last training step */

    uint32_t *perm;                      /* [n_train] */
    int32_t *labels;                     /* [batch] */
    size_t perm_n;
};

/* Checks the model against the compile spec (output rank 1, >= 2 classes; fuses a final
 * softmax into the loss), plans the graph for fit.batch_size, initialises the weights
 * from the seed and sets up the optimizer. Errors: NN_E_CONFIG at the loss or the
 * output layer. The trainer borrows g and pool. */
nn_status nn_trainer_init(nn_trainer *t, nn_graph *g, const nn_compile_spec *compile,
                          const nn_fit_spec *fit, uint64_t seed, nn_pool *pool, nn_error *err);

/* Checks that a split fits the model: per-sample shape equal to the model input, labels
 * inside [0, classes). Errors: NN_E_DATA naming both shapes. */
nn_status nn_trainer_check_data(const nn_trainer *t, const nn_split *s, const char *what,
                                nn_error *err);

/* Trains from t->epoch to fit.epochs. Returns NN_OK when the run ended normally, or was
 * stopped by a callback; NN_E_NUMERIC for a non-finite loss (message names epoch, batch
 * and the first layer that went non-finite); NN_E_INTERRUPTED when *interrupt was set
 * (after the current batch); or a hook's or callback's error. t->stop_reason says which.
 * When a callback stops the run during an epoch (terminate_on_nan), the epoch ends there:
 * its logs hold the batches run so far and, as in Keras, no validation values. val may
 * have n == 0. */
nn_status nn_trainer_fit(nn_trainer *t, const nn_split *train, const nn_split *val,
                         const nn_fit_hooks *hooks, nn_error *err);

/* One training step on rows x[B, in] with labels y[B] (no shuffling, no callbacks);
 * returns the batch mean loss; `correct` gets the number of right predictions. */
double nn_trainer_step(nn_trainer *t, const float *x, const int32_t *y, int B, long *correct);

/* Evaluation mode over a whole split in batches of fit.batch_size: mean loss and
 * accuracy (sample-weighted, as Keras's evaluate). */
void nn_trainer_evaluate(nn_trainer *t, const nn_split *s, double *loss, double *accuracy);

/* Asks the loop to stop after the current epoch (callbacks use it). */
void nn_trainer_stop(nn_trainer *t, const char *reason);

/* After a step: "the output of layer 'dense_1'" / "the gradient of layer 'dense'" — the
 * first place the step's numbers went non-finite (nn_graph_find_nonfinite) — or "no layer
 * output or gradient (the loss itself overflowed)". Returns buf. */
const char *nn_trainer_nonfinite_where(const nn_trainer *t, char *buf, size_t size);

void nn_trainer_free(nn_trainer *t);

#endif
