/* run.c — a whole run: config -> model -> data -> run directory -> training -> results. */
#include "train/run.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/cfg.h"
#include "core/pool.h"
#include "core/util.h"
#include "core/version.h"
#include "data/data.h"
#include "graph/graph.h"
#include "io/format.h"
#include "io/history.h"
#include "io/json.h"
#include "io/results_table.h"
#include "io/safetensors.h"
#include "report/progress.h"
#include "train/callbacks.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/fit.h"

/* Everything a run holds; released by run_free whatever state it reached. */
typedef struct run {
    nn_cfg_doc *doc;
    nn_experiment ex;
    nn_graph *g;
    nn_pool *pool;
    nn_trainer t;
    bool trainer_ready;
    nn_data data;
    bool data_ready;
    nn_history history;
    nn_progress progress;
    char dir[1024];
    double started;
    nn_run_track track;     /* best epoch, timings, last logs, overrides: kept in checkpoints */
    const nn_run_options *o;
    nn_st resume;           /* the checkpoint a resumed run starts from */
    nn_ckpt_facts facts;    /* config and data, recorded in every checkpoint */
    int ckpt_epoch;         /* of the checkpoint being written (test points) */
    int lock;               /* descriptor + 1 of the run directory's lock; 0: none */
} run;

static void run_free(run *r)
{
    nn_st_free(&r->resume);
    nn_history_close(&r->history);
    if (r->lock)
        close(r->lock - 1);
    if (r->trainer_ready)
        nn_trainer_free(&r->t);
    if (r->data_ready)
        nn_data_free(&r->data);
    nn_graph_free(r->g);
    nn_pool_destroy(r->pool);
    nn_cfg_free(r->doc);
}

/* Config file + overrides -> experiment and graph (shared with nn_check). */
static nn_status load_config(const nn_run_options *o, run *r, nn_error *err)
{
    return nn_experiment_load(o->config_path, o->overrides, o->n_overrides, &r->doc, &r->ex,
                              &r->g, err);
}

/* runs/<name>/<YYYYmmdd-HHMMSS>[-k], created exclusively so parallel runs never share. */
static nn_status make_run_dir(const nn_run_options *o, run *r, nn_error *err)
{
    if (o->out_dir) {
        nn_strlcpy(r->dir, o->out_dir, sizeof r->dir);
        nn_status st = nn_mkdir_p(r->dir, err);
        if (st)
            return st;
        char probe[1100];
        snprintf(probe, sizeof probe, "%s/.nnrun-write-test", r->dir);
        FILE *fp = fopen(probe, "wb");
        if (!fp)
            return nn_fail(err, NN_E_IO, "cannot write in %s: %s", r->dir, strerror(errno));
        fclose(fp);
        unlink(probe);
        return NN_OK;
    }
    char parent[1024];
    snprintf(parent, sizeof parent, "%s/%s", o->runs_root ? o->runs_root : "runs", r->ex.name);
    nn_status st = nn_mkdir_p(parent, err);
    if (st)
        return st;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int k = 0; k < 1000; k++) {
        int len = k == 0 ? snprintf(r->dir, sizeof r->dir, "%s/%s", parent, stamp)
                         : snprintf(r->dir, sizeof r->dir, "%s/%s-%d", parent, stamp, k + 1);
        if (len >= (int)sizeof r->dir)
            return nn_fail(err, NN_E_IO, "run directory path too long under %s", parent);
        if (mkdir(r->dir, 0777) == 0)
            return NN_OK;
        if (errno != EEXIST)
            return nn_fail(err, NN_E_IO, "cannot create run directory %s: %s", r->dir,
                           strerror(errno));
    }
    return nn_fail(err, NN_E_IO, "cannot find a free run directory name in %s", parent);
}

static nn_status write_config_and_summary(run *r, nn_error *err)
{
    char path[1100];
    nn_atomic_file f;
    snprintf(path, sizeof path, "%s/config.yaml", r->dir);
    nn_status st = nn_file_begin(&f, path, err);
    if (st)
        return st;
    fprintf(f.fp, "# resolved by nnrun %s from %s: defaults filled in, overrides applied\n",
            NN_VERSION, nn_cfg_doc_file(r->doc));
    st = nn_cfg_emit(r->doc, f.fp, err);
    if (st) {
        nn_file_abort(&f);
        return st;
    }
    if ((st = nn_file_commit(&f, err)))
        return st;

    snprintf(path, sizeof path, "%s/model.txt", r->dir);
    if ((st = nn_file_begin(&f, path, err)))
        return st;
    nn_graph_summary(r->g, f.fp);
    return nn_file_commit(&f, err);
}

static void cpu_model(char *buf, size_t size)
{
    nn_strlcpy(buf, "unknown", size);
    FILE *fp = fopen("/proc/cpuinfo", "r");
    if (!fp)
        return;
    char line[512];
    while (fgets(line, sizeof line, fp)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                colon += 2;
                colon[strcspn(colon, "\n")] = '\0';
                nn_strlcpy(buf, colon, size);
            }
            break;
        }
    }
    fclose(fp);
}

static void json_logs(nn_json *j, const char *key, const nn_logs *logs)
{
    nn_json_object(j, key);
    for (int i = 0; i < logs->n; i++)
        nn_json_number(j, logs->key[i], logs->value[i]);
    nn_json_end(j);
}

static nn_status write_results(const nn_run_options *o, run *r, const nn_run_result *res,
                               const nn_error *failure, nn_error *err)
{
    char path[1100], buf[512];
    snprintf(path, sizeof path, "%s/results.json", r->dir);
    nn_atomic_file f;
    nn_status st = nn_file_begin(&f, path, err);
    if (st)
        return st;
    nn_json j;
    nn_json_init(&j, f.fp, true);
    nn_json_object(&j, NULL);
    nn_json_string(&j, "name", r->ex.name);
    nn_json_string(&j, "config", o->config_path);
    nn_json_array(&j, "overrides");
    for (int i = 0; i < o->n_overrides; i++)
        nn_json_string(&j, NULL, o->overrides[i]);
    nn_json_end(&j);
    nn_json_int(&j, "seed", r->ex.seed);
    nn_json_int(&j, "threads", o->threads);
    nn_json_string(&j, "nnrun_version", NN_VERSION);
    nn_json_string(&j, "blas", nn_blas_describe(buf, sizeof buf));
    cpu_model(buf, sizeof buf);
    nn_json_string(&j, "cpu", buf);
    nn_json_object(&j, "params");
    size_t total = nn_graph_params_total(r->g), trainable = nn_graph_params_trainable(r->g);
    nn_json_int(&j, "total", (long long)total);
    nn_json_int(&j, "trainable", (long long)trainable);
    nn_json_int(&j, "non_trainable", (long long)(total - trainable));
    nn_json_end(&j);
    nn_json_int(&j, "epochs", r->ex.fit.epochs);
    nn_json_int(&j, "epochs_run", res->epochs_run);
    nn_json_string(&j, "stop_reason", res->stop_reason);
    if (res->stop_message[0])
        nn_json_string(&j, "stop_message", res->stop_message);
    nn_json_string(&j, "initial_weights", o->load_weights);
    nn_json_string(&j, "config_sha256", r->facts.config_sha256[0] ? r->facts.config_sha256 : NULL);
    if (failure)
        nn_json_string(&j, "error", failure->msg);
    json_logs(&j, "final", &r->track.last_logs);
    nn_json_object(&j, "best");
    nn_json_int(&j, "epoch", r->track.best_epoch);
    nn_json_number(&j, "val_loss", r->track.best_val_loss);
    if (r->ex.compile.accuracy) {
        snprintf(buf, sizeof buf, "val_%s", r->ex.compile.metric_name);
        nn_json_number(&j, buf, r->track.best_val_metric);
    }
    nn_json_end(&j);
    nn_json_object(&j, "test");
    nn_json_number(&j, "loss", res->test_loss);
    if (r->ex.compile.accuracy)
        nn_json_number(&j, r->ex.compile.metric_name, res->test_accuracy);
    nn_json_end(&j);
    nn_json_object(&j, "timing");
    nn_json_number(&j, "data_seconds", r->data_ready ? r->data.load_seconds : NAN);
    nn_json_number(&j, "seconds_per_epoch",
                   res->epochs_run ? r->track.epoch_seconds_sum / res->epochs_run : NAN);
    nn_json_number(&j, "total_seconds", nn_now() - r->started);
    nn_json_end(&j);
    nn_json_object(&j, "data");
    nn_json_string(&j, "dataset", nn_dataset_names[r->ex.data.dataset]);
    nn_json_string(&j, "dir", r->data_ready ? r->data.dir : NULL);
    if (r->data_ready) {
        nn_json_int(&j, "train", (long long)r->data.train.n);
        nn_json_int(&j, "validation", (long long)r->data.val.n);
        nn_json_int(&j, "test", (long long)r->data.test.n);
        nn_json_array(&j, "files");
        for (int i = 0; i < r->data.n_files; i++) {
            nn_json_object(&j, NULL);
            nn_json_string(&j, "path", r->data.files[i].path);
            nn_json_int(&j, "bytes", (long long)r->data.files[i].bytes);
            nn_json_string(&j, "sha256", r->data.files[i].sha256);
            nn_json_end(&j);
        }
        nn_json_end(&j);
    }
    nn_json_end(&j);
    nn_json_end(&j);
    return nn_file_commit(&f, err);
}

/* --- hooks: progress + history + bookkeeping --------------------------------------- */

static void hook_train_begin(void *user, const nn_trainer *t, size_t n_train, size_t n_val)
{
    run *r = user;
    (void)t;
    nn_progress_train_begin(&r->progress, n_train, n_val);
}

static void hook_epoch_begin(void *user, const nn_trainer *t, int epoch)
{
    run *r = user;
    (void)t;
    nn_progress_epoch_begin(&r->progress, epoch);
}

/* --- checkpoints and test points ------------------------------------------------------ */

static void test_point(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void test_point(const run *r, const char *fmt, ...)
{
    if (!r->o->test_point)
        return;
    char point[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(point, sizeof point, fmt, ap);
    va_end(ap);
    r->o->test_point(r->o->test_user, point);
}

static void checkpoint_stage(void *user, const char *stage)
{
    const run *r = user;
    test_point(r, "checkpoint:%d:%s", r->ckpt_epoch, stage);
}

/* checkpoint.safetensors: the trainer between epochs and what results.json needs. */
static nn_status save_checkpoint(run *r, nn_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", r->dir);
    r->ckpt_epoch = r->t.epoch;
    return nn_checkpoint_save(path, &r->t, &r->track, &r->facts,
                              r->o->test_point ? checkpoint_stage : NULL, r, err);
}

/* Removes the temporary files a killed writer left in the run directory ("*.tmp<pid>"). */
static void remove_stale_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *tmp = strstr(e->d_name, ".tmp");
        if (!tmp || !tmp[4] || tmp[4 + strspn(tmp + 4, "0123456789")] != '\0')
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
}

/* A resumed run: the trainer, callbacks and bookkeeping from the checkpoint, history.csv
 * cut back to the checkpoint's epoch. */
static nn_status resume_outputs(run *r, const char *history, nn_error *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", r->dir);
    nn_run_track track;
    nn_status st = nn_ckpt_facts_make(&r->facts, r->ex.seed, r->o->threads, r->o->config_path,
                                      &r->data, err);
    if (!st)
        st = nn_checkpoint_restore(&r->resume, path, &r->t, &track, &r->facts, err);
    if (st)
        return st;
    nn_st_free(&r->resume);
    r->track = track;
    remove_stale_temporaries(r->dir);
    return nn_history_resume(&r->history, history, r->t.epoch, err);
}

/* A new run: config.yaml, model.txt, an empty history.csv and the checkpoint of epoch 0,
 * so that a run stopped in its first epoch can be resumed too. `restart`: a resumed run
 * that was stopped before its first checkpoint was in place starts over from the seed, in
 * its directory and with its config.yaml as it is. */
static nn_status fresh_outputs(run *r, const char *history, bool restart, nn_error *err)
{
    char path[1100];
    nn_status st;
    if (restart) {
        nn_atomic_file f;
        remove_stale_temporaries(r->dir);
        snprintf(path, sizeof path, "%s/model.txt", r->dir);
        st = nn_file_begin(&f, path, err);
        if (!st) {
            nn_graph_summary(r->g, f.fp);
            st = nn_file_commit(&f, err);
        }
    } else {
        st = write_config_and_summary(r, err);
    }
    snprintf(path, sizeof path, "%s/config.yaml", r->dir);
    if (!st)
        st = nn_history_open(&r->history, history, err);
    if (!st)
        st = nn_ckpt_facts_make(&r->facts, r->ex.seed, r->o->threads, path, &r->data, err);
    return st ? st : save_checkpoint(r, err);
}

static void hook_batch_end(void *user, const nn_trainer *t, int epoch, size_t seen,
                           size_t total, double loss, double metric)
{
    run *r = user;
    nn_progress_batch_end(&r->progress, seen, total, loss, metric);
    if (r->o->test_point)
        test_point(r, "batch:%d:%zu", epoch + 1,
                   (seen + (size_t)t->fit.batch_size - 1) / (size_t)t->fit.batch_size);
}

static nn_status hook_epoch_end(void *user, const nn_trainer *t, int epoch, const nn_logs *logs,
                                double seconds, nn_error *err)
{
    run *r = user;
    nn_progress_epoch_end(&r->progress, epoch, r->data.train.n, logs, seconds);
    r->track.epoch_seconds_sum += seconds;
    r->track.last_logs = *logs;
    double vl = nn_logs_get(logs, "val_loss");
    if (!isnan(vl) && (r->track.best_epoch < 0 || vl < r->track.best_val_loss)) {
        char key[48];
        snprintf(key, sizeof key, "val_%s", t->compile.metric_name);
        r->track.best_epoch = epoch;
        r->track.best_val_loss = vl;
        r->track.best_val_metric = nn_logs_get(logs, key);
    }
    nn_status st = nn_history_write(&r->history, epoch, logs, err);
    return st ? st : save_checkpoint(r, err); /* after the row: see resume_outputs */
}

/* Fills res->row from the finished run and, when `append`, adds it to the results.csv
 * next to the run directory (results_table.h). */
static nn_status record_results_row(const nn_run_options *o, const run *r, nn_run_result *res,
                                    bool append, nn_error *err)
{
    nn_results_row *row = &res->row;
    char table[1100], key[48];
    nn_results_row_init(row);
    nn_results_table_path(o->out_dir, o->runs_root, table, sizeof table);
    nn_results_row_set_run(row, table, r->dir);
    nn_strlcpy(row->config, r->ex.name, sizeof row->config);
    nn_strlcpy(row->overrides, r->track.overrides, sizeof row->overrides);
    row->seed = r->ex.seed;
    row->params = (long long)nn_graph_params_total(r->g);
    row->epochs_run = res->epochs_run;
    row->best_epoch = r->track.best_epoch;
    row->best_val_loss = r->track.best_val_loss;
    row->best_val_accuracy = r->track.best_val_metric;
    snprintf(key, sizeof key, "val_%s", r->ex.compile.metric_name);
    row->final_val_loss = nn_logs_get(&r->track.last_logs, "val_loss");
    row->final_val_accuracy = r->ex.compile.accuracy ? nn_logs_get(&r->track.last_logs, key) : NAN;
    row->test_loss = res->test_loss;
    row->test_accuracy = r->ex.compile.accuracy ? res->test_accuracy : NAN;
    row->seconds_per_epoch = res->epochs_run ? r->track.epoch_seconds_sum / res->epochs_run : NAN;
    nn_strlcpy(row->stop_reason, res->stop_reason, sizeof row->stop_reason);
    if (append && o->resume && nn_results_table_has_run(table, row->run_id))
        append = false; /* resuming a run that had finished: its row is there already */
    return append ? nn_results_table_append(table, row, err) : NN_OK;
}

nn_status nn_run(const nn_run_options *options, nn_run_result *res, nn_error *err)
{
    memset(res, 0, sizeof *res);
    res->test_loss = res->test_accuracy = NAN;
    run r;
    memset(&r, 0, sizeof r);
    r.started = nn_now();
    r.track.best_epoch = -1;
    r.track.best_val_loss = r.track.best_val_metric = NAN;
    nn_results_join_overrides(r.track.overrides, sizeof r.track.overrides, options->overrides,
                              options->n_overrides);
    nn_run_options opts = *options; /* a resumed run takes its thread count from the checkpoint */
    const nn_run_options *o = &opts;
    r.o = o;

    nn_status st = NN_OK;
    bool restart = false; /* resumed before there was a checkpoint: start over */
    if (o->resume) {
        char path[1100];
        long long threads;
        snprintf(path, sizeof path, "%s/checkpoint.safetensors", o->out_dir);
        restart = !nn_path_exists(path) && nn_path_exists(o->config_path);
        if (!restart)
            st = nn_st_load(path, &r.resume, err);
        if (!st && opts.threads <= 0 && restart) { /* as it started, else all cores */
            long cores = sysconf(_SC_NPROCESSORS_ONLN);
            opts.threads = nn_run_dir_threads(o->out_dir);
            if (opts.threads <= 0)
                opts.threads = cores > 0 ? (int)cores : 1;
        } else if (!st && opts.threads <= 0) {
            st = nn_st_meta_get_ll(&r.resume, "threads", path, &threads, err);
            opts.threads = threads >= 1 && threads <= 4096 ? (int)threads : 1;
        }
        if (st) {
            if (st == NN_E_IO) /* the directory the user named: theirs to fix */
                st = err->code = NN_E_DATA;
            nn_error_prefix(err, "cannot resume %s", o->out_dir);
            run_free(&r);
            return st;
        }
    }
    st = load_config(o, &r, err);
    if (!st)
        st = nn_pool_create(o->threads, &r.pool, err);
    if (!st) {
        nn_blas_init(); /* one OpenBLAS thread: products are split over the pool */
        st = nn_trainer_init(&r.t, r.g, &r.ex.compile, &r.ex.fit, (uint64_t)r.ex.seed, r.pool,
                             err);
        r.trainer_ready = true; /* its buffers are released even when init failed half-way */
    }
    if (!st) {
        st = nn_data_load(&r.ex.data, r.pool, &r.data, err);
        r.data_ready = st == NN_OK;
    }
    if (!st)
        st = nn_trainer_check_data(&r.t, &r.data.train, "training", err);
    if (!st)
        st = nn_trainer_check_data(&r.t, &r.data.test, "test", err);
    if (!st && o->load_weights)
        st = nn_weights_load(r.g, o->load_weights, err);
    if (!st)
        st = make_run_dir(o, &r, err);
    int lock_fd = -1;
    if (!st)
        st = nn_run_dir_lock(r.dir, o->threads, &lock_fd, err);
    if (!st) {
        r.lock = lock_fd + 1;
        st = nn_callbacks_attach(&r.t, &r.ex.fit.cbs, r.dir, err);
    }
    if (st) {
        run_free(&r);
        return st;
    }
    nn_strlcpy(res->run_dir, r.dir, sizeof res->run_dir);
    char path[1100];
    snprintf(path, sizeof path, "%s/history.csv", r.dir);
    st = o->resume && !restart ? resume_outputs(&r, path, err)
                               : fresh_outputs(&r, path, restart, err);
    if (st) {
        run_free(&r);
        return st;
    }
    if (o->out && o->resume && (r.t.stop || r.t.epoch >= r.ex.fit.epochs))
        fprintf(o->out, "Resuming %s: the run had finished (%d epochs, %s); nothing left to train\n",
                r.dir, r.t.epochs_done, r.t.stop_reason[0] ? r.t.stop_reason : "completed");
    else if (o->out && o->resume)
        fprintf(o->out, "Resuming %s at epoch %d/%d\n", r.dir, r.t.epoch + 1, r.ex.fit.epochs);
    else if (o->out)
        fprintf(o->out, "Run directory: %s\n", r.dir);

    r.t.interrupt = o->interrupt;
    nn_progress_init(&r.progress, o->out, o->live, o->jsonl, r.ex.seed, r.ex.fit.epochs,
                     r.ex.compile.metric_name);
    nn_fit_hooks hooks = {&r, hook_train_begin, hook_epoch_begin, hook_batch_end, hook_epoch_end};
    nn_status fit_st = nn_trainer_fit(&r.t, &r.data.train, &r.data.val, &hooks, err);
    /* terminate_on_nan ends the run cleanly (history, results, weights) but as a failure */
    bool nan_stop = !fit_st && strcmp(r.t.stop_reason, "terminate_on_nan") == 0;
    if (nan_stop)
        fit_st = nn_fail(err, NN_E_NUMERIC, "%s", r.t.stop_message);
    res->epochs_run = r.t.epochs_done;
    nn_strlcpy(res->stop_reason, r.t.stop_reason, sizeof res->stop_reason);
    nn_strlcpy(res->stop_message, r.t.stop_message, sizeof res->stop_message);

    if (!fit_st && o->out && r.t.stop_message[0])
        fprintf(o->out, "%s\n", r.t.stop_message);
    if (!fit_st) {
        double t0 = nn_now();
        nn_trainer_evaluate(&r.t, &r.data.test, &res->test_loss, &res->test_accuracy);
        if (o->out) {
            char a[32], b[32];
            fprintf(o->out, "Test on %zu samples - %.1fs - loss: %s", r.data.test.n,
                    nn_now() - t0, nn_format_keras(res->test_loss, a, sizeof a));
            if (r.ex.compile.accuracy)
                fprintf(o->out, " - %s: %s", r.ex.compile.metric_name,
                        nn_format_keras(res->test_accuracy, b, sizeof b));
            fputc('\n', o->out);
        }
    }
    nn_error werr;
    nn_error_clear(&werr);
    nn_status wst = write_results(o, &r, res, fit_st ? err : NULL, &werr);
    bool trained_to_end = fit_st == NN_OK || fit_st == NN_E_NUMERIC;
    nn_status tst = record_results_row(o, &r, res, !wst && trained_to_end, &werr);
    if (!wst)
        wst = tst;
    if (!wst && (fit_st == NN_OK || nan_stop)) {
        snprintf(path, sizeof path, "%s/weights.safetensors", r.dir);
        wst = nn_weights_save(r.g, path, &werr);
    }
    run_free(&r);
    if (fit_st)
        return fit_st;
    if (wst) {
        *err = werr;
        return wst;
    }
    return NN_OK;
}
