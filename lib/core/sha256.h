/* sha256.h — SHA-256 (FIPS 180-4) for recording which data files a run read.
 *
 * Incremental: init, update any number of times with any lengths, final. On x86-64 CPUs
 * with the SHA extensions the block function uses them (chosen once per context at init,
 * by CPUID); elsewhere a portable C block function runs. Both give the same digest.
 */
#ifndef NN_CORE_SHA256_H
#define NN_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_sha256 {
    uint32_t h[8];       /* chaining state */
    uint64_t bytes;      /* message length so far */
    uint8_t block[64];   /* partial block */
    size_t fill;         /* bytes held in block */
    void (*compress)(uint32_t h[8], const uint8_t *blocks, size_t n_blocks);
} nn_sha256;

void nn_sha256_init(nn_sha256 *c);
void nn_sha256_update(nn_sha256 *c, const void *data, size_t len);
void nn_sha256_final(nn_sha256 *c, uint8_t digest[32]);

/* One-shot digest of a buffer as 64 lower-case hex digits plus NUL. */
void nn_sha256_hex(const void *data, size_t len, char hex[65]);

/* Forces the portable block function (for tests comparing both paths). */
void nn_sha256_init_portable(nn_sha256 *c);

#endif
