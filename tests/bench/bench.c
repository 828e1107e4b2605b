/* bench.c — `make bench`: the speed of every notebook model, on synthetic data, against the
 * speed of the BLAS it calls.
 *
 * For each model (the `model`, `compile` and `fit` sections of configs/<name>.yaml, or a
 * built-in copy of the notebook's model when that file does not exist yet), in a child
 * process of its own so that peak RSS is the model's:
 *   - plan it for its batch size, fill a few batches with uniform [0, 1) pixels and random
 *     labels, run warm-up steps, then time a fixed number of training steps
 *     (nn_trainer_step) and of evaluation batches (forward only), each in three rounds of
 *     which the fastest counts (the floor below is a best time as well);
 *   - seconds per epoch = training samples / training rate + validation samples /
 *     evaluation rate, for the notebook's epoch (MNIST 54,000 + 6,000, CIFAR-10 45,000 +
 *     5,000: the data set's size and the config's validation_split);
 *   - the GEMM floor: one training step and one evaluation batch run with the GEMM trace
 *     on; every product recorded is then timed alone through cblas_sgemm at its shape
 *     (best of OpenBLAS on 1 thread and on all threads), and the sums are extrapolated to
 *     the epoch like the step times. "ratio" = seconds per epoch / floor: how far the whole
 *     step is from doing nothing but its products at OpenBLAS speed;
 *   - GEMM GFLOP/s: the FLOPs of those products (2·m·n·k each) per second of the epoch.
 * The parent prints the machine, the BLAS (core, OPENBLAS_CORETYPE), the thread count and
 * the machine's sgemm peak (a 2048³ product, 1 thread and all threads), then one row per
 * model. The format is stable: the README's performance table is pasted from it.
 *
 * Usage: nnrun-bench [--threads N] [--scale F] [--steps N] [--no-floor] [MODEL ...]
 *   --threads N   threads for nnrun's pool (default: all cores), as `nnrun --threads`
 *   --scale F     multiply the timed step counts by F (default 1; 0.1 for a smoke run)
 *   --steps N     time exactly N training steps and N evaluation batches
 *   --no-floor    skip the GEMM floor (for profiling the steps under callgrind:
 *                 valgrind --tool=callgrind --toggle-collect=nn_trainer_step
 *                 build/nnrun-bench --child --steps 10 --no-floor resnet10)
 *   MODEL         run only these models (default: all, in the notebook's order)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>

#include "config/cfg.h"
#include "core/pool.h"
#include "core/rng.h"
#include "core/util.h"
#include "graph/graph.h"
#include "tensor/blas.h"
#include "train/experiment.h"
#include "train/fit.h"

/* --- the models ------------------------------------------------------------------------ */

/* Built-in copies of the notebook's cells, used only when configs/<name>.yaml is absent. */
static const char baseline_yaml[] =
    "data: {dataset: mnist, validation_split: 0.1}\n"
    "model:\n"
    "  input: [28, 28]\n"
    "  layers:\n"
    "    - flatten: {}\n"
    "    - dense: {units: 64, activation: relu}\n"
    "    - dense: {units: 64, activation: relu}\n"
    "    - dense: {units: 64, activation: relu}\n"
    "    - dense: {units: 10, activation: softmax}\n"
    "compile:\n"
    "  loss: sparse_categorical_crossentropy\n"
    "  optimizer: {sgd: {learning_rate: 0.01, decay: 1.0e-6, momentum: 0.9, nesterov: true}}\n"
    "fit: {batch_size: 64}\n";

/* The block of lab steps 5-6: Dense, BatchNormalization, ReLU, Dropout. */
#define BLOCK_LAYER                                                                           \
    "        - dense: 128\n"                                                                  \
    "        - batch_normalization: {}\n"                                                     \
    "        - activation: relu\n"                                                            \
    "        - dropout: 0.5\n"

#define MLP_HEAD                                                                              \
    "data: {dataset: mnist, validation_split: 0.1}\n"                                         \
    "model:\n"                                                                                \
    "  input: [784]\n"                                                                        \
    "  layers:\n"                                                                             \
    "    - dense: {units: 128, activation: relu}\n"                                           \
    "    - {name: block_1_output, dense: {units: 128, activation: relu}}\n"

#define ADAM_128                                                                              \
    "compile:\n"                                                                              \
    "  loss: sparse_categorical_crossentropy\n"                                               \
    "  optimizer: {adam: {amsgrad: true}}\n"                                                  \
    "fit: {batch_size: 128}\n"

static const char resnet_shallow_yaml[] = MLP_HEAD
    "    - layers:\n" BLOCK_LAYER BLOCK_LAYER
    "    - dense: {units: 10, activation: softmax}\n" ADAM_128;

static const char resnet10_yaml[] = MLP_HEAD
    "    - repeat: 9\n"
    "      residual:\n" BLOCK_LAYER BLOCK_LAYER
    "    - dense: {units: 128, activation: relu}\n"
    "    - dropout: 0.5\n"
    "    - dense: {units: 10, activation: softmax}\n" ADAM_128;

static const char resnet_skip13_yaml[] = MLP_HEAD
    "    - residual:\n" BLOCK_LAYER
    "    - residual:\n" BLOCK_LAYER BLOCK_LAYER BLOCK_LAYER
    "    - dense: {units: 128, activation: relu}\n"
    "    - dropout: 0.5\n"
    "    - dense: {units: 10, activation: softmax}\n" ADAM_128;

static const char cifar_baseline_yaml[] =
    "data: {dataset: cifar10, validation_split: 0.1}\n"
    "model:\n"
    "  input: [32, 32, 3]\n"
    "  layers:\n"
    "    - flatten: {}\n"
    "    - dense: {units: 64, activation: relu}\n"
    "    - dense: {units: 64, activation: relu}\n"
    "    - dense: {units: 64, activation: relu}\n"
    "    - dense: {units: 10, activation: softmax}\n"
    "compile:\n"
    "  loss: sparse_categorical_crossentropy\n"
    "  optimizer: {sgd: {learning_rate: 0.01, decay: 1.0e-6, momentum: 0.9, nesterov: true}}\n"
    "fit: {batch_size: 64}\n";

/* Lab step 9: the same block, Dense acting on every pixel of [32, 32, 3]. */
static const char cifar_resnet_yaml[] =
    "data: {dataset: cifar10, validation_split: 0.1}\n"
    "model:\n"
    "  input: [32, 32, 3]\n"
    "  layers:\n"
    "    - dense: {units: 128, activation: relu}\n"
    "    - dense: {units: 128, activation: relu}\n"
    "    - layers:\n" BLOCK_LAYER BLOCK_LAYER
    "    - flatten: {}\n"
    "    - dense: {units: 10, activation: softmax}\n" ADAM_128;

typedef struct model_def {
    const char *name;
    const char *builtin;  /* YAML used when configs/<name>.yaml does not exist */
    int train_steps;      /* timed training steps (before --scale) */
    int eval_batches;     /* timed evaluation batches (before --scale) */
} model_def;

static const model_def models[] = {
    {"baseline", baseline_yaml, 2000, 1000},
    {"resnet_shallow", resnet_shallow_yaml, 600, 300},
    {"resnet10", resnet10_yaml, 150, 150},
    {"resnet_skip13", resnet_skip13_yaml, 400, 300},
    {"cifar_baseline", cifar_baseline_yaml, 1000, 500},
    {"cifar_resnet", cifar_resnet_yaml, 8, 8},
};
#define N_MODELS (int)(sizeof models / sizeof models[0])

#define WARMUP_STEPS 3
#define ROUNDS 3       /* timed rounds per model; the fastest counts */
#define DATA_BATCHES 4 /* distinct synthetic batches, used in turn */

/* --- small helpers ----------------------------------------------------------------------- */

static void cpu_name(char *buf, size_t size)
{
    nn_strlcpy(buf, "unknown CPU", size);
    FILE *fp = fopen("/proc/cpuinfo", "r");
    if (!fp)
        return;
    char line[512];
    while (fgets(line, sizeof line, fp))
        if (strncmp(line, "model name", 10) == 0 && strchr(line, ':')) {
            char *v = strchr(line, ':') + 2;
            v[strcspn(v, "\n")] = '\0';
            nn_strlcpy(buf, v, size);
            break;
        }
    fclose(fp);
}

/* Best time of one cblas_sgemm at this shape on `threads` OpenBLAS threads: repeated until
 * at least `budget` seconds were spent, after one untimed call. Operands hold small values
 * (the time of a product does not depend on them). */
static double time_sgemm(const nn_gemm_call *c, int threads, double budget, float *a, float *b,
                         float *out)
{
    openblas_set_num_threads(threads);
    int lda = c->trans_a ? c->m : c->k, ldb = c->trans_b ? c->k : c->n;
    float beta = c->accumulate ? 1.0f : 0.0f;
#define CALL                                                                                   \
    cblas_sgemm(CblasRowMajor, c->trans_a ? CblasTrans : CblasNoTrans,                         \
                c->trans_b ? CblasTrans : CblasNoTrans, c->m, c->n, c->k, 1.0f, a, lda, b, ldb, \
                beta, out, c->n)
    CALL;
    double best = INFINITY, spent = 0.0;
    int reps = 0;
    while (spent < budget || reps < 3) {
        double t0 = nn_now();
        CALL;
        double t = nn_now() - t0;
        spent += t;
        reps++;
        if (t < best)
            best = t;
    }
#undef CALL
    return best;
}

/* Floor seconds and FLOPs of a list of products: each distinct shape timed once
 * (threads 0: FLOPs only, seconds NAN). */
static void gemm_floor(const nn_gemm_trace *tr, size_t from, size_t to, int threads,
                       double *seconds, double *flops)
{
    *seconds = *flops = 0.0;
    size_t max_a = 1, max_b = 1, max_c = 1;
    for (size_t i = from; i < to; i++) {
        const nn_gemm_call *c = &tr->calls[i];
        size_t a = (size_t)c->m * (size_t)c->k, b = (size_t)c->k * (size_t)c->n,
               o = (size_t)c->m * (size_t)c->n;
        max_a = a > max_a ? a : max_a;
        max_b = b > max_b ? b : max_b;
        max_c = o > max_c ? o : max_c;
    }
    if (threads == 0) { /* FLOPs only */
        for (size_t i = from; i < to; i++)
            *flops += 2.0 * tr->calls[i].m * (double)tr->calls[i].n * tr->calls[i].k;
        *seconds = NAN;
        return;
    }
    float *a = malloc(max_a * sizeof *a), *b = malloc(max_b * sizeof *b),
          *o = calloc(max_c, sizeof *o);
    if (!a || !b || !o) {
        free(a), free(b), free(o);
        *seconds = NAN;
        return;
    }
    for (size_t i = 0; i < max_a; i++)
        a[i] = (float)(i % 13) * 0.01f;
    for (size_t i = 0; i < max_b; i++)
        b[i] = (float)(i % 7) * 0.01f;
    for (size_t i = from; i < to; i++) {
        const nn_gemm_call *c = &tr->calls[i];
        bool seen = false;
        for (size_t j = from; j < i && !seen; j++) {
            const nn_gemm_call *d = &tr->calls[j];
            seen = d->trans_a == c->trans_a && d->trans_b == c->trans_b && d->m == c->m &&
                   d->n == c->n && d->k == c->k && d->accumulate == c->accumulate;
        }
        *flops += 2.0 * c->m * (double)c->n * c->k;
        if (seen)
            continue;
        int same = 0;
        for (size_t j = i; j < to; j++) {
            const nn_gemm_call *d = &tr->calls[j];
            same += d->trans_a == c->trans_a && d->trans_b == c->trans_b && d->m == c->m &&
                    d->n == c->n && d->k == c->k && d->accumulate == c->accumulate;
        }
        double t = time_sgemm(c, 1, 0.02, a, b, o);
        if (threads > 1) {
            double t2 = time_sgemm(c, threads, 0.02, a, b, o);
            t = t2 < t ? t2 : t;
        }
        *seconds += t * same;
    }
    free(a), free(b), free(o);
}

/* --- one model, in a child process -------------------------------------------------------- */

typedef struct model_run {
    nn_cfg_doc *doc;
    nn_experiment ex;
    nn_graph *g;
    nn_pool *pool;
    nn_trainer t;
    bool trainer_ready;
    float *x;
    int32_t *y;
} model_run;

static nn_status load_model(const model_def *m, model_run *r, bool *from_file, nn_error *err)
{
    char path[256];
    snprintf(path, sizeof path, "configs/%s.yaml", m->name);
    *from_file = nn_path_exists(path);
    nn_status st = *from_file ? nn_cfg_load_file(path, &r->doc, err)
                              : nn_cfg_load_string(m->builtin, m->name, &r->doc, err);
    if (!st)
        st = nn_experiment_read(r->doc, &r->ex, err);
    if (!st)
        st = nn_graph_build(r->ex.model, &r->g, err);
    return st;
}

/* The notebook's epoch for the data set: training and validation samples. */
static void epoch_samples(const nn_experiment *ex, double *train, double *val)
{
    double n = ex->data.dataset == NN_DS_CIFAR10 ? 50000.0 : 60000.0;
    *val = floor(n * ex->data.validation_split);
    *train = n - *val;
}

typedef struct bench_opts {
    int threads;
    double scale;
    int steps;  /* > 0: overrides the model's step counts */
    bool floor; /* time the GEMM floor */
} bench_opts;

static int run_one(const model_def *m, const bench_opts *o)
{
    int threads = o->threads;
    model_run r;
    memset(&r, 0, sizeof r);
    nn_error err;
    nn_error_clear(&err);
    bool from_file = false;
    nn_status st = load_model(m, &r, &from_file, &err);
    if (!st)
        st = nn_pool_create(threads, &r.pool, &err);
    if (!st) {
        nn_blas_init();
        st = nn_trainer_init(&r.t, r.g, &r.ex.compile, &r.ex.fit, 1, r.pool, &err);
        r.trainer_ready = true;
    }
    int B = r.ex.fit.batch_size;
    size_t per = st ? 0 : nn_node_numel(&r.g->nodes[0]);
    if (!st) {
        r.x = malloc((size_t)DATA_BATCHES * (size_t)B * per * sizeof *r.x);
        r.y = malloc((size_t)DATA_BATCHES * (size_t)B * sizeof *r.y);
        if (!r.x || !r.y)
            st = nn_fail(&err, NN_E_NOMEM, "out of memory for the synthetic batches");
    }
    if (st) {
        char buf[1200];
        fprintf(stderr, "nnrun-bench: %s: %s\n", m->name, nn_error_format(&err, buf, sizeof buf));
        return 1;
    }
    nn_rng rng = nn_rng_stream(7, NN_STREAM_TEST);
    for (size_t i = 0; i < (size_t)DATA_BATCHES * (size_t)B * per; i++)
        r.x[i] = nn_rng_uniform(&rng);
    for (size_t i = 0; i < (size_t)DATA_BATCHES * (size_t)B; i++)
        r.y[i] = (int32_t)nn_rng_below(&rng, (uint32_t)r.t.classes);

    int steps = (int)ceil(m->train_steps * o->scale);
    int evals = (int)ceil(m->eval_batches * o->scale);
    if (o->steps > 0)
        steps = evals = o->steps;
    steps = steps < 1 ? 1 : steps;
    evals = evals < 1 ? 1 : evals;
    nn_graph *g = r.g;
    size_t batch_floats = (size_t)B * per;
    for (int s = 0; s < WARMUP_STEPS; s++)
        nn_trainer_step(&r.t, r.x + (size_t)(s % DATA_BATCHES) * batch_floats,
                        r.y + (s % DATA_BATCHES) * B, B, NULL);

    /* the steps in ROUNDS rounds; the fastest round counts (the floor is a best time too,
     * and this machine may be shared) */
    double train_rate = 0.0, eval_rate = 0.0;
    int per_round = (steps + ROUNDS - 1) / ROUNDS, eval_round = (evals + ROUNDS - 1) / ROUNDS;
    for (int k = 0, s = 0; k < ROUNDS; k++) {
        double t0 = nn_now();
        for (int i = 0; i < per_round; i++, s++)
            nn_trainer_step(&r.t, r.x + (size_t)(s % DATA_BATCHES) * batch_floats,
                            r.y + (s % DATA_BATCHES) * B, B, NULL);
        double rate = (double)per_round * B / (nn_now() - t0);
        train_rate = rate > train_rate ? rate : train_rate;
    }

    /* evaluation: the same forward pass nn_trainer_evaluate runs per batch */
    nn_ctx ectx = {.batch = B, .training = false, .pool = r.pool};
    for (int s = 0; s < WARMUP_STEPS; s++)
        nn_graph_forward(g, &ectx);
    for (int k = 0, s = 0; k < ROUNDS; k++) {
        double t0 = nn_now();
        for (int i = 0; i < eval_round; i++, s++) {
            memcpy(g->nodes[0].y, r.x + (size_t)(s % DATA_BATCHES) * batch_floats,
                   batch_floats * sizeof(float));
            nn_graph_forward(g, &ectx);
        }
        double rate = (double)eval_round * B / (nn_now() - t0);
        eval_rate = rate > eval_rate ? rate : eval_rate;
    }

    /* the products of one training step, then of one evaluation batch */
    nn_gemm_trace trace = {0};
    r.t.trace = &trace;
    nn_trainer_step(&r.t, r.x, r.y, B, NULL);
    size_t train_calls = trace.n;
    ectx.trace = &trace;
    nn_graph_forward(g, &ectx);
    r.t.trace = NULL;
    double floor_step, flops_step, floor_eval, flops_eval;
    gemm_floor(&trace, 0, train_calls, o->floor ? threads : 0, &floor_step, &flops_step);
    gemm_floor(&trace, train_calls, trace.n, o->floor ? threads : 0, &floor_eval, &flops_eval);
    nn_blas_init();

    double n_train, n_val;
    epoch_samples(&r.ex, &n_train, &n_val);
    double epoch = n_train / train_rate + n_val / eval_rate;
    double floor_epoch = n_train / B * floor_step + n_val / B * floor_eval;
    double flops_epoch = n_train / B * flops_step + n_val / B * flops_eval;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-15s %10zu %9.2f %10.0f %8.3f %8.1f %8.3f %6.2f %8.1f %8.1f%s\n", m->name,
           nn_graph_params_total(g), nn_graph_flops(g) / 1e6, train_rate, epoch,
           flops_epoch / epoch / 1e9, floor_epoch, epoch / floor_epoch,
           (double)g->memory_bytes / 1048576.0, (double)ru.ru_maxrss / 1024.0,
           from_file ? "" : "  (built-in model)");
    fflush(stdout);

    nn_gemm_trace_free(&trace);
    free(r.x);
    free(r.y);
    nn_trainer_free(&r.t);
    nn_graph_free(r.g);
    nn_pool_destroy(r.pool);
    nn_cfg_free(r.doc);
    return 0;
}

/* --- the parent: header, peak, one child per model ---------------------------------------- */

static double sgemm_peak(int threads)
{
    nn_gemm_call c = {false, false, 2048, 2048, 2048, false};
    size_t n = (size_t)2048 * 2048;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *o = malloc(n * sizeof *o);
    double gflops = NAN;
    if (a && b && o) {
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (float)(i % 11) * 0.01f;
        gflops = 2.0 * 2048.0 * 2048.0 * 2048.0 / time_sgemm(&c, threads, 0.5, a, b, o) / 1e9;
    }
    free(a), free(b), free(o);
    return gflops;
}

static int run_child(const char *self, const char *model, const bench_opts *o)
{
    char th[32], sc[32], st[32];
    snprintf(th, sizeof th, "%d", o->threads);
    snprintf(sc, sizeof sc, "%g", o->scale);
    snprintf(st, sizeof st, "%d", o->steps);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        execl(self, self, "--child", "--threads", th, "--scale", sc, "--steps", st,
              o->floor ? "--floor" : "--no-floor", model, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return 1;
    if (WIFSIGNALED(status)) /* a crash prints nothing of its own */
        fprintf(stderr, "nnrun-bench: %s: killed by signal %d (%s)\n", model,
                WTERMSIG(status), strsignal(WTERMSIG(status)));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void usage(FILE *out)
{
    fprintf(out, "Usage: nnrun-bench [--threads N] [--scale F] [--steps N] [--no-floor] "
                 "[MODEL ...]\nModels:");
    for (int i = 0; i < N_MODELS; i++)
        fprintf(out, " %s", models[i].name);
    fputc('\n', out);
}

/* As nnrun does (cmd/main.c): when OpenBLAS fell back to generic kernels on a CPU that
 * has better ones, run again with OPENBLAS_CORETYPE set to them (and OpenBLAS's own
 * threads off), so that the bench measures what nnrun runs. NNRUN_KEEP_BLAS_CORE=1 or a
 * set OPENBLAS_CORETYPE keep OpenBLAS's choice. */
static void use_fast_blas_kernels(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv("NNRUN_KEEP_BLAS_CORE"))
        return;
    const char *core = nn_blas_better_core();
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    if (!getenv("OPENBLAS_NUM_THREADS"))
        setenv("OPENBLAS_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);
    unsetenv("OPENBLAS_CORETYPE");
}

int main(int argc, char **argv)
{
    use_fast_blas_kernels(argv);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    bench_opts o = {cores > 0 ? (int)cores : 1, 1.0, 0, true};
    bool child = false;
    const char *only[N_MODELS];
    int n_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            o.threads = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            o.scale = atof(argv[++i]);
        } else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
            o.steps = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--floor") == 0 || strcmp(argv[i], "--no-floor") == 0) {
            o.floor = argv[i][2] == 'f';
        } else if (strcmp(argv[i], "--child") == 0) {
            child = true;
        } else if (argv[i][0] == '-' || n_only == N_MODELS) {
            usage(stderr);
            return 2;
        } else {
            only[n_only++] = argv[i];
        }
    }
    if (o.threads < 1 || !(o.scale > 0.0) || o.steps < 0) {
        usage(stderr);
        return 2;
    }
    for (int k = 0; k < n_only; k++) {
        int found = 0;
        for (int i = 0; i < N_MODELS; i++)
            found |= strcmp(only[k], models[i].name) == 0;
        if (!found) {
            fprintf(stderr, "nnrun-bench: unknown model '%s'\n", only[k]);
            usage(stderr);
            return 2;
        }
    }
    if (child) {
        for (int i = 0; i < N_MODELS; i++)
            if (n_only == 1 && strcmp(only[0], models[i].name) == 0)
                return run_one(&models[i], &o);
        return 2;
    }

    char cpu[256], blas[512];
    cpu_name(cpu, sizeof cpu);
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    time_t now = time(NULL);
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", localtime(&now));
    printf("nnrun bench, %s\n", date);
    printf("machine: %s, %ld cores\n", cpu, cores);
    printf("BLAS:    %s; OPENBLAS_CORETYPE%s%s\n", nn_blas_describe(blas, sizeof blas),
           coretype ? "=" : " unset", coretype ? coretype : "");
    printf("threads: %d (nnrun's pool; OpenBLAS 1 per call); sgemm 2048^3 peak: %.1f GFLOP/s "
           "on 1 thread, %.1f on %d\n",
           o.threads, sgemm_peak(1), sgemm_peak(o.threads), o.threads);
    printf("epoch = the notebook's (MNIST 54000 train + 6000 validation, CIFAR-10 45000 + 5000); "
           "synthetic data\n\n");
    printf("%-15s %10s %9s %10s %8s %8s %8s %6s %8s %8s\n", "model", "params", "MFLOP/smp",
           "samples/s", "s/epoch", "GFLOP/s", "floor s", "ratio", "arenaMiB", "RSS MiB");
    int failed = 0;
    for (int i = 0; i < N_MODELS; i++) {
        bool want = n_only == 0;
        for (int k = 0; k < n_only; k++)
            want |= strcmp(only[k], models[i].name) == 0;
        if (want && run_child("/proc/self/exe", models[i].name, &o) != 0) {
            printf("%-15s failed (see the message above)\n", models[i].name);
            failed = 1;
        }
    }
    return failed;
}
