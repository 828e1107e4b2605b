/* util.h — small helpers shared by every module: files, directories, time, strings. */
#ifndef NN_CORE_UTIL_H
#define NN_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

/* Reads a whole file into a NUL-terminated heap buffer (*out, *len without the NUL).
 * Errors: NN_E_IO naming the path and the system's reason. Caller frees *out. */
nn_status nn_read_file(const char *path, char **out, size_t *len, nn_error *err);

/* Creates a directory and its parents (mode 0777 & umask); an existing directory is fine.
 * Errors: NN_E_IO naming the directory that could not be made. */
nn_status nn_mkdir_p(const char *path, nn_error *err);

/* Writes `len` bytes to `path` atomically: a temporary file in the same directory, fsync,
 * rename over the target, fsync of the directory. A reader sees the old or the new file,
 * never a half-written one. */
nn_status nn_write_atomic(const char *path, const void *data, size_t len, nn_error *err);

/* Opens `path` for writing through a temporary file; nn_file_commit fsyncs and renames it
 * into place, nn_file_abort removes it. For outputs written piece by piece. */
typedef struct nn_atomic_file {
    FILE *fp;
    char path[1024];
    char tmp[1040];
} nn_atomic_file;
nn_status nn_file_begin(nn_atomic_file *f, const char *path, nn_error *err);
nn_status nn_file_commit(nn_atomic_file *f, nn_error *err);
void nn_file_abort(nn_atomic_file *f);

bool nn_path_exists(const char *path);
bool nn_is_dir(const char *path);

/* Monotonic seconds. */
double nn_now(void);

/* Copies with truncation, always NUL-terminated; returns strlen(src). */
size_t nn_strlcpy(char *dst, const char *src, size_t size);

#endif
