/* callbacks.c — reading fit.callbacks, and the Keras callbacks' rules (see callbacks.h). */
#include "optim/callbacks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "io/format.h"

const char *const nn_callback_names[] = {"lr_schedule", "reduce_lr_on_plateau", "early_stopping",
                                         "terminate_on_nan", "model_checkpoint", NULL};
const char *const nn_monitor_mode_names[] = {"auto", "min", "max", NULL};

/* Enum keys are read through an int pointer. */
_Static_assert(sizeof(nn_monitor_mode) == sizeof(int), "enum read as int");

bool nn_monitor_is_max(nn_monitor_mode mode, const char *monitor)
{
    if (mode != NN_MODE_AUTO)
        return mode == NN_MODE_MAX;
    return strstr(monitor, "acc") != NULL || strncmp(monitor, "fmeasure", 8) == 0;
}

/* --- lr_schedule ------------------------------------------------------------------- */

double nn_lr_schedule_at(const nn_lr_schedule_spec *s, int epoch)
{
    switch (s->kind) {
    case NN_SCHED_STEPS: {
        double lr = s->initial;
        for (int i = 0; i < s->n_steps; i++)
            if (epoch > s->steps[i].after)
                lr = s->initial * s->steps[i].factor;
        return lr;
    }
    case NN_SCHED_EXPONENTIAL: {
        double p = (double)epoch / (double)s->decay_epochs;
        if (s->staircase)
            p = floor(p);
        return s->initial * pow(s->decay_rate, p);
    }
    case NN_SCHED_COSINE: {
        double e = (double)(epoch < s->decay_epochs ? epoch : s->decay_epochs);
        double cosine = 0.5 * (1.0 + cos(M_PI * e / (double)s->decay_epochs));
        return s->initial * ((1.0 - s->alpha) * cosine + s->alpha);
    }
    }
    return s->initial;
}

/* --- reduce_lr_on_plateau ----------------------------------------------------------- */

void nn_plateau_reset(const nn_plateau_spec *s, nn_plateau_state *st)
{
    st->best = nn_monitor_is_max(s->mode, s->monitor) ? -INFINITY : INFINITY;
    st->wait = 0;
    st->cooldown_counter = 0;
}

double nn_plateau_step(const nn_plateau_spec *s, nn_plateau_state *st, double current,
                       double lr)
{
    bool max = nn_monitor_is_max(s->mode, s->monitor);
    if (st->cooldown_counter > 0) {
        st->cooldown_counter--;
        st->wait = 0;
    }
    bool improved = max ? current > st->best + s->min_delta : current < st->best - s->min_delta;
    if (improved) {
        st->best = current;
        st->wait = 0;
    } else if (st->cooldown_counter <= 0) {
        st->wait++;
        if (st->wait >= s->patience && lr > s->min_lr) {
            double reduced = lr * s->factor;
            lr = reduced > s->min_lr ? reduced : s->min_lr;
            st->cooldown_counter = s->cooldown;
            st->wait = 0;
        }
    }
    return lr;
}

/* --- early_stopping ------------------------------------------------------------------ */

void nn_early_reset(const nn_early_spec *s, nn_early_state *st)
{
    bool max = nn_monitor_is_max(s->mode, s->monitor);
    st->wait = 0;
    st->best_epoch = -1;
    st->stopped_epoch = -1;
    st->best = !isnan(s->baseline) ? s->baseline : max ? -INFINITY : INFINITY;
}

nn_early_verdict nn_early_step(const nn_early_spec *s, nn_early_state *st, int epoch,
                               double current)
{
    bool max = nn_monitor_is_max(s->mode, s->monitor);
    /* Keras: min_delta *= 1 (max) or -1 (min); improved = op(current - min_delta, best) */
    double delta = max ? s->min_delta : -s->min_delta;
    bool improved = max ? current - delta > st->best : current - delta < st->best;
    if (improved) {
        st->best = current;
        st->wait = 0;
        st->best_epoch = epoch;
        return NN_EARLY_IMPROVED;
    }
    st->wait++;
    if (st->wait >= s->patience) {
        st->stopped_epoch = epoch;
        return NN_EARLY_STOP;
    }
    return NN_EARLY_WAITING;
}

/* --- model_checkpoint ---------------------------------------------------------------- */

void nn_model_ckpt_reset(const nn_model_ckpt_spec *s, nn_model_ckpt_state *st)
{
    st->best = nn_monitor_is_max(s->mode, s->monitor) ? -INFINITY : INFINITY;
}

bool nn_model_ckpt_step(const nn_model_ckpt_spec *s, nn_model_ckpt_state *st, double current)
{
    if (!s->save_best_only)
        return true;
    bool better = nn_monitor_is_max(s->mode, s->monitor) ? current > st->best
                                                          : current < st->best;
    if (better)
        st->best = current;
    return better;
}

/* One "{name:spec}" field: [0][width][.precision][type]. */
typedef struct field_spec {
    bool zero;
    int width, precision; /* -1: not given */
    char type;            /* 0, 'd', 'f', 'e', 'g' */
} field_spec;

static bool parse_spec(const char *s, field_spec *f)
{
    f->zero = false;
    f->width = f->precision = -1;
    f->type = 0;
    if (*s == '0') {
        f->zero = true;
        s++;
    }
    if (*s >= '0' && *s <= '9') {
        f->width = 0;
        while (*s >= '0' && *s <= '9' && f->width < 1000)
            f->width = f->width * 10 + (*s++ - '0');
    }
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        f->precision = 0;
        while (*s >= '0' && *s <= '9' && f->precision < 100)
            f->precision = f->precision * 10 + (*s++ - '0');
    }
    if (*s == 'd' || *s == 'f' || *s == 'e' || *s == 'g')
        f->type = *s++;
    return *s == '\0';
}

static bool valid_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
              (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

static int format_number(char *buf, size_t size, const field_spec *f, double v, bool integer)
{
    char fmt[32];
    const char *zero = f->zero ? "0" : "";
    if (f->type == 'd' || (integer && !f->type))
        return f->width >= 0 ? snprintf(buf, size, f->zero ? "%0*lld" : "%*lld", f->width,
                                        (long long)v)
                             : snprintf(buf, size, "%lld", (long long)v);
    char type = f->type ? f->type : 'g';
    if (!f->type && f->precision < 0) { /* Python str(float): repr */
        char r[40];
        nn_format_repr(v, r, sizeof r);
        return snprintf(buf, size, "%*s", f->width >= 0 ? f->width : 0, r);
    }
    snprintf(fmt, sizeof fmt, "%%%s*.*%c", zero, type);
    return snprintf(buf, size, fmt, f->width >= 0 ? f->width : 0,
                    f->precision >= 0 ? f->precision : 6, v);
}

nn_status nn_filename_format(const char *pattern, int epoch, nn_log_lookup lookup, void *user,
                             const char *const *keys, char *out, size_t size, nn_error *err)
{
    size_t n = 0;
    for (const char *p = pattern; *p;) {
        char piece[256];
        int k;
        if (p[0] == '{' && p[1] == '{') {
            k = snprintf(piece, sizeof piece, "{");
            p += 2;
        } else if (p[0] == '}' && p[1] == '}') {
            k = snprintf(piece, sizeof piece, "}");
            p += 2;
        } else if (p[0] == '}') {
            return nn_fail(err, NN_E_CONFIG, "a single '}' in '%s' (write '}}' for a brace)",
                           pattern);
        } else if (p[0] == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                return nn_fail(err, NN_E_CONFIG, "'{' without '}' in '%s'", pattern);
            char field[128];
            size_t len = (size_t)(close - p - 1);
            if (len >= sizeof field)
                return nn_fail(err, NN_E_CONFIG, "a field too long in '%s'", pattern);
            memcpy(field, p + 1, len);
            field[len] = '\0';
            p = close + 1;
            char *colon = strchr(field, ':');
            const char *spec = "";
            if (colon) {
                *colon = '\0';
                spec = colon + 1;
            }
            field_spec f;
            if (!valid_name(field))
                return nn_fail(err, NN_E_CONFIG, "'{%s}' in '%s' is not a field name such as "
                                                 "{epoch} or {val_loss}",
                               field, pattern);
            if (!parse_spec(spec, &f))
                return nn_fail(err, NN_E_CONFIG, "the format '%s' of {%s} is not understood "
                                                 "(use e.g. {epoch:02d} or {val_loss:.4f})",
                               spec, field);
            bool is_epoch = strcmp(field, "epoch") == 0;
            double v = epoch + 1;
            if (!is_epoch) {
                if (f.type == 'd')
                    return nn_fail(err, NN_E_CONFIG, "the format 'd' is for {epoch} only; "
                                                     "{%s} is a number: use e.g. {%s:.4f}",
                                   field, field);
                if (!lookup) {
                    bool known = false;
                    for (int i = 0; keys && keys[i]; i++)
                        known |= strcmp(keys[i], field) == 0;
                    if (!known) {
                        char list[512] = "epoch";
                        for (int i = 0; keys && keys[i]; i++) {
                            size_t used = strlen(list);
                            snprintf(list + used, sizeof list - used, ", %s", keys[i]);
                        }
                        return nn_fail(err, NN_E_CONFIG,
                                       "{%s} in '%s' is not a value of this run (fields: %s)",
                                       field, pattern, list);
                    }
                    v = 0.0;
                } else if (!lookup(user, field, &v)) {
                    return nn_fail(err, NN_E_DATA, "no value for {%s} at epoch %d", field,
                                   epoch + 1);
                }
            }
            k = format_number(piece, sizeof piece, &f, v, is_epoch);
        } else {
            size_t run = strcspn(p, "{}");
            if (run >= sizeof piece)
                run = sizeof piece - 1;
            memcpy(piece, p, run);
            piece[run] = '\0';
            k = (int)run;
            p += run;
        }
        if (k < 0 || (size_t)k >= sizeof piece || n + (size_t)k >= size)
            return nn_fail(err, NN_E_CONFIG, "the file name made from '%s' is too long",
                           pattern);
        memcpy(out + n, piece, (size_t)k);
        n += (size_t)k;
    }
    out[n] = '\0';
    return NN_OK;
}

/* --- reading the list --------------------------------------------------------------- */

typedef struct schedule_keys_t {
    double initial;
    nn_cfg *steps, *exponential, *cosine;
} schedule_keys_t;

static const nn_key schedule_keys[] = {
    {"initial", NN_T_FLOAT, NULL, offsetof(schedule_keys_t, initial), NN_K_MIN | NN_K_MIN_OPEN, 0,
     0, NULL},
    {"steps", NN_T_NODE, NN_OPTIONAL, offsetof(schedule_keys_t, steps), 0, 0, 0, NULL},
    {"exponential", NN_T_NODE, NN_OPTIONAL, offsetof(schedule_keys_t, exponential), 0, 0, 0, NULL},
    {"cosine", NN_T_NODE, NN_OPTIONAL, offsetof(schedule_keys_t, cosine), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key step_keys[] = {
    {"after", NN_T_INT, NULL, offsetof(nn_lr_step, after), NN_K_MIN, 0, 0, NULL},
    {"factor", NN_T_FLOAT, NULL, offsetof(nn_lr_step, factor), NN_K_MIN | NN_K_MIN_OPEN, 0, 0,
     NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key exponential_keys[] = {
    {"decay_rate", NN_T_FLOAT, NULL, offsetof(nn_lr_schedule_spec, decay_rate),
     NN_K_MIN | NN_K_MIN_OPEN, 0, 0, NULL},
    {"decay_epochs", NN_T_INT, "1", offsetof(nn_lr_schedule_spec, decay_epochs), NN_K_MIN, 1, 0,
     NULL},
    {"staircase", NN_T_BOOL, "false", offsetof(nn_lr_schedule_spec, staircase), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key cosine_keys[] = {
    {"decay_epochs", NN_T_INT, NULL, offsetof(nn_lr_schedule_spec, decay_epochs), NN_K_MIN, 1, 0,
     NULL},
    {"alpha", NN_T_FLOAT, "0.0", offsetof(nn_lr_schedule_spec, alpha), NN_K_MIN | NN_K_MAX, 0, 1,
     NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key plateau_keys[] = {
    {"monitor", NN_T_STR, "val_loss", offsetof(nn_plateau_spec, monitor), 0, 0, 0, NULL},
    {"factor", NN_T_FLOAT, "0.1", offsetof(nn_plateau_spec, factor),
     NN_K_MIN | NN_K_MAX | NN_K_MAX_OPEN, 0, 1, NULL},
    {"patience", NN_T_INT, "10", offsetof(nn_plateau_spec, patience), NN_K_MIN, 0, 0, NULL},
    {"mode", NN_T_ENUM, "auto", offsetof(nn_plateau_spec, mode), 0, 0, 0, nn_monitor_mode_names},
    {"min_delta", NN_T_FLOAT, "0.0001", offsetof(nn_plateau_spec, min_delta), NN_K_MIN, 0, 0,
     NULL},
    {"epsilon", NN_T_ALIAS, "min_delta", 0, 0, 0, 0, NULL},
    {"cooldown", NN_T_INT, "0", offsetof(nn_plateau_spec, cooldown), NN_K_MIN, 0, 0, NULL},
    {"min_lr", NN_T_FLOAT, "0.0", offsetof(nn_plateau_spec, min_lr), NN_K_MIN, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key early_keys[] = {
    {"monitor", NN_T_STR, "val_loss", offsetof(nn_early_spec, monitor), 0, 0, 0, NULL},
    {"min_delta", NN_T_FLOAT, "0.0", offsetof(nn_early_spec, min_delta), NN_K_MIN, 0, 0, NULL},
    {"patience", NN_T_INT, "0", offsetof(nn_early_spec, patience), NN_K_MIN, 0, 0, NULL},
    {"mode", NN_T_ENUM, "auto", offsetof(nn_early_spec, mode), 0, 0, 0, nn_monitor_mode_names},
    {"baseline", NN_T_FLOAT, NN_OPTIONAL, offsetof(nn_early_spec, baseline), 0, 0, 0, NULL},
    {"restore_best_weights", NN_T_BOOL, "false", offsetof(nn_early_spec, restore_best_weights), 0,
     0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key model_ckpt_keys[] = {
    {"filepath", NN_T_STR, "\"weights.{epoch:02d}.safetensors\"",
     offsetof(nn_model_ckpt_spec, filepath), 0, 0, 0, NULL},
    {"monitor", NN_T_STR, "val_loss", offsetof(nn_model_ckpt_spec, monitor), 0, 0, 0, NULL},
    {"save_best_only", NN_T_BOOL, "false", offsetof(nn_model_ckpt_spec, save_best_only), 0, 0, 0,
     NULL},
    {"mode", NN_T_ENUM, "auto", offsetof(nn_model_ckpt_spec, mode), 0, 0, 0, nn_monitor_mode_names},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key no_keys[] = {
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

/* loss, metric, val_loss, val_metric (as far as the run has them), NULL-terminated. */
static void log_key_list(const nn_log_keys *keys, char store[4][48], const char *list[5])
{
    int n = 0;
    snprintf(store[n], sizeof store[n], "loss");
    list[n] = store[n], n++;
    if (keys->metric) {
        snprintf(store[n], sizeof store[n], "%s", keys->metric);
        list[n] = store[n], n++;
    }
    if (keys->validation) {
        snprintf(store[n], sizeof store[n], "val_loss");
        list[n] = store[n], n++;
        if (keys->metric) {
            snprintf(store[n], sizeof store[n], "val_%s", keys->metric);
            list[n] = store[n], n++;
        }
    }
    list[n] = NULL;
}

static nn_status check_monitor(nn_cfg *args, const char *monitor, const nn_log_keys *keys,
                               const char *what, nn_error *err)
{
    char store[4][48];
    const char *list[5];
    log_key_list(keys, store, list);
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], monitor) == 0)
            return NN_OK;
    char have[256] = "";
    for (int i = 0; list[i]; i++) {
        size_t used = strlen(have);
        snprintf(have + used, sizeof have - used, "%s%s", i ? ", " : "", list[i]);
    }
    const char *near = nn_suggest(monitor, list);
    char hint[160] = "";
    if (near)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
    else if (!keys->validation && strncmp(monitor, "val_", 4) == 0)
        snprintf(hint, sizeof hint, "; val_ values need data.validation_split > 0");
    return nn_cfg_fail(err, nn_cfg_get(args, "monitor"),
                       "%s.monitor: '%s' is not in this run's logs%s (they have: %s)", what,
                       monitor, hint, have);
}

static nn_status read_steps(nn_cfg *steps, nn_lr_schedule_spec *s, const char *what,
                            nn_error *err)
{
    if (steps->kind != NN_CFG_SEQ || steps->n == 0)
        return nn_cfg_fail(err, steps, "%s.steps: expected a list such as [{after: 10, "
                                       "factor: 0.1}, {after: 15, factor: 0.01}]",
                           what);
    if (steps->n > NN_MAX_LR_STEPS)
        return nn_cfg_fail(err, steps, "%s.steps: at most %d steps, got %zu", what,
                           NN_MAX_LR_STEPS, steps->n);
    for (size_t i = 0; i < steps->n; i++) {
        char label[300];
        snprintf(label, sizeof label, "%s.steps[%zu]", what, i);
        nn_lr_step *step = &s->steps[i];
        nn_status st = nn_cfg_read(steps->items[i], step_keys, step, label, err);
        if (st)
            return st;
        if (i > 0 && step->after <= s->steps[i - 1].after)
            return nn_cfg_fail(err, nn_cfg_get(steps->items[i], "after"),
                               "%s.after: steps must be in increasing order of `after`; %d "
                               "follows %d",
                               label, step->after, s->steps[i - 1].after);
    }
    s->n_steps = (int)steps->n;
    return NN_OK;
}

static nn_status read_schedule(nn_cfg *args, nn_lr_schedule_spec *s, const char *what,
                               nn_error *err)
{
    schedule_keys_t k;
    nn_status st = nn_cfg_read(args, schedule_keys, &k, what, err);
    if (st)
        return st;
    s->initial = k.initial;
    nn_cfg *steps = k.steps, *expo = k.exponential, *cosine = k.cosine;
    int forms = (steps != NULL) + (expo != NULL) + (cosine != NULL);
    if (forms != 1)
        return nn_cfg_fail(err, args,
                           "%s: give exactly one of steps, exponential or cosine, e.g. "
                           "{initial: 1.0e-3, steps: [{after: 10, factor: 0.1}]}",
                           what);
    char label[300];
    if (steps) {
        s->kind = NN_SCHED_STEPS;
        return read_steps(steps, s, what, err);
    }
    nn_cfg *form = expo ? expo : cosine;
    s->kind = expo ? NN_SCHED_EXPONENTIAL : NN_SCHED_COSINE;
    snprintf(label, sizeof label, "%s.%s", what, expo ? "exponential" : "cosine");
    if (nn_cfg_is_null(form))
        nn_cfg_make_map(form);
    return nn_cfg_read(form, expo ? exponential_keys : cosine_keys, s, label, err);
}

static nn_status read_one(nn_cfg *keynode, nn_cfg *args, const nn_log_keys *keys,
                          nn_callback_spec *cb, const char *where, nn_error *err)
{
    int kind = -1;
    for (int i = 0; nn_callback_names[i]; i++)
        if (strcmp(keynode->text, nn_callback_names[i]) == 0)
            kind = i;
    if (kind < 0)
        return nn_cfg_fail_choice(err, keynode, "callback", keynode->text, nn_callback_names);
    if (nn_cfg_is_null(args))
        nn_cfg_make_map(args);
    args->used = true;
    cb->kind = (nn_cb_kind)kind;
    cb->mark = keynode->mark;
    char what[256];
    snprintf(what, sizeof what, "%s.%s", where, keynode->text);
    nn_status st;
    switch (cb->kind) {
    case NN_CB_LR_SCHEDULE: return read_schedule(args, &cb->u.schedule, what, err);
    case NN_CB_REDUCE_LR_ON_PLATEAU:
        st = nn_cfg_read(args, plateau_keys, &cb->u.plateau, what, err);
        return st ? st : check_monitor(args, cb->u.plateau.monitor, keys, what, err);
    case NN_CB_EARLY_STOPPING:
        st = nn_cfg_read(args, early_keys, &cb->u.early, what, err);
        return st ? st : check_monitor(args, cb->u.early.monitor, keys, what, err);
    case NN_CB_TERMINATE_ON_NAN: return nn_cfg_read(args, no_keys, cb, what, err);
    case NN_CB_MODEL_CHECKPOINT: {
        nn_model_ckpt_spec *m = &cb->u.checkpoint;
        st = nn_cfg_read(args, model_ckpt_keys, m, what, err);
        if (!st && m->save_best_only)
            st = check_monitor(args, m->monitor, keys, what, err);
        if (st)
            return st;
        nn_cfg *path = nn_cfg_get(args, "filepath");
        size_t len = strlen(m->filepath);
        const char *suffix = ".safetensors";
        if (len < strlen(suffix) || strcmp(m->filepath + len - strlen(suffix), suffix) != 0)
            return nn_cfg_fail(err, path,
                               "%s.filepath: model_checkpoint writes safetensors files; end "
                               "the name in .safetensors, e.g. weights.{epoch:02d}.safetensors",
                               what);
        char store[4][48];
        const char *list[5];
        char name[1024];
        log_key_list(keys, store, list);
        st = nn_filename_format(m->filepath, 0, NULL, NULL, list, name, sizeof name, err);
        if (st) {
            char why[sizeof err->msg];
            nn_strlcpy(why, err->msg, sizeof why);
            return nn_cfg_fail(err, path, "%s.filepath: %s", what, why);
        }
        return NN_OK;
    }
    }
    return nn_fail(err, NN_E_INTERNAL, "callback kind %d", kind);
}

/* One list item: `TYPE`, `TYPE:` or `TYPE: {...}` (a mapping with one key). */
static nn_status read_item(nn_cfg *item, const nn_log_keys *keys, nn_callback_spec *cb,
                           const char *where, nn_error *err)
{
    if (item->kind == NN_CFG_SCALAR && !nn_cfg_is_null(item)) {
        /* `- terminate_on_nan` -> `- terminate_on_nan: {}` */
        const char *name = item->text;
        if (nn_cfg_wrap(item, name, err))
            return err->code;
        nn_cfg_make_map(item->items[0]);
    }
    if (item->kind != NN_CFG_MAP || item->n != 1)
        return nn_cfg_fail(err, item,
                           "%s: expected one callback written as `- TYPE: {SETTINGS}`, such as "
                           "`- early_stopping: {patience: 3}`%s",
                           where,
                           item->kind == NN_CFG_MAP && item->n > 1
                               ? " (write each callback as its own list item)"
                               : "");
    return read_one(item->keys[0], item->items[0], keys, cb, where, err);
}

nn_status nn_callbacks_read(nn_cfg *node, const nn_log_keys *keys, nn_callbacks_spec *out,
                            nn_error *err)
{
    memset(out, 0, sizeof *out);
    if (!node || (node->kind == NN_CFG_SCALAR && nn_cfg_is_null(node)))
        return NN_OK;
    if (node->kind == NN_CFG_SCALAR)
        return nn_cfg_fail(err, node, "fit.callbacks: expected a list of callbacks, such as "
                                      "[terminate_on_nan, {early_stopping: {patience: 3}}]");
    if (node->n > NN_MAX_CALLBACKS)
        return nn_cfg_fail(err, node, "fit.callbacks: at most %d callbacks, got %zu",
                           NN_MAX_CALLBACKS, node->n);
    for (size_t i = 0; i < node->n; i++) {
        nn_callback_spec *cb = &out->items[i];
        nn_status st;
        if (node->kind == NN_CFG_SEQ) {
            char where[64];
            snprintf(where, sizeof where, "fit.callbacks[%zu]", i);
            st = read_item(node->items[i], keys, cb, where, err);
        } else {
            node->items[i]->used = true;
            st = read_one(node->keys[i], node->items[i], keys, cb, "fit.callbacks", err);
        }
        if (st)
            return st;
        out->n++;
    }
    return NN_OK;
}

bool nn_callbacks_set_lr(const nn_callbacks_spec *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->items[i].kind == NN_CB_LR_SCHEDULE || s->items[i].kind == NN_CB_REDUCE_LR_ON_PLATEAU)
            return true;
    return false;
}
