/* gz.c — whole files into memory, and gzip streams inflated with zlib.
 *
 * Data files are small enough (at most ~180 MB) to hold whole: reading them in one go
 * lets the loader hash the stored bytes and inflate them on different threads. gzip is
 * told by its magic bytes, not the file name, so a renamed or re-gzipped file still reads.
 */
#include "data/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

nn_status nn_file_slurp(const char *path, uint8_t **data, size_t *len, nn_error *err)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return nn_fail_at(err, NN_E_DATA, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return nn_fail_at(err, NN_E_DATA, path, 0, 0, "not a regular file");
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return nn_fail_at(err, NN_E_NOMEM, path, 0, 0, "out of memory reading %zu bytes", size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : 0;
            free(buf);
            close(fd);
            return nn_fail_at(err, NN_E_DATA, path, 0, 0, "read failed after %zu of %zu bytes%s%s",
                              got, size, e ? ": " : " (file shrank while reading)",
                              e ? strerror(e) : "");
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *len = size;
    return NN_OK;
}

bool nn_gz_magic(const uint8_t *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

nn_status nn_gz_stream(const char *name, const uint8_t *in, size_t n, nn_sink_fn sink,
                       void *ctx, nn_error *err)
{
    enum { CHUNK = 1 << 18 };
    uint8_t *out = malloc(CHUNK);
    if (!out)
        return nn_fail_at(err, NN_E_NOMEM, name, 0, 0, "out of memory inflating");
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) { /* 16: expect a gzip wrapper */
        free(out);
        return nn_fail_at(err, NN_E_NOMEM, name, 0, 0, "cannot start zlib");
    }
    nn_status st = NN_OK;
    size_t pos = 0; /* bytes of `in` handed to zlib so far */
    for (;;) {
        if (zs.avail_in == 0 && pos < n) {
            size_t take = n - pos < (1u << 30) ? n - pos : (1u << 30);
            zs.next_in = (Bytef *)(uintptr_t)(in + pos); /* zlib does not write through it */
            zs.avail_in = (uInt)take;
            pos += take;
        }
        zs.next_out = out;
        zs.avail_out = CHUNK;
        int rc = inflate(&zs, Z_NO_FLUSH);
        size_t produced = CHUNK - zs.avail_out;
        if (produced > 0 && (st = sink(ctx, out, produced, err)) != NN_OK) {
            if (err && !err->file[0])
                snprintf(err->file, sizeof err->file, "%s", name);
            break;
        }
        if (rc == Z_STREAM_END) {
            /* another gzip member may follow (concatenated .gz files are valid gzip) */
            size_t rest = zs.avail_in + (n - pos);
            const uint8_t *next = in + (n - rest);
            if (rest == 0 || all_zero(next, rest))
                break;
            if (!nn_gz_magic(next, rest)) {
                st = nn_fail_at(err, NN_E_DATA, name, 0, 0,
                                "unexpected bytes after the gzip stream (%zu bytes at offset %zu)",
                                rest, n - rest);
                break;
            }
            inflateReset(&zs);
            continue;
        }
        if (rc == Z_OK)
            continue;
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && pos == n) {
            st = nn_fail_at(err, NN_E_DATA, name, 0, 0,
                            "gzip stream ends early: the file is truncated (%zu bytes)", n);
            break;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0)
            continue; /* needs the next slice of input */
        if (rc == Z_MEM_ERROR)
            st = nn_fail_at(err, NN_E_NOMEM, name, 0, 0, "out of memory inflating");
        else
            st = nn_fail_at(err, NN_E_DATA, name, 0, 0,
                            "corrupt gzip stream (%s) near compressed byte %zu",
                            zs.msg ? zs.msg : "invalid data", pos - zs.avail_in);
        break;
    }
    inflateEnd(&zs);
    free(out);
    return st;
}

typedef struct grow_buf {
    uint8_t *data;
    size_t len, cap;
} grow_buf;

static nn_status append(void *ctx, const uint8_t *p, size_t n, nn_error *err)
{
    grow_buf *b = ctx;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 20;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *bigger = realloc(b->data, cap);
        if (!bigger)
            return nn_fail(err, NN_E_NOMEM, "out of memory inflating (%zu bytes)", cap);
        b->data = bigger;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return NN_OK;
}

nn_status nn_gz_inflate(const char *name, const uint8_t *in, size_t n, uint8_t **out,
                        size_t *out_len, nn_error *err)
{
    *out = NULL;
    *out_len = 0;
    grow_buf b = {0};
    /* The gzip trailer holds the unpacked size mod 2^32: a good first guess. */
    if (n >= 18) {
        const uint8_t *t = in + n - 4;
        size_t isize = (size_t)t[0] | (size_t)t[1] << 8 | (size_t)t[2] << 16 | (size_t)t[3] << 24;
        b.cap = isize + 1; /* +1: a full buffer does not force a doubling at the end */
        b.data = malloc(b.cap);
        if (!b.data)
            b.cap = 0;
    }
    nn_status st = nn_gz_stream(name, in, n, append, &b, err);
    if (st != NN_OK) {
        free(b.data);
        return st;
    }
    *out = b.data ? b.data : malloc(1);
    *out_len = b.len;
    return *out ? NN_OK : nn_fail_at(err, NN_E_NOMEM, name, 0, 0, "out of memory");
}
