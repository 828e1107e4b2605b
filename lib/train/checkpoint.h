/* checkpoint.h — weights files and full training checkpoints, both safetensors.
 *
 * A weights file (weights.safetensors, model_checkpoint's files) holds one F32 tensor per
 * parameter, named "<layer>.<param>" with Keras's names and shapes (dense kernel [in, out]
 * and bias [out]; batch_normalization gamma, beta, moving_mean, moving_variance), and the
 * metadata format = "nnrun-weights", model = the model's name.
 *
 * A checkpoint (checkpoint.safetensors, written after every epoch) holds everything a run
 * needs to go on exactly as if it had never stopped:
 *   tensors   "<layer>.<param>"                    the weights, as in a weights file
 *             "optimizer/<slot>/<layer>.<param>"    the optimizer's slots (sgd: momentum;
 *                                                   adam: m, v, and vhat with amsgrad)
 *             "callbacks/<i>/..."                   a callback's tensors (early_stopping's
 *                                                   best weights)
 *   metadata  format = "nnrun-checkpoint", checkpoint_version = "1", epoch (the next epoch
 *             to run, 0-based), epochs_done, iterations, lr (the base rate), rng.init /
 *             rng.shuffle / rng.dropout (key and counter, hex), stop, stop_reason,
 *             stop_message, callbacks (their types in order) and callback.<i>.* (their
 *             state), run.* (what results.json reports: the best epoch, timings, the last
 *             logs), config_sha256, data.<i>.sha256, seed, threads, nnrun_version.
 * Doubles are written so they read back bit for bit (io/format.h's repr).
 */
#ifndef NN_TRAIN_CHECKPOINT_H
#define NN_TRAIN_CHECKPOINT_H

#include <stdbool.h>

#include "core/error.h"
#include "data/data.h"
#include "graph/graph.h"
#include "io/safetensors.h"
#include "train/fit.h"

/* --- weights ------------------------------------------------------------------------- */

/* Adds one tensor per parameter, "<prefix><layer>.<param>", with values taken from `base`,
 * an array laid out like g->weights (the weights themselves, or a copy of them). With
 * trainable_only, `base` is laid out like the trainable prefix (gradients, optimizer slots)
 * and only trainable parameters are added. The tensors borrow `base`. */
nn_status nn_weights_add(const nn_graph *g, const float *base, bool trainable_only,
                         const char *prefix, nn_st *st, nn_error *err);

/* The reverse: every parameter's tensor "<prefix><layer>.<param>" must be in st with the
 * same shape and dtype F32, and is copied into `base` (laid out as for nn_weights_add).
 * Tensors under prefix that match no parameter are errors too — except, when
 * `namespaced_ok`, those whose name goes on with a '/' (a checkpoint's other contents).
 * `what` names the file. Errors: NN_E_DATA listing the missing, unexpected, misshapen and
 * wrongly typed tensors with their shapes. Nothing is copied unless everything fits. */
nn_status nn_weights_take(const nn_graph *g, const nn_st *st, const char *prefix,
                          bool trainable_only, bool namespaced_ok, float *base,
                          const char *what, nn_error *err);

/* Writes g's weights to path atomically. Errors: NN_E_IO. */
nn_status nn_weights_save(const nn_graph *g, const char *path, nn_error *err);

/* Loads weights from a weights file, or from a checkpoint (its weights only), into g.
 * Errors: NN_E_IO (cannot read), NN_E_DATA (not safetensors, does not fit the model). */
nn_status nn_weights_load(nn_graph *g, const char *path, nn_error *err);

/* --- checkpoints --------------------------------------------------------------------- */

/* Takes the run directory's lock (an flock on DIR/.nnrun.lock, held until *fd is closed,
 * at the latest when the process ends), so that two processes never write one run: a
 * --resume while the run is still going, or two runs given the same --out. The file
 * records the run's thread count ("threads N"), for resuming a run that was stopped before
 * its first checkpoint. *fd gets the descriptor. Errors: NN_E_USAGE when another process
 * holds it; NN_E_IO. */
nn_status nn_run_dir_lock(const char *dir, int threads, int *fd, nn_error *err);

/* The thread count DIR/.nnrun.lock records, or 0 when it records none. */
int nn_run_dir_threads(const char *dir);

/* What run.c tracks for results.json besides the trainer. */
typedef struct nn_run_track {
    int best_epoch;                  /* -1 before any validation */
    double best_val_loss, best_val_metric;
    double epoch_seconds_sum;
    nn_logs last_logs;
    char overrides[2048];            /* the run's --set overrides as results.csv shows them,
                                        so a resumed run's row groups with its siblings */
} nn_run_track;

/* Facts a checkpoint records about the run and checks on resume. */
typedef struct nn_ckpt_facts {
    long long seed;
    int threads;
    char config_sha256[65];          /* of the run directory's config.yaml */
    int n_files;
    char data_sha256[NN_MAX_DATA_FILES][65];
} nn_ckpt_facts;

/* Fills facts from the data and the run directory's config.yaml. Errors: NN_E_IO. */
nn_status nn_ckpt_facts_make(nn_ckpt_facts *facts, long long seed, int threads,
                             const char *config_path, const nn_data *data, nn_error *err);

/* Writes the trainer's whole state (the trainer must be between epochs) atomically to
 * path. `stage` (may be NULL) is passed to nn_st_save (test hooks). Errors: NN_E_IO,
 * NN_E_NOMEM, a callback's save error. */
nn_status nn_checkpoint_save(const char *path, const nn_trainer *t, const nn_run_track *track,
                             const nn_ckpt_facts *facts, nn_st_stage_fn stage, void *user,
                             nn_error *err);

/* Restores a checkpoint read with nn_st_load into a trainer set up from the same
 * configuration (nn_trainer_init + callbacks attached): weights, slots, iterations, lr,
 * random streams, epoch, stop state, callback state, and *track. Checks first that it is
 * an nnrun checkpoint of this model, optimizer and callback list, that the config and the
 * data files are the ones it was made with (facts), and changes nothing when they are
 * not. `path` names the file in errors. Errors: NN_E_DATA. */
nn_status nn_checkpoint_restore(const nn_st *st, const char *path, nn_trainer *t,
                                nn_run_track *track, const nn_ckpt_facts *facts,
                                nn_error *err);

#endif
