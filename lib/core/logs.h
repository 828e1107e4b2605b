/* logs.h — the per-epoch logs: Keras's `logs` dict of named numbers.
 *
 * The fit loop fills one per epoch (loss, the metric, their val_ forms), callbacks add to
 * it (lr) and read it (monitors), and the history file, the progress line and results.json
 * write it out. Keys keep the order in which they were first set; that is Keras's order
 * on the epoch line.
 */
#ifndef NN_CORE_LOGS_H
#define NN_CORE_LOGS_H

#include <stdbool.h>

#define NN_LOGS_MAX 16

typedef struct nn_logs {
    int n;
    char key[NN_LOGS_MAX][32];
    double value[NN_LOGS_MAX];
} nn_logs;

/* Sets (adds or replaces) a key; a key beyond NN_LOGS_MAX is dropped. */
void nn_logs_set(nn_logs *logs, const char *key, double value);
/* The value for key, or NAN when absent. */
double nn_logs_get(const nn_logs *logs, const char *key);
bool nn_logs_has(const nn_logs *logs, const char *key);

#endif
