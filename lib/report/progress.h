/* progress.h — what a run prints while it trains, Keras style (reference row 23).
 *
 *   Train on 54000 samples, validate on 6000 samples
 *   Epoch 1/20
 *   54000/54000 [==============================] - 1s 21us/sample - loss: 0.4409 - accuracy: 0.8722 - val_loss: ...
 *
 * On a terminal the bar is redrawn in place (at most ~10 times a second). Elsewhere
 * (a pipe, a log file) each epoch is one line and no carriage return is ever written:
 *   Epoch 1/20 - 54000/54000 - 1s 21us/sample - loss: 0.4409 - accuracy: 0.8722 - val_loss: ...
 */
#ifndef NN_REPORT_PROGRESS_H
#define NN_REPORT_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "train/fit.h"

typedef struct nn_progress {
    FILE *out;          /* NULL: silent */
    bool live;          /* redraw a bar in place (a terminal) */
    int epochs;
    double epoch_start, last_draw;
} nn_progress;

void nn_progress_init(nn_progress *p, FILE *out, bool live, int epochs);

/* Hook functions; pass the nn_progress as `user` (see nn_progress_hooks). */
void nn_progress_train_begin(void *user, const nn_trainer *t, size_t n_train, size_t n_val);
void nn_progress_epoch_begin(void *user, const nn_trainer *t, int epoch);
void nn_progress_batch_end(void *user, const nn_trainer *t, int epoch, size_t seen,
                           size_t total, double loss, double metric);
/* Prints the epoch's closing line; takes the logs in Keras's order (loss, metric, val_*). */
void nn_progress_epoch_end(nn_progress *p, int epoch, size_t n, const nn_logs *logs,
                           double seconds);

#endif
