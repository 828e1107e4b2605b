/* callbacks.h — fit.callbacks bound to a trainer: the rules of optim/callbacks.h acting
 * on the optimizer's base rate, the stop flag, the weights and the run directory.
 *
 *   lr_schedule           on_epoch_begin: base rate = schedule(epoch); on_epoch_end: logs lr
 *   reduce_lr_on_plateau  on_epoch_end: logs lr (the rate this epoch used), then the rule
 *   early_stopping        on_epoch_end: the rule; snapshots and restores all weights
 *                         (moving statistics included) with restore_best_weights
 *   terminate_on_nan      on_batch_end: stops at the first non-finite batch loss, naming
 *                         the first layer whose output or gradient went non-finite
 *   model_checkpoint      on_epoch_end: writes a weights file named by the pattern
 * Rates are set as float32 values (Keras keeps the rate in a float32 variable) and logged
 * as such. A monitor missing from an epoch's logs (no validation values after
 * terminate_on_nan) leaves a callback's state as it was, as Keras does after its warning.
 * Every callback's state goes into checkpoints (save_state / restore_state).
 */
#ifndef NN_TRAIN_CALLBACKS_H
#define NN_TRAIN_CALLBACKS_H

#include "optim/callbacks.h"
#include "train/fit.h"

/* Creates the callbacks of `spec` in order and attaches them to t (t->callbacks, freed by
 * nn_trainer_free), with their state reset as Keras's on_train_begin does. model_checkpoint
 * files are written under `dir` unless their pattern is an absolute path (dir NULL: the
 * working directory). The trainer must be initialised (its graph planned).
 * Errors: NN_E_NOMEM. */
nn_status nn_callbacks_attach(nn_trainer *t, const nn_callbacks_spec *spec, const char *dir,
                              nn_error *err);

#endif
