/* repeats.h — the runs of a results table (io/results_table.h) that repeat one experiment,
 * and their mean ± std: what `nnrun report` and --seeds print. */
#ifndef NN_REPORT_REPEATS_H
#define NN_REPORT_REPEATS_H

#include <stddef.h>

#include "core/error.h"
#include "io/results_table.h"

/* Runs with equal config and overrides are repeats of one experiment (they differ in the
 * seed at most). */
typedef struct nn_results_group {
    size_t *members;         /* indices into the table, in table order */
    size_t n;
} nn_results_group;

/* Splits the table into groups of repeats, in order of first appearance. *groups is an
 * array of *n_groups groups (the caller may reorder it); free it with
 * nn_results_groups_free. Errors: NN_E_NOMEM. */
nn_status nn_results_group_rows(const nn_results_table *t, nn_results_group **groups,
                                size_t *n_groups, nn_error *err);
void nn_results_groups_free(nn_results_group *groups, size_t n_groups);

/* Mean and sample standard deviation (n - 1 in the denominator; 0 for one value) of a
 * numeric column over the group's members. A NAN member makes both NAN: a diverged seed
 * is not averaged away. */
void nn_results_group_stats(const nn_results_table *t, const nn_results_group *g, int column,
                            double *mean, double *std);

/* Mean and sample standard deviation of n values (as nn_results_group_stats). */
void nn_results_mean_std(const double *values, size_t n, double *mean, double *std);

#endif
