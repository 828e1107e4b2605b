/* error.h — the status code and error record every fallible nnrun function uses.
 *
 * Contract: a fallible function returns nn_status and, on failure, fills the caller-owned
 * nn_error with the code, a one-line message and, where the fault has a place in a file
 * (a config key, a data file), that file with a 1-based line and column. The library never
 * prints and never exits; the CLI turns the record into `nnrun: error: ...` and an exit code.
 */
#ifndef NN_CORE_ERROR_H
#define NN_CORE_ERROR_H

#include <stddef.h>

typedef enum nn_status {
    NN_OK = 0,
    NN_E_USAGE,       /* bad command line */
    NN_E_CONFIG,      /* bad configuration: unknown key, wrong type, bad graph, ... */
    NN_E_DATA,        /* data set missing or malformed, or not matching the model */
    NN_E_IO,          /* a file could not be read or written */
    NN_E_NOMEM,       /* an allocation failed */
    NN_E_NUMERIC,     /* a non-finite loss or value where a finite one is needed */
    NN_E_INTERRUPTED, /* a signal asked the run to stop */
    NN_E_INTERNAL     /* a bug: an invariant did not hold */
} nn_status;

typedef struct nn_error {
    nn_status code;
    char file[256]; /* empty when the error has no place */
    int line;       /* 1-based; 0 when unknown */
    int column;     /* 1-based; 0 when unknown */
    char msg[1024];
} nn_error;

/* Clears the record to NN_OK with no message. */
void nn_error_clear(nn_error *err);

/* Fills err (when not NULL) with code and a printf-style message; returns code. */
nn_status nn_fail(nn_error *err, nn_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As nn_fail, with a place: file (may be NULL), 1-based line and column (0 = unknown). */
nn_status nn_fail_at(nn_error *err, nn_status code, const char *file, int line, int column,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Prefixes the existing message with "context: " (for example the caller's file name). */
void nn_error_prefix(nn_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes "file:line:column: message" (parts omitted when unknown) into buf; returns buf. */
const char *nn_error_format(const nn_error *err, char *buf, size_t size);

/* A short lower-case name for the code ("config", "data", ...). */
const char *nn_status_name(nn_status code);

#endif
