/* data.c — nn_data_load: find the files, read them, check them, decode, preprocess, split.
 *
 * The work runs in stages so that the threads of the pool stay busy:
 *   1. find      the directory (or archive) in the search order of data.h (find.c)
 *   2. read      every file whole, one file per job
 *   3. hash      the stored bytes of every file (SHA-256, for nn_data.files), and, as
 *      inflate   separate jobs, inflate gzip files / pull the members out of the archive;
 *                jobs are taken largest first from a shared counter, so a 170 MB archive
 *                is hashed on one thread while it is inflated on the other
 *   4. check     headers, sizes, counts and labels (cheap, in file order: the first bad
 *                file is the one reported, whatever the thread timing)
 *   5. decode    uint8 -> float32 (CIFAR-10: CHW -> HWC), split among threads by records
 *   6. steps     preprocessing in config order on the training set (validation part
 *                included) and on the test set; standardize takes its statistics from the
 *                training split only
 * Every stage writes to places of its own, so results do not depend on the thread count.
 */
#include "data/internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "core/util.h"

static const char *const fashion_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                              "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                                              "Ankle boot"};
static const char *const cifar_names[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                            "dog", "frog", "horse", "ship", "truck"};

enum { MEMBER_META = NN_CIFAR_MAX_TRAIN + 1, N_MEMBERS = NN_CIFAR_MAX_TRAIN + 2 };

/* One file as read. For the archive, `members` receive the extracted CIFAR-10 files:
 * data_batch_1..5.bin, test_batch.bin, batches.meta.txt (indexes 0..4, 5, 6). */
typedef struct dfile {
    char path[512];
    uint8_t *stored; /* the bytes on disk */
    size_t stored_len;
    uint8_t *bytes; /* the content: inflated, or == stored */
    size_t len;
    bool gz;
    bool archive;
    nn_tar_want members[N_MEMBERS];
    char sha256[65];
    nn_status st; /* first failure of a job on this file */
    nn_error err;
} dfile;

typedef enum { JOB_READ, JOB_HASH, JOB_UNPACK } job_kind;

typedef struct job {
    job_kind kind;
    dfile *f;
    size_t cost; /* bytes it will touch, for largest-first order */
} job;

typedef struct job_list {
    job jobs[2 * NN_MAX_DATA_FILES];
    size_t n;
    atomic_size_t next;
} job_list;

static void fail_file(dfile *f, nn_status st, const nn_error *e)
{
    if (f->st == NN_OK) {
        f->st = st;
        f->err = *e;
    }
}

static void run_job(const job *j)
{
    dfile *f = j->f;
    nn_error e;
    nn_error_clear(&e);
    nn_status st = NN_OK;
    switch (j->kind) {
    case JOB_READ:
        st = nn_file_slurp(f->path, &f->stored, &f->stored_len, &e);
        break;
    case JOB_HASH:
        nn_sha256_hex(f->stored, f->stored_len, f->sha256);
        break;
    case JOB_UNPACK:
        if (f->archive)
            st = nn_tar_extract(f->path, f->stored, f->stored_len, f->members, N_MEMBERS, &e);
        else
            st = nn_gz_inflate(f->path, f->stored, f->stored_len, &f->bytes, &f->len, &e);
        break;
    }
    if (st != NN_OK)
        fail_file(f, st, &e);
}

static void job_worker(void *arg, size_t begin, size_t end)
{
    job_list *L = arg;
    (void)begin;
    (void)end;
    for (;;) {
        size_t i = atomic_fetch_add(&L->next, 1);
        if (i >= L->n)
            return;
        run_job(&L->jobs[i]);
    }
}

static int by_cost_desc(const void *a, const void *b)
{
    const job *x = a, *y = b;
    return x->cost < y->cost ? 1 : x->cost > y->cost ? -1 : 0;
}

/* Runs the jobs, largest first, on every thread of the pool. */
static void run_jobs(job_list *L, nn_pool *pool)
{
    qsort(L->jobs, L->n, sizeof L->jobs[0], by_cost_desc);
    atomic_store(&L->next, 0);
    size_t threads = (size_t)nn_pool_size(pool);
    nn_pool_for(pool, threads < L->n ? threads : L->n, 1, job_worker, L);
}

static void add_job(job_list *L, job_kind kind, dfile *f, size_t cost)
{
    L->jobs[L->n].kind = kind;
    L->jobs[L->n].f = f;
    L->jobs[L->n].cost = cost;
    L->n++;
}

static void dfile_release(dfile *f)
{
    if (f->bytes != f->stored)
        free(f->bytes);
    free(f->stored);
    for (int i = 0; i < N_MEMBERS; i++)
        free(f->members[i].data);
    f->bytes = f->stored = NULL;
    memset(f->members, 0, sizeof f->members);
}

/* Stages 2 and 3 for files[0, n): read, then hash and unpack. The first failure in file
 * order is reported. */
static nn_status read_all(dfile *files, int n, nn_pool *pool, nn_error *err)
{
    job_list L;
    L.n = 0;
    for (int i = 0; i < n; i++)
        add_job(&L, JOB_READ, &files[i], 1);
    run_jobs(&L, pool);
    for (int i = 0; i < n; i++)
        if (files[i].st != NN_OK) {
            *err = files[i].err;
            return files[i].st;
        }

    L.n = 0;
    for (int i = 0; i < n; i++) {
        dfile *f = &files[i];
        add_job(&L, JOB_HASH, f, f->stored_len);
        f->gz = nn_gz_magic(f->stored, f->stored_len);
        if (f->gz || f->archive)
            add_job(&L, JOB_UNPACK, f, 3 * f->stored_len); /* inflating costs ~3x hashing */
        else {
            f->bytes = f->stored;
            f->len = f->stored_len;
        }
    }
    run_jobs(&L, pool);
    for (int i = 0; i < n; i++)
        if (files[i].st != NN_OK) {
            *err = files[i].err;
            return files[i].st;
        }
    return NN_OK;
}

/* --- decoding --------------------------------------------------------------------------- */

typedef struct u8_job {
    const uint8_t *src;
    float *dst;
    size_t d;
    float divisor;
} u8_job;

static void u8_to_float(void *arg, size_t begin, size_t end)
{
    const u8_job *j = arg;
    size_t i = begin * j->d, last = end * j->d;
    const float div = j->divisor;
    if (div != 1.0f) {
        for (; i + 16 <= last; i += 16) /* a fixed-width inner loop vectorizes at -O2 */
            for (int k = 0; k < 16; k++)
                j->dst[i + k] = (float)j->src[i + k] / div;
    } else {
        for (; i + 16 <= last; i += 16)
            for (int k = 0; k < 16; k++)
                j->dst[i + k] = (float)j->src[i + k];
    }
    for (; i < last; i++)
        j->dst[i] = (float)j->src[i] / div;
}

/* Where one split's records come from: up to 5 segments of CIFAR records, or one IDX pair. */
typedef struct source {
    size_t n;                      /* records available */
    int n_seg;
    const uint8_t *seg[NN_CIFAR_MAX_TRAIN];
    size_t seg_n[NN_CIFAR_MAX_TRAIN];
    const uint8_t *images, *labels; /* IDX */
} source;

static nn_status alloc_split(size_t n, size_t d, float **x, int32_t **y, nn_error *err)
{
    *x = malloc((n ? n : 1) * d * sizeof **x);
    *y = malloc((n ? n : 1) * sizeof **y);
    if (!*x || !*y)
        return nn_fail(err, NN_E_NOMEM, "out of memory for %zu samples of %zu values", n, d);
    return NN_OK;
}

/* Decodes the first n records of `src` into x[n, d] = byte / divisor, y[n]. */
static void decode(const source *src, bool cifar, size_t n, size_t d, float divisor, float *x,
                   int32_t *y, nn_pool *pool)
{
    if (!cifar) {
        u8_job j = {src->images, x, d, divisor};
        nn_pool_for(pool, n, 256, u8_to_float, &j);
        for (size_t i = 0; i < n; i++)
            y[i] = src->labels[i];
        return;
    }
    size_t done = 0;
    for (int s = 0; s < src->n_seg && done < n; s++) {
        size_t take = src->seg_n[s] < n - done ? src->seg_n[s] : n - done;
        nn_cifar_decode(src->seg[s], take, divisor, x + done * d, y + done, pool);
        done += take;
    }
}

/* --- checking ----------------------------------------------------------------------------- */

static nn_status check_idx_pair(const dfile *xf, const dfile *yf, const nn_data_spec *spec,
                                source *src, nn_error *err)
{
    nn_idx xi, yi;
    nn_status st = nn_idx_parse(xf->path, xf->gz, xf->bytes, xf->len, NN_IDX_IMAGES, &xi, err);
    if (st != NN_OK)
        return st;
    if (xi.dim[1] != 28 || xi.dim[2] != 28)
        return nn_fail_at(err, NN_E_DATA, xf->path, 0, 0,
                          "images are %dx%d, but %s images are 28x28", xi.dim[1], xi.dim[2],
                          nn_dataset_names[spec->dataset]);
    if (xi.n == 0)
        return nn_fail_at(err, NN_E_DATA, xf->path, 0, 0, "holds no images");
    st = nn_idx_parse(yf->path, yf->gz, yf->bytes, yf->len, NN_IDX_LABELS, &yi, err);
    if (st != NN_OK)
        return st;
    if (yi.n != xi.n)
        return nn_fail_at(err, NN_E_DATA, yf->path, 0, 0,
                          "holds %zu labels but %s holds %zu images", yi.n, xf->path, xi.n);
    for (size_t i = 0; i < yi.n; i++)
        if (yi.data[i] >= spec->num_classes)
            return nn_fail_at(err, NN_E_DATA, yf->path, 0, 0,
                              "label %d of record %zu is outside [0, %d) (data.num_classes)",
                              yi.data[i], i, spec->num_classes);
    src->n = xi.n;
    src->images = xi.data;
    src->labels = yi.data;
    return NN_OK;
}

/* Adds one CIFAR-10 file (or archive member) to a source. */
static nn_status add_cifar(const char *name, const char *member, const uint8_t *bytes,
                           size_t len, const nn_data_spec *spec, source *src, nn_error *err)
{
    size_t n;
    nn_status st = nn_cifar_check(name, bytes, len, spec->num_classes, &n, err);
    if (st != NN_OK) {
        if (member)
            nn_error_prefix(err, "member %s", member);
        return st;
    }
    src->seg[src->n_seg] = bytes;
    src->seg_n[src->n_seg] = n;
    src->n_seg++;
    src->n += n;
    return NN_OK;
}

static const char *member_name(int i, char *buf, size_t size)
{
    if (i < NN_CIFAR_MAX_TRAIN)
        snprintf(buf, size, "data_batch_%d.bin", i + 1);
    else
        snprintf(buf, size, "%s", i == NN_CIFAR_MAX_TRAIN ? "test_batch.bin" : "batches.meta.txt");
    return buf;
}

static nn_status check_archive(const dfile *a, const nn_data_spec *spec, source *train,
                               source *test, nn_data *out, nn_error *err)
{
    const nn_tar_want *m = a->members;
    if (!m[0].found || !m[NN_CIFAR_MAX_TRAIN].found)
        return nn_fail_at(err, NN_E_DATA, a->path, 0, 0,
                          "archive has no member %s%s%s: expected the official layout "
                          "(" NN_CIFAR_SUBDIR "/data_batch_1..5.bin, test_batch.bin, "
                          "batches.meta.txt)",
                          m[0].found ? "" : "data_batch_1.bin",
                          !m[0].found && !m[NN_CIFAR_MAX_TRAIN].found ? ", " : "",
                          m[NN_CIFAR_MAX_TRAIN].found ? "" : "test_batch.bin");
    int missing_at = 0;
    for (int i = 0; i < NN_CIFAR_MAX_TRAIN; i++) {
        char name[32];
        member_name(i, name, sizeof name);
        if (!m[i].found) {
            if (!missing_at)
                missing_at = i + 1;
            continue;
        }
        if (missing_at)
            return nn_fail_at(err, NN_E_DATA, a->path, 0, 0,
                              "archive has member data_batch_%d.bin but not data_batch_%d.bin: "
                              "training batches must run from data_batch_1 without gaps",
                              i + 1, missing_at);
        nn_status st = add_cifar(a->path, name, m[i].data, m[i].len, spec, train, err);
        if (st != NN_OK)
            return st;
    }
    nn_status st = add_cifar(a->path, "test_batch.bin", m[NN_CIFAR_MAX_TRAIN].data,
                             m[NN_CIFAR_MAX_TRAIN].len, spec, test, err);
    if (st != NN_OK)
        return st;
    if (m[MEMBER_META].found)
        nn_cifar_class_names(m[MEMBER_META].data, m[MEMBER_META].len, out->class_names);
    return NN_OK;
}

static void default_class_names(nn_data *out, nn_dataset_kind kind)
{
    for (int i = 0; i < 16; i++) {
        if (i < 10 && kind == NN_DS_FASHION_MNIST)
            nn_strlcpy(out->class_names[i], fashion_names[i], sizeof out->class_names[i]);
        else if (i < 10 && kind == NN_DS_CIFAR10)
            nn_strlcpy(out->class_names[i], cifar_names[i], sizeof out->class_names[i]);
        else
            snprintf(out->class_names[i], sizeof out->class_names[i], "%d", i);
    }
}

/* --- preprocessing ------------------------------------------------------------------------- */

/* Runs steps[first ..]: the steps before `first` were folded into the decoding. */
static nn_status run_steps(const nn_data_spec *spec, int first, nn_split *all, nn_split *test,
                           nn_pool *pool, nn_data *out, nn_error *err)
{
    for (int i = first; i < spec->n_steps; i++) {
        const nn_preprocess *step = &spec->steps[i];
        nn_channel_stats stats = {0};
        nn_status st = NN_OK;
        if (step->kind == NN_PP_STANDARDIZE) {
            nn_split train, val;
            nn_data_split(all, spec->validation_split, &train, &val);
            st = nn_channel_stats_compute(&train, pool, &stats, err);
        }
        if (step->kind == NN_PP_ONE_HOT)
            out->one_hot = true;
        if (st == NN_OK)
            st = nn_preprocess_apply(step, all, &stats, pool, err);
        if (st == NN_OK)
            st = nn_preprocess_apply(step, test, &stats, pool, err);
        nn_channel_stats_free(&stats);
        if (st != NN_OK)
            return st;
    }
    return NN_OK;
}

/* --- the whole load ------------------------------------------------------------------------ */

static nn_status load(const nn_data_spec *spec, nn_pool *pool, nn_data *out, dfile *files,
                      nn_error *err)
{
    double t0 = nn_now();
    nn_found found;
    nn_status st = nn_data_find(spec, &found, err);
    if (st != NN_OK)
        return st;
    nn_strlcpy(out->dir, found.dir, sizeof out->dir);
    out->num_classes = spec->num_classes;
    default_class_names(out, spec->dataset);

    int n_files = found.archive[0] ? 1 : found.n_paths;
    for (int i = 0; i < n_files; i++)
        nn_strlcpy(files[i].path, found.archive[0] ? found.archive : found.path[i],
                   sizeof files[i].path);
    char member_names[N_MEMBERS][32]; /* live until read_all has extracted the members */
    if (found.archive[0]) {
        files[0].archive = true;
        for (int i = 0; i < N_MEMBERS; i++)
            files[0].members[i].name = member_name(i, member_names[i], sizeof member_names[i]);
    }
    if ((st = read_all(files, n_files, pool, err)) != NN_OK)
        return st;

    bool cifar = spec->dataset == NN_DS_CIFAR10;
    source train = {0}, test = {0};
    nn_shape shape;
    if (!cifar) {
        if ((st = check_idx_pair(&files[NN_MNIST_TRAIN_X], &files[NN_MNIST_TRAIN_Y], spec,
                                 &train, err)) != NN_OK ||
            (st = check_idx_pair(&files[NN_MNIST_TEST_X], &files[NN_MNIST_TEST_Y], spec, &test,
                                 err)) != NN_OK)
            return st;
        shape = nn_shape_make(2, (const int[]){28, 28});
    } else {
        if (files[0].archive) {
            st = check_archive(&files[0], spec, &train, &test, out, err);
        } else {
            for (int i = 0; i < found.n_train && st == NN_OK; i++)
                st = add_cifar(files[i].path, NULL, files[i].bytes, files[i].len, spec, &train,
                               err);
            const dfile *t = &files[found.n_train];
            if (st == NN_OK)
                st = add_cifar(t->path, NULL, t->bytes, t->len, spec, &test, err);
            if (st == NN_OK && found.has_meta) {
                const dfile *m = &files[found.n_train + 1];
                nn_cifar_class_names(m->bytes, m->len, out->class_names);
            }
        }
        if (st != NN_OK)
            return st;
        shape = nn_shape_make(3, (const int[]){32, 32, 3});
    }

    size_t d = nn_shape_numel(&shape);
    size_t n_train = spec->limit_train > 0 && (size_t)spec->limit_train < train.n
                         ? (size_t)spec->limit_train : train.n;
    size_t n_test = spec->limit_test > 0 && (size_t)spec->limit_test < test.n
                        ? (size_t)spec->limit_test : test.n;
    size_t split_at = spec->validation_split > 0
                          ? (size_t)((double)n_train * (1.0 - spec->validation_split))
                          : n_train;
    if (split_at == 0)
        return nn_fail_at(err, NN_E_CONFIG, spec->mark.file, spec->mark.line, spec->mark.column,
                          "data.validation_split %g of %zu training samples leaves none to "
                          "train on",
                          spec->validation_split, n_train);
    if ((st = alloc_split(n_train, d, &out->x_train_buf, &out->y_train_buf, err)) != NN_OK ||
        (st = alloc_split(n_test, d, &out->x_test_buf, &out->y_test_buf, err)) != NN_OK)
        return st;
    /* A leading `divide` is done while decoding: the same floats, one pass fewer. */
    int first = 0;
    float divisor = 1.0f;
    if (spec->n_steps > 0 && spec->steps[0].kind == NN_PP_DIVIDE) {
        divisor = (float)spec->steps[0].value;
        first = 1;
    }
    decode(&train, cifar, n_train, d, divisor, out->x_train_buf, out->y_train_buf, pool);
    decode(&test, cifar, n_test, d, divisor, out->x_test_buf, out->y_test_buf, pool);

    out->n_files = n_files;
    for (int i = 0; i < n_files; i++) {
        nn_data_file *rec = &out->files[i];
        nn_strlcpy(rec->path, files[i].path, sizeof rec->path);
        memcpy(rec->sha256, files[i].sha256, sizeof rec->sha256);
        rec->bytes = files[i].stored_len;
    }
    for (int i = 0; i < n_files; i++)
        dfile_release(&files[i]);

    nn_split all = {n_train, shape, out->x_train_buf, out->y_train_buf};
    out->test = (nn_split){n_test, shape, out->x_test_buf, out->y_test_buf};
    if ((st = run_steps(spec, first, &all, &out->test, pool, out, err)) != NN_OK)
        return st;
    nn_data_split(&all, spec->validation_split, &out->train, &out->val);
    out->load_seconds = nn_now() - t0;
    return NN_OK;
}

nn_status nn_data_load(const nn_data_spec *spec, nn_pool *pool, nn_data *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    dfile *files = calloc(NN_MAX_DATA_FILES, sizeof *files);
    if (!files)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    nn_status st = load(spec, pool, out, files, err);
    for (int i = 0; i < NN_MAX_DATA_FILES; i++)
        dfile_release(&files[i]);
    free(files);
    if (st != NN_OK)
        nn_data_free(out);
    return st;
}

void nn_data_free(nn_data *data)
{
    if (!data)
        return;
    free(data->x_train_buf);
    free(data->x_test_buf);
    free(data->y_train_buf);
    free(data->y_test_buf);
    memset(data, 0, sizeof *data);
}
