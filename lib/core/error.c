/* error.c — filling and formatting nn_error records. */
#include "core/error.h"
#include "core/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void nn_error_clear(nn_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}

static nn_status vfail(nn_error *err, nn_status code, const char *file, int line, int column,
                       const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->column = column;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

nn_status nn_fail(nn_error *err, nn_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

nn_status nn_fail_at(nn_error *err, nn_status code, const char *file, int line, int column,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, file, line, column, fmt, ap);
    va_end(ap);
    return code;
}

void nn_error_prefix(nn_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    char old[sizeof err->msg];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    size_t used = n < 0 ? 0 : (size_t)n < sizeof err->msg ? (size_t)n : sizeof err->msg - 1;
    if (used + 2 < sizeof err->msg) {
        memcpy(err->msg + used, ": ", 3);
        nn_strlcpy(err->msg + used + 2, old, sizeof err->msg - used - 2);
    }
}

const char *nn_error_format(const nn_error *err, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (err->file[0] && err->line > 0 && err->column > 0)
        snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->column, err->msg);
    else if (err->file[0] && err->line > 0)
        snprintf(buf, size, "%s:%d: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(buf, size, "%s: %s", err->file, err->msg);
    else
        snprintf(buf, size, "%s", err->msg);
    return buf;
}

const char *nn_status_name(nn_status code)
{
    switch (code) {
    case NN_OK: return "ok";
    case NN_E_USAGE: return "usage";
    case NN_E_CONFIG: return "config";
    case NN_E_DATA: return "data";
    case NN_E_IO: return "io";
    case NN_E_NOMEM: return "memory";
    case NN_E_NUMERIC: return "numeric";
    case NN_E_INTERRUPTED: return "interrupted";
    case NN_E_INTERNAL: return "internal";
    }
    return "unknown";
}
