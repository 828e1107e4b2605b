/* blas.c — row-major sgemm through cblas (OpenBLAS): shape trace, fixed blocks shared out
 * over the pool, and the choice of OpenBLAS kernels.
 *
 * Blocks. A product of F = 2·m·n·k FLOPs is cut along the longer of m and n (rows or
 * columns of C) into a power of two of equal blocks, as many as keep every block above
 * BLOCK_FLOPS and BLOCK_MIN wide, at most MAX_BLOCKS; and at most SHARED_FLOATS / (the
 * operand every block reads whole: k·n floats of B when cutting rows), but 2 allowed,
 * because each block packs that operand again - unless C is so large that fewer blocks
 * would each hold more than SHARED_FLOATS of it (the epilogue of nn_sgemm_then wants a
 * block in L2). Each block is one single-threaded
 * cblas_sgemm on views of A (or B) and C; the pool hands each thread a contiguous run of
 * blocks. Every element of C is the same dot product in the same order whatever the block
 * it falls in and whoever runs it, so results do not depend on the thread count.
 *
 * The limits were measured on the notebook's shapes (2 threads, Cooperlake kernels, best
 * of 30 interleaved rounds): 128×128×128 takes 34 µs whole, 30 in 2 blocks, 25 in 4;
 * 128×128×784 (B = 100k floats) 202 µs whole, 139 in 2, 207 in 8; 784×64×64 (dW of the
 * first MNIST layer) 62, 40, 25 in 4. Over whole models, against BLOCK_FLOPS 2e6 without
 * the limit on B: baseline 0.22 -> 0.18 s/epoch, cifar_baseline 0.59 -> 0.47, resnet10
 * unchanged. The per-pixel CIFAR products (131072×128×128) make 64 blocks of 2048 rows.
 */
#include "tensor/blas.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cblas.h>

#define BLOCK_FLOPS 1.0e6          /* ~8 µs on one core; a round trip of the pool is 0.1 µs */
#define BLOCK_MIN 16               /* rows (or columns) */
#define MAX_BLOCKS 64
#define SHARED_FLOATS (1 << 18)    /* 1 MiB of the operand every block packs again */

void nn_gemm_record(nn_gemm_trace *t, bool ta, bool tb, int m, int n, int k, bool acc)
{
    if (!t)
        return;
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

void nn_sgemm_serial(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                     const float *a, int lda, const float *b, int ldb, float beta, float *c,
                     int ldc)
{
    if (m == 0 || n == 0)
        return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
}

/* The blocks of a product: a function of its shape (and of the size of its group) only.
 * len: the extent cut (m or n); shared: floats of the operand each block reads whole;
 * c: floats of C. */
static int block_count(double flops, int len, double shared, double c)
{
    int cap = 2;
    while (cap * 2 <= MAX_BLOCKS && (cap * 2 * shared <= SHARED_FLOATS || cap * SHARED_FLOATS < c))
        cap *= 2;
    int blocks = 1;
    while (blocks * 2 <= cap && flops / (blocks * 2) >= BLOCK_FLOPS &&
           len / (blocks * 2) >= BLOCK_MIN)
        blocks *= 2;
    return blocks;
}

#define MAX_OPS 4

typedef struct gemm_job {
    const nn_gemm_op *ops;
    int n_ops;
    int first[MAX_OPS + 1]; /* ops[i] owns blocks first[i] .. first[i+1]-1 */
    bool split_rows[MAX_OPS]; /* blocks of rows of C (else of columns) */
    nn_range_fn after;        /* per block of rows of ops[0], or NULL */
    void *after_arg;
} gemm_job;

/* Blocks [b0, b1) of the group. Rows s..e of C are rows of op(A): A + s·lda, or column s
 * of a stored Aᵀ; columns likewise of op(B). */
static void gemm_blocks(void *arg, size_t b0, size_t b1)
{
    const gemm_job *j = arg;
    for (size_t blk = b0; blk < b1; blk++) {
        int i = 0;
        while (j->first[i + 1] <= (int)blk)
            i++;
        const nn_gemm_op *o = &j->ops[i];
        int blocks = j->first[i + 1] - j->first[i], q = (int)blk - j->first[i];
        int len = j->split_rows[i] ? o->m : o->n;
        int s = (int)((long)len * q / blocks), e = (int)((long)len * (q + 1) / blocks);
        if (j->split_rows[i]) {
            const float *a = o->a + (o->trans_a ? (size_t)s : (size_t)s * (size_t)o->lda);
            nn_sgemm_serial(o->trans_a, o->trans_b, e - s, o->n, o->k, o->alpha, a, o->lda,
                            o->b, o->ldb, o->beta, o->c + (size_t)s * (size_t)o->ldc, o->ldc);
            if (j->after)
                j->after(j->after_arg, (size_t)s, (size_t)e);
        } else {
            const float *b = o->b + (o->trans_b ? (size_t)s * (size_t)o->ldb : (size_t)s);
            nn_sgemm_serial(o->trans_a, o->trans_b, o->m, e - s, o->k, o->alpha, o->a, o->lda,
                            b, o->ldb, o->beta, o->c + (size_t)s, o->ldc);
        }
    }
}

/* Cuts the group into blocks; returns the total. */
static int plan_blocks(gemm_job *j)
{
    j->first[0] = 0;
    for (int i = 0; i < j->n_ops; i++) {
        const nn_gemm_op *o = &j->ops[i];
        j->split_rows[i] = o->m >= o->n;
        /* a group already makes one task per product: cut each product further only when
         * blocks would stay 4n times bigger (measured: resnet10's 128³ pairs run best
         * uncut, 1.40 against 1.55 s/epoch cut in two) */
        double flops = 2.0 * o->m * (double)o->n * o->k / (j->n_ops > 1 ? 4.0 * j->n_ops : 1.0);
        /* cutting rows, every block reads all of op(B) [k, n]; cutting columns, op(A) [m, k] */
        double shared = (double)o->k * (j->split_rows[i] ? o->n : o->m);
        int blocks = o->m == 0 || o->n == 0
                         ? 0
                         : block_count(flops, j->split_rows[i] ? o->m : o->n, shared,
                                       (double)o->m * o->n);
        j->first[i + 1] = j->first[i] + blocks;
    }
    return j->first[j->n_ops];
}

void nn_sgemm_many(nn_pool *pool, nn_gemm_trace *trace, const nn_gemm_op *ops, int n_ops)
{
    for (int i = 0; i < n_ops; i += MAX_OPS) {
        gemm_job j = {.ops = ops + i, .n_ops = n_ops - i < MAX_OPS ? n_ops - i : MAX_OPS};
        for (int k = 0; k < j.n_ops; k++)
            if (j.ops[k].m > 0 && j.ops[k].n > 0)
                nn_gemm_record(trace, j.ops[k].trans_a, j.ops[k].trans_b, j.ops[k].m,
                               j.ops[k].n, j.ops[k].k, j.ops[k].beta != 0.0f);
        int blocks = plan_blocks(&j);
        if (blocks == 1)
            gemm_blocks(&j, 0, 1);
        else if (blocks > 1)
            nn_pool_for(pool, (size_t)blocks, 1, gemm_blocks, &j);
    }
}

void nn_sgemm_then(nn_pool *pool, nn_gemm_trace *trace, bool trans_a, bool trans_b, int m,
                   int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                   float beta, float *c, int ldc, nn_range_fn after, void *arg)
{
    if (m == 0 || n == 0)
        return;
    nn_gemm_record(trace, trans_a, trans_b, m, n, k, beta != 0.0f);
    nn_gemm_op op = {trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
    gemm_job j = {.ops = &op, .n_ops = 1, .after = after, .after_arg = arg};
    int blocks = plan_blocks(&j);
    if (blocks > 1 && j.split_rows[0]) {
        nn_pool_for(pool, (size_t)blocks, 1, gemm_blocks, &j);
        return;
    }
    /* one block: a small product, its rows are few (and in cache) - run `after` here;
     * blocks of columns: C is wider than tall, share its rows out after the product */
    j.after = NULL;
    if (blocks == 1) {
        gemm_blocks(&j, 0, 1);
        if (after)
            after(arg, 0, (size_t)m);
        return;
    }
    nn_pool_for(pool, (size_t)blocks, 1, gemm_blocks, &j);
    if (after)
        nn_pool_for(pool, (size_t)m, 1, after, arg);
}

void nn_sgemm(nn_pool *pool, nn_gemm_trace *trace, bool trans_a, bool trans_b, int m, int n,
              int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta,
              float *c, int ldc)
{
    nn_sgemm_then(pool, trace, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                  NULL, NULL);
}

void nn_gemm_trace_free(nn_gemm_trace *trace)
{
    free(trace->calls);
    trace->calls = NULL;
    trace->n = trace->cap = 0;
}

void nn_blas_init(void)
{
    openblas_set_num_threads(1);
}

void nn_blas_set_threads(int threads)
{
    openblas_set_num_threads(threads < 1 ? 1 : threads);
}

const char *nn_blas_core(void)
{
    return openblas_get_corename();
}

const char *nn_blas_describe(char *buf, size_t size)
{
    /* openblas_get_config() reads like "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64" */
    snprintf(buf, size, "%s; core %s", openblas_get_config(), openblas_get_corename());
    return buf;
}

const char *nn_blas_better_core(void)
{
    /* OpenBLAS's generic fall-backs for an x86-64 CPU it does not know */
    static const char *const generic[] = {"Prescott", "Core2", "Nehalem", "Sandybridge",
                                          "Katmai", "Coppermine", "Northwood", "Banias",
                                          "Atom", "Penryn", "Dunnington", NULL};
    const char *core = openblas_get_corename();
    bool fallback = false;
    for (int i = 0; generic[i] && core; i++)
        fallback |= strcasecmp(core, generic[i]) == 0;
    if (!fallback)
        return NULL;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    if (avx512 && __builtin_cpu_supports("avx512bf16"))
        return "Cooperlake";
    if (avx512)
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}
