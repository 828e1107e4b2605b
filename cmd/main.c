/* main.c — nnrun's entry point: picks the subcommand and hands it argv.
 *
 *   nnrun [train] [OPTIONS] CONFIG     train (the default subcommand)
 *   nnrun check [OPTIONS] CONFIG       validate, print the model
 *   nnrun eval CONFIG --weights FILE   test-set loss and metrics with saved weights
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tensor/blas.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"train", cmd_train, "train the experiment a config describes (the default)"},
    {"check", cmd_check, "validate a config and print the model, without training"},
    {"eval", cmd_eval, "evaluate a config's model with saved weights on the test set"},
    {"report", cmd_report, "compare finished runs: results.csv tables, repeats as mean ± std"},
};

void cli_print_subcommands(FILE *out)
{
    fprintf(out, "Subcommands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fprintf(out, "Run 'nnrun SUBCOMMAND --help' for each one's options.\n");
}

/* OpenBLAS picks its kernels once, when the library is loaded: from OPENBLAS_CORETYPE, or
 * from the CPU if it recognises it. 0.3.21 does not know CPUs newer than itself and falls
 * back to generic SSE3 kernels, 3 to 5 times slower than the AVX2/AVX-512 ones the CPU
 * runs (README, "Performance"). Then nnrun sets OPENBLAS_CORETYPE to the best kernels the
 * CPU supports and executes itself again, once; and, unless set, OPENBLAS_NUM_THREADS=1,
 * since nnrun runs OpenBLAS on one thread anyway (tensor/blas.h) and OpenBLAS would
 * otherwise start a thread per core that spins for a while at start-up. OPENBLAS_CORETYPE
 * set by the user (any value) or NNRUN_KEEP_BLAS_CORE=1 leave OpenBLAS's choice alone. */
static void use_fast_blas_kernels(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv("NNRUN_KEEP_BLAS_CORE"))
        return;
    const char *core = nn_blas_better_core();
    if (!core || setenv("OPENBLAS_CORETYPE", core, 1) != 0)
        return;
    bool threads = !getenv("OPENBLAS_NUM_THREADS") && setenv("OPENBLAS_NUM_THREADS", "1", 1) == 0;
    execv("/proc/self/exe", argv);
    /* could not: go on with the kernels loaded */
    unsetenv("OPENBLAS_CORETYPE");
    if (threads)
        unsetenv("OPENBLAS_NUM_THREADS");
}

int main(int argc, char **argv)
{
    use_fast_blas_kernels(argv);
    if (argc > 1) {
        for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
            if (strcmp(argv[1], subcommands[i].name) == 0)
                return subcommands[i].run(argc - 1, argv + 1);
        if (strcmp(argv[1], "help") == 0) {
            argv[1] = "--help";
        }
    }
    /* no subcommand: train, which also answers --help (and then lists the others) */
    return cmd_train(argc, argv);
}
