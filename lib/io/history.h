/* history.h — history.csv as Keras's CSVLogger writes it (reference row 22).
 *
 * Header `epoch` then the log keys in sorted order, frozen at the first row; epoch is
 * 0-based; floats as Python repr; lines end in "\r\n" (csv.excel); each row is flushed and
 * synced as it is written, so a crash loses at most the epoch in progress.
 */
#ifndef NN_IO_HISTORY_H
#define NN_IO_HISTORY_H

#include <stdio.h>

#include "core/error.h"
#include "core/logs.h"

typedef struct nn_history {
    FILE *fp;
    char path[1024];
    int n_keys; /* 0 until the header is written */
    char keys[NN_LOGS_MAX][32];
} nn_history;

/* Creates (truncates) the file. */
nn_status nn_history_open(nn_history *h, const char *path, nn_error *err);

/* Reopens the history of a resumed run that has `rows` complete epochs: keeps the header
 * (its keys stay frozen) and the rows of epochs 0 .. rows-1, cuts whatever follows (rows
 * of epochs the run will repeat, a torn last line) and appends from there. With rows 0
 * the file starts empty. Errors: NN_E_IO; NN_E_DATA when the file lacks those rows. */
nn_status nn_history_resume(nn_history *h, const char *path, int rows, nn_error *err);

/* Appends one row; the first call writes the header from this row's keys. A key missing
 * from a later row is written as NA; a key that appears later is dropped (Keras rule). */
nn_status nn_history_write(nn_history *h, int epoch, const nn_logs *logs, nn_error *err);

void nn_history_close(nn_history *h);

#endif
