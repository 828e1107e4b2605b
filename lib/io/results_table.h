/* results_table.h — results.csv: one row per finished run, the cross-run comparison table.
 *
 * Every run that reaches the end of training (completed, stopped by a callback, or stopped
 * by a non-finite loss) appends one row to the table next to its run directory:
 *
 *   runs/<name>/<run-id>  ->  runs/results.csv       (run_id = "<name>/<run-id>")
 *   --out DIR             ->  <parent of DIR>/results.csv   (run_id = basename of DIR)
 *
 * The file is CSV (RFC 4180: comma separated, fields with a comma, quote or line break in
 * double quotes, LF line ends), one header line, floats as Python repr ("nan" when absent),
 * so pandas.read_csv reads it as is. Appends from concurrent runs — parallel seeds, a sweep's
 * jobs, Slurm array tasks on a shared file system — hold an exclusive flock on the file and
 * write each row with one write(2) to a descriptor opened O_APPEND: rows never interleave and
 * none is lost. The reader maps columns by their header names.
 */
#ifndef NN_IO_RESULTS_TABLE_H
#define NN_IO_RESULTS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"

typedef struct nn_results_row {
    char run_id[512];        /* the run directory, relative to the table's directory */
    char config[128];        /* the experiment's name */
    char overrides[2048];    /* the overrides but the seed, shell-quoted, space-separated */
    long long seed;
    long long params;        /* total parameters */
    long long epochs_run;
    long long best_epoch;    /* 0-based epoch of the lowest val_loss; -1 without validation */
    double best_val_loss, best_val_accuracy;
    double final_val_loss, final_val_accuracy;
    double test_loss, test_accuracy;
    double seconds_per_epoch;
    char stop_reason[64];    /* "completed", "early_stopping", "nan", ... */
    char finished[32];       /* local time the row was made, YYYY-mm-ddTHH:MM:SS */
} nn_results_row;

/* --- columns: the file's order, and generic access for sorting and statistics -------- */

typedef enum nn_results_kind { NN_RESULTS_TEXT, NN_RESULTS_INT, NN_RESULTS_REAL } nn_results_kind;

typedef struct nn_results_column {
    const char *name;
    nn_results_kind kind;
    size_t offset;           /* into nn_results_row */
    size_t size;             /* of the field */
} nn_results_column;

extern const nn_results_column nn_results_columns[];
extern const int nn_results_n_columns;

/* The column's index, or -1. */
int nn_results_column_find(const char *name);
/* A numeric column's value as a double (NAN for a text column). */
double nn_results_number(const nn_results_row *row, int column);
/* A text column's value (NULL for a numeric column). */
const char *nn_results_text(const nn_results_row *row, int column);

/* --- making a row --------------------------------------------------------------------- */

/* An empty row: text empty, numbers NAN, seed/params/epochs 0, best_epoch -1, and the
 * finished time set to now. */
void nn_results_row_init(nn_results_row *row);

/* The table a run directory belongs to: <parent of out_dir>/results.csv when out_dir is
 * given, else <runs_root or "runs">/results.csv. */
void nn_results_table_path(const char *out_dir, const char *runs_root, char *buf, size_t size);

/* Sets run_id: run_dir relative to the table's directory when it lies inside it, else
 * run_dir as given. */
void nn_results_row_set_run(nn_results_row *row, const char *table_path, const char *run_dir);

/* Sets overrides from "key=value" assignments: every one but those of the top-level `seed`
 * (the seed has its own column, and rows that differ only in the seed are repeats), joined
 * by spaces; an assignment holding a space or quote is put in single quotes as a shell
 * would need it. */
void nn_results_row_set_overrides(nn_results_row *row, const char *const *overrides, int n);

/* The same joining into buf (size >= 1), for a run that keeps it until its row is made. */
void nn_results_join_overrides(char *buf, size_t size, const char *const *overrides, int n);

/* --- the file ------------------------------------------------------------------------- */

/* Appends row to the table at path, creating it with its header when absent or empty.
 * Errors: NN_E_IO naming the path (cannot open, lock, write or sync; or the file's header
 * is not this version's, so the row would land under the wrong columns). */
nn_status nn_results_table_append(const char *path, const nn_results_row *row, nn_error *err);

/* CSV output in the table's format, for tools that merge or filter tables: the header
 * line, one row's line, one field (quoted when it must be; no separator written). */
void nn_results_write_header(FILE *out);
void nn_results_write_row(FILE *out, const nn_results_row *row);
void nn_results_write_field(FILE *out, const char *text);

typedef struct nn_results_table {
    nn_results_row *rows;
    size_t n, cap;
} nn_results_table;

/* Reads every row of the table at path and appends them to t (start from a zeroed t).
 * Columns are matched by header name; unknown columns are skipped, missing ones take the
 * nn_results_row_init values. Errors: NN_E_IO (cannot read), NN_E_DATA with the file and
 * line (not a results table, a row with the wrong number of fields, a bad number),
 * NN_E_NOMEM. On error t keeps the rows read before. */
nn_status nn_results_table_read(const char *path, nn_results_table *t, nn_error *err);

void nn_results_table_free(nn_results_table *t);

/* Whether the table at path (absent = empty) already holds a row for run_id: a resumed run
 * that had finished must not be counted twice. */
bool nn_results_table_has_run(const char *path, const char *run_id);

#endif
