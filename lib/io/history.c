/* history.c — the per-epoch CSV (Keras CSVLogger format). */
#include "io/history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "io/format.h"

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

nn_status nn_history_resume(nn_history *h, const char *path, int rows, nn_error *err)
{
    memset(h, 0, sizeof *h);
    nn_strlcpy(h->path, path, sizeof h->path);
    char *text;
    size_t len;
    nn_status st = nn_read_file(path, &text, &len, err);
    if (st)
        return st;
    size_t keep = 0; /* bytes of the header and the kept rows */
    if (rows > 0) {
        const char *line = text;
        for (int i = -1; i < rows && !st; i++) { /* -1: the header */
            const char *end = strstr(line, "\r\n");
            if (!end) {
                st = nn_fail(err, NN_E_DATA, "%s has %d complete epoch rows; the checkpoint "
                                             "needs %d",
                             path, i < 0 ? 0 : i, rows);
                break;
            }
            if (i < 0) {
                if (strncmp(line, "epoch", 5) != 0) {
                    st = nn_fail(err, NN_E_DATA, "%s does not start with the epoch header", path);
                    break;
                }
                char header[NN_LOGS_MAX * 33 + 8];
                size_t n = (size_t)(end - line);
                if (n >= sizeof header)
                    n = sizeof header - 1;
                memcpy(header, line, n);
                header[n] = '\0';
                char *save = NULL;
                strtok_r(header, ",", &save); /* "epoch" */
                for (char *k = strtok_r(NULL, ",", &save); k && h->n_keys < NN_LOGS_MAX;
                     k = strtok_r(NULL, ",", &save))
                    nn_strlcpy(h->keys[h->n_keys++], k, sizeof h->keys[0]);
            } else {
                char want[16];
                int k = snprintf(want, sizeof want, "%d,", i);
                if (strncmp(line, want, (size_t)k) != 0)
                    st = nn_fail(err, NN_E_DATA, "%s: row %d is not epoch %d", path, i + 1, i);
            }
            line = end + 2;
            keep = (size_t)(line - text);
        }
    }
    free(text);
    if (st)
        return st;
    if (truncate(path, (off_t)keep) != 0)
        return nn_fail(err, NN_E_IO, "cannot cut %s: %s", path, strerror(errno));
    h->fp = fopen(path, "ab");
    if (!h->fp)
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", path, strerror(errno));
    if (fsync(fileno(h->fp)) != 0)
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", path, strerror(errno));
    return NN_OK;
}

void nn_history_close(nn_history *h)
{
    if (h->fp)
        fclose(h->fp);
    h->fp = NULL;
}
