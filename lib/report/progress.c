/* progress.c — Keras-style progress lines and bar. */
#include "report/progress.h"

#include <math.h>
#include <string.h>

#include "core/util.h"
#include "report/format.h"

#define BAR_WIDTH 30

void nn_progress_init(nn_progress *p, FILE *out, bool live, int epochs)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->live = live;
    p->epochs = epochs;
}

void nn_progress_train_begin(void *user, const nn_trainer *t, size_t n_train, size_t n_val)
{
    nn_progress *p = user;
    (void)t;
    if (!p->out)
        return;
    if (n_val)
        fprintf(p->out, "Train on %zu samples, validate on %zu samples\n", n_train, n_val);
    else
        fprintf(p->out, "Train on %zu samples\n", n_train);
    fflush(p->out);
}

void nn_progress_epoch_begin(void *user, const nn_trainer *t, int epoch)
{
    nn_progress *p = user;
    (void)t;
    p->epoch_start = nn_now();
    p->last_draw = 0.0;
    if (p->out && p->live) {
        fprintf(p->out, "Epoch %d/%d\n", epoch + 1, p->epochs);
        fflush(p->out);
    }
}

/* "[=========>....................]" for seen of total */
static void bar(char *buf, size_t seen, size_t total)
{
    int filled = total ? (int)((double)seen / (double)total * BAR_WIDTH) : BAR_WIDTH;
    buf[0] = '[';
    for (int i = 0; i < BAR_WIDTH; i++)
        buf[1 + i] = i < filled ? '=' : '.';
    if (seen < total && filled < BAR_WIDTH)
        buf[1 + (filled > 0 ? filled : 0)] = '>';
    buf[1 + BAR_WIDTH] = ']';
    buf[2 + BAR_WIDTH] = '\0';
}

void nn_progress_batch_end(void *user, const nn_trainer *t, int epoch, size_t seen,
                           size_t total, double loss, double metric)
{
    nn_progress *p = user;
    (void)epoch;
    if (!p->out || !p->live)
        return;
    double now = nn_now();
    if (seen < total && now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    double elapsed = now - p->epoch_start;
    double eta = seen ? elapsed * (double)(total - seen) / (double)seen : 0.0;
    char b[BAR_WIDTH + 3], v1[32], v2[32];
    bar(b, seen, total);
    int width = snprintf(NULL, 0, "%zu", total);
    fprintf(p->out, "\r%*zu/%zu %s - ETA: %.0fs - %.0f samples/s - loss: %s", width, seen, total,
            b, eta, elapsed > 0 ? (double)seen / elapsed : 0.0,
            nn_format_keras(loss, v1, sizeof v1));
    if (!isnan(metric))
        fprintf(p->out, " - %s: %s", t->compile.metric_name, nn_format_keras(metric, v2, sizeof v2));
    fputs("\033[K", p->out); /* clear what a longer previous line left */
    fflush(p->out);
}

/* Keras orders the epoch line as the logs were filled: loss, metric, val_loss, val_metric,
 * then extras such as lr. */
void nn_progress_epoch_end(nn_progress *p, int epoch, size_t n, const nn_logs *logs,
                           double seconds)
{
    if (!p->out)
        return;
    char b[BAR_WIDTH + 3];
    bar(b, n, n);
    double per = n ? seconds / (double)n : 0.0;
    char unit[32];
    if (per >= 1.0)
        snprintf(unit, sizeof unit, "%.0fs/sample", per);
    else if (per >= 1e-3)
        snprintf(unit, sizeof unit, "%.0fms/sample", per * 1e3);
    else
        snprintf(unit, sizeof unit, "%.0fus/sample", per * 1e6);
    if (p->live)
        fprintf(p->out, "\r%zu/%zu %s - %.0fs %s", n, n, b, seconds, unit);
    else
        fprintf(p->out, "Epoch %d/%d - %zu/%zu - %.1fs %s", epoch + 1, p->epochs, n, n, seconds,
                unit);
    for (int i = 0; i < logs->n; i++) {
        char v[32];
        fprintf(p->out, " - %s: %s", logs->key[i], nn_format_keras(logs->value[i], v, sizeof v));
    }
    fputs(p->live ? "\033[K\n" : "\n", p->out);
    fflush(p->out);
}
