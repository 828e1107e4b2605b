/* main.c — nnrun's entry point: picks the subcommand and hands it argv.
 *
 *   nnrun [train] [OPTIONS] CONFIG     train (the default subcommand)
 *   nnrun check [OPTIONS] CONFIG       validate, print the model
 *   nnrun eval CONFIG --weights FILE   test-set loss and metrics with saved weights
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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

int main(int argc, char **argv)
{
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
