/* util.c — files, directories, time, strings. */
#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

nn_status nn_read_file(const char *path, char **out, size_t *len, nn_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return nn_fail(err, NN_E_IO, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2 + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (!buf)
        return nn_fail(err, NN_E_NOMEM, "out of memory reading %s", path);
    if (bad) {
        free(buf);
        return nn_fail(err, NN_E_IO, "cannot read %s", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return NN_OK;
}

nn_status nn_mkdir_p(const char *path, nn_error *err)
{
    char buf[1024];
    if (nn_strlcpy(buf, path, sizeof buf) >= sizeof buf)
        return nn_fail(err, NN_E_IO, "path too long: %s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return nn_fail(err, NN_E_IO, "cannot create directory %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return nn_fail(err, NN_E_IO, "cannot create directory %s: %s", buf, strerror(errno));
    if (!nn_is_dir(buf))
        return nn_fail(err, NN_E_IO, "%s exists and is not a directory", buf);
    return NN_OK;
}

static void fsync_parent(const char *path)
{
    char dir[1024];
    nn_strlcpy(dir, path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

nn_status nn_file_begin(nn_atomic_file *f, const char *path, nn_error *err)
{
    memset(f, 0, sizeof *f);
    if (nn_strlcpy(f->path, path, sizeof f->path) >= sizeof f->path)
        return nn_fail(err, NN_E_IO, "path too long: %s", path);
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp%ld", path, (long)getpid());
    f->fp = fopen(f->tmp, "wb");
    if (!f->fp)
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", f->tmp, strerror(errno));
    return NN_OK;
}

nn_status nn_file_commit(nn_atomic_file *f, nn_error *err)
{
    if (!f->fp)
        return nn_fail(err, NN_E_INTERNAL, "commit of a file that is not open");
    int bad = fflush(f->fp) != 0 || ferror(f->fp);
    if (!bad)
        bad = fsync(fileno(f->fp)) != 0;
    int saved = errno;
    bad |= fclose(f->fp) != 0;
    f->fp = NULL;
    if (bad) {
        unlink(f->tmp);
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", f->path, strerror(saved));
    }
    if (rename(f->tmp, f->path) != 0) {
        saved = errno;
        unlink(f->tmp);
        return nn_fail(err, NN_E_IO, "cannot rename %s to %s: %s", f->tmp, f->path,
                       strerror(saved));
    }
    fsync_parent(f->path);
    return NN_OK;
}

void nn_file_abort(nn_atomic_file *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
        unlink(f->tmp);
    }
}

nn_status nn_write_atomic(const char *path, const void *data, size_t len, nn_error *err)
{
    nn_atomic_file f;
    nn_status st = nn_file_begin(&f, path, err);
    if (st)
        return st;
    if (len && fwrite(data, 1, len, f.fp) != len) {
        int saved = errno;
        nn_file_abort(&f);
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", path, strerror(saved));
    }
    return nn_file_commit(&f, err);
}

bool nn_path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

bool nn_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

double nn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

size_t nn_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}
