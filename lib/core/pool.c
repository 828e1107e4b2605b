/* pool.c — fixed pthread pool: workers sleep on a condition variable between loops.
 *
 * One loop runs at a time: nn_pool_for publishes (fn, arg, ranges), wakes the workers,
 * runs range 0 itself, then waits until every worker has finished its range. A generation
 * counter tells workers that a new loop was published.
 */
#include "core/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <cblas.h>

struct nn_pool {
    int size; /* threads sharing work, the caller included */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake, done;
    unsigned long generation;
    int pending;   /* workers still running the current loop */
    int stopping;
    /* the current loop */
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

static void *worker_main(void *p)
{
    worker_arg *wa = p;
    nn_pool *pool = wa->pool;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (!pool->stopping && pool->generation == seen)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->stopping) {
            pthread_mutex_unlock(&pool->lock);
            break;
        }
        seen = pool->generation;
        nn_range_fn fn = pool->fn;
        void *arg = pool->arg;
        size_t n = pool->n;
        int parts = pool->parts;
        pthread_mutex_unlock(&pool->lock);

        if (wa->index < parts) {
            size_t b, e;
            range_of(n, parts, wa->index, &b, &e);
            if (e > b)
                fn(arg, b, e);
        }

        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0)
            pthread_cond_signal(&pool->done);
        pthread_mutex_unlock(&pool->lock);
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
    pool->size = threads;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
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
                pool->size = i; /* only the threads started so far are joined */
                nn_pool_destroy(pool);
                return nn_fail(err, NN_E_INTERNAL, "could not start worker thread %d", i);
            }
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
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    if (pool->threads)
        for (int i = 1; i < pool->size; i++)
            pthread_join(pool->threads[i - 1], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
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
    if (parts <= 1) {
        fn(arg, 0, n);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->arg = arg;
    pool->n = n;
    pool->parts = parts;
    pool->pending = pool->size - 1;
    pool->generation++;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);

    size_t b, e;
    range_of(n, parts, 0, &b, &e);
    fn(arg, b, e);

    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

void nn_blas_set_threads(int threads)
{
    openblas_set_num_threads(threads < 1 ? 1 : threads);
}

const char *nn_blas_describe(char *buf, size_t size)
{
    /* openblas_get_config() reads like "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64" */
    snprintf(buf, size, "%s; core %s; %d threads", openblas_get_config(),
             openblas_get_corename(), openblas_get_num_threads());
    return buf;
}
