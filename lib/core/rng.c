/* rng.c — counter-based random streams (see rng.h). */
#include "core/rng.h"

nn_rng nn_rng_stream(uint64_t seed, uint64_t stream)
{
    nn_rng r;
    r.key = nn_mix64(seed * 0x9e3779b97f4a7c15ULL + nn_mix64(stream + 0x632be59bd9b4e019ULL));
    r.counter = 0;
    return r;
}

uint64_t nn_rng_u64(nn_rng *rng)
{
    return nn_mix64(rng->key ^ nn_mix64(rng->counter++));
}

uint32_t nn_rng_below(nn_rng *rng, uint32_t n)
{
    uint64_t hi = nn_rng_u64(rng) >> 32;
    return (uint32_t)((hi * n) >> 32);
}

float nn_rng_uniform(nn_rng *rng)
{
    return (float)(nn_rng_u64(rng) >> 40) * (1.0f / 16777216.0f);
}

void nn_rng_permutation(nn_rng *rng, uint32_t *perm, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = nn_rng_below(rng, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}
