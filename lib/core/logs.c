/* logs.c — the per-epoch logs dict (see logs.h). */
#include "core/logs.h"

#include <math.h>
#include <string.h>

#include "core/util.h"

void nn_logs_set(nn_logs *logs, const char *key, double value)
{
    for (int i = 0; i < logs->n; i++)
        if (strcmp(logs->key[i], key) == 0) {
            logs->value[i] = value;
            return;
        }
    if (logs->n < NN_LOGS_MAX) {
        nn_strlcpy(logs->key[logs->n], key, sizeof logs->key[0]);
        logs->value[logs->n++] = value;
    }
}

double nn_logs_get(const nn_logs *logs, const char *key)
{
    for (int i = 0; i < logs->n; i++)
        if (strcmp(logs->key[i], key) == 0)
            return logs->value[i];
    return NAN;
}

bool nn_logs_has(const nn_logs *logs, const char *key)
{
    for (int i = 0; i < logs->n; i++)
        if (strcmp(logs->key[i], key) == 0)
            return true;
    return false;
}
