/* seeds.c — several seeds of one experiment as parallel processes (see seeds.h).
 *
 * Why processes and not threads: each run owns its BLAS thread setting (a process-wide
 * value in OpenBLAS), its memory and its signal state, and a run that crashes takes no
 * other down. Each child gets a pipe for its text; the parent reads all pipes with poll()
 * and writes whole lines with the child's "[seed S] " prefix, so lines never mix. The
 * children's results come back through a shared anonymous mapping made before the forks.
 */
#include "seeds.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "config/cfg.h"
#include "core/util.h"
#include "graph/graph.h"
#include "io/format.h"
#include "io/json.h"
#include "io/results_table.h"
#include "report/repeats.h"
#include "train/experiment.h"

#define MAX_SEEDS 1024

/* What a child hands back; lives in memory shared with the parent. */
typedef struct outcome {
    nn_run_result res;
    nn_error err;
    nn_status st;
    bool reported;        /* the child got as far as filling this in */
} outcome;

/* The parent's view of one seed. */
typedef struct seed_run {
    long long seed;
    pid_t pid;            /* 0: not started; -1: finished */
    int fd;               /* read end of its text pipe, or -1 */
    char prefix[32];
    char *pending;        /* a line not yet ended */
    size_t pending_n;
    int exit_code;
} seed_run;

void cli_jsonl_end(FILE *out, const nn_run_result *res, nn_status st, const nn_error *err)
{
    nn_json j;
    nn_json_init(&j, out, false);
    nn_json_object(&j, NULL);
    nn_json_string(&j, "event", "end");
    nn_json_int(&j, "seed", res->row.seed);
    nn_json_string(&j, "run_dir", res->run_dir[0] ? res->run_dir : NULL);
    nn_json_string(&j, "status", st ? "error" : "ok");
    if (st) {
        char buf[2048];
        nn_json_string(&j, "error", nn_error_format(err, buf, sizeof buf));
    }
    nn_json_int(&j, "epochs_run", res->epochs_run);
    nn_json_string(&j, "stop_reason", res->stop_reason[0] ? res->stop_reason : NULL);
    nn_json_number(&j, "test_loss", res->row.test_loss);
    nn_json_number(&j, "test_accuracy", res->row.test_accuracy);
    nn_json_end(&j);
    fputc('\n', out);
    fflush(out);
}

/* The config as the runs will see it, read once here so that an error is reported once
 * and the seeds can start from its seed; `listed` gets fit.seeds (n_listed 0: none). */
static nn_status read_experiment(const nn_run_options *o, long long *seed, long long *listed,
                                 int *n_listed, char *name, size_t name_size, nn_error *err)
{
    nn_cfg_doc *doc;
    nn_experiment ex;
    nn_graph *g;
    nn_status st = nn_experiment_load(o->config_path, o->overrides, o->n_overrides, &doc, &ex,
                                      &g, err);
    if (st)
        return st;
    *seed = ex.seed;
    *n_listed = ex.fit.n_seeds;
    memcpy(listed, ex.fit.seeds, (size_t)ex.fit.n_seeds * sizeof *listed);
    nn_strlcpy(name, ex.name, name_size);
    nn_graph_free(g);
    nn_cfg_free(doc);
    return NN_OK;
}

/* In the child: one run with its seed and run directory; never returns. */
static void child(const nn_run_options *base, const seed_run *s, int threads, int text_fd,
                  outcome *out)
{
    const char **overrides = malloc(((size_t)base->n_overrides + 1) * sizeof *overrides);
    char seed_set[64], out_dir[1100];
    nn_run_options o = *base;
    FILE *text = base->out ? fdopen(text_fd, "w") : NULL;
    nn_error_clear(&out->err);
    if (!overrides || (base->out && !text)) {
        out->st = nn_fail(&out->err, NN_E_NOMEM, "out of memory starting seed %lld", s->seed);
        out->reported = true;
        _exit(1);
    }
    /* quiet: the pipe stays open, unused, so that its end still means the run's end */
    for (int i = 0; i < base->n_overrides; i++)
        overrides[i] = base->overrides[i];
    snprintf(seed_set, sizeof seed_set, "seed=%lld", s->seed); /* last: it wins */
    overrides[base->n_overrides] = seed_set;
    o.overrides = overrides;
    o.n_overrides = base->n_overrides + 1;
    if (base->out_dir) {
        snprintf(out_dir, sizeof out_dir, "%s/seed%lld", base->out_dir, s->seed);
        o.out_dir = out_dir;
    }
    o.threads = threads;
    o.out = text;
    o.live = false;
    out->st = nn_run(&o, &out->res, &out->err);
    out->reported = true;
    if (base->jsonl)
        cli_jsonl_end(base->jsonl, &out->res, out->st, &out->err);
    if (text)
        fclose(text);
    fflush(NULL);
    _exit(cli_exit_code(out->st));
}

/* One whole line: the run's prefix, what was pending, then buf[0, n). */
static void put_line(FILE *to, seed_run *s, const char *buf, size_t n)
{
    if (to) {
        fputs(s->prefix, to);
        if (s->pending_n)
            fwrite(s->pending, 1, s->pending_n, to);
        fwrite(buf, 1, n, to);
        fputc('\n', to);
        fflush(to);
    }
    s->pending_n = 0;
}

/* Passes on every line that buf[0, n) completes; keeps the unfinished rest. */
static void pass_lines(FILE *to, seed_run *s, const char *buf, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\n') {
            put_line(to, s, buf + start, i - start);
            start = i + 1;
        }
    if (start < n) {
        char *p = realloc(s->pending, s->pending_n + (n - start));
        if (!p) /* out of memory: pass on what there is rather than lose it */
            put_line(to, s, buf + start, n - start);
        else {
            memcpy(p + s->pending_n, buf + start, n - start);
            s->pending = p;
            s->pending_n += n - start;
        }
    }
}

static nn_status start(const nn_run_options *base, seed_run *runs, int i, int n, int threads,
                       outcome *outs, nn_error *err)
{
    int fds[2];
    if (pipe(fds) != 0)
        return nn_fail(err, NN_E_IO, "cannot make a pipe: %s", strerror(errno));
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return nn_fail(err, NN_E_IO, "cannot start a process: %s", strerror(errno));
    }
    if (pid == 0) {
        /* its own process group: a terminal's Ctrl-C reaches the parent only, which passes
         * it on once (a second signal would end a run at once) */
        setpgid(0, 0);
        close(fds[0]);
        for (int k = 0; k < n; k++)
            if (runs[k].fd >= 0)
                close(runs[k].fd);
        child(base, &runs[i], threads, fds[1], &outs[i]);
    }
    close(fds[1]);
    runs[i].pid = pid;
    runs[i].fd = fds[0];
    return NN_OK;
}

static void finish(seed_run *s, outcome *o)
{
    int status;
    pid_t got;
    do
        got = waitpid(s->pid, &status, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        s->exit_code = 1;
    else if (WIFEXITED(status))
        s->exit_code = WEXITSTATUS(status);
    else
        s->exit_code = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (!o->reported && s->exit_code) {
        o->st = NN_E_INTERNAL;
        nn_fail(&o->err, NN_E_INTERNAL, "the run's process ended with status %d", s->exit_code);
    }
    s->pid = -1;
}

static void print_summary(FILE *out, const char *name, const seed_run *runs,
                          const outcome *outs, int n)
{
    fprintf(out, "\n%-6s %-40s %6s %9s %9s %9s %9s  %s\n", "seed", "run directory", "epochs",
            "val_loss", "val_acc", "test_loss", "test_acc", "stop");
    double v[4][MAX_SEEDS];
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        const nn_results_row *row = &outs[i].res.row;
        bool trained = outs[i].reported && (!outs[i].st || outs[i].st == NN_E_NUMERIC);
        if (!trained) {
            fprintf(out, "%-6lld %-40s %6s %9s %9s %9s %9s  %s\n", runs[i].seed,
                    outs[i].res.run_dir[0] ? outs[i].res.run_dir : "-", "-", "-", "-", "-", "-",
                    outs[i].res.stop_reason[0] ? outs[i].res.stop_reason : "failed");
            continue;
        }
        double m[4] = {row->final_val_loss, row->final_val_accuracy, row->test_loss,
                       row->test_accuracy};
        char c[4][32];
        for (int j = 0; j < 4; j++) {
            v[j][k] = m[j];
            nn_format_keras(m[j], c[j], sizeof c[j]);
        }
        k++;
        fprintf(out, "%-6lld %-40s %6lld %9s %9s %9s %9s  %s\n", runs[i].seed,
                outs[i].res.run_dir, row->epochs_run, c[0], c[1], c[2], c[3], row->stop_reason);
    }
    if (k == 0) {
        fprintf(out, "no seed of %s trained to the end\n", name);
        return;
    }
    static const char *const label[4] = {"final val_loss", "final val_accuracy", "test loss",
                                         "test accuracy"};
    fprintf(out, "%s: mean ± std (sample, n - 1) over %zu seed%s:\n", name, k, k == 1 ? "" : "s");
    for (int j = 0; j < 4; j++) {
        double mean, std;
        nn_results_mean_std(v[j], k, &mean, &std);
        fprintf(out, "  %-20s %.4f ± %.4f\n", label[j], mean, std);
    }
    fflush(out);
}

static void json_summary(FILE *out, const char *name, const seed_run *runs, const outcome *outs,
                         int n)
{
    static const char *const key[4] = {"final_val_loss", "final_val_accuracy", "test_loss",
                                       "test_accuracy"};
    double v[4][MAX_SEEDS];
    size_t k = 0;
    nn_json j;
    nn_json_init(&j, out, false);
    nn_json_object(&j, NULL);
    nn_json_string(&j, "event", "seeds");
    nn_json_string(&j, "config", name);
    nn_json_array(&j, "seeds");
    for (int i = 0; i < n; i++) {
        nn_json_int(&j, NULL, runs[i].seed);
        const nn_results_row *row = &outs[i].res.row;
        if (outs[i].reported && (!outs[i].st || outs[i].st == NN_E_NUMERIC)) {
            v[0][k] = row->final_val_loss;
            v[1][k] = row->final_val_accuracy;
            v[2][k] = row->test_loss;
            v[3][k] = row->test_accuracy;
            k++;
        }
    }
    nn_json_end(&j);
    nn_json_int(&j, "trained", (long long)k);
    for (int m = 0; m < 4; m++) {
        double mean, std;
        nn_results_mean_std(v[m], k, &mean, &std);
        nn_json_object(&j, key[m]);
        nn_json_number(&j, "mean", mean);
        nn_json_number(&j, "std", std);
        nn_json_end(&j);
    }
    nn_json_end(&j);
    fputc('\n', out);
    fflush(out);
}

int cli_run_seeds(const nn_run_options *base, int n_seeds)
{
    nn_error err;
    nn_error_clear(&err);
    long long first_seed = 1;
    static long long listed[NN_MAX_FIT_SEEDS];
    int n_listed = 0;
    char name[128];
    if (n_seeds < 0 || n_seeds > MAX_SEEDS)
        return cli_usage_error("train", "--seeds: expected 1 to %d", MAX_SEEDS);
    nn_status st = read_experiment(base, &first_seed, listed, &n_listed, name, sizeof name, &err);
    if (n_seeds == 0 && (st || n_listed == 0))
        return CLI_NO_SEEDS; /* a single run, which reports a config error itself */
    if (st)
        return cli_fail(&err);
    bool from_list = n_seeds == 0; /* --seeds N wins over fit.seeds */
    if (from_list)
        n_seeds = n_listed;
    int parallel = n_seeds < base->threads ? n_seeds : base->threads;
    int threads = base->threads / parallel;
    if (base->out) {
        char which[96];
        if (!from_list)
            snprintf(which, sizeof which, "%lld to %lld", first_seed, first_seed + n_seeds - 1);
        else { /* fit.seeds: the list, cut short when long */
            size_t used = (size_t)snprintf(which, sizeof which, "fit.seeds:");
            for (int i = 0; i < n_seeds && used < sizeof which; i++)
                used += (size_t)snprintf(which + used, sizeof which - used, "%s %lld",
                                         i ? "," : "", listed[i]);
            if (used >= sizeof which)
                memcpy(which + sizeof which - 5, " ...", 5);
        }
        fprintf(base->out, "Training %d seed%s of %s (%s), %d at a time with %d thread%s each\n",
                n_seeds, n_seeds == 1 ? "" : "s", name, which, parallel, threads,
                threads == 1 ? "" : "s");
    }

    outcome *outs = mmap(NULL, (size_t)n_seeds * sizeof *outs, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    seed_run *runs = calloc((size_t)n_seeds, sizeof *runs);
    struct pollfd *pfd = calloc((size_t)n_seeds, sizeof *pfd);
    int *pfd_run = calloc((size_t)n_seeds, sizeof *pfd_run);
    if (outs == MAP_FAILED || !runs || !pfd || !pfd_run) {
        if (outs != MAP_FAILED)
            munmap(outs, (size_t)n_seeds * sizeof *outs);
        free(runs);
        free(pfd);
        free(pfd_run);
        nn_fail(&err, NN_E_NOMEM, "out of memory starting %d seeds", n_seeds);
        return cli_fail(&err);
    }
    memset(outs, 0, (size_t)n_seeds * sizeof *outs);
    for (int i = 0; i < n_seeds; i++) {
        runs[i].seed = from_list ? listed[i] : first_seed + i;
        runs[i].fd = -1;
        snprintf(runs[i].prefix, sizeof runs[i].prefix, "[seed %lld] ", runs[i].seed);
    }

    int next = 0, active = 0, code = 0;
    bool forwarded = false;
    while (next < n_seeds || active > 0) {
        while (!cli_interrupted && active < parallel && next < n_seeds && !st) {
            st = start(base, runs, next, n_seeds, threads, outs, &err);
            if (!st) {
                next++;
                active++;
            }
        }
        if (st && active == 0)
            break;
        if (cli_interrupted && next < n_seeds)
            next = n_seeds; /* start no more */
        if (cli_interrupted && !forwarded) {
            for (int i = 0; i < n_seeds; i++)
                if (runs[i].pid > 0)
                    kill(runs[i].pid, cli_interrupted);
            forwarded = true;
        }
        nfds_t np = 0;
        for (int i = 0; i < n_seeds; i++)
            if (runs[i].fd >= 0) {
                pfd[np].fd = runs[i].fd;
                pfd[np].events = POLLIN;
                pfd_run[np++] = i;
            }
        if (np == 0)
            break;
        /* wake up now and then to notice a signal even when no child writes */
        int ready = poll(pfd, np, 500);
        if (ready < 0 && errno != EINTR)
            break;
        for (nfds_t p = 0; ready > 0 && p < np; p++) {
            if (!pfd[p].revents)
                continue;
            seed_run *s = &runs[pfd_run[p]];
            char buf[4096];
            ssize_t got = read(s->fd, buf, sizeof buf);
            if (got < 0 && errno == EINTR)
                continue;
            if (got > 0) {
                pass_lines(base->out, s, buf, (size_t)got);
                continue;
            }
            if (s->pending_n) /* its text ended without a line break */
                put_line(base->out, s, "", 0);
            close(s->fd);
            s->fd = -1;
            finish(s, &outs[pfd_run[p]]);
            active--;
        }
    }
    if (st) /* could not start a run: report it, and let the started ones finish */
        cli_fail(&err);

    bool any_trained = false;
    for (int i = 0; i < n_seeds; i++) {
        if (runs[i].pid > 0) { /* left behind by a failure above */
            kill(runs[i].pid, SIGTERM);
            finish(&runs[i], &outs[i]);
        }
        if (runs[i].pid == 0) /* never started */
            continue;
        if (outs[i].reported && (!outs[i].st || outs[i].st == NN_E_NUMERIC))
            any_trained = true;
        if (runs[i].exit_code) {
            char msg[2048];
            fprintf(stderr, "nnrun: error: seed %lld: %s\n", runs[i].seed,
                    nn_error_format(&outs[i].err, msg, sizeof msg));
            if (outs[i].res.run_dir[0])
                fprintf(stderr, "nnrun: the run directory %s keeps what finished\n",
                        outs[i].res.run_dir);
            if (!code)
                code = runs[i].exit_code;
        }
    }
    if (base->out && any_trained)
        print_summary(base->out, name, runs, outs, n_seeds);
    if (base->jsonl)
        json_summary(base->jsonl, name, runs, outs, n_seeds);
    if (cli_interrupted)
        code = 128 + cli_interrupted;
    else if (st && !code)
        code = cli_exit_code(st);
    for (int i = 0; i < n_seeds; i++)
        free(runs[i].pending);
    munmap(outs, (size_t)n_seeds * sizeof *outs);
    free(runs);
    free(pfd);
    free(pfd_run);
    return code;
}
