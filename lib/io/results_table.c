/* results_table.c — appending rows to results.csv under a lock, reading it back. */
#include "io/results_table.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "io/format.h"

#define COL(name, kind, field)                                                                \
    {                                                                                         \
        name, kind, offsetof(nn_results_row, field), sizeof(((nn_results_row *)0)->field)     \
    }

const nn_results_column nn_results_columns[] = {
    COL("run_id", NN_RESULTS_TEXT, run_id),
    COL("config", NN_RESULTS_TEXT, config),
    COL("overrides", NN_RESULTS_TEXT, overrides),
    COL("seed", NN_RESULTS_INT, seed),
    COL("params", NN_RESULTS_INT, params),
    COL("epochs_run", NN_RESULTS_INT, epochs_run),
    COL("best_epoch", NN_RESULTS_INT, best_epoch),
    COL("best_val_loss", NN_RESULTS_REAL, best_val_loss),
    COL("best_val_accuracy", NN_RESULTS_REAL, best_val_accuracy),
    COL("final_val_loss", NN_RESULTS_REAL, final_val_loss),
    COL("final_val_accuracy", NN_RESULTS_REAL, final_val_accuracy),
    COL("test_loss", NN_RESULTS_REAL, test_loss),
    COL("test_accuracy", NN_RESULTS_REAL, test_accuracy),
    COL("seconds_per_epoch", NN_RESULTS_REAL, seconds_per_epoch),
    COL("stop_reason", NN_RESULTS_TEXT, stop_reason),
    COL("finished", NN_RESULTS_TEXT, finished),
};
const int nn_results_n_columns = (int)(sizeof nn_results_columns / sizeof nn_results_columns[0]);

int nn_results_column_find(const char *name)
{
    for (int c = 0; c < nn_results_n_columns; c++)
        if (strcmp(nn_results_columns[c].name, name) == 0)
            return c;
    return -1;
}

double nn_results_number(const nn_results_row *row, int column)
{
    const nn_results_column *c = &nn_results_columns[column];
    const char *p = (const char *)row + c->offset;
    if (c->kind == NN_RESULTS_INT)
        return (double)*(const long long *)(const void *)p;
    if (c->kind == NN_RESULTS_REAL)
        return *(const double *)(const void *)p;
    return NAN;
}

const char *nn_results_text(const nn_results_row *row, int column)
{
    const nn_results_column *c = &nn_results_columns[column];
    return c->kind == NN_RESULTS_TEXT ? (const char *)row + c->offset : NULL;
}

/* --- making a row --------------------------------------------------------------------- */

void nn_results_row_init(nn_results_row *row)
{
    memset(row, 0, sizeof *row);
    row->best_epoch = -1;
    row->best_val_loss = row->best_val_accuracy = NAN;
    row->final_val_loss = row->final_val_accuracy = NAN;
    row->test_loss = row->test_accuracy = NAN;
    row->seconds_per_epoch = NAN;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(row->finished, sizeof row->finished, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* dir without its trailing slashes, and the length of its parent ("" -> no parent). */
static size_t parent_length(const char *dir, size_t len)
{
    while (len > 1 && dir[len - 1] == '/')
        len--;
    while (len > 0 && dir[len - 1] != '/')
        len--;
    while (len > 1 && dir[len - 1] == '/')
        len--;
    return len;
}

void nn_results_table_path(const char *out_dir, const char *runs_root, char *buf, size_t size)
{
    if (!out_dir) {
        snprintf(buf, size, "%s/results.csv", runs_root ? runs_root : "runs");
        return;
    }
    size_t len = parent_length(out_dir, strlen(out_dir));
    if (len == 0)
        snprintf(buf, size, "results.csv");
    else if (len == 1 && out_dir[0] == '/')
        snprintf(buf, size, "/results.csv");
    else
        snprintf(buf, size, "%.*s/results.csv", (int)len, out_dir);
}

void nn_results_row_set_run(nn_results_row *row, const char *table_path, const char *run_dir)
{
    size_t dir_len = parent_length(table_path, strlen(table_path));
    const char *rel = run_dir;
    if (dir_len == 0) {
        while (strncmp(rel, "./", 2) == 0)
            rel += 2;
    } else if (strncmp(run_dir, table_path, dir_len) == 0 && run_dir[dir_len] == '/') {
        rel = run_dir + dir_len;
        while (*rel == '/')
            rel++;
    }
    nn_strlcpy(row->run_id, *rel ? rel : run_dir, sizeof row->run_id);
    size_t n = strlen(row->run_id);
    while (n > 1 && row->run_id[n - 1] == '/')
        row->run_id[--n] = '\0';
}

/* Appends s to buf[*len] (truncating at size). */
static void put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= size)
        return;
    if (n > size - 1 - *len)
        n = size - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

void nn_results_row_set_overrides(nn_results_row *row, const char *const *overrides, int n)
{
    nn_results_join_overrides(row->overrides, sizeof row->overrides, overrides, n);
}

void nn_results_join_overrides(char *buf, size_t size, const char *const *overrides, int n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *a = overrides[i];
        size_t key_len = strcspn(a, "=");
        /* "seed=3" and " seed =3" alike: the key with its blanks trimmed */
        const char *k = a;
        while (*k == ' ' && k < a + key_len)
            k++;
        size_t kl = (size_t)(a + key_len - k);
        while (kl > 0 && k[kl - 1] == ' ')
            kl--;
        if (kl == 4 && strncmp(k, "seed", 4) == 0)
            continue;
        if (len)
            put(buf, size, &len, " ", 1);
        if (strpbrk(a, " \t'\"\\$`") == NULL) {
            put(buf, size, &len, a, strlen(a));
            continue;
        }
        put(buf, size, &len, "'", 1);
        for (const char *p = a; *p; p++) {
            if (*p == '\'')
                put(buf, size, &len, "'\\''", 4);
            else
                put(buf, size, &len, p, 1);
        }
        put(buf, size, &len, "'", 1);
    }
}

/* --- writing -------------------------------------------------------------------------- */

/* A growable line buffer. */
typedef struct line {
    char *s;
    size_t n, cap;
    bool failed;
} line;

static void line_add(line *l, const char *s, size_t n)
{
    if (l->failed)
        return;
    if (l->n + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 1024;
        while (cap < l->n + n + 1)
            cap *= 2;
        char *p = realloc(l->s, cap);
        if (!p) {
            l->failed = true;
            return;
        }
        l->s = p;
        l->cap = cap;
    }
    memcpy(l->s + l->n, s, n);
    l->n += n;
    l->s[l->n] = '\0';
}

static void line_str(line *l, const char *s)
{
    line_add(l, s, strlen(s));
}

/* A CSV field: quoted when it holds a separator, quote or line break, or edge blanks. */
static void line_field(line *l, const char *s)
{
    size_t n = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        line_add(l, s, n);
        return;
    }
    line_add(l, "\"", 1);
    for (const char *p = s; *p; p++) /* a quote inside is doubled */
        line_add(l, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    line_add(l, "\"", 1);
}

static void header_line(line *l)
{
    for (int c = 0; c < nn_results_n_columns; c++) {
        if (c)
            line_add(l, ",", 1);
        line_str(l, nn_results_columns[c].name);
    }
    line_add(l, "\n", 1);
}

static void row_line(line *l, const nn_results_row *row)
{
    for (int c = 0; c < nn_results_n_columns; c++) {
        if (c)
            line_add(l, ",", 1);
        char buf[64];
        switch (nn_results_columns[c].kind) {
        case NN_RESULTS_TEXT: line_field(l, nn_results_text(row, c)); break;
        case NN_RESULTS_INT:
            snprintf(buf, sizeof buf, "%.0f", nn_results_number(row, c));
            line_str(l, buf);
            break;
        case NN_RESULTS_REAL: line_str(l, nn_format_repr(nn_results_number(row, c), buf, sizeof buf)); break;
        }
    }
    line_add(l, "\n", 1);
}

static void put_line(FILE *out, line *l)
{
    if (!l->failed)
        fputs(l->s, out);
    free(l->s);
}

void nn_results_write_header(FILE *out)
{
    line l = {0};
    header_line(&l);
    put_line(out, &l);
}

void nn_results_write_row(FILE *out, const nn_results_row *row)
{
    line l = {0};
    row_line(&l, row);
    put_line(out, &l);
}

void nn_results_write_field(FILE *out, const char *text)
{
    line l = {0};
    line_field(&l, text);
    put_line(out, &l);
}

static nn_status write_all(int fd, const char *s, size_t n, const char *path, nn_error *err)
{
    /* one write(2) for the whole line: with O_APPEND it lands at the end in one piece;
     * a short write (disk full) is finished, still under the lock */
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return nn_fail(err, NN_E_IO, "cannot write %s: %s", path,
                           w < 0 ? strerror(errno) : "no space written");
        s += w;
        n -= (size_t)w;
    }
    return NN_OK;
}

/* Under the lock: a non-empty table must start with this version's header. fd is a
 * read descriptor (the append descriptor is write-only). */
static nn_status check_header(int fd, const char *path, const line *header, nn_error *err)
{
    char buf[1024];
    ssize_t got;
    do
        got = pread(fd, buf, sizeof buf, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return nn_fail(err, NN_E_IO, "cannot read %s: %s", path, strerror(errno));
    if ((size_t)got < header->n || memcmp(buf, header->s, header->n) != 0)
        return nn_fail(err, NN_E_IO,
                       "%s has other columns than this nnrun writes (an older version's "
                       "table?); move it away and the next run starts a new one", path);
    return NN_OK;
}

nn_status nn_results_table_append(const char *path, const nn_results_row *row, nn_error *err)
{
    line header = {0}, text = {0};
    header_line(&header);
    row_line(&text, row);
    nn_status st = NN_OK;
    if (header.failed || text.failed) {
        st = nn_fail(err, NN_E_NOMEM, "out of memory writing %s", path);
        goto done;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) {
        st = nn_fail(err, NN_E_IO, "cannot open %s: %s", path, strerror(errno));
        goto done;
    }
    int rc;
    do
        rc = flock(fd, LOCK_EX);
    while (rc != 0 && errno == EINTR);
    if (rc != 0)
        st = nn_fail(err, NN_E_IO, "cannot lock %s: %s", path, strerror(errno));
    struct stat sb;
    if (!st && fstat(fd, &sb) != 0)
        st = nn_fail(err, NN_E_IO, "cannot stat %s: %s", path, strerror(errno));
    if (!st && sb.st_size == 0) { /* a new table: its header first */
        st = write_all(fd, header.s, header.n, path, err);
    } else if (!st) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        if (rfd < 0)
            st = nn_fail(err, NN_E_IO, "cannot read %s: %s", path, strerror(errno));
        else {
            st = check_header(rfd, path, &header, err);
            close(rfd);
        }
    }
    if (!st)
        st = write_all(fd, text.s, text.n, path, err);
    if (!st && fsync(fd) != 0)
        st = nn_fail(err, NN_E_IO, "cannot sync %s: %s", path, strerror(errno));
    flock(fd, LOCK_UN);
    if (close(fd) != 0 && !st)
        st = nn_fail(err, NN_E_IO, "cannot close %s: %s", path, strerror(errno));
done:
    free(header.s);
    free(text.s);
    return st;
}

/* --- reading -------------------------------------------------------------------------- */

#define MAX_FIELDS 64

/* Splits one CSV record starting at *p into fields (NUL-terminated in place, quotes
 * removed); advances *p past the record's line end. Returns the number of fields, or -1
 * for an unterminated quote. *lines counts the line breaks consumed. */
static int split_record(char **p, char **fields, int max, int *lines)
{
    char *s = *p, *w = s;
    int n = 0;
    fields[n++] = w;
    for (;;) {
        if (*s == '"' && w == fields[n - 1]) { /* a quoted field */
            s++;
            for (;;) {
                if (*s == '\0')
                    return -1;
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    if (*s == '\n')
                        (*lines)++;
                    *w++ = *s++;
                }
            }
        }
        if (*s == ',') {
            *w++ = '\0';
            s++;
            if (n == max)
                return max + 1;
            fields[n++] = w;
        } else if (*s == '\r' && s[1] == '\n') {
            *w = '\0';
            *p = s + 2;
            (*lines)++;
            return n;
        } else if (*s == '\n') {
            *w = '\0';
            *p = s + 1;
            (*lines)++;
            return n;
        } else if (*s == '\0') {
            *w = '\0';
            *p = s;
            return n;
        } else {
            *w++ = *s++;
        }
    }
}

static nn_status grow(nn_results_table *t, nn_error *err)
{
    if (t->n < t->cap)
        return NN_OK;
    size_t cap = t->cap ? 2 * t->cap : 16;
    nn_results_row *rows = realloc(t->rows, cap * sizeof *rows);
    if (!rows)
        return nn_fail(err, NN_E_NOMEM, "out of memory reading a results table");
    t->rows = rows;
    t->cap = cap;
    return NN_OK;
}

static nn_status parse_field(nn_results_row *row, int c, const char *s, const char *path,
                             int line_no, nn_error *err)
{
    const nn_results_column *col = &nn_results_columns[c];
    char *dst = (char *)row + col->offset;
    if (col->kind == NN_RESULTS_TEXT) {
        nn_strlcpy(dst, s, col->size);
        return NN_OK;
    }
    char *end;
    errno = 0;
    if (col->kind == NN_RESULTS_INT) {
        long long v = strtoll(s, &end, 10);
        if (*s == '\0' || *end != '\0' || errno)
            return nn_fail_at(err, NN_E_DATA, path, line_no, 0,
                              "%s: expected an integer, got '%s'", col->name, s);
        memcpy(dst, &v, sizeof v);
        return NN_OK;
    }
    double v = *s ? strtod(s, &end) : NAN;
    if (*s && *end != '\0')
        return nn_fail_at(err, NN_E_DATA, path, line_no, 0, "%s: expected a number, got '%s'",
                          col->name, s);
    memcpy(dst, &v, sizeof v);
    return NN_OK;
}

nn_status nn_results_table_read(const char *path, nn_results_table *t, nn_error *err)
{
    char *text;
    size_t len;
    nn_status st = nn_read_file(path, &text, &len, err);
    if (st)
        return st;
    if (memchr(text, '\0', len)) {
        free(text);
        return nn_fail_at(err, NN_E_DATA, path, 0, 0, "not a results table (binary data)");
    }
    char *p = text, *fields[MAX_FIELDS + 1];
    int line_no = 1, lines = 0;
    int n_head = split_record(&p, fields, MAX_FIELDS, &lines);
    int map[MAX_FIELDS]; /* header position -> column, or -1 */
    bool has_run = false, has_config = false;
    for (int i = 0; i < n_head && i < MAX_FIELDS; i++) {
        map[i] = nn_results_column_find(fields[i]);
        has_run |= strcmp(fields[i], "run_id") == 0;
        has_config |= strcmp(fields[i], "config") == 0;
    }
    if (n_head < 0 || n_head > MAX_FIELDS || !has_run || !has_config) {
        free(text);
        return nn_fail_at(err, NN_E_DATA, path, 1, 0,
                          "not a results table (the header lacks run_id and config)");
    }
    line_no += lines;
    while (*p) {
        int start = line_no;
        lines = 0;
        int n = split_record(&p, fields, MAX_FIELDS, &lines);
        line_no += lines;
        if (n == 1 && fields[0][0] == '\0')
            continue; /* a blank line */
        if (n != n_head) {
            st = n < 0 ? nn_fail_at(err, NN_E_DATA, path, start, 0, "a quote is not closed")
                       : nn_fail_at(err, NN_E_DATA, path, start, 0,
                                    "%d fields where the header has %d", n, n_head);
            break;
        }
        if ((st = grow(t, err)))
            break;
        nn_results_row *row = &t->rows[t->n];
        nn_results_row_init(row);
        row->finished[0] = '\0';
        for (int i = 0; !st && i < n; i++)
            if (map[i] >= 0)
                st = parse_field(row, map[i], fields[i], path, start, err);
        if (st)
            break;
        t->n++;
    }
    free(text);
    return st;
}

void nn_results_table_free(nn_results_table *t)
{
    free(t->rows);
    memset(t, 0, sizeof *t);
}

bool nn_results_table_has_run(const char *path, const char *run_id)
{
    nn_results_table t = {0};
    nn_error err;
    bool found = false;
    if (nn_results_table_read(path, &t, &err) == NN_OK)
        for (size_t i = 0; i < t.n && !found; i++)
            found = strcmp(t.rows[i].run_id, run_id) == 0;
    nn_results_table_free(&t);
    return found;
}
