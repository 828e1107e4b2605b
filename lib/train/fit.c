/* fit.c — Keras's fit / evaluate loop over a planned graph (see fit.h). */
#include "train/fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

nn_status nn_trainer_init(nn_trainer *t, nn_graph *g, const nn_compile_spec *compile,
                          const nn_fit_spec *fit, uint64_t seed, nn_pool *pool, nn_error *err)
{
    memset(t, 0, sizeof *t);
    t->g = g;
    t->compile = *compile;
    t->fit = *fit;
    t->pool = pool;
    t->nan_epoch = t->nan_batch = -1;
    nn_strlcpy(t->stop_reason, "completed", sizeof t->stop_reason);

    nn_node *out = &g->nodes[g->output];
    char shape[96];
    if (out->shape.rank != 1 || out->shape.dim[0] < 2)
        return nn_fail_at(err, NN_E_CONFIG, out->mark.file, out->mark.line, out->mark.column,
                          "%s needs the model to end in one score per class, (None, C) with "
                          "C >= 2; layer '%s' gives %s",
                          nn_loss_names[compile->loss], out->name,
                          nn_shape_format(&out->shape, shape, sizeof shape));
    t->classes = out->shape.dim[0];
    /* A final softmax is applied by the loss, on the logits (Keras's Softmax-op rule). */
    out->softmax_in_loss =
        out->ops->final_activation && out->ops->final_activation(out) == NN_ACT_SOFTMAX;

    nn_status st = nn_graph_plan(g, fit->batch_size, nn_optim_slot_count(&compile->optimizer), err);
    if (st)
        return st;
    t->init_rng = nn_rng_stream(seed, NN_STREAM_INIT);
    t->shuffle_rng = nn_rng_stream(seed, NN_STREAM_SHUFFLE);
    t->dropout_rng = nn_rng_stream(seed, NN_STREAM_DROPOUT);
    nn_graph_init_weights(g, &t->init_rng);
    nn_optim_init(&t->opt, &compile->optimizer, g->slots, g->n_trainable);
    t->labels = malloc((size_t)fit->batch_size * sizeof *t->labels);
    if (!t->labels)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    return NN_OK;
}

nn_status nn_trainer_check_data(const nn_trainer *t, const nn_split *s, const char *what,
                                nn_error *err)
{
    const nn_graph *g = t->g;
    char a[96], b[96];
    if (!nn_shape_equal(&s->shape, &g->nodes[0].shape))
        return nn_fail_at(err, NN_E_DATA, g->input_mark.file, g->input_mark.line,
                          g->input_mark.column,
                          "the %s data has samples of shape %s but the model input is %s "
                          "(add a reshape step to data.preprocess, or change model.input)",
                          what, nn_shape_format_list(&s->shape, a, sizeof a),
                          nn_shape_format_list(&g->nodes[0].shape, b, sizeof b));
    for (size_t i = 0; i < s->n; i++)
        if (s->y[i] < 0 || s->y[i] >= t->classes)
            return nn_fail(err, NN_E_DATA,
                           "the %s data has label %d at sample %zu, outside the model's %d "
                           "classes",
                           what, (int)s->y[i], i, t->classes);
    return NN_OK;
}

/* The loss for the output of the last forward pass; writes its gradient when dz. */
static nn_loss_result apply_loss(nn_trainer *t, int B, bool with_grad)
{
    nn_node *out = &t->g->nodes[t->g->output];
    float *dz = with_grad ? out->dy : NULL;
    if (out->softmax_in_loss)
        return nn_softmax_xent(out->y, t->labels, B, t->classes, dz);
    return nn_prob_xent(out->y, t->labels, B, t->classes, dz);
}

/* One step on the batch already in nodes[0].y and t->labels. */
static double run_step(nn_trainer *t, int B, long *correct)
{
    nn_graph *g = t->g;
    nn_ctx ctx = {.batch = B, .training = true, .pool = t->pool, .trace = t->trace,
                  .seed = (uint32_t)nn_rng_u64(&t->dropout_rng)};
    t->batch_rows = B;
    nn_graph_forward(g, &ctx);
    nn_loss_result r = apply_loss(t, B, true);
    nn_optim_zero_grad(g->grads, g->n_trainable, t->pool);
    nn_graph_backward(g, &ctx);
    nn_optim_step(&t->opt, g->weights, g->grads, t->pool);
    if (correct)
        *correct = r.correct;
    return r.loss_sum / B;
}

double nn_trainer_step(nn_trainer *t, const float *x, const int32_t *y, int B, long *correct)
{
    memcpy(t->g->nodes[0].y, x, (size_t)B * nn_node_numel(&t->g->nodes[0]) * sizeof(float));
    memcpy(t->labels, y, (size_t)B * sizeof *y);
    return run_step(t, B, correct);
}

typedef struct gather_job {
    const float *x;
    const uint32_t *rows;
    float *dst;
    size_t per;
} gather_job;

static void gather_rows(void *arg, size_t i0, size_t i1)
{
    gather_job *j = arg;
    for (size_t i = i0; i < i1; i++)
        memcpy(j->dst + i * j->per, j->x + (size_t)j->rows[i] * j->per, j->per * sizeof(float));
}

void nn_trainer_evaluate(nn_trainer *t, const nn_split *s, double *loss, double *accuracy)
{
    nn_graph *g = t->g;
    size_t per = nn_node_numel(&g->nodes[0]);
    double loss_sum = 0.0;
    long correct = 0;
    for (size_t b0 = 0; b0 < s->n; b0 += (size_t)g->batch) {
        int B = (int)(s->n - b0 < (size_t)g->batch ? s->n - b0 : (size_t)g->batch);
        memcpy(g->nodes[0].y, s->x + b0 * per, (size_t)B * per * sizeof(float));
        memcpy(t->labels, s->y + b0, (size_t)B * sizeof *t->labels);
        nn_ctx ctx = {.batch = B, .training = false, .pool = t->pool, .trace = t->trace};
        nn_graph_forward(g, &ctx);
        nn_loss_result r = apply_loss(t, B, false);
        loss_sum += r.loss_sum;
        correct += r.correct;
    }
    *loss = s->n ? loss_sum / (double)s->n : NAN;
    *accuracy = s->n ? (double)correct / (double)s->n : NAN;
}

void nn_trainer_stop(nn_trainer *t, const char *reason)
{
    t->stop = true;
    nn_strlcpy(t->stop_reason, reason, sizeof t->stop_reason);
}

const char *nn_trainer_nonfinite_where(const nn_trainer *t, char *buf, size_t size)
{
    bool gradient;
    int i = nn_graph_find_nonfinite(t->g, t->batch_rows, &gradient);
    if (i < 0)
        snprintf(buf, size, "no layer output or gradient (the loss itself overflowed)");
    else
        snprintf(buf, size, "the %s of layer '%s'", gradient ? "gradient" : "output",
                 t->g->nodes[i].name);
    return buf;
}

nn_status nn_trainer_fit(nn_trainer *t, const nn_split *train, const nn_split *val,
                         const nn_fit_hooks *hooks, nn_error *err)
{
    nn_graph *g = t->g;
    size_t n = train->n, per = nn_node_numel(&g->nodes[0]);
    if (n == 0)
        return nn_fail(err, NN_E_DATA, "the training split is empty");
    if (t->perm_n != n) {
        free(t->perm);
        t->perm = malloc(n * sizeof *t->perm);
        t->perm_n = t->perm ? n : 0;
        if (!t->perm)
            return nn_fail(err, NN_E_NOMEM, "out of memory");
    }
    const char *metric = t->compile.accuracy ? t->compile.metric_name : NULL;
    if (hooks && hooks->on_train_begin)
        hooks->on_train_begin(hooks->user, t, n, val ? val->n : 0);
    for (int c = 0; c < t->n_callbacks; c++)
        if (t->callbacks[c]->on_train_begin)
            t->callbacks[c]->on_train_begin(t->callbacks[c], t);

    while (t->epoch < t->fit.epochs && !t->stop) {
        int epoch = t->epoch;
        double start = nn_now();
        for (int c = 0; c < t->n_callbacks; c++)
            if (t->callbacks[c]->on_epoch_begin)
                t->callbacks[c]->on_epoch_begin(t->callbacks[c], t, epoch);
        if (hooks && hooks->on_epoch_begin)
            hooks->on_epoch_begin(hooks->user, t, epoch);

        if (t->fit.shuffle)
            nn_rng_permutation(&t->shuffle_rng, t->perm, (uint32_t)n);
        else
            for (size_t i = 0; i < n; i++)
                t->perm[i] = (uint32_t)i;

        double loss_sum = 0.0;
        long correct_sum = 0;
        size_t seen = 0;
        int batch = 0;
        bool stopped_in_epoch = false;
        for (size_t b0 = 0; b0 < n; b0 += (size_t)t->fit.batch_size, batch++) {
            int B = (int)(n - b0 < (size_t)t->fit.batch_size ? n - b0 : (size_t)t->fit.batch_size);
            gather_job gj = {train->x, t->perm + b0, g->nodes[0].y, per};
            nn_pool_for(t->pool, (size_t)B, 16, gather_rows, &gj);
            for (int i = 0; i < B; i++)
                t->labels[i] = train->y[t->perm[b0 + (size_t)i]];
            long correct = 0;
            double loss = run_step(t, B, &correct);
            if (!isfinite(loss)) {
                t->nan_epoch = epoch;
                t->nan_batch = batch;
            }
            loss_sum += loss * B;
            correct_sum += correct;
            seen += (size_t)B;
            for (int c = 0; c < t->n_callbacks; c++)
                if (t->callbacks[c]->on_batch_end)
                    t->callbacks[c]->on_batch_end(t->callbacks[c], t, epoch, batch, loss);
            if (hooks && hooks->on_batch_end)
                hooks->on_batch_end(hooks->user, t, epoch, seen, n, loss_sum / (double)seen,
                                    metric ? (double)correct_sum / (double)seen : NAN);
            if (t->stop) { /* terminate_on_nan: the epoch ends here, its logs are still written */
                stopped_in_epoch = true;
                break;
            }
            if (t->nan_epoch >= 0) {
                char where[160];
                nn_trainer_stop(t, "nan");
                return nn_fail(err, NN_E_NUMERIC,
                               "the loss became %s at epoch %d, batch %d (first non-finite: "
                               "%s); lower the learning rate, or add terminate_on_nan to "
                               "fit.callbacks to keep the epoch's history",
                               isnan(loss) ? "nan" : "infinite", epoch + 1, batch + 1,
                               nn_trainer_nonfinite_where(t, where, sizeof where));
            }
            if (t->interrupt && *t->interrupt) {
                nn_trainer_stop(t, "interrupted");
                return nn_fail(err, NN_E_INTERRUPTED, "interrupted during epoch %d", epoch + 1);
            }
        }

        nn_logs logs = {0};
        nn_logs_set(&logs, "loss", (float)(loss_sum / (double)seen));
        if (metric)
            nn_logs_set(&logs, metric, (float)((double)correct_sum / (double)seen));
        if (val && val->n > 0 && !stopped_in_epoch) { /* Keras skips it after a stop */
            double vl, va;
            nn_trainer_evaluate(t, val, &vl, &va);
            char key[40];
            nn_logs_set(&logs, "val_loss", (float)vl);
            if (metric) {
                snprintf(key, sizeof key, "val_%s", metric);
                nn_logs_set(&logs, key, (float)va);
            }
        }
        for (int c = 0; c < t->n_callbacks; c++)
            if (t->callbacks[c]->on_epoch_end) {
                nn_status st = t->callbacks[c]->on_epoch_end(t->callbacks[c], t, epoch, &logs, err);
                if (st)
                    return st;
            }
        t->epoch = epoch + 1;
        t->epochs_done++;
        if (hooks && hooks->on_epoch_end) {
            nn_status st = hooks->on_epoch_end(hooks->user, t, epoch, &logs, nn_now() - start, err);
            if (st)
                return st;
        }
    }
    return NN_OK;
}

void nn_trainer_free(nn_trainer *t)
{
    for (int c = 0; c < t->n_callbacks; c++)
        if (t->callbacks[c]->destroy)
            t->callbacks[c]->destroy(t->callbacks[c]);
    free(t->callbacks);
    free(t->perm);
    free(t->labels);
    memset(t, 0, sizeof *t);
}
