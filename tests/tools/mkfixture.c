/* mkfixture.c — writes a small learnable data set for the CLI tests.
 *
 *   mkfixture mnist DIR N_TRAIN N_TEST        the four IDX files, gzipped
 *   mkfixture cifar10 DIR PER_BATCH N_TEST    data_batch_1..5.bin, test_batch.bin, meta
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_fixtures.h"

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: mkfixture mnist|cifar10 DIR N1 N2\n");
        return 2;
    }
    size_t a = strtoul(argv[3], NULL, 10), b = strtoul(argv[4], NULL, 10);
    int rc;
    if (strcmp(argv[1], "mnist") == 0)
        rc = nn_fx_write_mnist(argv[2], a, b, true);
    else if (strcmp(argv[1], "cifar10") == 0)
        rc = nn_fx_write_cifar(argv[2], 5, a, b, false, true);
    else {
        fprintf(stderr, "mkfixture: unknown data set %s\n", argv[1]);
        return 2;
    }
    if (rc != 0) {
        perror("mkfixture");
        return 1;
    }
    return 0;
}
