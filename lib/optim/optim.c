/* optim.c — SGD (momentum, Nesterov, decay) and Adam (amsgrad, decay), as in tf.keras 2.x
 * (optimizer_v2 + training_ops.cc), as one flat loop over all trainable values. */
#include "optim/optim.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "tensor/vec.h"

const char *const nn_optim_names[] = {"sgd", "adam", NULL};

static const nn_key sgd_keys[] = {
    {"learning_rate", NN_T_FLOAT, "0.01", offsetof(nn_optim_spec, learning_rate),
     NN_K_MIN | NN_K_MIN_OPEN, 0, 0, NULL},
    {"lr", NN_T_ALIAS, "learning_rate", 0, 0, 0, 0, NULL},
    {"momentum", NN_T_FLOAT, "0.0", offsetof(nn_optim_spec, momentum), NN_K_MIN | NN_K_MAX, 0, 1,
     NULL},
    {"nesterov", NN_T_BOOL, "false", offsetof(nn_optim_spec, nesterov), 0, 0, 0, NULL},
    {"decay", NN_T_FLOAT, "0.0", offsetof(nn_optim_spec, decay), NN_K_MIN, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

static const nn_key adam_keys[] = {
    {"learning_rate", NN_T_FLOAT, "0.001", offsetof(nn_optim_spec, learning_rate),
     NN_K_MIN | NN_K_MIN_OPEN, 0, 0, NULL},
    {"lr", NN_T_ALIAS, "learning_rate", 0, 0, 0, 0, NULL},
    {"beta_1", NN_T_FLOAT, "0.9", offsetof(nn_optim_spec, beta_1),
     NN_K_MIN | NN_K_MAX | NN_K_MAX_OPEN, 0, 1, NULL},
    {"beta_2", NN_T_FLOAT, "0.999", offsetof(nn_optim_spec, beta_2),
     NN_K_MIN | NN_K_MAX | NN_K_MAX_OPEN, 0, 1, NULL},
    {"epsilon", NN_T_FLOAT, "1e-07", offsetof(nn_optim_spec, epsilon), NN_K_MIN, 0, 0, NULL},
    {"amsgrad", NN_T_BOOL, "false", offsetof(nn_optim_spec, amsgrad), 0, 0, 0, NULL},
    {"decay", NN_T_FLOAT, "0.0", offsetof(nn_optim_spec, decay), NN_K_MIN, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

nn_status nn_optim_spec_read(nn_cfg *node, nn_optim_spec *spec, nn_error *err)
{
    memset(spec, 0, sizeof *spec);
    if (!node)
        return nn_fail(err, NN_E_CONFIG, "compile: missing required key 'optimizer'");
    nn_cfg *name = node, *args = NULL;
    if (node->kind == NN_CFG_MAP) {
        if (node->n == 0)
            return nn_cfg_fail(err, node,
                               "compile.optimizer: expected one optimizer, e.g. {adam: {amsgrad: "
                               "true}}, got {}");
        if (node->n > 1) /* point at the second: often an override for another optimizer */
            return nn_cfg_fail(err, node->keys[1],
                               "compile.optimizer: one optimizer only, got '%s' and '%s' (to "
                               "switch, set compile.optimizer=%s)",
                               node->keys[0]->text, node->keys[1]->text, node->keys[1]->text);
        name = node->keys[0];
        args = node->items[0];
        node->items[0]->used = true;
    } else if (node->kind != NN_CFG_SCALAR || nn_cfg_is_null(node)) {
        return nn_cfg_fail(err, node, "compile.optimizer: expected a name such as adam or a "
                                      "mapping such as {sgd: {momentum: 0.9}}");
    }
    int kind = -1;
    for (int i = 0; nn_optim_names[i]; i++)
        if (strcmp(name->text, nn_optim_names[i]) == 0)
            kind = i;
    if (kind < 0)
        return nn_cfg_fail_choice(err, name, "optimizer", name->text, nn_optim_names);
    spec->kind = (nn_optim_kind)kind;
    if (node->kind == NN_CFG_SCALAR) {
        /* `optimizer: adam` -> `optimizer: {adam: {}}` with the defaults written in */
        if (nn_cfg_wrap(node, name->text, err))
            return NN_E_CONFIG;
        args = node->items[0];
        nn_cfg_make_map(args);
    } else if (nn_cfg_is_null(args)) {
        nn_cfg_make_map(args);
    }
    char what[64];
    snprintf(what, sizeof what, "compile.optimizer.%s", nn_optim_names[kind]);
    nn_status st = nn_cfg_read(args, kind == NN_OPT_SGD ? sgd_keys : adam_keys, spec, what, err);
    if (st)
        return st;
    if (spec->kind == NN_OPT_ADAM && spec->epsilon == 0.0)
        spec->epsilon = 1e-7;
    return NN_OK;
}

int nn_optim_slot_count(const nn_optim_spec *spec)
{
    if (spec->kind == NN_OPT_SGD)
        return spec->momentum > 0.0 ? 1 : 0;
    return spec->amsgrad ? 3 : 2;
}

void nn_optim_init(nn_optimizer *opt, const nn_optim_spec *spec, float *slots, size_t n)
{
    memset(opt, 0, sizeof *opt);
    opt->spec = *spec;
    opt->lr = spec->learning_rate;
    opt->n = n;
    opt->slots = slots;
}

double nn_optim_rate(const nn_optimizer *opt)
{
    return opt->lr / (1.0 + opt->spec.decay * (double)opt->iterations);
}

typedef struct step_job {
    const nn_optimizer *opt;
    float *w;
    const float *g;
    float lr, m, alpha, b1, b2, eps;
} step_job;

/* The update loops: one pass over [i0, i1) of every array, vectorised (tensor/vec.h). */

NN_VECTORIZED static void sgd_plain(float *restrict w, const float *restrict g, float lr,
                                    size_t n)
{
    for (size_t i = 0; i < n; i++)
        w[i] -= lr * g[i];
}

/* v = m v - lr g;  w += v   (nesterov: w += m v - lr g) */
NN_VECTORIZED static void sgd_momentum(float *restrict w, float *restrict v,
                                       const float *restrict g, float lr, float m,
                                       bool nesterov, size_t n)
{
    if (nesterov)
        for (size_t i = 0; i < n; i++) {
            v[i] = m * v[i] - lr * g[i];
            w[i] += m * v[i] - lr * g[i];
        }
    else
        for (size_t i = 0; i < n; i++) {
            v[i] = m * v[i] - lr * g[i];
            w[i] += v[i];
        }
}

/* m += (g - m) c1;  v += (g² - v) c2;  [vhat = max(vhat, v)];  w -= a m / (sqrt(v or vhat) + eps)
 * vhat is NULL without amsgrad. */
NN_VECTORIZED static void adam_update(float *restrict w, float *restrict m, float *restrict v,
                                      float *restrict vhat, const float *restrict g, float a,
                                      float c1, float c2, float eps, size_t n)
{
    if (vhat)
        for (size_t i = 0; i < n; i++) {
            m[i] += (g[i] - m[i]) * c1;
            v[i] += (g[i] * g[i] - v[i]) * c2;
            vhat[i] = vhat[i] > v[i] ? vhat[i] : v[i];
            w[i] -= a * m[i] / (sqrtf(vhat[i]) + eps);
        }
    else
        for (size_t i = 0; i < n; i++) {
            m[i] += (g[i] - m[i]) * c1;
            v[i] += (g[i] * g[i] - v[i]) * c2;
            w[i] -= a * m[i] / (sqrtf(v[i]) + eps);
        }
}

static void sgd_range(void *arg, size_t i0, size_t i1)
{
    const step_job *j = arg;
    if (j->opt->spec.momentum == 0.0)
        sgd_plain(j->w + i0, j->g + i0, j->lr, i1 - i0);
    else
        sgd_momentum(j->w + i0, j->opt->slots + i0, j->g + i0, j->lr, j->m,
                     j->opt->spec.nesterov, i1 - i0);
}

static void adam_range(void *arg, size_t i0, size_t i1)
{
    const step_job *j = arg;
    size_t n = j->opt->n;
    float *m = j->opt->slots, *v = m + n, *vhat = j->opt->spec.amsgrad ? v + n : NULL;
    adam_update(j->w + i0, m + i0, v + i0, vhat ? vhat + i0 : NULL, j->g + i0, j->alpha,
                1.0f - j->b1, 1.0f - j->b2, j->eps, i1 - i0);
}

static void zero_range(void *arg, size_t i0, size_t i1)
{
    memset((float *)arg + i0, 0, (i1 - i0) * sizeof(float));
}

void nn_optim_zero_grad(float *g, size_t n, nn_pool *pool)
{
    nn_pool_for(pool, n, 1 << 15, zero_range, g);
}

void nn_optim_step(nn_optimizer *opt, float *w, const float *g, nn_pool *pool)
{
    const nn_optim_spec *s = &opt->spec;
    double lr_t = nn_optim_rate(opt);
    step_job j = {.opt = opt, .w = w, .g = g, .lr = (float)lr_t, .m = (float)s->momentum,
                  .b1 = (float)s->beta_1, .b2 = (float)s->beta_2, .eps = (float)s->epsilon};
    if (s->kind == NN_OPT_ADAM) {
        /* beta^t from the float32 betas Keras holds, in double */
        double t = (double)(opt->iterations + 1);
        double b1t = pow((double)(float)s->beta_1, t), b2t = pow((double)(float)s->beta_2, t);
        j.alpha = (float)(lr_t * sqrt(1.0 - b2t) / (1.0 - b1t));
        nn_pool_for(pool, opt->n, 1 << 14, adam_range, &j);
    } else {
        nn_pool_for(pool, opt->n, 1 << 14, sgd_range, &j);
    }
    opt->iterations++;
}
