/* run.c — a whole run: config -> model -> data -> run directory -> training -> results. */
#include "train/run.h"

#include <errno.h>
#include <math.h>
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
#include "report/format.h"
#include "report/history.h"
#include "report/json.h"
#include "report/progress.h"
#include "report/results_table.h"
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
    double started, epoch_seconds_sum;
    double best_val_loss, best_val_metric;
    int best_epoch;
    nn_logs last_logs;
} run;

static void run_free(run *r)
{
    nn_history_close(&r->history);
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
    if (failure)
        nn_json_string(&j, "error", failure->msg);
    json_logs(&j, "final", &r->last_logs);
    nn_json_object(&j, "best");
    nn_json_int(&j, "epoch", r->best_epoch);
    nn_json_number(&j, "val_loss", r->best_val_loss);
    if (r->ex.compile.accuracy) {
        snprintf(buf, sizeof buf, "val_%s", r->ex.compile.metric_name);
        nn_json_number(&j, buf, r->best_val_metric);
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
                   res->epochs_run ? r->epoch_seconds_sum / res->epochs_run : NAN);
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
    nn_progress_train_begin(&r->progress, t, n_train, n_val);
}

static void hook_epoch_begin(void *user, const nn_trainer *t, int epoch)
{
    run *r = user;
    nn_progress_epoch_begin(&r->progress, t, epoch);
}

static void hook_batch_end(void *user, const nn_trainer *t, int epoch, size_t seen,
                           size_t total, double loss, double metric)
{
    run *r = user;
    nn_progress_batch_end(&r->progress, t, epoch, seen, total, loss, metric);
}

static nn_status hook_epoch_end(void *user, const nn_trainer *t, int epoch, const nn_logs *logs,
                                double seconds, nn_error *err)
{
    run *r = user;
    nn_progress_epoch_end(&r->progress, epoch, r->data.train.n, logs, seconds);
    r->epoch_seconds_sum += seconds;
    r->last_logs = *logs;
    double vl = nn_logs_get(logs, "val_loss");
    if (!isnan(vl) && (r->best_epoch < 0 || vl < r->best_val_loss)) {
        char key[48];
        snprintf(key, sizeof key, "val_%s", t->compile.metric_name);
        r->best_epoch = epoch;
        r->best_val_loss = vl;
        r->best_val_metric = nn_logs_get(logs, key);
    }
    return nn_history_write(&r->history, epoch, logs, err);
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
    nn_results_row_set_overrides(row, o->overrides, o->n_overrides);
    row->seed = r->ex.seed;
    row->params = (long long)nn_graph_params_total(r->g);
    row->epochs_run = res->epochs_run;
    row->best_epoch = r->best_epoch;
    row->best_val_loss = r->best_val_loss;
    row->best_val_accuracy = r->best_val_metric;
    snprintf(key, sizeof key, "val_%s", r->ex.compile.metric_name);
    row->final_val_loss = nn_logs_get(&r->last_logs, "val_loss");
    row->final_val_accuracy = r->ex.compile.accuracy ? nn_logs_get(&r->last_logs, key) : NAN;
    row->test_loss = res->test_loss;
    row->test_accuracy = r->ex.compile.accuracy ? res->test_accuracy : NAN;
    row->seconds_per_epoch = res->epochs_run ? r->epoch_seconds_sum / res->epochs_run : NAN;
    nn_strlcpy(row->stop_reason, res->stop_reason, sizeof row->stop_reason);
    return append ? nn_results_table_append(table, row, err) : NN_OK;
}

nn_status nn_run(const nn_run_options *o, nn_run_result *res, nn_error *err)
{
    memset(res, 0, sizeof *res);
    res->test_loss = res->test_accuracy = NAN;
    run r;
    memset(&r, 0, sizeof r);
    r.started = nn_now();
    r.best_epoch = -1;
    r.best_val_loss = r.best_val_metric = NAN;

    nn_status st = load_config(o, &r, err);
    if (!st)
        st = nn_pool_create(o->threads, &r.pool, err);
    if (!st) {
        nn_blas_set_threads(o->threads);
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
    if (!st)
        st = make_run_dir(o, &r, err);
    if (st) {
        run_free(&r);
        return st;
    }
    nn_strlcpy(res->run_dir, r.dir, sizeof res->run_dir);
    st = write_config_and_summary(&r, err);
    char path[1100];
    snprintf(path, sizeof path, "%s/history.csv", r.dir);
    if (!st)
        st = nn_history_open(&r.history, path, err);
    if (st) {
        run_free(&r);
        return st;
    }
    if (o->out)
        fprintf(o->out, "Run directory: %s\n", r.dir);

    r.t.interrupt = o->interrupt;
    nn_progress_init(&r.progress, o->out, o->live, o->jsonl, r.ex.seed, r.ex.fit.epochs);
    nn_fit_hooks hooks = {&r, hook_train_begin, hook_epoch_begin, hook_batch_end, hook_epoch_end};
    nn_status fit_st = nn_trainer_fit(&r.t, &r.data.train, &r.data.val, &hooks, err);
    res->epochs_run = r.t.epochs_done;
    nn_strlcpy(res->stop_reason, r.t.stop_reason, sizeof res->stop_reason);

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
    run_free(&r);
    if (fit_st)
        return fit_st;
    if (wst) {
        *err = werr;
        return wst;
    }
    return NN_OK;
}
