/* blas.h — the one place nnrun calls BLAS.
 *
 * Every matrix product in the library goes through nn_sgemm (row-major), so that a trace
 * can record the shapes a model multiplies (make bench times them on their own to get the
 * "GEMM floor") and so that a different BLAS would be a one-file change.
 *
 * Threads: OpenBLAS runs on one thread (nn_blas_init). A large product is cut into
 * blocks of rows (or of columns) of C, and the blocks are shared out over nnrun's pool,
 * each one a single-threaded cblas_sgemm. Why not OpenBLAS's own threads: they spin for
 * a long time after every call and then compete with the pool's threads for the same
 * cores (measured: 2 threads were slower than 1 on the notebook's models), and OpenBLAS
 * chooses its algorithm by the thread count, which changes the rounding of a product.
 * The blocks here depend only on the shape of the product, never on the thread count,
 * so a model computes bit-identical results with any --threads.
 */
#ifndef NN_TENSOR_BLAS_H
#define NN_TENSOR_BLAS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pool.h"

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
 * lda/ldb/ldc are row strides of the matrices as stored. Runs on `pool` (may be NULL)
 * in blocks fixed by the shape; records the call in `trace` when not NULL. */
void nn_sgemm(nn_pool *pool, nn_gemm_trace *trace, bool trans_a, bool trans_b, int m, int n,
              int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc);

/* One product for nn_sgemm_many: C[m, n] = alpha · op(A) · op(B) + beta · C. */
typedef struct nn_gemm_op {
    bool trans_a, trans_b;
    int m, n, k;
    float alpha;
    const float *a;
    int lda;
    const float *b;
    int ldb;
    float beta;
    float *c;
    int ldc;
} nn_gemm_op;

/* Independent products (no C is another's A, B or C) run together: the blocks of all of
 * them are shared out over the pool in one go, so two products that are each too small to
 * split (dense backward's xᵀ·dz and dz·Wᵀ at 128 rows) run side by side, one per thread.
 * A product in a group of n is cut as if it had 1/(4n) of its FLOPs (still by shape alone). */
void nn_sgemm_many(nn_pool *pool, nn_gemm_trace *trace, const nn_gemm_op *ops, int n_ops);

/* As nn_sgemm, and then after(arg, r0, r1) on every block of rows [r0, r1) of C, run by
 * the thread that computed the block right after it, while the block is still in its
 * cache (dense runs its bias and activation this way). When the product is cut by columns
 * or not cut at all, `after` runs over all rows once the product is done. */
void nn_sgemm_then(nn_pool *pool, nn_gemm_trace *trace, bool trans_a, bool trans_b, int m,
                   int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc, nn_range_fn after, void *arg);

/* One product as one single-threaded cblas call, not recorded: for callers that cut a
 * product themselves (and record the whole with nn_gemm_record). */
void nn_sgemm_serial(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                     const float *a, int lda, const float *b, int ldb, float beta, float *c,
                     int ldc);

/* Records a product in the trace (NULL: nothing). */
void nn_gemm_record(nn_gemm_trace *trace, bool trans_a, bool trans_b, int m, int n, int k,
                    bool accumulate);

void nn_gemm_trace_free(nn_gemm_trace *trace);

/* Puts OpenBLAS on one thread (see the top of this file). Call once before training;
 * idempotent. */
void nn_blas_init(void);

/* Sets the number of threads one OpenBLAS call may use (make bench times products at
 * OpenBLAS's own best; nnrun itself keeps 1, see nn_blas_init). */
void nn_blas_set_threads(int threads);

/* "OpenBLAS 0.3.21 ... ; core SkylakeX" style description; returns buf. */
const char *nn_blas_describe(char *buf, size_t size);

/* The name of the kernel set OpenBLAS chose ("SkylakeX", "Haswell", "Prescott", ...). */
const char *nn_blas_core(void);

/* When OpenBLAS fell back to generic kernels on a CPU that has better ones (0.3.21 does not
 * recognise CPUs newer than itself and picks Prescott's SSE3 kernels, 3-5× slower), the
 * OPENBLAS_CORETYPE value that selects the best kernels this CPU runs: "Cooperlake" or
 * "SkylakeX" (AVX-512), "Haswell" (AVX2 + FMA). NULL when OpenBLAS's choice is fine or
 * nothing better is known. Only OpenBLAS's start-up reads the variable: the CLI sets it
 * and re-executes itself (cmd/main.c). */
const char *nn_blas_better_core(void);

#endif
