/* progress.c — Keras-style progress lines and bar, and the JSON-lines log. */
#include "report/progress.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "core/util.h"
#include "io/format.h"
#include "io/json.h"

#define BAR_WIDTH 30

/* A line assembled in memory, written with one fputs. */
typedef struct text {
    char s[2048];
    size_t n;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(text *t, const char *fmt, ...)
{
    if (t->n >= sizeof t->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
    va_end(ap);
    if (w > 0)
        t->n += (size_t)w < sizeof t->s - t->n ? (size_t)w : sizeof t->s - 1 - t->n;
}

static void emit(FILE *out, const text *t)
{
    fputs(t->s, out);
    fflush(out);
}

void nn_progress_init(nn_progress *p, FILE *out, bool live, FILE *jsonl, long long seed,
                      int epochs, const char *metric)
{
    memset(p, 0, sizeof *p);
    if (metric)
        nn_strlcpy(p->metric, metric, sizeof p->metric);
    p->out = out;
    p->live = live && out;
    p->jsonl = jsonl;
    p->seed = seed;
    p->epochs = epochs;
}

const char *nn_progress_duration(double seconds, char *buf, size_t size)
{
    long s = seconds > 0 ? (long)(seconds + 0.5) : 0;
    if (s >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else if (s >= 60)
        snprintf(buf, size, "%ld:%02ld", s / 60, s % 60);
    else
        snprintf(buf, size, "%lds", s);
    return buf;
}

void nn_progress_train_begin(nn_progress *p, size_t n_train, size_t n_val)
{
    if (!p->out)
        return;
    text line = {.n = 0};
    if (n_val)
        add(&line, "Train on %zu samples, validate on %zu samples\n", n_train, n_val);
    else
        add(&line, "Train on %zu samples\n", n_train);
    emit(p->out, &line);
}

void nn_progress_epoch_begin(nn_progress *p, int epoch)
{
    p->epoch_start = nn_now();
    p->last_draw = -INFINITY;
    p->drawn = false;
    if (p->live) {
        text line = {.n = 0};
        add(&line, "Epoch %d/%d\n", epoch + 1, p->epochs);
        emit(p->out, &line);
    }
}

/* "[=========>....................]" for seen of total */
static void add_bar(text *t, size_t seen, size_t total)
{
    int filled = total ? (int)((double)seen / (double)total * BAR_WIDTH) : BAR_WIDTH;
    char b[BAR_WIDTH + 3];
    b[0] = '[';
    for (int i = 0; i < BAR_WIDTH; i++)
        b[1 + i] = i < filled ? '=' : '.';
    if (seen < total && filled < BAR_WIDTH)
        b[1 + (filled > 0 ? filled : 0)] = '>';
    b[1 + BAR_WIDTH] = ']';
    b[2 + BAR_WIDTH] = '\0';
    add(t, "%s", b);
}

void nn_progress_batch_end(nn_progress *p, size_t seen, size_t total, double loss,
                           double metric)
{
    if (!p->live || seen >= total) /* the epoch's closing line draws the full bar */
        return;
    double now = nn_now();
    if (now - p->last_draw < NN_PROGRESS_REDRAW)
        return;
    p->last_draw = now;
    double elapsed = now - p->epoch_start;
    double eta = seen ? elapsed * (double)(total - seen) / (double)seen : 0.0;
    char v[32], d1[32], d2[32];
    text line = {.n = 0};
    int width = snprintf(NULL, 0, "%zu", total);
    add(&line, "\r%*zu/%zu ", width, seen, total);
    add_bar(&line, seen, total);
    add(&line, " - ETA: %s - elapsed: %s", nn_progress_duration(eta, d1, sizeof d1),
        nn_progress_duration(elapsed, d2, sizeof d2));
    if (elapsed > 0)
        add(&line, " - %.0f samples/s", (double)seen / elapsed);
    add(&line, " - loss: %s", nn_format_keras(loss, v, sizeof v));
    if (!isnan(metric))
        add(&line, " - %s: %s", p->metric, nn_format_keras(metric, v, sizeof v));
    add(&line, "\033[K"); /* clear what a longer previous line left */
    emit(p->out, &line);
    p->drawn = true;
}

static void json_line(const nn_progress *p, int epoch, size_t n, const nn_logs *logs,
                      double seconds)
{
    nn_json j;
    nn_json_init(&j, p->jsonl, false);
    nn_json_object(&j, NULL);
    nn_json_string(&j, "event", "epoch");
    nn_json_int(&j, "seed", p->seed);
    nn_json_int(&j, "epoch", epoch);
    nn_json_int(&j, "epochs", p->epochs);
    nn_json_int(&j, "samples", (long long)n);
    nn_json_number(&j, "seconds", seconds);
    for (int i = 0; i < logs->n; i++)
        nn_json_number(&j, logs->key[i], logs->value[i]);
    nn_json_end(&j);
    fputc('\n', p->jsonl);
    fflush(p->jsonl);
}

/* Keras orders the epoch line as the logs were filled: loss, metric, val_loss, val_metric,
 * then extras such as lr. */
void nn_progress_epoch_end(nn_progress *p, int epoch, size_t n, const nn_logs *logs,
                           double seconds)
{
    if (p->jsonl)
        json_line(p, epoch, n, logs, seconds);
    if (!p->out)
        return;
    double per = n ? seconds / (double)n : 0.0;
    char unit[32];
    if (per >= 1.0)
        snprintf(unit, sizeof unit, "%.0fs/sample", per);
    else if (per >= 1e-3)
        snprintf(unit, sizeof unit, "%.0fms/sample", per * 1e3);
    else
        snprintf(unit, sizeof unit, "%.0fus/sample", per * 1e6);
    text line = {.n = 0};
    if (p->live) {
        add(&line, "%s%zu/%zu ", p->drawn ? "\r" : "", n, n);
        add_bar(&line, n, n);
        add(&line, " - %.0fs %s", seconds, unit);
    } else {
        add(&line, "Epoch %d/%d - %zu/%zu - %.1fs %s", epoch + 1, p->epochs, n, n, seconds,
            unit);
    }
    for (int i = 0; i < logs->n; i++) {
        char v[32];
        add(&line, " - %s: %s", logs->key[i], nn_format_keras(logs->value[i], v, sizeof v));
    }
    add(&line, "%s\n", p->live && p->drawn ? "\033[K" : "");
    emit(p->out, &line);
    p->drawn = false;
}
