/* vec.h — wide vectors for the elementwise loops, chosen when the program runs.
 *
 * nnrun is built for plain x86-64 (SSE2, 4 floats per instruction) so that one binary runs
 * on any x86-64 machine; -march=native or -march=x86-64-v3 would make a binary that dies
 * with SIGILL on an older CPU. A function marked NN_VECTORIZED is compiled three times —
 * for x86-64, x86-64-v3 (AVX2 + FMA, 8 floats) and x86-64-v4 (AVX-512, 16 floats) — and
 * the dynamic loader binds the best clone the CPU supports once, at start-up (GCC function
 * multiversioning through an ifunc resolver; under valgrind, which has no AVX-512, the v3
 * clone runs). The loops it marks are written to be vectorised: restrict pointers,
 * no calls, no early exits, independent iterations.
 *
 * The clones compute bit-identical results: C11 mode (-std=c11) keeps the compiler from
 * fusing a·b + c into one FMA (-ffp-contract=off), and the vectoriser never reorders a
 * floating-point sum without -ffast-math, so each element sees the same IEEE operations
 * in the same order on every CPU.
 *
 * The files holding these loops are built with -O3 -fno-math-errno (Makefile: KERNEL_SRC):
 * -O3 for the vectoriser, and no errno so that sqrtf becomes one instruction.
 */
#ifndef NN_TENSOR_VEC_H
#define NN_TENSOR_VEC_H

/* Elements below which an elementwise pass is not worth sharing out: the pool's round trip
 * is ~0.1 µs, a vectorised pass ~0.3-1 ns per element, so 4096 elements (1-4 µs) per
 * thread keep the overhead under ~10%. The notebook's MLPs have 8k-16k elements per
 * layer and batch: their passes split in two. */
#define NN_GRAIN 4096

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(NN_NO_CLONES)
#define NN_VECTORIZED __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))
#else
#define NN_VECTORIZED
#endif

#endif
