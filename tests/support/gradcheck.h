/* gradcheck.h — the finite-difference gradient checker every layer must pass.
 *
 * A model (YAML text of a `model` mapping) is built and planned with input gradients on;
 * the scalar L = Σ r ⊙ y_out with a fixed random r stands in for a loss. Backward gives
 * dL/dθ for every trainable parameter and dL/dx for the input; each element is compared
 * with the central difference (L(θ + h) - L(θ - h)) / 2h computed by re-running forward.
 * Dropout keeps its mask between the runs (the step key is fixed).
 */
#ifndef NN_TESTS_GRADCHECK_H
#define NN_TESTS_GRADCHECK_H

#include <stdbool.h>

typedef struct gc_tol {
    double h;                /* step */
    double atol, rtol;       /* |num - ana| <= atol + rtol · max(|num|, |ana|) */
    double max_bad_fraction; /* allowed share of failing elements (kinks: ReLU at 0) */
} gc_tol;

typedef struct gc_report {
    int checked, bad;
    double worst;            /* largest |num - ana| - allowed */
    char worst_what[128];    /* "dense.kernel[3]" or "input[7]" */
    char error[512];         /* build/plan error, empty if none */
} gc_report;

/* Runs the check; returns true when the model built and the failures stay within tol. */
bool gc_check_model(const char *model_yaml, int batch, bool training, gc_tol tol,
                    gc_report *rep);

/* Default tolerances for smooth layers and for layers with kinks. */
extern const gc_tol gc_smooth, gc_kinked;

#endif
