/* callbacks.c — the Keras callbacks bound to a trainer (see callbacks.h). */
#include "train/callbacks.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "io/format.h"
#include "io/safetensors.h"
#include "train/checkpoint.h"

typedef struct cb_obj {
    nn_callback cb;
    nn_callback_spec spec;
    char dir[1024];
    nn_plateau_state plateau;
    nn_early_state early;
    nn_model_ckpt_state ckpt;
    float *best_weights;   /* early_stopping with restore_best_weights: [n_weights] */
    bool has_best;
    const struct state_field *fields; /* the state a checkpoint keeps (see below) */
} cb_obj;

/* Keras holds the rate in a float32 variable: what it sets and logs is a float. */
static double as_float32(double v)
{
    return (double)(float)v;
}

static void log_lr(nn_trainer *t, nn_logs *logs)
{
    nn_logs_set(logs, "lr", as_float32(t->opt.lr));
}

/* "val_loss 0.1234" */
static const char *value_text(double v, char *buf, size_t size)
{
    return nn_format_keras(v, buf, size);
}

/* --- state in checkpoints ------------------------------------------------------------
 * A callback's state is a few numbers; each is one metadata entry "<prefix><name>" of the
 * checkpoint. The tables below name them once, for saving and restoring alike. */

typedef struct state_field {
    const char *name;
    bool is_int;   /* int, else double */
    size_t offset; /* in cb_obj */
} state_field;

static const state_field plateau_fields[] = {
    {"best", false, offsetof(cb_obj, plateau.best)},
    {"wait", true, offsetof(cb_obj, plateau.wait)},
    {"cooldown_counter", true, offsetof(cb_obj, plateau.cooldown_counter)},
    {NULL, false, 0},
};

static const state_field early_fields[] = {
    {"best", false, offsetof(cb_obj, early.best)},
    {"wait", true, offsetof(cb_obj, early.wait)},
    {"best_epoch", true, offsetof(cb_obj, early.best_epoch)},
    {"stopped_epoch", true, offsetof(cb_obj, early.stopped_epoch)},
    {NULL, false, 0},
};

static const state_field ckpt_fields[] = {
    {"best", false, offsetof(cb_obj, ckpt.best)},
    {NULL, false, 0},
};

static nn_status save_fields(const cb_obj *o, nn_st *st, const char *prefix, nn_error *err)
{
    nn_status s = NN_OK;
    for (const state_field *f = o->fields; !s && f->name; f++) {
        char key[128];
        const char *at = (const char *)o + f->offset;
        snprintf(key, sizeof key, "%s%s", prefix, f->name);
        s = f->is_int ? nn_st_meta_set_ll(st, key, *(const int *)at, err)
                      : nn_st_meta_set_double(st, key, *(const double *)at, err);
    }
    return s;
}

/* All or nothing: the values are read first and stored only when every one was there. */
static nn_status restore_fields(cb_obj *o, const nn_st *st, const char *prefix, nn_error *err)
{
    double values[8];
    int n = 0;
    for (const state_field *f = o->fields; f->name && n < 8; f++, n++) {
        char key[128];
        long long v;
        snprintf(key, sizeof key, "%s%s", prefix, f->name);
        nn_status s = f->is_int ? nn_st_meta_get_ll(st, key, "the checkpoint", &v, err)
                                : nn_st_meta_get_double(st, key, "the checkpoint", &values[n], err);
        if (s)
            return s;
        if (f->is_int)
            values[n] = (double)v;
    }
    n = 0;
    for (const state_field *f = o->fields; f->name && n < 8; f++, n++) {
        char *at = (char *)o + f->offset;
        if (f->is_int)
            *(int *)at = (int)values[n];
        else
            *(double *)at = values[n];
    }
    return NN_OK;
}

static nn_status state_save(const nn_callback *cb, const nn_trainer *t, nn_st *st,
                            const char *prefix, nn_error *err)
{
    (void)t;
    return save_fields(cb->self, st, prefix, err);
}

static nn_status state_restore(nn_callback *cb, nn_trainer *t, const nn_st *st,
                               const char *prefix, nn_error *err)
{
    (void)t;
    return restore_fields(cb->self, st, prefix, err);
}

/* --- lr_schedule --------------------------------------------------------------------- */

static void schedule_epoch_begin(nn_callback *cb, nn_trainer *t, int epoch)
{
    cb_obj *o = cb->self;
    t->opt.lr = as_float32(nn_lr_schedule_at(&o->spec.u.schedule, epoch));
}

static nn_status schedule_epoch_end(nn_callback *cb, nn_trainer *t, int epoch, nn_logs *logs,
                                    nn_error *err)
{
    (void)cb, (void)epoch, (void)err;
    log_lr(t, logs);
    return NN_OK;
}

/* --- reduce_lr_on_plateau ------------------------------------------------------------ */

static nn_status plateau_epoch_end(nn_callback *cb, nn_trainer *t, int epoch, nn_logs *logs,
                                   nn_error *err)
{
    (void)epoch, (void)err;
    cb_obj *o = cb->self;
    const nn_plateau_spec *s = &o->spec.u.plateau;
    log_lr(t, logs);
    if (!nn_logs_has(logs, s->monitor))
        return NN_OK;
    double lr = as_float32(t->opt.lr);
    double next = nn_plateau_step(s, &o->plateau, nn_logs_get(logs, s->monitor), lr);
    if (next != lr)
        t->opt.lr = as_float32(next);
    return NN_OK;
}

/* --- early_stopping ------------------------------------------------------------------ */

static nn_status early_epoch_end(nn_callback *cb, nn_trainer *t, int epoch, nn_logs *logs,
                                 nn_error *err)
{
    (void)err;
    cb_obj *o = cb->self;
    const nn_early_spec *s = &o->spec.u.early;
    if (!nn_logs_has(logs, s->monitor))
        return NN_OK;
    nn_graph *g = t->g;
    nn_early_verdict v = nn_early_step(s, &o->early, epoch, nn_logs_get(logs, s->monitor));
    if (v == NN_EARLY_IMPROVED && o->best_weights) {
        memcpy(o->best_weights, g->weights, g->n_weights * sizeof(float));
        o->has_best = true;
    }
    if (v != NN_EARLY_STOP)
        return NN_OK;
    nn_trainer_stop(t, "early_stopping");
    char best[32], restored[128] = "";
    if (o->best_weights && o->has_best) {
        memcpy(g->weights, o->best_weights, g->n_weights * sizeof(float));
        snprintf(restored, sizeof restored, "; restored the weights from the end of epoch %d",
                 o->early.best_epoch + 1);
    }
    if (o->early.best_epoch >= 0)
        snprintf(t->stop_message, sizeof t->stop_message,
                 "Epoch %d: early stopping: %s did not improve on %s (epoch %d) for %d "
                 "epoch%s%s",
                 epoch + 1, s->monitor, value_text(o->early.best, best, sizeof best),
                 o->early.best_epoch + 1, o->early.wait, o->early.wait == 1 ? "" : "s",
                 restored);
    else
        snprintf(t->stop_message, sizeof t->stop_message,
                 "Epoch %d: early stopping: %s did not beat %s in %d epoch%s", epoch + 1,
                 s->monitor, value_text(o->early.best, best, sizeof best), o->early.wait,
                 o->early.wait == 1 ? "" : "s");
    return NN_OK;
}

static nn_status early_save(const nn_callback *cb, const nn_trainer *t, nn_st *st,
                            const char *prefix, nn_error *err)
{
    const cb_obj *o = cb->self;
    char key[128];
    nn_status s = save_fields(o, st, prefix, err);
    snprintf(key, sizeof key, "%shas_best_weights", prefix);
    if (!s)
        s = nn_st_meta_set(st, key, o->has_best ? "true" : "false", err);
    snprintf(key, sizeof key, "%sbest_weights/", prefix);
    if (!s && o->has_best)
        s = nn_weights_add(t->g, o->best_weights, false, key, st, err);
    return s;
}

static nn_status early_restore(nn_callback *cb, nn_trainer *t, const nn_st *st,
                               const char *prefix, nn_error *err)
{
    cb_obj *o = cb->self;
    char key[128];
    snprintf(key, sizeof key, "%shas_best_weights", prefix);
    const char *has = nn_st_meta_get(st, key);
    if (!has)
        return nn_fail(err, NN_E_DATA, "the checkpoint: metadata '%s' is missing", key);
    bool has_best = strcmp(has, "true") == 0;
    if (has_best && !o->best_weights)
        return nn_fail(err, NN_E_DATA, "the checkpoint has best weights for a callback that "
                                       "does not keep them");
    snprintf(key, sizeof key, "%sbest_weights/", prefix);
    nn_status s = has_best ? nn_weights_take(t->g, st, key, false, false, o->best_weights,
                                             "the checkpoint", err)
                           : NN_OK;
    if (!s)
        s = restore_fields(o, st, prefix, err);
    if (!s)
        o->has_best = has_best;
    return s;
}

/* --- terminate_on_nan ---------------------------------------------------------------- */

static void nan_batch_end(nn_callback *cb, nn_trainer *t, int epoch, int batch, double loss)
{
    (void)cb;
    if (isfinite(loss))
        return;
    char where[160];
    nn_trainer_stop(t, "terminate_on_nan");
    snprintf(t->stop_message, sizeof t->stop_message,
             "Batch %d: Invalid loss, terminating training: the loss became %s at epoch %d, "
             "batch %d (first non-finite: %s)",
             batch, isnan(loss) ? "nan" : "infinite", epoch + 1, batch + 1,
             nn_trainer_nonfinite_where(t, where, sizeof where));
}

/* --- model_checkpoint ---------------------------------------------------------------- */

static bool lookup_log(void *user, const char *key, double *value)
{
    const nn_logs *logs = user;
    if (!nn_logs_has(logs, key))
        return false;
    *value = nn_logs_get(logs, key);
    return true;
}

static nn_status ckpt_epoch_end(nn_callback *cb, nn_trainer *t, int epoch, nn_logs *logs,
                                nn_error *err)
{
    cb_obj *o = cb->self;
    const nn_model_ckpt_spec *s = &o->spec.u.checkpoint;
    if (s->save_best_only) {
        if (!nn_logs_has(logs, s->monitor))
            return NN_OK;
        if (!nn_model_ckpt_step(s, &o->ckpt, nn_logs_get(logs, s->monitor)))
            return NN_OK;
    }
    char name[1024], path[2100];
    nn_status st = nn_filename_format(s->filepath, epoch, lookup_log, logs, NULL, name,
                                      sizeof name, err);
    if (st) {
        char why[sizeof err->msg];
        nn_strlcpy(why, err->msg, sizeof why);
        return nn_fail(err, NN_E_IO, "model_checkpoint: %s", why);
    }
    if (name[0] == '/' || !o->dir[0])
        nn_strlcpy(path, name, sizeof path);
    else
        snprintf(path, sizeof path, "%s/%s", o->dir, name);
    char parent[2100];
    nn_strlcpy(parent, path, sizeof parent);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        if ((st = nn_mkdir_p(parent, err)))
            return st;
    }
    return nn_weights_save(t->g, path, err);
}

/* --- building ------------------------------------------------------------------------ */

static void destroy(nn_callback *cb)
{
    cb_obj *o = cb->self;
    free(o->best_weights);
    free(o);
}

static nn_status make_one(nn_trainer *t, const nn_callback_spec *spec, const char *dir,
                          nn_callback **out, nn_error *err)
{
    cb_obj *o = calloc(1, sizeof *o);
    if (!o)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    o->spec = *spec;
    if (dir)
        nn_strlcpy(o->dir, dir, sizeof o->dir);
    nn_callback *cb = &o->cb;
    cb->self = o;
    cb->type = nn_callback_names[spec->kind];
    cb->destroy = destroy;
    switch (spec->kind) {
    case NN_CB_LR_SCHEDULE:
        cb->on_epoch_begin = schedule_epoch_begin;
        cb->on_epoch_end = schedule_epoch_end;
        break;
    case NN_CB_REDUCE_LR_ON_PLATEAU:
        nn_plateau_reset(&spec->u.plateau, &o->plateau);
        cb->on_epoch_end = plateau_epoch_end;
        o->fields = plateau_fields;
        cb->save_state = state_save;
        cb->restore_state = state_restore;
        break;
    case NN_CB_EARLY_STOPPING:
        nn_early_reset(&spec->u.early, &o->early);
        cb->on_epoch_end = early_epoch_end;
        o->fields = early_fields;
        cb->save_state = early_save;
        cb->restore_state = early_restore;
        if (spec->u.early.restore_best_weights) {
            o->best_weights = malloc((t->g->n_weights ? t->g->n_weights : 1) * sizeof(float));
            if (!o->best_weights) {
                free(o);
                return nn_fail(err, NN_E_NOMEM, "out of memory");
            }
        }
        break;
    case NN_CB_TERMINATE_ON_NAN:
        cb->on_batch_end = nan_batch_end;
        break;
    case NN_CB_MODEL_CHECKPOINT:
        nn_model_ckpt_reset(&spec->u.checkpoint, &o->ckpt);
        cb->on_epoch_end = ckpt_epoch_end;
        o->fields = ckpt_fields;
        cb->save_state = state_save;
        cb->restore_state = state_restore;
        break;
    }
    *out = cb;
    return NN_OK;
}

nn_status nn_callbacks_attach(nn_trainer *t, const nn_callbacks_spec *spec, const char *dir,
                              nn_error *err)
{
    if (spec->n == 0)
        return NN_OK;
    nn_callback **list = realloc(t->callbacks,
                                 (size_t)(t->n_callbacks + spec->n) * sizeof *list);
    if (!list)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    t->callbacks = list;
    for (int i = 0; i < spec->n; i++) {
        nn_status s = make_one(t, &spec->items[i], dir, &t->callbacks[t->n_callbacks], err);
        if (s)
            return s;
        t->n_callbacks++;
    }
    return NN_OK;
}
