/* repeats.c — grouping a results table's repeats and their mean ± std (see repeats.h). */
#include "report/repeats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool same_experiment(const nn_results_row *a, const nn_results_row *b)
{
    return strcmp(a->config, b->config) == 0 && strcmp(a->overrides, b->overrides) == 0;
}

nn_status nn_results_group_rows(const nn_results_table *t, nn_results_group **groups,
                                size_t *n_groups, nn_error *err)
{
    *groups = NULL;
    *n_groups = 0;
    if (t->n == 0)
        return NN_OK;
    /* first[k]: the first row of group k; of[i]: the group of row i. One block holds
     * every group's member list, in group order. */
    size_t *first = malloc(t->n * sizeof *first), *of = malloc(t->n * sizeof *of);
    size_t *block = malloc(t->n * sizeof *block);
    nn_results_group *g = calloc(t->n, sizeof *g);
    if (!first || !of || !block || !g) {
        free(first);
        free(of);
        free(block);
        free(g);
        return nn_fail(err, NN_E_NOMEM, "out of memory grouping results");
    }
    size_t ng = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t k = 0;
        while (k < ng && !same_experiment(&t->rows[first[k]], &t->rows[i]))
            k++;
        if (k == ng)
            first[ng++] = i;
        of[i] = k;
        g[k].n++;
    }
    size_t offset = 0;
    for (size_t k = 0; k < ng; k++) {
        g[k].members = block + offset;
        offset += g[k].n;
        g[k].n = 0;
    }
    for (size_t i = 0; i < t->n; i++)
        g[of[i]].members[g[of[i]].n++] = i;
    free(first);
    free(of);
    *groups = g;
    *n_groups = ng;
    return NN_OK;
}

void nn_results_groups_free(nn_results_group *groups, size_t n_groups)
{
    /* one block holds every member list; it starts at the lowest address, wherever
     * sorting moved that group */
    size_t *block = NULL;
    for (size_t k = 0; groups && k < n_groups; k++)
        if (!block || groups[k].members < block)
            block = groups[k].members;
    free(block);
    free(groups);
}

/* Welford's one-pass mean and sum of squared deviations. */
typedef struct moments {
    size_t n;
    double mean, ss;
} moments;

static void moments_add(moments *m, double x)
{
    m->n++;
    double d = x - m->mean;
    m->mean += d / (double)m->n;
    m->ss += d * (x - m->mean);
}

static void moments_result(const moments *m, double *mean, double *std)
{
    if (m->n == 0) {
        *mean = *std = NAN;
        return;
    }
    *mean = m->mean;
    *std = m->n > 1 ? sqrt(m->ss / (double)(m->n - 1)) : (isnan(m->mean) ? NAN : 0.0);
}

void nn_results_mean_std(const double *values, size_t n, double *mean, double *std)
{
    moments m = {0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++)
        moments_add(&m, values[i]);
    moments_result(&m, mean, std);
}

void nn_results_group_stats(const nn_results_table *t, const nn_results_group *g, int column,
                            double *mean, double *std)
{
    moments m = {0, 0.0, 0.0};
    for (size_t i = 0; i < g->n; i++)
        moments_add(&m, nn_results_number(&t->rows[g->members[i]], column));
    moments_result(&m, mean, std);
}
