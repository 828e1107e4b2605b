/* pool.c — fixed pthread pool: workers spin briefly, then sleep, between loops.
 *
 * One loop runs at a time. nn_pool_for publishes (fn, arg, n, parts), bumps the atomic
 * generation counter, wakes sleeping workers if there are any, runs range 0 itself, then
 * waits until `pending` drops to zero. A worker that finished a loop polls the generation
 * for SPIN_SECONDS before it sleeps on the condition variable.
 *
 * Sleeping without losing a wake-up: a worker increments `sleepers` and re-reads the
 * generation under the mutex before waiting; the publisher bumps the generation first and
 * reads `sleepers` after (both sequentially consistent), then broadcasts under the mutex.
 * Either the worker sees the new generation, or the publisher sees the sleeper.
 */
#include "core/pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* How long an idle worker polls before it sleeps. Long enough to cover the gaps between
 * the loops of one training step (the loss, a small layer run inline), short enough not to
 * burn a core that another process could use once training pauses. */
#define SPIN_SECONDS 100e-6

struct nn_pool {
    int size; /* threads sharing work, the caller included */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_ulong generation; /* bumped once per published loop */
    atomic_int pending;      /* workers still running the current loop */
    atomic_int sleepers;     /* workers waiting on `wake` */
    atomic_bool busy;        /* a loop is running: nested calls run inline */
    atomic_bool stopping;
    /* the current loop, written before `generation` is bumped */
    nn_range_fn fn;
    void *arg;
    size_t n;
    int parts;
};

typedef struct worker_arg {
    nn_pool *pool;
    int index; /* 1 .. size-1; range 0 is the caller's */
} worker_arg;

static void range_of(size_t n, int parts, int i, size_t *begin, size_t *end)
{
    *begin = n * (size_t)i / (size_t)parts;
    *end = n * (size_t)(i + 1) / (size_t)parts;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Waits until the generation differs from `seen` (returns it) or the pool stops (0). */
static unsigned long wait_for_loop(nn_pool *pool, unsigned long seen)
{
    double give_up = seconds_now() + SPIN_SECONDS;
    for (unsigned spins = 1;; spins++) {
        unsigned long g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (g != seen)
            return g;
        if (atomic_load_explicit(&pool->stopping, memory_order_relaxed))
            return 0;
        cpu_relax();
        if (spins % 64 == 0 && seconds_now() > give_up)
            break;
    }
    pthread_mutex_lock(&pool->lock);
    atomic_fetch_add(&pool->sleepers, 1);
    unsigned long g;
    while ((g = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stopping))
        pthread_cond_wait(&pool->wake, &pool->lock);
    atomic_fetch_sub(&pool->sleepers, 1);
    pthread_mutex_unlock(&pool->lock);
    return atomic_load(&pool->stopping) ? 0 : g;
}

static void *worker_main(void *p)
{
    worker_arg *wa = p;
    nn_pool *pool = wa->pool;
    unsigned long seen = 0;
    while ((seen = wait_for_loop(pool, seen)) != 0) {
        /* the acquire load of the generation made fn, arg, n and parts visible */
        if (wa->index < pool->parts) {
            size_t b, e;
            range_of(pool->n, pool->parts, wa->index, &b, &e);
            if (e > b)
                pool->fn(pool->arg, b, e);
        }
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel);
    }
    free(wa);
    return NULL;
}

nn_status nn_pool_create(int threads, nn_pool **out, nn_error *err)
{
    *out = NULL;
    if (threads < 1)
        threads = 1;
    nn_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return nn_fail(err, NN_E_NOMEM, "out of memory creating the thread pool");
    pool->size = 1; /* grows as workers start, so destroy joins only started ones */
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->busy, false);
    atomic_init(&pool->stopping, false);
    if (threads > 1) {
        pool->threads = calloc((size_t)threads - 1, sizeof *pool->threads);
        if (!pool->threads) {
            nn_pool_destroy(pool);
            return nn_fail(err, NN_E_NOMEM, "out of memory creating the thread pool");
        }
        for (int i = 1; i < threads; i++) {
            worker_arg *wa = malloc(sizeof *wa);
            if (wa) {
                wa->pool = pool;
                wa->index = i;
            }
            if (!wa || pthread_create(&pool->threads[i - 1], NULL, worker_main, wa) != 0) {
                free(wa);
                nn_pool_destroy(pool);
                return nn_fail(err, NN_E_INTERNAL, "could not start worker thread %d", i);
            }
            pool->size = i + 1;
        }
    }
    *out = pool;
    return NN_OK;
}

void nn_pool_destroy(nn_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->stopping, true);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->size; i++)
        pthread_join(pool->threads[i - 1], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    free(pool->threads);
    free(pool);
}

int nn_pool_size(const nn_pool *pool)
{
    return pool ? pool->size : 1;
}

void nn_pool_for(nn_pool *pool, size_t n, size_t grain, nn_range_fn fn, void *arg)
{
    if (n == 0)
        return;
    if (grain == 0)
        grain = 1;
    int parts = pool ? pool->size : 1;
    if ((size_t)parts > n / grain)
        parts = (int)(n / grain);
    if (parts <= 1 || atomic_exchange(&pool->busy, true)) {
        fn(arg, 0, n);
        return;
    }
    pool->fn = fn;
    pool->arg = arg;
    pool->n = n;
    pool->parts = parts;
    atomic_store_explicit(&pool->pending, pool->size - 1, memory_order_relaxed);
    atomic_fetch_add(&pool->generation, 1); /* seq_cst: publishes the loop (see top) */
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }

    size_t b, e;
    range_of(n, parts, 0, &b, &e);
    fn(arg, b, e);

    /* the other ranges are as long as ours: they end soon, so spin, yielding now and then
     * in case a worker was descheduled */
    for (unsigned spins = 1; atomic_load_explicit(&pool->pending, memory_order_acquire) > 0;
         spins++) {
        cpu_relax();
        if (spins % 1024 == 0)
            sched_yield();
    }
    atomic_store(&pool->busy, false);
}
