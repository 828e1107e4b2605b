/* data_fixtures.c — IDX, CIFAR-10 and tar(.gz) files written for tests; see the header. */
#include "support/data_fixtures.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

int nn_fx_tempdir(const char *tag, char *out, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !tmp[0])
        tmp = "/tmp";
    int n = snprintf(out, size, "%s/nnrun-%s-XXXXXX", tmp, tag);
    if (n < 0 || (size_t)n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkdtemp(out) ? 0 : -1;
}

void nn_fx_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                nn_fx_rmtree(path);
            else
                unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

uint8_t *nn_fx_gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&zs, (uLong)len) + 64;
    uint8_t *out = malloc(cap);
    if (!out) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

int nn_fx_write(const char *dir, const char *name, const void *data, size_t len, bool gz)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, gz ? ".gz" : "");
    uint8_t *packed = NULL;
    if (gz) {
        packed = nn_fx_gzip(data, len, &len);
        if (!packed)
            return -1;
        data = packed;
    }
    FILE *fp = fopen(path, "wb");
    int ok = fp && fwrite(data, 1, len, fp) == len;
    if (fp && fclose(fp) != 0)
        ok = 0;
    free(packed);
    return ok ? 0 : -1;
}

int nn_fx_label(size_t i, int num_classes)
{
    return (int)(i % (size_t)num_classes);
}

uint8_t nn_fx_pixel(size_t i, int label, size_t offset, int rows, int row_len)
{
    uint32_t h = (uint32_t)(i * 2654435761u) ^ (uint32_t)(offset * 40503u + 0x9e3779b9u);
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    int row = (int)(offset / (size_t)row_len);
    int band = rows / 10 > 0 ? rows / 10 : 1;
    int top = label * rows / 10;
    return (uint8_t)((h & 63) + (row >= top && row < top + band ? 160 : 0));
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint8_t *nn_fx_idx_images(size_t n, int rows, int cols, uint32_t magic, int num_classes,
                          size_t *len)
{
    size_t d = (size_t)rows * (size_t)cols;
    *len = 16 + n * d;
    uint8_t *b = malloc(*len);
    if (!b)
        return NULL;
    put_be32(b, magic);
    put_be32(b + 4, (uint32_t)n);
    put_be32(b + 8, (uint32_t)rows);
    put_be32(b + 12, (uint32_t)cols);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < d; p++)
            b[16 + i * d + p] = nn_fx_pixel(i, nn_fx_label(i, num_classes), p, rows, cols);
    return b;
}

uint8_t *nn_fx_idx_labels(size_t n, uint32_t magic, int num_classes, size_t *len)
{
    *len = 8 + n;
    uint8_t *b = malloc(*len);
    if (!b)
        return NULL;
    put_be32(b, magic);
    put_be32(b + 4, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        b[8 + i] = (uint8_t)nn_fx_label(i, num_classes);
    return b;
}

int nn_fx_write_mnist(const char *dir, size_t n_train, size_t n_test, bool gz)
{
    static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    int rc = 0;
    for (int k = 0; k < 4 && rc == 0; k++) {
        size_t n = k < 2 ? n_train : n_test, len;
        uint8_t *b = k % 2 == 0 ? nn_fx_idx_images(n, 28, 28, 0x803, 10, &len)
                                : nn_fx_idx_labels(n, 0x801, 10, &len);
        rc = b ? nn_fx_write(dir, names[k], b, len, gz) : -1;
        free(b);
    }
    return rc;
}

uint8_t *nn_fx_cifar_records(size_t first, size_t n, size_t *len)
{
    *len = n * 3073;
    uint8_t *b = malloc(*len ? *len : 1);
    if (!b)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        uint8_t *rec = b + i * 3073;
        int label = nn_fx_label(first + i, 10);
        rec[0] = (uint8_t)label;
        for (size_t p = 0; p < 3072; p++)
            rec[1 + p] = nn_fx_pixel(first + i, label, p, 96, 32);
    }
    return b;
}

static const char meta_text[] =
    "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

int nn_fx_write_cifar(const char *dir, int n_batches, size_t per_batch, size_t n_test, bool gz,
                      bool meta)
{
    for (int k = 0; k < n_batches; k++) {
        size_t len;
        uint8_t *b = nn_fx_cifar_records((size_t)k * per_batch, per_batch, &len);
        char name[32];
        snprintf(name, sizeof name, "data_batch_%d.bin", k + 1);
        int rc = b ? nn_fx_write(dir, name, b, len, gz) : -1;
        free(b);
        if (rc)
            return rc;
    }
    size_t len;
    uint8_t *b = nn_fx_cifar_records(0, n_test, &len);
    int rc = b ? nn_fx_write(dir, "test_batch.bin", b, len, gz) : -1;
    free(b);
    if (rc == 0 && meta)
        rc = nn_fx_write(dir, "batches.meta.txt", meta_text, sizeof meta_text - 1, false);
    return rc;
}

void nn_fx_tar_header(uint8_t h[512], const char *name, size_t size, char type)
{
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755u : 0644u);
    snprintf((char *)h + 108, 8, "%07o", 1000u);
    snprintf((char *)h + 116, 8, "%07o", 1000u);
    snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    snprintf((char *)h + 136, 12, "%011o", 1244917318u);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

int nn_fx_write_tar(const char *path, const nn_fx_member *members, int n, bool gz)
{
    size_t total = 1024;
    for (int i = 0; i < n; i++)
        total += 512 + (members[i].len + 511) / 512 * 512;
    uint8_t *tar = calloc(1, total);
    if (!tar)
        return -1;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(members[i].name);
        bool is_dir = len > 0 && members[i].name[len - 1] == '/';
        nn_fx_tar_header(tar + at, members[i].name, members[i].len, is_dir ? '5' : '0');
        at += 512;
        if (members[i].len)
            memcpy(tar + at, members[i].data, members[i].len);
        at += (members[i].len + 511) / 512 * 512;
    }
    const char *slash = strrchr(path, '/');
    char dir[1024];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    int rc = nn_fx_write(dir, slash ? slash + 1 : path, tar, total, gz);
    free(tar);
    return rc;
}

int nn_fx_write_cifar_archive(const char *dir, int n_batches, size_t per_batch, size_t n_test)
{
    enum { MAX = 10 };
    nn_fx_member m[MAX];
    uint8_t *bufs[MAX] = {0};
    char names[MAX][64];
    int n = 0, rc = 0;
    m[n++] = (nn_fx_member){"cifar-10-batches-bin/", NULL, 0};
    m[n++] = (nn_fx_member){"cifar-10-batches-bin/batches.meta.txt", meta_text,
                            sizeof meta_text - 1};
    for (int k = 0; k < n_batches && k < 5; k++) {
        size_t len;
        bufs[n] = nn_fx_cifar_records((size_t)k * per_batch, per_batch, &len);
        snprintf(names[n], sizeof names[n], "cifar-10-batches-bin/data_batch_%d.bin", k + 1);
        m[n] = (nn_fx_member){names[n], bufs[n], len};
        n++;
    }
    static const char readme[] = "<meta HTTP-EQUIV=\"REFRESH\" content=\"0; "
                                 "URL=http://www.cs.toronto.edu/~kriz/cifar.html\">\n";
    m[n++] = (nn_fx_member){"cifar-10-batches-bin/readme.html", readme, sizeof readme - 1};
    size_t len;
    bufs[n] = nn_fx_cifar_records(0, n_test, &len);
    m[n] = (nn_fx_member){"cifar-10-batches-bin/test_batch.bin", bufs[n], len};
    n++;
    for (int i = 0; i < n; i++)
        if (m[i].len && !m[i].data)
            rc = -1;
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar-10-binary.tar", dir);
    if (rc == 0)
        rc = nn_fx_write_tar(path, m, n, true); /* writes cifar-10-binary.tar.gz */
    for (int i = 0; i < MAX; i++)
        free(bufs[i]);
    return rc;
}
