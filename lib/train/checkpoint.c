/* checkpoint.c — weights files and training checkpoints (see checkpoint.h). */
#include "train/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "core/sha256.h"
#include "core/util.h"
#include "core/version.h"

/* --- weights ------------------------------------------------------------------------- */

/* Offset of a parameter in the array its values live in: g->weights, or for
 * trainable_only arrays the trainable prefix (the same offsets). */
static size_t param_offset(const nn_graph *g, const nn_param *p)
{
    return (size_t)(p->w - g->weights);
}

static void param_name(const char *prefix, const nn_node *n, const nn_param *p, char *buf,
                       size_t size)
{
    snprintf(buf, size, "%s%s.%s", prefix, n->name, p->name);
}

static void param_shape(const nn_param *p, uint64_t shape[NN_ST_MAX_RANK])
{
    for (int d = 0; d < p->shape.rank; d++)
        shape[d] = (uint64_t)p->shape.dim[d];
}

nn_status nn_weights_add(const nn_graph *g, const float *base, bool trainable_only,
                         const char *prefix, nn_st *st, nn_error *err)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        for (int p = 0; p < n->n_params; p++) {
            const nn_param *pr = &n->param[p];
            if (trainable_only && !pr->trainable)
                continue;
            char name[256];
            uint64_t shape[NN_ST_MAX_RANK];
            param_name(prefix, n, pr, name, sizeof name);
            param_shape(pr, shape);
            nn_status s = nn_st_add_f32(st, name, pr->shape.rank, shape,
                                        base + param_offset(g, pr), err);
            if (s)
                return s;
        }
    }
    return NN_OK;
}

/* A message listing names, at most a few of each kind. */
typedef struct name_list {
    char text[900];
    int shown, total;
} name_list;

static void list_add(name_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void list_add(name_list *l, const char *fmt, ...)
{
    l->total++;
    if (l->shown >= 6)
        return;
    size_t used = strlen(l->text);
    if (used + 2 >= sizeof l->text)
        return;
    if (l->shown)
        used += (size_t)snprintf(l->text + used, sizeof l->text - used, ", ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text + used, sizeof l->text - used, fmt, ap);
    va_end(ap);
    l->shown++;
}

static void list_append_to(char *msg, size_t size, const char *label, const name_list *l)
{
    if (!l->total)
        return;
    size_t used = strlen(msg);
    int k = snprintf(msg + used, size - used, "; %s: %s", label, l->text);
    used += k > 0 ? (size_t)k : 0;
    if (l->total > l->shown && used < size)
        snprintf(msg + used, size - used, " and %d more", l->total - l->shown);
}

static bool is_param_name(const nn_graph *g, bool trainable_only, const char *rest)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        size_t len = strlen(n->name);
        if (strncmp(rest, n->name, len) != 0 || rest[len] != '.')
            continue;
        for (int p = 0; p < n->n_params; p++)
            if ((!trainable_only || n->param[p].trainable) &&
                strcmp(rest + len + 1, n->param[p].name) == 0)
                return true;
    }
    return false;
}

nn_status nn_weights_take(const nn_graph *g, const nn_st *st, const char *prefix,
                          bool trainable_only, bool namespaced_ok, float *base,
                          const char *what, nn_error *err)
{
    name_list missing = {0}, extra = {0}, shape = {0}, dtype = {0};
    char name[256], a[128], b[128];
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        for (int p = 0; p < n->n_params; p++) {
            const nn_param *pr = &n->param[p];
            if (trainable_only && !pr->trainable)
                continue;
            uint64_t want[NN_ST_MAX_RANK];
            param_name(prefix, n, pr, name, sizeof name);
            param_shape(pr, want);
            nn_st_shape_format(pr->shape.rank, want, b, sizeof b);
            const nn_st_tensor *t = nn_st_find(st, name);
            if (!t) {
                list_add(&missing, "%s %s", name, b);
                continue;
            }
            bool same = t->rank == pr->shape.rank;
            for (int d = 0; same && d < t->rank; d++)
                same = t->shape[d] == want[d];
            if (!same)
                list_add(&shape, "%s is %s in the file, %s in the model", name,
                         nn_st_shape_format(t->rank, t->shape, a, sizeof a), b);
            else if (t->dtype != NN_ST_F32)
                list_add(&dtype, "%s is %s", name, nn_st_dtype_names[t->dtype]);
        }
    }
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < st->n; i++) {
        const char *tn = st->tensors[i].name;
        if (strncmp(tn, prefix, plen) != 0)
            continue;
        if (namespaced_ok && strchr(tn + plen, '/'))
            continue;
        if (!is_param_name(g, trainable_only, tn + plen))
            list_add(&extra, "%s", tn);
    }
    if (missing.total || extra.total || shape.total || dtype.total) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s does not fit the model", what);
        list_append_to(msg, sizeof msg, "missing", &missing);
        list_append_to(msg, sizeof msg, "not in the model", &extra);
        list_append_to(msg, sizeof msg, "different shape", &shape);
        list_append_to(msg, sizeof msg, "not F32", &dtype);
        return nn_fail(err, NN_E_DATA, "%s", msg);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const nn_node *n = &g->nodes[i];
        for (int p = 0; p < n->n_params; p++) {
            const nn_param *pr = &n->param[p];
            if (trainable_only && !pr->trainable)
                continue;
            param_name(prefix, n, pr, name, sizeof name);
            nn_status s = nn_st_read_f32(nn_st_find(st, name), base + param_offset(g, pr), err);
            if (s)
                return s;
        }
    }
    return NN_OK;
}

nn_status nn_weights_save(const nn_graph *g, const char *path, nn_error *err)
{
    nn_st st;
    nn_st_init(&st);
    nn_status s = nn_st_meta_set(&st, "format", "nnrun-weights", err);
    if (!s)
        s = nn_st_meta_set(&st, "model", g->name, err);
    if (!s)
        s = nn_weights_add(g, g->weights, false, "", &st, err);
    if (!s)
        s = nn_st_save(&st, path, NULL, NULL, err);
    nn_st_free(&st);
    return s;
}

nn_status nn_weights_load(nn_graph *g, const char *path, nn_error *err)
{
    nn_st st;
    nn_st_init(&st);
    nn_status s = nn_st_load(path, &st, err);
    if (s == NN_E_IO) /* a file the user named: theirs to fix, like a bad one */
        s = err->code = NN_E_DATA;
    if (!s) {
        const char *format = nn_st_meta_get(&st, "format");
        bool checkpoint = format && strcmp(format, "nnrun-checkpoint") == 0;
        char what[1100];
        snprintf(what, sizeof what, "the weights file %s", path);
        s = nn_weights_take(g, &st, "", false, checkpoint, g->weights, what, err);
    }
    nn_st_free(&st);
    return s;
}

/* --- checkpoints --------------------------------------------------------------------- */

int nn_run_dir_threads(const char *dir)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/.nnrun.lock", dir);
    FILE *fp = fopen(path, "r");
    int threads = 0;
    if (fp) {
        if (fscanf(fp, "threads %d", &threads) != 1 || threads < 1)
            threads = 0;
        fclose(fp);
    }
    return threads;
}

nn_status nn_run_dir_lock(const char *dir, int threads, int *fd, nn_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/.nnrun.lock", dir);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0)
        return nn_fail(err, NN_E_IO, "cannot create %s: %s", path, strerror(errno));
    if (flock(*fd, LOCK_EX | LOCK_NB) == 0) {
        char text[32];
        int n = snprintf(text, sizeof text, "threads %d\n", threads);
        if (ftruncate(*fd, 0) != 0 || write(*fd, text, (size_t)n) != n) {
            int e = errno;
            close(*fd);
            *fd = -1;
            return nn_fail(err, NN_E_IO, "cannot write %s: %s", path, strerror(e));
        }
        return NN_OK;
    }
    int e = errno;
    close(*fd);
    *fd = -1;
    if (e == EWOULDBLOCK)
        return nn_fail(err, NN_E_USAGE, "%s is in use by another nnrun process (wait for it, "
                                        "or stop it before resuming)",
                       dir);
    return nn_fail(err, NN_E_IO, "cannot lock %s: %s", path, strerror(e));
}

nn_status nn_ckpt_facts_make(nn_ckpt_facts *facts, long long seed, int threads,
                             const char *config_path, const nn_data *data, nn_error *err)
{
    memset(facts, 0, sizeof *facts);
    facts->seed = seed;
    facts->threads = threads;
    char *text;
    size_t len;
    nn_status s = nn_read_file(config_path, &text, &len, err);
    if (s)
        return s;
    nn_sha256_hex(text, len, facts->config_sha256);
    free(text);
    facts->n_files = data->n_files;
    for (int i = 0; i < data->n_files; i++)
        nn_strlcpy(facts->data_sha256[i], data->files[i].sha256, sizeof facts->data_sha256[i]);
    return NN_OK;
}

static const char *const slot_names_sgd[] = {"momentum"};
static const char *const slot_names_adam[] = {"m", "v", "vhat"};

static const char *slot_name(const nn_optimizer *opt, int s)
{
    return opt->spec.kind == NN_OPT_SGD ? slot_names_sgd[s] : slot_names_adam[s];
}

static nn_status set_u64(nn_st *st, const char *key, uint64_t v, nn_error *err)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%016" PRIx64, v);
    return nn_st_meta_set(st, key, buf, err);
}

static nn_status get_u64(const nn_st *st, const char *key, const char *what, uint64_t *out,
                         nn_error *err)
{
    const char *v = nn_st_meta_get(st, key);
    char *end = NULL;
    if (v && strlen(v) == 16)
        *out = strtoull(v, &end, 16);
    if (!v || !end || *end)
        return nn_fail(err, NN_E_DATA, "%s: metadata '%s' is %s, not 16 hex digits", what, key,
                       v ? v : "missing");
    return NN_OK;
}

static nn_status save_rng(nn_st *st, const char *name, const nn_rng *r, nn_error *err)
{
    char key[64];
    snprintf(key, sizeof key, "rng.%s.key", name);
    nn_status s = set_u64(st, key, r->key, err);
    snprintf(key, sizeof key, "rng.%s.counter", name);
    return s ? s : set_u64(st, key, r->counter, err);
}

static nn_status load_rng(const nn_st *st, const char *name, const char *what, nn_rng *r,
                          nn_error *err)
{
    char key[64];
    snprintf(key, sizeof key, "rng.%s.key", name);
    nn_status s = get_u64(st, key, what, &r->key, err);
    snprintf(key, sizeof key, "rng.%s.counter", name);
    return s ? s : get_u64(st, key, what, &r->counter, err);
}

/* "lr_schedule,reduce_lr_on_plateau" */
static void callback_list(const nn_trainer *t, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int c = 0; c < t->n_callbacks; c++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", c ? "," : "", t->callbacks[c]->type);
    }
}

static nn_status save_track(nn_st *st, const nn_run_track *track, nn_error *err)
{
    nn_status s = nn_st_meta_set_ll(st, "run.best_epoch", track->best_epoch, err);
    if (!s)
        s = nn_st_meta_set_double(st, "run.best_val_loss", track->best_val_loss, err);
    if (!s)
        s = nn_st_meta_set_double(st, "run.best_val_metric", track->best_val_metric, err);
    if (!s)
        s = nn_st_meta_set_double(st, "run.epoch_seconds_sum", track->epoch_seconds_sum, err);
    char keys[NN_LOGS_MAX * 33] = "", key[64];
    for (int i = 0; !s && i < track->last_logs.n; i++) {
        size_t used = strlen(keys);
        snprintf(keys + used, sizeof keys - used, "%s%s", i ? "," : "", track->last_logs.key[i]);
        snprintf(key, sizeof key, "run.log.%s", track->last_logs.key[i]);
        s = nn_st_meta_set_double(st, key, track->last_logs.value[i], err);
    }
    if (!s)
        s = nn_st_meta_set(st, "run.overrides", track->overrides, err);
    return s ? s : nn_st_meta_set(st, "run.log_keys", keys, err);
}

static nn_status load_track(const nn_st *st, const char *what, nn_run_track *track,
                            nn_error *err)
{
    long long best;
    nn_status s = nn_st_meta_get_ll(st, "run.best_epoch", what, &best, err);
    if (!s)
        s = nn_st_meta_get_double(st, "run.best_val_loss", what, &track->best_val_loss, err);
    if (!s)
        s = nn_st_meta_get_double(st, "run.best_val_metric", what, &track->best_val_metric,
                                  err);
    if (!s)
        s = nn_st_meta_get_double(st, "run.epoch_seconds_sum", what,
                                  &track->epoch_seconds_sum, err);
    const char *keys = nn_st_meta_get(st, "run.log_keys");
    if (!s && !keys)
        s = nn_fail(err, NN_E_DATA, "%s: metadata 'run.log_keys' is missing", what);
    if (s)
        return s;
    track->best_epoch = (int)best;
    const char *overrides = nn_st_meta_get(st, "run.overrides");
    nn_strlcpy(track->overrides, overrides ? overrides : "", sizeof track->overrides);
    memset(&track->last_logs, 0, sizeof track->last_logs);
    char list[NN_LOGS_MAX * 33];
    nn_strlcpy(list, keys, sizeof list);
    for (char *save = NULL, *k = strtok_r(list, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        char key[64];
        double v;
        snprintf(key, sizeof key, "run.log.%s", k);
        if ((s = nn_st_meta_get_double(st, key, what, &v, err)))
            return s;
        nn_logs_set(&track->last_logs, k, v);
    }
    return NN_OK;
}

nn_status nn_checkpoint_save(const char *path, const nn_trainer *t, const nn_run_track *track,
                             const nn_ckpt_facts *facts, nn_st_stage_fn stage, void *user,
                             nn_error *err)
{
    const nn_graph *g = t->g;
    nn_st st;
    nn_st_init(&st);
    char buf[1100];
    nn_status s = nn_st_meta_set(&st, "format", "nnrun-checkpoint", err);
    if (!s)
        s = nn_st_meta_set(&st, "checkpoint_version", "1", err);
    if (!s)
        s = nn_st_meta_set(&st, "nnrun_version", NN_VERSION, err);
    if (!s)
        s = nn_st_meta_set(&st, "model", g->name, err);
    if (!s)
        s = nn_st_meta_set_ll(&st, "epoch", t->epoch, err);
    if (!s)
        s = nn_st_meta_set_ll(&st, "epochs_done", t->epochs_done, err);
    if (!s)
        s = nn_st_meta_set(&st, "optimizer", nn_optim_names[t->opt.spec.kind], err);
    if (!s)
        s = nn_st_meta_set_ll(&st, "iterations", t->opt.iterations, err);
    if (!s)
        s = nn_st_meta_set_double(&st, "lr", t->opt.lr, err);
    if (!s)
        s = save_rng(&st, "init", &t->init_rng, err);
    if (!s)
        s = save_rng(&st, "shuffle", &t->shuffle_rng, err);
    if (!s)
        s = save_rng(&st, "dropout", &t->dropout_rng, err);
    if (!s)
        s = nn_st_meta_set(&st, "stop", t->stop ? "true" : "false", err);
    if (!s)
        s = nn_st_meta_set(&st, "stop_reason", t->stop_reason, err);
    if (!s)
        s = nn_st_meta_set(&st, "stop_message", t->stop_message, err);
    callback_list(t, buf, sizeof buf);
    if (!s)
        s = nn_st_meta_set(&st, "callbacks", buf, err);
    if (!s)
        s = save_track(&st, track, err);
    if (!s)
        s = nn_st_meta_set(&st, "config_sha256", facts->config_sha256, err);
    if (!s)
        s = nn_st_meta_set_ll(&st, "data.files", facts->n_files, err);
    for (int i = 0; !s && i < facts->n_files; i++) {
        snprintf(buf, sizeof buf, "data.%d.sha256", i);
        s = nn_st_meta_set(&st, buf, facts->data_sha256[i], err);
    }
    if (!s)
        s = nn_st_meta_set_ll(&st, "seed", facts->seed, err);
    if (!s)
        s = nn_st_meta_set_ll(&st, "threads", facts->threads, err);

    if (!s)
        s = nn_weights_add(g, g->weights, false, "", &st, err);
    for (int k = 0; !s && k < g->n_slots; k++) {
        snprintf(buf, sizeof buf, "optimizer/%s/", slot_name(&t->opt, k));
        s = nn_weights_add(g, g->slots + (size_t)k * g->n_trainable, true, buf, &st, err);
    }
    for (int c = 0; !s && c < t->n_callbacks; c++)
        if (t->callbacks[c]->save_state) {
            snprintf(buf, sizeof buf, "callbacks/%d/", c);
            s = t->callbacks[c]->save_state(t->callbacks[c], t, &st, buf, err);
        }
    if (!s)
        s = nn_st_save(&st, path, stage, user, err);
    nn_st_free(&st);
    return s;
}

static nn_status expect_meta(const nn_st *st, const char *key, const char *want,
                             const char *what, const char *explain, nn_error *err)
{
    const char *v = nn_st_meta_get(st, key);
    if (v && strcmp(v, want) == 0)
        return NN_OK;
    return nn_fail(err, NN_E_DATA, "%s: %s (its %s is '%s', expected '%s')", what, explain, key,
                   v ? v : "(missing)", want);
}

nn_status nn_checkpoint_restore(const nn_st *st, const char *path, nn_trainer *t,
                                nn_run_track *track, const nn_ckpt_facts *facts,
                                nn_error *err)
{
    nn_graph *g = t->g;
    char what[1100], buf[1100];
    snprintf(what, sizeof what, "the checkpoint %s", path);
    nn_status s = expect_meta(st, "format", "nnrun-checkpoint", what,
                              "not an nnrun checkpoint", err);
    if (!s)
        s = expect_meta(st, "checkpoint_version", "1", what,
                        "written by another version of nnrun", err);
    if (!s)
        s = expect_meta(st, "config_sha256", facts->config_sha256, what,
                        "config.yaml changed since it was written; a resumed run must use "
                        "the configuration it started with",
                        err);
    snprintf(buf, sizeof buf, "%d", facts->n_files);
    if (!s)
        s = expect_meta(st, "data.files", buf, what, "the run read other data files", err);
    for (int i = 0; !s && i < facts->n_files; i++) {
        char key[32];
        snprintf(key, sizeof key, "data.%d.sha256", i);
        s = expect_meta(st, key, facts->data_sha256[i], what,
                        "a data file changed since the run started (SHA-256 differs)", err);
    }
    if (!s)
        s = expect_meta(st, "optimizer", nn_optim_names[t->opt.spec.kind], what,
                        "made with another optimizer", err);
    callback_list(t, buf, sizeof buf);
    if (!s)
        s = expect_meta(st, "callbacks", buf, what, "made with other callbacks", err);
    if (s)
        return s;

    long long epoch, done, iterations;
    double lr;
    nn_rng init, shuffle, dropout;
    nn_run_track tr;
    s = nn_st_meta_get_ll(st, "epoch", what, &epoch, err);
    if (!s)
        s = nn_st_meta_get_ll(st, "epochs_done", what, &done, err);
    if (!s)
        s = nn_st_meta_get_ll(st, "iterations", what, &iterations, err);
    if (!s)
        s = nn_st_meta_get_double(st, "lr", what, &lr, err);
    if (!s)
        s = load_rng(st, "init", what, &init, err);
    if (!s)
        s = load_rng(st, "shuffle", what, &shuffle, err);
    if (!s)
        s = load_rng(st, "dropout", what, &dropout, err);
    if (!s)
        s = load_track(st, what, &tr, err);
    const char *stop = nn_st_meta_get(st, "stop"), *reason = nn_st_meta_get(st, "stop_reason"),
               *message = nn_st_meta_get(st, "stop_message");
    if (!s && (!stop || !reason || !message))
        s = nn_fail(err, NN_E_DATA, "%s: the stop state is missing", what);
    if (!s && (epoch < 0 || epoch > t->fit.epochs || done < 0 || iterations < 0))
        s = nn_fail(err, NN_E_DATA, "%s: epoch %lld is outside the run's %d epochs", what, epoch,
                    t->fit.epochs);
    if (s)
        return s;

    /* weights and slots into copies first, so a mismatch changes nothing */
    size_t nw = g->n_weights, ns = (size_t)g->n_slots * g->n_trainable;
    float *w = malloc((nw ? nw : 1) * sizeof *w), *sl = malloc((ns ? ns : 1) * sizeof *sl);
    if (!w || !sl) {
        free(w);
        free(sl);
        return nn_fail(err, NN_E_NOMEM, "out of memory reading %s", path);
    }
    s = nn_weights_take(g, st, "", false, true, w, what, err);
    for (int k = 0; !s && k < g->n_slots; k++) {
        snprintf(buf, sizeof buf, "optimizer/%s/", slot_name(&t->opt, k));
        s = nn_weights_take(g, st, buf, true, false, sl + (size_t)k * g->n_trainable, what, err);
    }
    if (!s) {
        if (nw)
            memcpy(g->weights, w, nw * sizeof *w);
        if (ns)
            memcpy(g->slots, sl, ns * sizeof *sl);
    }
    free(w);
    free(sl);
    for (int c = 0; !s && c < t->n_callbacks; c++)
        if (t->callbacks[c]->restore_state) {
            snprintf(buf, sizeof buf, "callbacks/%d/", c);
            s = t->callbacks[c]->restore_state(t->callbacks[c], t, st, buf, err);
        }
    if (s)
        return s;
    t->epoch = (int)epoch;
    t->epochs_done = (int)done;
    t->opt.iterations = iterations;
    t->opt.lr = lr;
    t->init_rng = init;
    t->shuffle_rng = shuffle;
    t->dropout_rng = dropout;
    t->stop = strcmp(stop, "true") == 0;
    nn_strlcpy(t->stop_reason, reason, sizeof t->stop_reason);
    nn_strlcpy(t->stop_message, message, sizeof t->stop_message);
    *track = tr;
    return NN_OK;
}
