/* gradcheck.c — finite differences against backward, for whole small models. */
#include "gradcheck.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "core/rng.h"
#include "graph/graph.h"

const gc_tol gc_smooth = {1e-2, 2e-3, 2e-2, 0.0};
const gc_tol gc_kinked = {1e-3, 5e-3, 5e-2, 0.02};

static double loss_of(nn_graph *g, const nn_ctx *ctx, const float *r)
{
    nn_graph_forward(g, ctx);
    const nn_node *out = &g->nodes[g->output];
    size_t n = (size_t)ctx->batch * nn_node_numel(out);
    double l = 0.0;
    for (size_t i = 0; i < n; i++)
        l += (double)r[i] * out->y[i];
    return l;
}

static void compare(gc_report *rep, gc_tol tol, double num, double ana, const char *what)
{
    double diff = fabs(num - ana);
    double allowed = tol.atol + tol.rtol * fmax(fabs(num), fabs(ana));
    rep->checked++;
    if (diff > allowed) {
        rep->bad++;
        if (diff - allowed > rep->worst) {
            rep->worst = diff - allowed;
            snprintf(rep->worst_what, sizeof rep->worst_what, "%s (numeric %.6g, backward %.6g)",
                     what, num, ana);
        }
    }
}

/* central difference of L with respect to *v */
static double numeric(nn_graph *g, const nn_ctx *ctx, const float *r, float *v, double h)
{
    float keep = *v;
    *v = (float)(keep + h);
    double lp = loss_of(g, ctx, r);
    *v = (float)(keep - h);
    double lm = loss_of(g, ctx, r);
    *v = keep;
    /* the step actually taken, after float rounding */
    return (lp - lm) / ((double)(float)(keep + h) - (double)(float)(keep - h));
}

bool gc_check_model(const char *model_yaml, int batch, bool training, gc_tol tol,
                    gc_report *rep)
{
    memset(rep, 0, sizeof *rep);
    nn_error err;
    nn_error_clear(&err);
    nn_cfg_doc *doc = NULL;
    nn_graph *g = NULL;
    float *r = NULL, *ana = NULL;
    bool ok = false;
    if (nn_cfg_load_string(model_yaml, "<gradcheck>", &doc, &err) ||
        nn_graph_build(nn_cfg_root(doc), &g, &err)) {
        nn_error_format(&err, rep->error, sizeof rep->error);
        goto done;
    }
    g->input_grad = true;
    if (nn_graph_plan(g, batch, 0, &err)) {
        nn_error_format(&err, rep->error, sizeof rep->error);
        goto done;
    }
    nn_rng rng = nn_rng_stream(7, NN_STREAM_TEST);
    nn_graph_init_weights(g, &rng);
    /* non-trivial batch-norm parameters and statistics, so every term matters */
    for (size_t i = 0; i < g->n_weights; i++)
        if (g->weights[i] == 0.0f || g->weights[i] == 1.0f)
            g->weights[i] += 0.5f * (nn_rng_uniform(&rng) - 0.25f);
    nn_node *in = &g->nodes[0], *out = &g->nodes[g->output];
    size_t n_in = (size_t)batch * nn_node_numel(in);
    size_t n_out = (size_t)batch * nn_node_numel(out);
    for (size_t i = 0; i < n_in; i++)
        in->y[i] = 2.0f * nn_rng_uniform(&rng) - 1.0f;
    r = malloc(n_out * sizeof *r);
    ana = malloc((g->n_trainable + n_in) * sizeof *ana);
    if (!r || !ana) {
        snprintf(rep->error, sizeof rep->error, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_out; i++)
        r[i] = 2.0f * nn_rng_uniform(&rng) - 1.0f;

    nn_ctx ctx = {.batch = batch, .training = training, .seed = 12345u};
    loss_of(g, &ctx, r);
    memcpy(out->dy, r, n_out * sizeof *r);
    if (g->n_trainable)
        memset(g->grads, 0, g->n_trainable * sizeof *g->grads);
    nn_graph_backward(g, &ctx);
    if (g->n_trainable)
        memcpy(ana, g->grads, g->n_trainable * sizeof *ana);
    memcpy(ana + g->n_trainable, in->dy, n_in * sizeof *ana);

    char what[128];
    for (int i = 0; i < g->n_nodes; i++)
        for (int p = 0; p < g->nodes[i].n_params; p++) {
            nn_param *pr = &g->nodes[i].param[p];
            if (!pr->trainable)
                continue;
            size_t base = (size_t)(pr->w - g->weights);
            for (size_t k = 0; k < nn_shape_numel(&pr->shape); k++) {
                snprintf(what, sizeof what, "%s.%s[%zu]", g->nodes[i].name, pr->name, k);
                compare(rep, tol, numeric(g, &ctx, r, &pr->w[k], tol.h), ana[base + k], what);
            }
        }
    for (size_t k = 0; k < n_in; k++) {
        snprintf(what, sizeof what, "input[%zu]", k);
        compare(rep, tol, numeric(g, &ctx, r, &in->y[k], tol.h), ana[g->n_trainable + k], what);
    }
    ok = rep->checked > 0 && rep->bad <= (int)(tol.max_bad_fraction * rep->checked);
done:
    free(r);
    free(ana);
    nn_graph_free(g);
    nn_cfg_free(doc);
    return ok;
}
