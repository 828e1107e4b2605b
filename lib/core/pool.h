/* pool.h — a small fixed thread pool for data-parallel loops.
 *
 * nn_pool_for splits [0, n) into at most nn_pool_size() contiguous ranges and runs `fn` on
 * each, the calling thread taking the first one; it returns when all are done. Work that
 * reduces (sums, means) must not depend on how the range was split: reduce over fixed
 * chunks and combine the partial results in chunk order, so results are the same for
 * every thread count.
 *
 * Latency matters more than anything here: a training step of the notebook's MLPs is a
 * few hundred loops of 5-50 µs each. Workers therefore spin for a short while (about
 * 100 µs) after a loop before they sleep, so the next loop of the same step starts
 * without a wake-up through the kernel; a pool that has been idle longer costs one
 * futex wake. nnrun keeps OpenBLAS on one thread (tensor/blas.h), so these are the only
 * threads that compete for the cores.
 *
 * A pool is created by the CLI (or a test) and passed down; there is no global pool.
 */
#ifndef NN_CORE_POOL_H
#define NN_CORE_POOL_H

#include <stddef.h>

#include "core/error.h"

typedef struct nn_pool nn_pool;

/* fn runs on [begin, end); arg is shared by all ranges. */
typedef void (*nn_range_fn)(void *arg, size_t begin, size_t end);

/* Creates a pool of `threads` workers in all (the caller counts as one; 1 = no extra
 * threads). threads < 1 is treated as 1. Errors: NN_E_NOMEM, NN_E_INTERNAL when a thread
 * cannot be started. */
nn_status nn_pool_create(int threads, nn_pool **out, nn_error *err);
void nn_pool_destroy(nn_pool *pool);

/* Number of threads that share work (>= 1). A NULL pool has size 1. */
int nn_pool_size(const nn_pool *pool);

/* Runs fn over [0, n) split into ranges of at least `grain` items (grain 0 = 1). With a
 * NULL pool, when n < 2 * grain, or when called from inside a loop of the same pool
 * (nested use), runs fn(arg, 0, n) on the calling thread. One thread at a time may drive
 * a pool. */
void nn_pool_for(nn_pool *pool, size_t n, size_t grain, nn_range_fn fn, void *arg);

#endif
