/* callbacks.h — fit.callbacks: reading the list, and each Keras callback's rules as plain
 * state machines over the monitored values (reference rows 25–29).
 *
 * This file knows nothing about the trainer: it turns the config into specs and says, for
 * a sequence of epoch-end values, what each callback does (the new learning rate, wait or
 * stop, save or not). train/callbacks.c binds these rules to a trainer. Keeping them apart
 * lets the tests walk hand-worked sequences of monitored values through the exact rules.
 *
 * YAML (a list, applied in order; each entry is {TYPE: SETTINGS}, or just TYPE):
 *   - lr_schedule: {initial: 1.0e-3, steps: [{after: 10, factor: 0.1}, {after: 15, factor: 0.01}]}
 *   - lr_schedule: {initial: 0.1, exponential: {decay_rate: 0.5, decay_epochs: 10}}
 *   - lr_schedule: {initial: 0.1, cosine: {decay_epochs: 30, alpha: 0.0}}
 *   - reduce_lr_on_plateau: {monitor: val_loss, factor: 0.1, patience: 10, mode: auto,
 *                            min_delta: 1.0e-4, cooldown: 0, min_lr: 0}
 *   - early_stopping: {monitor: val_loss, min_delta: 0, patience: 0, mode: auto,
 *                      baseline: null, restore_best_weights: false}
 *   - terminate_on_nan
 *   - model_checkpoint: {filepath: "weights.{epoch:02d}.safetensors", monitor: val_loss,
 *                        save_best_only: false, mode: auto}
 * A mapping {TYPE: SETTINGS, ...} is accepted too (its entries in the order written), so
 * `--set fit.callbacks.early_stopping.patience=3` works on a config without callbacks.
 */
#ifndef NN_OPTIM_CALLBACKS_H
#define NN_OPTIM_CALLBACKS_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"
#include "core/error.h"

typedef enum nn_cb_kind {
    NN_CB_LR_SCHEDULE,
    NN_CB_REDUCE_LR_ON_PLATEAU,
    NN_CB_EARLY_STOPPING,
    NN_CB_TERMINATE_ON_NAN,
    NN_CB_MODEL_CHECKPOINT
} nn_cb_kind;

/* YAML names indexed by nn_cb_kind, NULL-terminated. */
extern const char *const nn_callback_names[];

typedef enum nn_monitor_mode { NN_MODE_AUTO, NN_MODE_MIN, NN_MODE_MAX } nn_monitor_mode;
extern const char *const nn_monitor_mode_names[]; /* "auto", "min", "max" */

/* Whether a monitor is maximised: mode max, or mode auto and "acc" in the name (Keras;
 * ModelCheckpoint also maximises names starting with "fmeasure"). */
bool nn_monitor_is_max(nn_monitor_mode mode, const char *monitor);

/* --- lr_schedule (LearningRateScheduler with a built-in schedule function) ------------ */

typedef enum nn_schedule_kind { NN_SCHED_STEPS, NN_SCHED_EXPONENTIAL, NN_SCHED_COSINE } nn_schedule_kind;

#define NN_MAX_LR_STEPS 32

typedef struct nn_lr_step {
    int after;     /* the step applies to 0-based epochs > after (Python `epoch > after`) */
    double factor; /* lr = initial × factor */
} nn_lr_step;

typedef struct nn_lr_schedule_spec {
    nn_schedule_kind kind;
    double initial;
    int n_steps;                         /* steps: `after` strictly increasing */
    nn_lr_step steps[NN_MAX_LR_STEPS];
    double decay_rate;                   /* exponential */
    int decay_epochs;                    /* exponential, cosine */
    bool staircase;                      /* exponential */
    double alpha;                        /* cosine: the floor, as a fraction of initial */
} nn_lr_schedule_spec;

/* The rate for a 0-based epoch, in double:
 *   steps        initial × factor of the last step with epoch > after (initial if none)
 *   exponential  initial × decay_rate^(epoch / decay_epochs)   (floor of it if staircase)
 *   cosine       initial × ((1 - alpha) × ½(1 + cos(π · min(epoch, E) / E)) + alpha) */
double nn_lr_schedule_at(const nn_lr_schedule_spec *s, int epoch);

/* --- reduce_lr_on_plateau ------------------------------------------------------------ */

typedef struct nn_plateau_spec {
    const char *monitor;
    double factor;     /* [0, 1) */
    int patience;
    nn_monitor_mode mode;
    double min_delta;
    int cooldown;
    double min_lr;
} nn_plateau_spec;

typedef struct nn_plateau_state {
    double best;
    int wait;
    int cooldown_counter;
} nn_plateau_state;

/* Keras _reset: best = ±inf for the mode, wait = cooldown_counter = 0. */
void nn_plateau_reset(const nn_plateau_spec *s, nn_plateau_state *st);

/* One epoch end with the monitored value `current` (present in the logs) while the base
 * rate is `lr` (the float32 value the optimizer holds). Row 26, in order:
 *   in cooldown: cooldown_counter -= 1, wait = 0
 *   improved (min: current < best - min_delta; max: current > best + min_delta; NaN never
 *   improves): best = current, wait = 0
 *   else, when not in cooldown: wait += 1; if wait >= patience and lr > min_lr:
 *     lr = max(lr × factor, min_lr), cooldown_counter = cooldown, wait = 0
 * Returns the new rate (lr itself when unchanged). */
double nn_plateau_step(const nn_plateau_spec *s, nn_plateau_state *st, double current,
                       double lr);

/* --- early_stopping (tf.keras <= 2.4 rules, row 27) ---------------------------------- */

typedef struct nn_early_spec {
    const char *monitor;
    double min_delta;            /* >= 0; applied with the mode's sign */
    int patience;
    nn_monitor_mode mode;
    double baseline;             /* NAN: none */
    bool restore_best_weights;
} nn_early_spec;

typedef struct nn_early_state {
    double best;
    int wait;
    int best_epoch;              /* epoch of the last improvement, -1 before any */
    int stopped_epoch;           /* -1 until it stops */
} nn_early_state;

typedef enum nn_early_verdict {
    NN_EARLY_IMPROVED, /* snapshot the weights (when restoring) */
    NN_EARLY_WAITING,
    NN_EARLY_STOP      /* stop training; restore the snapshot (when restoring and taken) */
} nn_early_verdict;

/* on_train_begin: wait = 0, best = baseline if given, else ±inf for the mode. */
void nn_early_reset(const nn_early_spec *s, nn_early_state *st);

/* One epoch end with the monitored value: improved when op(current - delta, best) with
 * op = < and delta = -min_delta (min mode) or op = > and delta = +min_delta (max mode);
 * then best = current, wait = 0. Otherwise wait += 1 and the run stops once
 * wait >= patience. */
nn_early_verdict nn_early_step(const nn_early_spec *s, nn_early_state *st, int epoch,
                               double current);

/* --- model_checkpoint ---------------------------------------------------------------- */

typedef struct nn_model_ckpt_spec {
    const char *filepath;        /* pattern, relative to the run directory unless absolute */
    const char *monitor;
    bool save_best_only;
    nn_monitor_mode mode;
} nn_model_ckpt_spec;

typedef struct nn_model_ckpt_state {
    double best;
} nn_model_ckpt_state;

void nn_model_ckpt_reset(const nn_model_ckpt_spec *s, nn_model_ckpt_state *st);

/* Whether this epoch's weights are written: always without save_best_only; with it, when
 * current beats best (strictly; no min_delta), which then becomes best. */
bool nn_model_ckpt_step(const nn_model_ckpt_spec *s, nn_model_ckpt_state *st, double current);

/* Looks a log value up by name; returns false when absent. */
typedef bool (*nn_log_lookup)(void *user, const char *key, double *value);

/* Formats a file name pattern the way Python's str.format does for Keras's ModelCheckpoint:
 * `{epoch}` is the 1-based epoch, `{name}` any log value; a field may carry a format spec
 * [0][width][.precision][d|f|e|g] (`{epoch:02d}`, `{val_loss:.2f}`); a float without a
 * type prints as Python's repr; `{{` and `}}` are literal braces. With lookup NULL it only
 * checks the pattern: the fields must be `epoch` or one of `keys` (NULL-terminated), and
 * `d` is for epoch only. Errors: NN_E_CONFIG with the reason (the caller adds the place). */
nn_status nn_filename_format(const char *pattern, int epoch, nn_log_lookup lookup, void *user,
                             const char *const *keys, char *out, size_t size, nn_error *err);

/* --- the list ------------------------------------------------------------------------ */

typedef struct nn_callback_spec {
    nn_cb_kind kind;
    nn_mark mark;                /* where the entry was written */
    union {
        nn_lr_schedule_spec schedule;
        nn_plateau_spec plateau;
        nn_early_spec early;
        nn_model_ckpt_spec checkpoint;
    } u;
} nn_callback_spec;

#define NN_MAX_CALLBACKS 16

typedef struct nn_callbacks_spec {
    int n;
    nn_callback_spec items[NN_MAX_CALLBACKS];
} nn_callbacks_spec;

/* The keys a run's epoch logs will have, for checking monitors: loss, the metric (when
 * not NULL), and their val_ forms when there is validation data. */
typedef struct nn_log_keys {
    const char *metric;
    bool validation;
} nn_log_keys;

/* Reads fit.callbacks (NULL or null: none) with the schema rules of cfg.h: unknown types
 * and keys with suggestions, types and ranges, defaults written into the tree. Also:
 * a monitor that will not be in the logs, an lr_schedule without exactly one of steps /
 * exponential / cosine, steps whose `after` does not increase, a checkpoint pattern with
 * an unknown field. All NN_E_CONFIG at the offending node. */
nn_status nn_callbacks_read(nn_cfg *node, const nn_log_keys *keys, nn_callbacks_spec *out,
                            nn_error *err);

/* Whether a list contains an lr_schedule or reduce_lr_on_plateau (history gets `lr`). */
bool nn_callbacks_set_lr(const nn_callbacks_spec *s);

#endif
