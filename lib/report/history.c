/* history.c — the per-epoch CSV (Keras CSVLogger format). */
#include "report/history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "report/format.h"

nn_status nn_history_open(nn_history *h, const char *path, nn_error *err)
{
    memset(h, 0, sizeof *h);
    nn_strlcpy(h->path, path, sizeof h->path);
    h->fp = fopen(path, "wb");
    if (!h->fp)
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", path, strerror(errno));
    return NN_OK;
}

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(a, b);
}

nn_status nn_history_write(nn_history *h, int epoch, const nn_logs *logs, nn_error *err)
{
    if (h->n_keys == 0) {
        for (int i = 0; i < logs->n; i++)
            nn_strlcpy(h->keys[h->n_keys++], logs->key[i], sizeof h->keys[0]);
        qsort(h->keys, (size_t)h->n_keys, sizeof h->keys[0], cmp_keys);
        fputs("epoch", h->fp);
        for (int i = 0; i < h->n_keys; i++)
            fprintf(h->fp, ",%s", h->keys[i]);
        fputs("\r\n", h->fp);
    }
    fprintf(h->fp, "%d", epoch);
    for (int i = 0; i < h->n_keys; i++) {
        char num[40];
        if (nn_logs_has(logs, h->keys[i]))
            fprintf(h->fp, ",%s", nn_format_repr(nn_logs_get(logs, h->keys[i]), num, sizeof num));
        else
            fputs(",NA", h->fp);
    }
    fputs("\r\n", h->fp);
    if (fflush(h->fp) != 0 || ferror(h->fp) || fsync(fileno(h->fp)) != 0)
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", h->path, strerror(errno));
    return NN_OK;
}

void nn_history_close(nn_history *h)
{
    if (h->fp)
        fclose(h->fp);
    h->fp = NULL;
}
