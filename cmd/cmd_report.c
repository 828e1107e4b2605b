/* cmd_report.c — `nnrun report [PATH ...]`: the runs recorded in results.csv tables, side
 * by side; repeats of one experiment (same config and overrides, other seeds) as one line
 * of mean ± standard deviation.
 *
 * The work is in three steps: read every table into one list of rows (run_id becomes the
 * run directory's path), turn rows or groups into "items" with a cell of text per shown
 * column, then print the cells as an aligned table, Markdown or CSV.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/util.h"
#include "io/format.h"
#include "io/results_table.h"
#include "report/repeats.h"

static const char report_help[] =
    "Usage: nnrun report [OPTIONS] [PATH ...]\n"
    "\n"
    "Compares finished runs. Every run appends a row to the results.csv next to its run\n"
    "directory (runs/results.csv, or the --out directory's parent's); report reads those\n"
    "tables and prints one line per experiment: runs that differ only in the seed are\n"
    "repeats, shown as mean ± standard deviation (sample, n - 1) over the seeds.\n"
    "\n"
    "PATH is a results.csv file or a directory searched (recursively) for them; the\n"
    "default is runs.\n"
    "\n"
    "Options:\n"
    "  -f, --format FMT   text (aligned columns, the default), md (Markdown) or csv\n"
    "  -s, --sort KEY     order by a column, best first: accuracies from the highest,\n"
    "                     losses, times and counts from the lowest, text alphabetically\n"
    "                     (KEY: a header shown, or a results.csv column such as\n"
    "                     test_accuracy); runs without a value come last\n"
    "  -r, --reverse      the opposite order\n"
    "  -a, --runs         one line per run instead of one per experiment\n"
    "  -h, --help         show this help\n"
    "\n"
    "In text and Markdown, overrides shared by every line are printed once above the\n"
    "table. CSV has every value: with --runs it is a results table itself (the tables\n"
    "merged); per experiment it has <column>_mean and <column>_std.\n"
    "\n"
    "Examples:\n"
    "  nnrun report\n"
    "  nnrun report runs/sweep-baseline --sort test_accuracy --format md\n"
    "  nnrun report --runs --format csv runs > all-runs.csv\n";

/* --- the shown columns ---------------------------------------------------------------- */

typedef enum { IN_BOTH, RUNS_ONLY, GROUPS_ONLY } shown_in;

typedef struct shown {
    const char *header;  /* in text and Markdown; also accepted by --sort */
    const char *key;     /* the results column; NULL: the group's number of runs */
    int digits;          /* decimals of a real */
    shown_in in;
} shown;

static const shown shown_cols[] = {
    {"run", "run_id", 0, RUNS_ONLY},
    {"config", "config", 0, IN_BOTH},
    {"overrides", "overrides", 0, IN_BOTH},
    {"runs", NULL, 0, GROUPS_ONLY},
    {"seed", "seed", 0, IN_BOTH},
    {"params", "params", 0, IN_BOTH},
    {"epochs", "epochs_run", 0, IN_BOTH},
    {"best_val_acc", "best_val_accuracy", 4, IN_BOTH},
    {"val_loss", "final_val_loss", 4, IN_BOTH},
    {"val_acc", "final_val_accuracy", 4, IN_BOTH},
    {"test_loss", "test_loss", 4, IN_BOTH},
    {"test_acc", "test_accuracy", 4, IN_BOTH},
    {"s/epoch", "seconds_per_epoch", 2, IN_BOTH},
    {"stop", "stop_reason", 0, IN_BOTH},
};
#define N_SHOWN ((int)(sizeof shown_cols / sizeof shown_cols[0]))

typedef enum { FMT_TEXT, FMT_MD, FMT_CSV } format;

typedef struct report {
    format fmt;
    bool runs, reverse;
    const char *sort;
    nn_results_table t;
    nn_results_group *groups; /* the items: groups of repeats, or one group per run */
    size_t n_groups;
    size_t *run_index;        /* --runs: the members of the one-run groups */
} report;

/* --- reading the tables ----------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads one table; run ids become paths: the table's directory joined with the id. */
static nn_status read_table(report *r, const char *path, nn_error *err)
{
    size_t before = r->t.n;
    nn_status st = nn_results_table_read(path, &r->t, err);
    if (st)
        return st;
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path) : 0;
    for (size_t i = before; i < r->t.n; i++) {
        nn_results_row *row = &r->t.rows[i];
        size_t id_len = strlen(row->run_id);
        if (dir_len == 0 || row->run_id[0] == '/' ||
            (size_t)dir_len + 1 + id_len >= sizeof row->run_id) /* too long: the id alone */
            continue;
        memmove(row->run_id + dir_len + 1, row->run_id, id_len + 1);
        memcpy(row->run_id, path, (size_t)dir_len);
        row->run_id[dir_len] = '/';
    }
    return NN_OK;
}

/* Every results.csv under dir, in name order; *found counts them. */
static nn_status read_tree(report *r, const char *dir, int depth, int *found, nn_error *err)
{
    if (depth > 32)
        return NN_OK;
    DIR *d = opendir(dir);
    if (!d)
        return nn_fail(err, NN_E_IO, "cannot read the directory %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    nn_status st = NN_OK;
    struct dirent *e;
    while (!st && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **more = realloc(names, cap * sizeof *names);
            if (!more) {
                st = nn_fail(err, NN_E_NOMEM, "out of memory listing %s", dir);
                break;
            }
            names = more;
        }
        if (!(names[n] = strdup(e->d_name)))
            st = nn_fail(err, NN_E_NOMEM, "out of memory listing %s", dir);
        else
            n++;
    }
    closedir(d);
    if (!st && n > 1)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; !st && i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat sb;
        if (lstat(path, &sb) != 0) /* gone while we looked */
            continue;
        if (S_ISDIR(sb.st_mode)) { /* real directories only: a symlink loop cannot trap us */
            st = read_tree(r, path, depth + 1, found, err);
        } else if (strcmp(names[i], "results.csv") == 0) {
            st = read_table(r, path, err);
            (*found)++;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

/* --- items: groups of repeats, or single runs ----------------------------------------- */

static int shown_results_column(int c)
{
    return shown_cols[c].key ? nn_results_column_find(shown_cols[c].key) : -1;
}

/* The value an item sorts by: a group's mean (or run count), or NAN for text columns. */
static double item_number(const report *r, const nn_results_group *g, int c)
{
    int rc = shown_results_column(c);
    if (rc < 0)
        return (double)g->n;
    if (nn_results_columns[rc].kind == NN_RESULTS_TEXT)
        return NAN;
    double mean, std;
    nn_results_group_stats(&r->t, g, rc, &mean, &std);
    return mean;
}

static const report *sorting; /* qsort has no context argument */
static int sort_col;

static bool is_text(int c)
{
    int rc = shown_results_column(c);
    return rc >= 0 && nn_results_columns[rc].kind == NN_RESULTS_TEXT;
}

static int by_sort_key(const void *pa, const void *pb)
{
    const nn_results_group *a = pa, *b = pb;
    const report *r = sorting;
    int order = 0;
    if (is_text(sort_col)) {
        int rc = shown_results_column(sort_col);
        order = strcmp(nn_results_text(&r->t.rows[a->members[0]], rc),
                       nn_results_text(&r->t.rows[b->members[0]], rc));
    } else {
        double x = item_number(r, a, sort_col), y = item_number(r, b, sort_col);
        if (isnan(x) || isnan(y)) { /* no value: last, whatever the direction */
            if (!(isnan(x) && isnan(y)))
                return isnan(x) ? 1 : -1;
        } else {
            order = x < y ? -1 : x > y;
            if (strstr(shown_cols[sort_col].header, "acc")) /* accuracies: highest first */
                order = -order;
        }
    }
    if (r->reverse)
        order = -order;
    if (order == 0) /* stable: table order */
        order = a->members[0] < b->members[0] ? -1 : a->members[0] > b->members[0];
    return order;
}

static int find_sort_column(const char *key)
{
    for (int c = 0; c < N_SHOWN; c++)
        if (strcmp(key, shown_cols[c].header) == 0 ||
            (shown_cols[c].key && strcmp(key, shown_cols[c].key) == 0))
            return c;
    return -1;
}

static bool shown_here(const report *r, int c)
{
    return shown_cols[c].in == IN_BOTH || (shown_cols[c].in == RUNS_ONLY) == r->runs;
}

/* --- cells ---------------------------------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Distinct values of a column over a group, joined by ","; numbers in increasing order,
 * text in table order. */
static void distinct(const report *r, const nn_results_group *g, int rc, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    bool text = nn_results_columns[rc].kind == NN_RESULTS_TEXT;
    double *sorted = text ? NULL : malloc(g->n * sizeof *sorted);
    if (sorted) {
        for (size_t i = 0; i < g->n; i++)
            sorted[i] = nn_results_number(&r->t.rows[g->members[i]], rc);
        qsort(sorted, g->n, sizeof *sorted, by_value);
    }
    for (size_t i = 0; i < g->n && len < size; i++) {
        const nn_results_row *row = &r->t.rows[g->members[i]];
        char v[600];
        bool seen = false;
        if (text) {
            nn_strlcpy(v, nn_results_text(row, rc), sizeof v);
            for (size_t k = 0; k < i && !seen; k++)
                seen = strcmp(nn_results_text(&r->t.rows[g->members[k]], rc), v) == 0;
        } else {
            double x = sorted ? sorted[i] : nn_results_number(row, rc);
            seen = sorted && i > 0 && sorted[i - 1] == x;
            snprintf(v, sizeof v, "%.0f", x);
        }
        if (!seen)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "," : "", v);
    }
    free(sorted);
}

static void number_cell(double v, int digits, char *buf, size_t size)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else
        snprintf(buf, size, "%.*f", digits, v);
}

/* The text of one cell of an item (overrides: as recorded, before common ones are cut). */
static void cell(const report *r, const nn_results_group *g, int c, char *buf, size_t size)
{
    int rc = shown_results_column(c);
    if (rc < 0) {
        snprintf(buf, size, "%zu", g->n);
        return;
    }
    const nn_results_column *col = &nn_results_columns[rc];
    const nn_results_row *first = &r->t.rows[g->members[0]];
    if (col->kind == NN_RESULTS_TEXT || strcmp(col->name, "seed") == 0) {
        distinct(r, g, rc, buf, size);
        return;
    }
    double mean, std;
    nn_results_group_stats(&r->t, g, rc, &mean, &std);
    if (col->kind == NN_RESULTS_INT) {
        bool same = true;
        for (size_t i = 1; i < g->n; i++)
            same &= nn_results_number(&r->t.rows[g->members[i]], rc) ==
                    nn_results_number(first, rc);
        if (same) {
            snprintf(buf, size, "%.0f", nn_results_number(first, rc));
            return;
        }
    }
    int digits = col->kind == NN_RESULTS_INT ? 1 : shown_cols[c].digits;
    char m[48], s[48];
    number_cell(mean, digits, m, sizeof m);
    if (g->n == 1) {
        snprintf(buf, size, "%s", m);
        return;
    }
    number_cell(std, digits, s, sizeof s);
    snprintf(buf, size, "%s ± %s", m, s);
}

/* --- overrides shared by every item -------------------------------------------------- */

/* The next shell word of s at *pos (single quotes and '\'' as written by the results
 * table); its extent in s is [*start, *pos). Returns false at the end. */
static bool next_word(const char *s, size_t *pos, size_t *start)
{
    size_t i = *pos;
    while (s[i] == ' ')
        i++;
    if (!s[i])
        return false;
    *start = i;
    bool quoted = false;
    for (; s[i] && (quoted || s[i] != ' '); i++) {
        if (s[i] == '\'')
            quoted = !quoted;
        else if (s[i] == '\\' && !quoted && s[i + 1])
            i++;
    }
    *pos = i;
    return true;
}

static bool has_word(const char *s, const char *w, size_t wn)
{
    size_t pos = 0, start;
    while (next_word(s, &pos, &start))
        if (pos - start == wn && strncmp(s + start, w, wn) == 0)
            return true;
    return false;
}

/* Splits the overrides of the first item into `common` (in every item) and, per item,
 * writes the rest into out. */
static void cut_common(const report *r, char *common, size_t csize, const char *overrides,
                       char *out, size_t osize)
{
    size_t pos = 0, start, clen = 0, olen = 0;
    if (out)
        out[0] = '\0';
    if (common)
        common[0] = '\0';
    while (next_word(overrides, &pos, &start)) {
        size_t wn = pos - start;
        bool everywhere = r->n_groups > 0;
        for (size_t k = 0; k < r->n_groups && everywhere; k++)
            everywhere = has_word(r->t.rows[r->groups[k].members[0]].overrides,
                                  overrides + start, wn);
        char *dst = everywhere ? common : out;
        size_t *len = everywhere ? &clen : &olen;
        size_t size = everywhere ? csize : osize;
        if (!dst || *len + wn + 2 > size)
            continue;
        if (*len)
            dst[(*len)++] = ' ';
        memcpy(dst + *len, overrides + start, wn);
        *len += wn;
        dst[*len] = '\0';
    }
}

/* --- printing -------------------------------------------------------------------------- */

/* Width on a terminal: UTF-8 continuation bytes take no column. */
static int display_width(const char *s)
{
    int w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        w += (*p & 0xC0) != 0x80;
    return w;
}

static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
}

#define CELL 640

static void print_table(FILE *out, const report *r)
{
    int cols[N_SHOWN], nc = 0;
    for (int c = 0; c < N_SHOWN; c++)
        if (shown_here(r, c))
            cols[nc++] = c;
    size_t n = r->n_groups;
    char *cells = calloc((n ? n : 1) * (size_t)nc, CELL);
    if (!cells) {
        fprintf(stderr, "nnrun: error: out of memory printing the report\n");
        return;
    }
    char common[2048] = "";
    if (n)
        cut_common(r, common, sizeof common, r->t.rows[r->groups[0].members[0]].overrides,
                   NULL, 0);
    int width[N_SHOWN];
    bool right[N_SHOWN];
    for (int j = 0; j < nc; j++) {
        width[j] = display_width(shown_cols[cols[j]].header);
        right[j] = !is_text(cols[j]);
    }
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < nc; j++) {
            char *dst = cells + (i * (size_t)nc + (size_t)j) * CELL;
            const nn_results_group *g = &r->groups[i];
            if (strcmp(shown_cols[cols[j]].header, "overrides") == 0) {
                cut_common(r, NULL, 0, r->t.rows[g->members[0]].overrides, dst, CELL);
                if (!dst[0])
                    snprintf(dst, CELL, "-");
            } else {
                cell(r, g, cols[j], dst, CELL);
            }
            int w = display_width(dst);
            if (w > width[j])
                width[j] = w;
        }
    }
    if (common[0])
        fprintf(out, r->fmt == FMT_MD ? "Overrides of every line: `%s`\n\n"
                                      : "overrides of every line: %s\n",
                common);
    for (int row = -1; row < (int)n; row++) {
        for (int j = 0; j < nc; j++) {
            const char *s = row < 0 ? shown_cols[cols[j]].header
                                    : cells + ((size_t)row * (size_t)nc + (size_t)j) * CELL;
            if (r->fmt == FMT_MD) {
                fputs(j ? " | " : "| ", out);
                md_cell(out, s);
                continue;
            }
            int pad = width[j] - display_width(s);
            if (j)
                fputs("  ", out);
            if (right[j] && row >= 0)
                fprintf(out, "%*s%s", pad, "", s);
            else if (j < nc - 1)
                fprintf(out, "%s%*s", s, pad, "");
            else
                fputs(s, out);
        }
        fputs(r->fmt == FMT_MD ? " |\n" : "\n", out);
        if (row < 0 && r->fmt == FMT_MD) {
            for (int j = 0; j < nc; j++)
                fputs(right[j] ? "|---:" : "|---", out);
            fputs("|\n", out);
        }
    }
    free(cells);
    size_t runs = 0;
    for (size_t i = 0; i < n; i++)
        runs += r->groups[i].n;
    if (r->fmt == FMT_MD)
        fputc('\n', out);
    if (r->runs)
        fprintf(out, "%zu run%s\n", runs, runs == 1 ? "" : "s");
    else
        fprintf(out, "%zu run%s in %zu experiment%s; repeats as mean ± std (sample, n - 1) over "
                     "their seeds\n",
                runs, runs == 1 ? "" : "s", n, n == 1 ? "" : "s");
}

static void print_csv(FILE *out, const report *r)
{
    if (r->runs) {
        nn_results_write_header(out);
        for (size_t i = 0; i < r->n_groups; i++)
            nn_results_write_row(out, &r->t.rows[r->groups[i].members[0]]);
        return;
    }
    fputs("config,overrides,runs,seeds", out);
    for (int c = 0; c < nn_results_n_columns; c++)
        if (nn_results_columns[c].kind != NN_RESULTS_TEXT &&
            strcmp(nn_results_columns[c].name, "seed") != 0)
            fprintf(out, ",%s_mean,%s_std", nn_results_columns[c].name,
                    nn_results_columns[c].name);
    fputs(",stop_reason\n", out);
    for (size_t i = 0; i < r->n_groups; i++) {
        const nn_results_group *g = &r->groups[i];
        const nn_results_row *first = &r->t.rows[g->members[0]];
        char buf[2048];
        nn_results_write_field(out, first->config);
        fputc(',', out);
        nn_results_write_field(out, first->overrides);
        fprintf(out, ",%zu,", g->n);
        distinct(r, g, nn_results_column_find("seed"), buf, sizeof buf);
        nn_results_write_field(out, buf);
        for (int c = 0; c < nn_results_n_columns; c++) {
            if (nn_results_columns[c].kind == NN_RESULTS_TEXT ||
                strcmp(nn_results_columns[c].name, "seed") == 0)
                continue;
            double mean, std;
            nn_results_group_stats(&r->t, g, c, &mean, &std);
            char m[40], d[40];
            fprintf(out, ",%s,%s", nn_format_repr(mean, m, sizeof m),
                    nn_format_repr(std, d, sizeof d));
        }
        fputc(',', out);
        distinct(r, g, nn_results_column_find("stop_reason"), buf, sizeof buf);
        nn_results_write_field(out, buf);
        fputc('\n', out);
    }
}

/* --- the subcommand -------------------------------------------------------------------- */

static int parse(int argc, char **argv, report *r)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'}, {"sort", required_argument, NULL, 's'},
        {"reverse", no_argument, NULL, 'r'},      {"runs", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":f:s:rah", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                r->fmt = FMT_TEXT;
            else if (strcmp(optarg, "md") == 0 || strcmp(optarg, "markdown") == 0)
                r->fmt = FMT_MD;
            else if (strcmp(optarg, "csv") == 0)
                r->fmt = FMT_CSV;
            else
                return cli_usage_error("report", "--format: expected text, md or csv, got '%s'",
                                       optarg);
            break;
        case 's': r->sort = optarg; break;
        case 'r': r->reverse = true; break;
        case 'a': r->runs = true; break;
        case 'h': fputs(report_help, stdout); return 0;
        case ':': return cli_usage_error("report", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("report", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (r->sort) {
        sort_col = find_sort_column(r->sort);
        if (sort_col < 0) {
            char keys[1024];
            size_t len = 0;
            for (int k = 0; k < N_SHOWN && len < sizeof keys; k++)
                len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s", k ? ", " : "",
                                        shown_cols[k].header);
            return cli_usage_error("report", "--sort: no column '%s' (try one of: %s)", r->sort,
                                   keys);
        }
        if (!shown_here(r, sort_col))
            return cli_usage_error("report", "--sort %s: only with%s --runs", r->sort,
                                   r->runs ? "out" : "");
    }
    return -1;
}

int cmd_report(int argc, char **argv)
{
    static report r;
    memset(&r, 0, sizeof r);
    int code = parse(argc, argv, &r);
    if (code >= 0)
        return code;
    nn_error err;
    nn_error_clear(&err);
    nn_status st = NN_OK;
    char *default_path[] = {"runs"};
    char **paths = optind < argc ? argv + optind : default_path;
    int n_paths = optind < argc ? argc - optind : 1;
    for (int i = 0; !st && i < n_paths; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) != 0)
            return cli_usage_error("report", "%s: %s%s", paths[i], strerror(errno),
                                   optind < argc ? "" : " (no runs here yet?)");
        int found = 0;
        if (S_ISDIR(sb.st_mode)) {
            char dir[4096];
            nn_strlcpy(dir, paths[i], sizeof dir);
            for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/';)
                dir[--n] = '\0';
            st = read_tree(&r, dir, 0, &found, &err);
            if (!st && found == 0)
                return cli_usage_error("report", "no results.csv under %s", paths[i]);
        } else {
            st = read_table(&r, paths[i], &err);
        }
    }
    if (!st && r.runs) {
        r.n_groups = r.t.n;
        r.groups = calloc(r.t.n ? r.t.n : 1, sizeof *r.groups);
        r.run_index = malloc((r.t.n ? r.t.n : 1) * sizeof *r.run_index);
        if (!r.groups || !r.run_index)
            st = nn_fail(&err, NN_E_NOMEM, "out of memory");
        for (size_t i = 0; !st && i < r.t.n; i++) {
            r.run_index[i] = i;
            r.groups[i].members = &r.run_index[i];
            r.groups[i].n = 1;
        }
    } else if (!st) {
        st = nn_results_group_rows(&r.t, &r.groups, &r.n_groups, &err);
    }
    if (!st) {
        if (r.sort && r.n_groups > 1) {
            sorting = &r;
            qsort(r.groups, r.n_groups, sizeof *r.groups, by_sort_key);
        } else if (r.reverse) {
            for (size_t i = 0; i < r.n_groups / 2; i++) {
                nn_results_group tmp = r.groups[i];
                r.groups[i] = r.groups[r.n_groups - 1 - i];
                r.groups[r.n_groups - 1 - i] = tmp;
            }
        }
        if (r.fmt == FMT_CSV)
            print_csv(stdout, &r);
        else
            print_table(stdout, &r);
    }
    /* the groups' member lists: one block from nn_results_group_rows, or run_index */
    if (r.runs) {
        free(r.groups);
        free(r.run_index);
    } else {
        nn_results_groups_free(r.groups, r.n_groups);
    }
    nn_results_table_free(&r.t);
    if (st)
        return cli_fail(&err);
    if (fflush(stdout) != 0)
        return 1;
    return 0;
}
