/* json.c — streaming JSON output with escaping; numbers in Python-repr form. */
#include "io/json.h"

#include <math.h>

#include "io/format.h"

void nn_json_init(nn_json *j, FILE *out, bool pretty)
{
    j->out = out;
    j->pretty = pretty;
    j->depth = 0;
    j->first[0] = true;
}

static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void begin_value(nn_json *j, const char *key)
{
    if (j->depth > 0) {
        if (!j->first[j->depth])
            fputc(',', j->out);
        if (j->pretty) {
            fputc('\n', j->out);
            for (int i = 0; i < j->depth; i++)
                fputs("  ", j->out);
        }
        j->first[j->depth] = false;
    }
    if (key) {
        put_string(j->out, key);
        fputs(j->pretty ? ": " : ":", j->out);
    }
}

static void open_container(nn_json *j, const char *key, char c)
{
    begin_value(j, key);
    fputc(c, j->out);
    if (j->depth + 1 < NN_JSON_DEPTH)
        j->depth++;
    j->first[j->depth] = true;
    j->close[j->depth] = c == '{' ? '}' : ']';
}

void nn_json_object(nn_json *j, const char *key) { open_container(j, key, '{'); }
void nn_json_array(nn_json *j, const char *key) { open_container(j, key, '['); }

void nn_json_end(nn_json *j)
{
    if (j->depth == 0)
        return;
    bool empty = j->first[j->depth];
    char close = j->close[j->depth];
    j->depth--;
    if (j->pretty && !empty) {
        fputc('\n', j->out);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->out);
    }
    fputc(close, j->out);
    if (j->depth == 0 && j->pretty)
        fputc('\n', j->out);
}

void nn_json_string(nn_json *j, const char *key, const char *value)
{
    begin_value(j, key);
    if (value)
        put_string(j->out, value);
    else
        fputs("null", j->out);
}

void nn_json_number(nn_json *j, const char *key, double value)
{
    begin_value(j, key);
    char buf[40];
    if (isfinite(value))
        fputs(nn_format_repr(value, buf, sizeof buf), j->out);
    else
        fputs("null", j->out);
}

void nn_json_int(nn_json *j, const char *key, long long value)
{
    begin_value(j, key);
    fprintf(j->out, "%lld", value);
}

void nn_json_bool(nn_json *j, const char *key, bool value)
{
    begin_value(j, key);
    fputs(value ? "true" : "false", j->out);
}

void nn_json_null(nn_json *j, const char *key)
{
    begin_value(j, key);
    fputs("null", j->out);
}
