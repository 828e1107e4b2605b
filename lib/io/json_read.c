/* json_read.c — strict recursive-descent JSON reader (see json_read.h).
 *
 * The parser walks the text once. Arrays and objects grow their item arrays by doubling;
 * on any error everything allocated so far is released and the error names the byte
 * offset, so a corrupted safetensors header says where it went wrong.
 */
#include "io/json_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const unsigned char *s;
    size_t len, pos;
    const char *what;
    nn_error *err;
} parser;

static nn_status fail(parser *p, size_t at, const char *msg)
{
    return nn_fail(p->err, NN_E_DATA, "%s: at byte %zu: %s", p->what, at, msg);
}

static void skip_ws(parser *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                               p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool literal(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return false;
    p->pos += n;
    return true;
}

static bool digit(parser *p)
{
    return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static nn_status parse_number(parser *p, nn_jv *v)
{
    size_t start = p->pos;
    bool negative = false, plain = true;
    if (p->s[p->pos] == '-') {
        negative = true;
        p->pos++;
    }
    if (!digit(p))
        return fail(p, p->pos, "expected a digit");
    uint64_t u = 0;
    bool fits = true;
    if (p->s[p->pos] == '0') {
        p->pos++;
        if (digit(p))
            return fail(p, p->pos - 1, "a number may not have a leading zero");
    } else {
        while (digit(p)) {
            unsigned d = (unsigned)(p->s[p->pos++] - '0');
            if (u > (UINT64_MAX - d) / 10)
                fits = false;
            else
                u = u * 10 + d;
        }
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        plain = false;
        p->pos++;
        if (!digit(p))
            return fail(p, p->pos, "expected a digit after the decimal point");
        while (digit(p))
            p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        plain = false;
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
            p->pos++;
        if (!digit(p))
            return fail(p, p->pos, "expected a digit in the exponent");
        while (digit(p))
            p->pos++;
    }
    char buf[64];
    size_t n = p->pos - start;
    if (n >= sizeof buf)
        n = sizeof buf - 1; /* only the value's magnitude matters past this many digits */
    memcpy(buf, p->s + start, n);
    buf[n] = '\0';
    v->kind = NN_JV_NUMBER;
    v->number = strtod(buf, NULL);
    v->is_uint = plain && !negative && fits;
    v->uint = v->is_uint ? u : 0;
    return NN_OK;
}

static int hex4(const unsigned char *h)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = h[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned cp, min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        k = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        k = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        k = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return k;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at p->pos (which holds the opening quote) into a fresh NUL-terminated buffer.
 * The decoded text is never longer than the source text. */
static nn_status parse_string(parser *p, char **out)
{
    size_t open = p->pos++;
    size_t end = p->pos;
    while (end < p->len && p->s[end] != '"') /* find the closing quote to size the buffer */
        end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len)
        return fail(p, open, "unterminated string");
    char *buf = malloc(end - p->pos + 1), *o = buf;
    if (!buf)
        return nn_fail(p->err, NN_E_NOMEM, "out of memory reading %s", p->what);
    while (p->s[p->pos] != '"') {
        unsigned char c = p->s[p->pos];
        if (c < 0x20) {
            free(buf);
            return fail(p, p->pos, "control character in a string (it must be escaped)");
        }
        if (c != '\\') {
            size_t k = utf8_len(p->s + p->pos, p->len - p->pos);
            if (!k) {
                free(buf);
                return fail(p, p->pos, "invalid UTF-8 in a string");
            }
            memcpy(o, p->s + p->pos, k);
            o += k;
            p->pos += k;
            continue;
        }
        size_t esc = p->pos++;
        c = p->s[p->pos++];
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            int cp = p->len - p->pos >= 4 ? hex4(p->s + p->pos) : -1;
            if (cp < 0) {
                free(buf);
                return fail(p, esc, "\\u needs four hex digits");
            }
            p->pos += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                free(buf);
                return fail(p, esc, "unpaired low surrogate in \\u escape");
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = p->len - p->pos >= 6 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u'
                             ? hex4(p->s + p->pos + 2)
                             : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    free(buf);
                    return fail(p, esc, "unpaired high surrogate in \\u escape");
                }
                p->pos += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) {
                free(buf);
                return fail(p, esc, "\\u0000 is not allowed in a string here");
            }
            o += put_utf8(o, (unsigned)cp);
            break;
        }
        default:
            free(buf);
            return fail(p, esc, "unknown escape in a string");
        }
    }
    p->pos++; /* closing quote */
    *o = '\0';
    *out = buf;
    return NN_OK;
}

static void free_value(nn_jv *v)
{
    free(v->str);
    for (size_t i = 0; i < v->n; i++) {
        free_value(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

static nn_status parse_value(parser *p, nn_jv *v, int depth);

/* Appends a zeroed slot to v->items (and v->keys for objects). */
static nn_status grow(parser *p, nn_jv *v, size_t *cap)
{
    if (v->n < *cap)
        return NN_OK;
    size_t ncap = *cap ? *cap * 2 : 4;
    nn_jv *items = realloc(v->items, ncap * sizeof *items);
    if (items)
        v->items = items;
    char **keys = NULL;
    if (items && v->kind == NN_JV_OBJECT) {
        keys = realloc(v->keys, ncap * sizeof *keys);
        if (keys)
            v->keys = keys;
    }
    if (!items || (v->kind == NN_JV_OBJECT && !keys))
        return nn_fail(p->err, NN_E_NOMEM, "out of memory reading %s", p->what);
    *cap = ncap;
    return NN_OK;
}

static nn_status parse_container(parser *p, nn_jv *v, int depth)
{
    bool object = p->s[p->pos] == '{';
    char close = object ? '}' : ']';
    v->kind = object ? NN_JV_OBJECT : NN_JV_ARRAY;
    if (depth >= NN_JV_MAX_DEPTH)
        return fail(p, p->pos, "nested too deeply");
    p->pos++;
    size_t cap = 0;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        return NN_OK;
    }
    for (;;) {
        nn_status st = grow(p, v, &cap);
        if (st)
            return st;
        nn_jv *item = &v->items[v->n];
        memset(item, 0, sizeof *item);
        if (object) {
            v->keys[v->n] = NULL;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return fail(p, p->pos, "expected a string key");
            size_t key_at = p->pos;
            char *key;
            if ((st = parse_string(p, &key)))
                return st;
            for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->keys[i], key) == 0) {
                    free(key);
                    return fail(p, key_at, "duplicate key in an object");
                }
            v->keys[v->n] = key;
            v->n++; /* counted now so that an error below frees the key */
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':')
                return fail(p, p->pos, "expected ':' after a key");
            p->pos++;
            if ((st = parse_value(p, item, depth + 1)))
                return st;
        } else {
            v->n++;
            if ((st = parse_value(p, item, depth + 1)))
                return st;
        }
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == close) {
            p->pos++;
            return NN_OK;
        }
        return fail(p, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static nn_status parse_value(parser *p, nn_jv *v, int depth)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, p->pos, "unexpected end of text");
    v->offset = p->pos;
    unsigned char c = p->s[p->pos];
    if (c == '{' || c == '[')
        return parse_container(p, v, depth);
    if (c == '"') {
        v->kind = NN_JV_STRING;
        return parse_string(p, &v->str);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p, v);
    if (literal(p, "true")) {
        v->kind = NN_JV_BOOL;
        v->boolean = true;
        return NN_OK;
    }
    if (literal(p, "false")) {
        v->kind = NN_JV_BOOL;
        return NN_OK;
    }
    if (literal(p, "null")) {
        v->kind = NN_JV_NULL;
        return NN_OK;
    }
    return fail(p, p->pos, "expected a value");
}

nn_status nn_jv_parse(const char *text, size_t len, const char *what, nn_jv **out,
                      nn_error *err)
{
    parser p = {(const unsigned char *)text, len, 0, what ? what : "JSON", err};
    nn_jv *v = calloc(1, sizeof *v);
    if (!v)
        return nn_fail(err, NN_E_NOMEM, "out of memory reading %s", p.what);
    nn_status st = parse_value(&p, v, 0);
    if (!st) {
        skip_ws(&p);
        if (p.pos != len)
            st = fail(&p, p.pos, "unexpected text after the value");
    }
    if (st) {
        nn_jv_free(v);
        return st;
    }
    *out = v;
    return NN_OK;
}

void nn_jv_free(nn_jv *v)
{
    if (!v)
        return;
    free_value(v);
    free(v);
}

const nn_jv *nn_jv_get(const nn_jv *v, const char *key)
{
    if (!v || v->kind != NN_JV_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return &v->items[i];
    return NULL;
}

const char *nn_jv_kind_name(nn_jv_kind kind)
{
    switch (kind) {
    case NN_JV_NULL: return "null";
    case NN_JV_BOOL: return "a boolean";
    case NN_JV_NUMBER: return "a number";
    case NN_JV_STRING: return "a string";
    case NN_JV_ARRAY: return "an array";
    case NN_JV_OBJECT: return "an object";
    }
    return "a value";
}
