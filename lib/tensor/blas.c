/* blas.c — row-major sgemm through cblas (OpenBLAS), with an optional shape trace. */
#include "tensor/blas.h"

#include <stdlib.h>

#include <cblas.h>

static void record(nn_gemm_trace *t, bool ta, bool tb, int m, int n, int k, bool acc)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        nn_gemm_call *calls = realloc(t->calls, cap * sizeof *calls);
        if (!calls) {
            t->overflow = true;
            return;
        }
        t->calls = calls;
        t->cap = cap;
    }
    t->calls[t->n++] = (nn_gemm_call){ta, tb, m, n, k, acc};
}

void nn_sgemm(nn_gemm_trace *trace, bool trans_a, bool trans_b, int m, int n, int k,
              float alpha, const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc)
{
    if (m == 0 || n == 0)
        return;
    if (trace)
        record(trace, trans_a, trans_b, m, n, k, beta != 0.0f);
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
}

void nn_gemm_trace_free(nn_gemm_trace *trace)
{
    free(trace->calls);
    trace->calls = NULL;
    trace->n = trace->cap = 0;
}
