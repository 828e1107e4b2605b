/* rng.h — seeded, counter-based random numbers, passed explicitly (no global state).
 *
 * A stream is (key, counter): the n-th draw is a hash of key and n, so a stream's whole
 * state is two integers (a checkpoint stores them), and a draw can be made for any index
 * without making the ones before it. Dropout uses this to fill masks in parallel with the
 * same bits for every thread count: element i of the mask for draw d is
 * nn_hash32(d, i). Different purposes (weight init, shuffling, dropout) use separate
 * streams derived with nn_rng_stream so that changing one does not shift the others.
 */
#ifndef NN_CORE_RNG_H
#define NN_CORE_RNG_H

#include <stdint.h>

typedef struct nn_rng {
    uint64_t key;
    uint64_t counter;
} nn_rng;

/* The stream for `seed` and purpose `stream` (a small constant: NN_STREAM_*). */
nn_rng nn_rng_stream(uint64_t seed, uint64_t stream);

enum { NN_STREAM_INIT = 1, NN_STREAM_SHUFFLE = 2, NN_STREAM_DROPOUT = 3, NN_STREAM_TEST = 99 };

/* splitmix64's finaliser: a bijective 64-bit mix with good avalanche. */
static inline uint64_t nn_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A 32-bit hash of (key, i) for bulk draws; vectorises (only 32-bit multiplies). */
static inline uint32_t nn_hash32(uint32_t key, uint32_t i)
{
    uint32_t h = i * 0x9e3779b9u ^ key;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* Next 64 random bits. */
uint64_t nn_rng_u64(nn_rng *rng);

/* Uniform integer in [0, n), n >= 1 (multiply-shift; bias below 2^-32 for n < 2^32). */
uint32_t nn_rng_below(nn_rng *rng, uint32_t n);

/* Uniform float in [0, 1) with 24 random bits. */
float nn_rng_uniform(nn_rng *rng);

/* Fisher-Yates: perm becomes a uniform random permutation of 0..n-1. */
void nn_rng_permutation(nn_rng *rng, uint32_t *perm, uint32_t n);

#endif
