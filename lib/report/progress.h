/* progress.h — what a run prints while it trains, Keras style (reference row 23).
 *
 * On a terminal (live) each epoch gets Keras's progress bar, redrawn in place at most four
 * times a second with the samples seen, the time elapsed, the ETA, the throughput and the
 * running loss and metric, and closed by Keras's epoch line:
 *
 *   Epoch 1/20
 *   19200/54000 [==========>...................] - 0:01 elapsed - ETA: 0:02 - 21834 samples/s - loss: 0.6251 - accuracy: 0.8112
 *   54000/54000 [==============================] - 2s 45us/sample - loss: 0.4409 - accuracy: 0.8722 - val_loss: ...
 *
 * Elsewhere (a pipe, a log file) each epoch is one line, and no carriage return or escape
 * sequence is ever written:
 *
 *   Epoch 1/20 - 54000/54000 - 2.4s 45us/sample - loss: 0.4409 - accuracy: 0.8722 - val_loss: ...
 *
 * For machines, a second stream (--log-format jsonl) gets one JSON object per epoch, on one
 * line, written with a single flush:
 *
 *   {"event":"epoch","seed":1,"epoch":0,"epochs":20,"samples":54000,"seconds":2.4,
 *    "loss":0.4409,"accuracy":0.8722,"val_loss":...,"val_accuracy":...}
 *
 * epoch is 0-based as in history.csv and Keras's logs; the metrics are the epoch's logs in
 * Keras's order (non-finite values are null). Every line is built in memory and written
 * with one fputs, so lines from processes sharing a pipe do not tear.
 */
#ifndef NN_REPORT_PROGRESS_H
#define NN_REPORT_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "core/logs.h"

/* The live bar is redrawn at most this often (seconds). */
#define NN_PROGRESS_REDRAW 0.25

typedef struct nn_progress {
    FILE *out;          /* human-readable lines, or NULL */
    bool live;          /* out is a terminal: redraw a bar in place */
    FILE *jsonl;        /* one JSON object per epoch, or NULL */
    long long seed;     /* copied into each JSON object */
    int epochs;
    char metric[32];    /* the metric's name on the bar ("accuracy"), "" for none */
    double epoch_start, last_draw;
    bool drawn;         /* a bar is on the screen for the current epoch */
} nn_progress;

/* out and jsonl may each be NULL (silent); they may not be the same stream. metric names
 * the running metric on the live bar (NULL: none). */
void nn_progress_init(nn_progress *p, FILE *out, bool live, FILE *jsonl, long long seed,
                      int epochs, const char *metric);

/* "Train on N samples, validate on M samples" */
void nn_progress_train_begin(nn_progress *p, size_t n_train, size_t n_val);
void nn_progress_epoch_begin(nn_progress *p, int epoch);
/* After every batch: samples seen so far this epoch of total, running loss and metric
 * (NAN: none). Redraws the live bar when it is due. */
void nn_progress_batch_end(nn_progress *p, size_t seen, size_t total, double loss,
                           double metric);
/* The epoch's closing line (and JSON object); logs in Keras's order (loss, metric, val_*). */
void nn_progress_epoch_end(nn_progress *p, int epoch, size_t n, const nn_logs *logs,
                           double seconds);

/* "12s", "3:07", "1:02:03": Keras's ETA format, for seconds >= 0. Returns buf. */
const char *nn_progress_duration(double seconds, char *buf, size_t size);

#endif
