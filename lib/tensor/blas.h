/* blas.h — the one place nnrun calls BLAS.
 *
 * Every matrix product in the library goes through nn_sgemm (row-major), so that a trace
 * can record the shapes a model multiplies (make bench times them on their own to get the
 * "GEMM floor") and so that a different BLAS would be a one-file change.
 */
#ifndef NN_TENSOR_BLAS_H
#define NN_TENSOR_BLAS_H

#include <stdbool.h>
#include <stddef.h>

/* One recorded product: C[m, n] (+)= op(A)[m, k] · op(B)[k, n]. */
typedef struct nn_gemm_call {
    bool trans_a, trans_b;
    int m, n, k;
    bool accumulate; /* beta != 0 */
} nn_gemm_call;

/* A growable list of products; recording is off when the trace pointer is NULL. */
typedef struct nn_gemm_trace {
    nn_gemm_call *calls;
    size_t n, cap;
    bool overflow; /* a call could not be recorded (out of memory) */
} nn_gemm_trace;

/* C[m, n] = alpha · op(A) · op(B) + beta · C, all row-major; op(X) = X or Xᵀ.
 * lda/ldb/ldc are row strides of the matrices as stored. */
void nn_sgemm(nn_gemm_trace *trace, bool trans_a, bool trans_b, int m, int n, int k,
              float alpha, const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc);

void nn_gemm_trace_free(nn_gemm_trace *trace);

#endif
