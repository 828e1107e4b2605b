/* find.c — where a data set's files are.
 *
 * Places, in order (data.h): data.dir when the config gives one (then it is the only
 * place: an explicit directory that does not hold the set is an error, not a reason to
 * quietly read another copy); otherwise $NNRUN_DATA/<dataset>, ./data/<dataset>, and for
 * Fashion-MNIST Debian's /usr/share/datasets/fashion-mnist. The first place that holds a
 * complete set wins; when none does, the error says, for every place, why it did not do.
 *
 * Names accepted in a place:
 *   MNIST family  train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 *                 t10k-labels-idx1-ubyte, each also with ".gz" and in the dotted spelling
 *                 of the original site (train-images.idx3-ubyte[.gz]).
 *   CIFAR-10      data_batch_1.bin[.gz] and test_batch.bin[.gz] in the place itself, else in
 *                 its cifar-10-batches-bin/ (what the official archive unpacks to), else
 *                 the official archive cifar-10-binary.tar.gz read directly. data_batch_2..5
 *                 are used when present; a later batch without an earlier one is an error,
 *                 so a half-copied directory is never mistaken for a smaller data set.
 *                 batches.meta.txt (class names) is optional.
 */
#include "data/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"

static const char *const mnist_stems[NN_MNIST_FILES][2] = {
    {"train-images-idx3-ubyte", "train-images.idx3-ubyte"},
    {"train-labels-idx1-ubyte", "train-labels.idx1-ubyte"},
    {"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"},
    {"t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"},
};

const char *nn_data_fetch_hint(nn_dataset_kind kind)
{
    switch (kind) {
    case NN_DS_MNIST: return "scripts/get-data.sh mnist";
    case NN_DS_FASHION_MNIST: return "scripts/get-data.sh fashion_mnist";
    case NN_DS_CIFAR10: return "scripts/get-data.sh cifar10";
    default: return "scripts/get-data.sh";
    }
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Joins dir/name into out; false when it does not fit. */
static bool join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

/* First existing file among dir/<stem> and dir/<stem>.gz; false when neither exists. */
static bool find_one(const char *dir, const char *stem, char *out, size_t cap)
{
    char gz[600];
    snprintf(gz, sizeof gz, "%s.gz", stem);
    return (join(out, cap, dir, stem) && is_file(out)) || (join(out, cap, dir, gz) && is_file(out));
}

/* Appends to a message buffer, keeping it NUL-terminated when full. */
static void add(char *buf, size_t cap, const char *fmt, const char *a, const char *b)
{
    size_t used = strlen(buf);
    if (used + 1 < cap)
        snprintf(buf + used, cap - used, fmt, a, b);
}

/* MNIST family in `dir`: true when all four files are there; else `why` says what is not. */
static bool try_mnist(const char *dir, nn_found *out, char *why, size_t cap)
{
    why[0] = '\0';
    bool all = true;
    for (int i = 0; i < NN_MNIST_FILES; i++) {
        if (find_one(dir, mnist_stems[i][0], out->path[i], sizeof out->path[i]) ||
            find_one(dir, mnist_stems[i][1], out->path[i], sizeof out->path[i]))
            continue;
        add(why, cap, "%s%s[.gz]", all ? "missing " : ", ", mnist_stems[i][0]);
        all = false;
    }
    if (!all)
        return false;
    out->n_paths = NN_MNIST_FILES;
    return true;
}

/* CIFAR-10 batch files in `dir`. Returns 1 found, 0 not here (why says what is missing),
 * -1 on a gap in the training batches (err filled). */
static int try_cifar_files(const char *dir, nn_found *out, char *why, size_t cap, nn_error *err)
{
    char first[512], test[512];
    bool have_first = find_one(dir, "data_batch_1.bin", first, sizeof first);
    bool have_test = find_one(dir, "test_batch.bin", test, sizeof test);
    if (!have_first || !have_test) {
        snprintf(why, cap, "missing %s%s%s", have_first ? "" : "data_batch_1.bin[.gz]",
                 !have_first && !have_test ? ", " : "", have_test ? "" : "test_batch.bin[.gz]");
        return 0;
    }
    int n = 0;
    nn_strlcpy(out->path[n++], first, sizeof out->path[0]);
    int missing_at = 0; /* first batch number found missing */
    for (int k = 2; k <= NN_CIFAR_MAX_TRAIN; k++) {
        char stem[32], path[512];
        snprintf(stem, sizeof stem, "data_batch_%d.bin", k);
        if (!find_one(dir, stem, path, sizeof path)) {
            if (!missing_at)
                missing_at = k;
            continue;
        }
        if (missing_at) {
            nn_fail_at(err, NN_E_DATA, dir, 0, 0,
                       "data_batch_%d.bin is present but data_batch_%d.bin is missing: "
                       "training batches must run from data_batch_1 without gaps (a partial copy?)",
                       k, missing_at);
            return -1;
        }
        nn_strlcpy(out->path[n++], path, sizeof out->path[0]);
    }
    out->n_train = n;
    nn_strlcpy(out->path[n++], test, sizeof out->path[0]);
    out->has_meta = join(out->path[n], sizeof out->path[n], dir, "batches.meta.txt") &&
                    is_file(out->path[n]);
    if (out->has_meta)
        n++;
    out->n_paths = n;
    nn_strlcpy(out->dir, dir, sizeof out->dir);
    return 1;
}

static int try_cifar(const char *dir, nn_found *out, char *why, size_t cap, nn_error *err)
{
    int r = try_cifar_files(dir, out, why, cap, err);
    if (r != 0)
        return r;
    char sub[512], sub_why[256];
    if (join(sub, sizeof sub, dir, NN_CIFAR_SUBDIR) && nn_is_dir(sub)) {
        r = try_cifar_files(sub, out, sub_why, sizeof sub_why, err);
        if (r != 0)
            return r;
        add(why, cap, "%s%s", "; in " NN_CIFAR_SUBDIR "/: ", sub_why);
    }
    if (join(out->archive, sizeof out->archive, dir, NN_CIFAR_ARCHIVE) && is_file(out->archive)) {
        nn_strlcpy(out->dir, dir, sizeof out->dir);
        return 1;
    }
    out->archive[0] = '\0';
    add(why, cap, "%s%s", "; no " NN_CIFAR_ARCHIVE, "");
    return 0;
}

/* One place: 1 found, 0 not (why filled), -1 error. */
static int try_place(nn_dataset_kind kind, const char *dir, nn_found *out, char *why, size_t cap,
                     nn_error *err)
{
    if (!nn_is_dir(dir)) {
        snprintf(why, cap, "%s", nn_path_exists(dir) ? "not a directory" : "no such directory");
        return 0;
    }
    if (kind == NN_DS_CIFAR10)
        return try_cifar(dir, out, why, cap, err);
    if (!try_mnist(dir, out, why, cap))
        return 0;
    nn_strlcpy(out->dir, dir, sizeof out->dir);
    return 1;
}

nn_status nn_data_find(const nn_data_spec *spec, nn_found *out, nn_error *err)
{
    memset(out, 0, sizeof *out);
    const char *name = nn_dataset_names[spec->dataset];
    char msg[sizeof err->msg], why[400];
    int r;

    if (spec->dir) {
        r = try_place(spec->dataset, spec->dir, out, why, sizeof why, err);
        if (r == 1)
            return NN_OK;
        if (r < 0)
            return err ? err->code : NN_E_DATA;
        return nn_fail(err, NN_E_DATA,
                       "%s data set not found in data.dir %s (%s). Fetch it with: %s %s", name,
                       spec->dir, why, nn_data_fetch_hint(spec->dataset), spec->dir);
    }

    snprintf(msg, sizeof msg, "%s data set not found. Looked in: ", name);
    char place[600];
    const char *env = getenv("NNRUN_DATA");
    if (env && env[0]) {
        if (snprintf(place, sizeof place, "%s/%s", env, name) >= (int)sizeof place)
            return nn_fail(err, NN_E_DATA, "$NNRUN_DATA is too long: %s", env);
        r = try_place(spec->dataset, place, out, why, sizeof why, err);
        if (r == 1)
            return NN_OK;
        if (r < 0)
            return err ? err->code : NN_E_DATA;
        add(msg, sizeof msg, "$NNRUN_DATA/%s", name, "");
        add(msg, sizeof msg, " = %s (%s); ", place, why);
    } else {
        add(msg, sizeof msg, "%s%s", "$NNRUN_DATA (not set); ", "");
    }

    snprintf(place, sizeof place, "data/%s", name);
    r = try_place(spec->dataset, place, out, why, sizeof why, err);
    if (r == 1)
        return NN_OK;
    if (r < 0)
        return err ? err->code : NN_E_DATA;
    add(msg, sizeof msg, "./%s (%s)", place, why);

    if (spec->dataset == NN_DS_FASHION_MNIST) {
        const char *debian = "/usr/share/datasets/fashion-mnist";
        r = try_place(spec->dataset, debian, out, why, sizeof why, err);
        if (r == 1)
            return NN_OK;
        if (r < 0)
            return err ? err->code : NN_E_DATA;
        add(msg, sizeof msg, "; %s (%s)", debian, why);
    }
    return nn_fail(err, NN_E_DATA, "%s. Fetch it with: %s", msg,
                   nn_data_fetch_hint(spec->dataset));
}
