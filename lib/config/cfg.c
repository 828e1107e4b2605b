/* cfg.c — the document: its memory, the libyaml loader, and the small node helpers.
 *
 * A document owns an arena (a list of blocks) that holds every node and string, so
 * nn_cfg_free is one walk over the blocks. The loader drives libyaml's event parser (not
 * its document loader) because events keep what we need and the document API loses: the
 * scalar style (a quoted "128" is a string), the position of every node, and anchors,
 * aliases and tags, which we reject rather than resolve. libyaml's own error texts are
 * phrased for YAML implementers; they are rewritten here into what a config author needs
 * ("tab character used for indentation; use spaces").
 *
 * Schema reading lives in cfg_read.c, overrides in cfg_set.c, the writer in cfg_emit.c.
 */
#include "config/cfg.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/cfg_internal.h"
#include "core/util.h"

/* --- arena ------------------------------------------------------------------------- */

enum { ARENA_BLOCK = 8192, ARENA_ALIGN = _Alignof(max_align_t) };

typedef struct arena_block {
    struct arena_block *next;
    size_t used, size;
    max_align_t data[]; /* size bytes */
} arena_block;

struct nn_cfg_doc {
    arena_block *blocks; /* the head is the one being filled */
    nn_cfg *root;
    const char *file;    /* in the arena */
};

void *nn_cfg__alloc(nn_cfg_doc *doc, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (size == 0)
        size = ARENA_ALIGN;
    arena_block *b = doc->blocks;
    if (!b || b->size - b->used < size) {
        /* A large request gets a block of its own, linked behind the head so the head's
         * free space is not abandoned. */
        bool own = size > ARENA_BLOCK / 4;
        size_t cap = own ? size : ARENA_BLOCK;
        arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->size = cap;
        if (own && b) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            doc->blocks = nb;
        }
        b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *nn_cfg__strndup(nn_cfg_doc *doc, const char *s, size_t n)
{
    char *p = nn_cfg__alloc(doc, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *nn_cfg__strdup(nn_cfg_doc *doc, const char *s)
{
    return nn_cfg__strndup(doc, s, strlen(s));
}

static nn_cfg_doc *doc_new(const char *file)
{
    nn_cfg_doc *doc = calloc(1, sizeof *doc);
    if (!doc)
        return NULL;
    doc->file = nn_cfg__strdup(doc, file);
    if (!doc->file) {
        nn_cfg_free(doc);
        return NULL;
    }
    return doc;
}

void nn_cfg_free(nn_cfg_doc *doc)
{
    if (!doc)
        return;
    for (arena_block *b = doc->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(doc);
}

nn_cfg *nn_cfg_root(const nn_cfg_doc *doc)
{
    return doc ? doc->root : NULL;
}

const char *nn_cfg_doc_file(const nn_cfg_doc *doc)
{
    return doc ? doc->file : NULL;
}

/* --- nodes ------------------------------------------------------------------------- */

nn_cfg *nn_cfg__new(nn_cfg_doc *doc, nn_cfg_kind kind, nn_mark mark)
{
    nn_cfg *node = nn_cfg__alloc(doc, sizeof *node);
    if (node) {
        node->kind = kind;
        node->mark = mark;
        node->doc = doc;
    }
    return node;
}

nn_cfg *nn_cfg__scalar(nn_cfg_doc *doc, const char *text, bool quoted, nn_mark mark)
{
    nn_cfg *node = nn_cfg__new(doc, NN_CFG_SCALAR, mark);
    if (!node)
        return NULL;
    node->text = nn_cfg__strdup(doc, text);
    if (!node->text)
        return NULL;
    node->quoted = quoted;
    return node;
}

/* The capacity of a collection's arrays is implied by its length: 0 for none, else the
 * smallest power of two >= max(n, 4). The node struct then needs no capacity field, and
 * appending n items costs O(n) copying in all. */
static size_t capacity(size_t n)
{
    if (n == 0)
        return 0;
    size_t c = 4;
    while (c < n)
        c *= 2;
    return c;
}

bool nn_cfg__append(nn_cfg *coll, nn_cfg *key, nn_cfg *item)
{
    size_t n = coll->n;
    if (n == capacity(n)) {
        size_t cap = capacity(n + 1);
        if (cap > SIZE_MAX / sizeof(nn_cfg *))
            return false;
        nn_cfg **items = nn_cfg__alloc(coll->doc, cap * sizeof *items);
        nn_cfg **keys = NULL;
        if (!items)
            return false;
        if (coll->kind == NN_CFG_MAP) {
            keys = nn_cfg__alloc(coll->doc, cap * sizeof *keys);
            if (!keys)
                return false;
            if (n)
                memcpy(keys, coll->keys, n * sizeof *keys);
        }
        if (n)
            memcpy(items, coll->items, n * sizeof *items);
        coll->items = items;
        coll->keys = keys;
    }
    coll->items[n] = item;
    if (coll->kind == NN_CFG_MAP)
        coll->keys[n] = key;
    coll->n = n + 1;
    return true;
}

long nn_cfg__find(const nn_cfg *map, const char *key)
{
    if (!map || map->kind != NN_CFG_MAP)
        return -1;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->text, key) == 0)
            return (long)i;
    return -1;
}

/* --- libyaml errors ----------------------------------------------------------------- */

/* Where `text` has its 0-based line `line` (libyaml counts \n, \r\n and \r as breaks). */
static const char *line_start(const char *text, size_t len, size_t line)
{
    const char *p = text, *end = text + len;
    while (line > 0 && p < end) {
        if (*p == '\r' && p + 1 < end && p[1] == '\n')
            p++;
        if (*p == '\n' || *p == '\r')
            line--;
        p++;
    }
    return p;
}

/* Advances over `col` UTF-8 characters (libyaml's columns count characters, not bytes). */
static const char *char_at(const char *p, const char *end, size_t col)
{
    while (col > 0 && p < end) {
        p++;
        while (p < end && ((unsigned char)*p & 0xC0) == 0x80)
            p++;
        col--;
    }
    return p;
}

/* 0-based line and column (in characters) of byte `offset`. */
static void offset_to_mark(const char *text, size_t len, size_t offset, size_t *line,
                           size_t *col)
{
    *line = 0;
    *col = 0;
    if (offset > len)
        offset = len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' || (c == '\r' && !(i + 1 < len && text[i + 1] == '\n'))) {
            (*line)++;
            *col = 0;
        } else if ((c & 0xC0) != 0x80 && c != '\r') {
            (*col)++;
        }
    }
}

typedef struct rewrite {
    const char *problem;
    const char *context; /* NULL: any context */
    const char *message;
    int where;           /* see the enum below */
} rewrite;

enum {
    AT_PROBLEM,       /* the problem's position */
    AT_CONTEXT,       /* where the construct began: the quote that was never closed */
    AT_PROBLEM_SINCE  /* the problem's position, and the construct's line in the text */
};

/* libyaml's texts for the mistakes people make in config files, said in their terms. */
static const rewrite REWRITES[] = {
    {"found unexpected end of stream", "while scanning a quoted scalar",
     "unterminated quoted string", AT_CONTEXT},
    {"found unexpected document indicator", "while scanning a quoted scalar",
     "unterminated quoted string", AT_CONTEXT},
    {"did not find expected key", "while parsing a block mapping",
     "expected 'key: value' here; check the indentation (the mapping starts at line %d)",
     AT_PROBLEM_SINCE},
    {"did not find expected '-' indicator", "while parsing a block collection",
     "expected a '- ' list item here; check the indentation (the list starts at line %d)",
     AT_PROBLEM_SINCE},
    {"did not find expected ',' or ']'", NULL,
     "expected ',' or ']' (the list opened with '[' at line %d is not closed)",
     AT_PROBLEM_SINCE},
    {"did not find expected ',' or '}'", NULL,
     "expected ',' or '}' (the mapping opened with '{' at line %d is not closed)",
     AT_PROBLEM_SINCE},
    {"could not find expected ':'", "while scanning a simple key",
     "expected ':' after this key", AT_CONTEXT},
    {"mapping values are not allowed in this context", NULL,
     "unexpected ':' (quote a value that contains ': ', or check the line above for a "
     "key without ':')",
     AT_PROBLEM},
    {"block sequence entries are not allowed in this context", NULL,
     "unexpected '-' list item (a list starts on the line after its key, or is quoted "
     "when it is text)",
     AT_PROBLEM},
    {"found unknown escape character", NULL,
     "unknown escape sequence in a double-quoted string (write \\\\ for a backslash, or "
     "use single quotes)",
     AT_PROBLEM},
    {"did not find expected node content", NULL, "expected a value here", AT_PROBLEM},
};

/* Turns the parser's failure into a located NN_E_CONFIG (or NN_E_NOMEM) in err. */
typedef struct loader {
    nn_cfg_doc *doc;
    yaml_parser_t parser;
    const char *text;
    size_t len;
    nn_mark base;
    nn_cfg_place place;
    nn_error *err;
} loader;

static nn_mark mark_at(const loader *L, size_t line, size_t col)
{
    nn_mark m = L->base;
    if (L->place == NN_PLACE_FIXED)
        return m;
    size_t l = (size_t)m.line + line;
    size_t c = line == 0 ? (size_t)m.column + col : col + 1;
    m.line = l > INT_MAX ? INT_MAX : (int)l;
    m.column = c > INT_MAX ? INT_MAX : (int)c;
    return m;
}

static nn_status fail_at(const loader *L, size_t line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static nn_status fail_at(const loader *L, size_t line, size_t col, const char *fmt, ...)
{
    /* libyaml places "unexpected end" one line past text that has no final newline (as a
     * --set value never has); point at the end of the text instead. */
    size_t last_line, last_col;
    offset_to_mark(L->text, L->len, L->len, &last_line, &last_col);
    if (line > last_line) {
        line = last_line;
        col = last_col;
    }
    char msg[sizeof L->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nn_mark m = mark_at(L, line, col);
    return nn_fail_at(L->err, NN_E_CONFIG, m.file, m.line, m.column, "%s", msg);
}

/* A tab in the leading whitespace of the problem's line is nearly always the real cause
 * of whatever libyaml complains about there: YAML forbids tabs for indentation. */
static bool tab_problem(const loader *L, size_t line, size_t col)
{
    const char *end = L->text + L->len;
    const char *start = line_start(L->text, L->len, line);
    for (const char *p = start; p < end && (*p == ' ' || *p == '\t'); p++)
        if (*p == '\t') {
            fail_at(L, line, (size_t)(p - start),
                    "tab character used for indentation; use spaces");
            return true;
        }
    const char *at = char_at(start, end, col);
    if (at < end && *at == '\t') {
        fail_at(L, line, col, "tab character not allowed here; use spaces");
        return true;
    }
    return false;
}

static nn_status yaml_failure(loader *L)
{
    const yaml_parser_t *p = &L->parser;
    const char *problem = p->problem ? p->problem : "unknown error";
    if (p->error == YAML_MEMORY_ERROR)
        return nn_fail(L->err, NN_E_NOMEM, "out of memory parsing %s", L->base.file);
    if (p->error == YAML_READER_ERROR) {
        size_t line, col;
        offset_to_mark(L->text, L->len, p->problem_offset, &line, &col);
        if (strstr(problem, "control characters"))
            return fail_at(L, line, col, "control character 0x%02x is not allowed",
                           (unsigned)p->problem_value & 0xFFu);
        if (strstr(problem, "UTF-8") || strstr(problem, "Unicode"))
            return fail_at(L, line, col, "invalid UTF-8 (%s); the text must be UTF-8",
                           problem);
        return fail_at(L, line, col, "%s", problem);
    }

    size_t line = p->problem_mark.line, col = p->problem_mark.column;
    if (tab_problem(L, line, col))
        return NN_E_CONFIG;
    const char *context = p->context ? p->context : "";
    int since = mark_at(L, p->context_mark.line, 0).line;
    for (size_t i = 0; i < sizeof REWRITES / sizeof REWRITES[0]; i++) {
        const rewrite *r = &REWRITES[i];
        if (strcmp(r->problem, problem) != 0 || (r->context && strcmp(r->context, context)))
            continue;
        if (r->where == AT_CONTEXT)
            return fail_at(L, p->context_mark.line, p->context_mark.column, "%s",
                           r->message);
        char msg[512];
        const char *pct = strstr(r->message, "%d");
        if (pct) /* the one placeholder: the line where the construct starts */
            snprintf(msg, sizeof msg, "%.*s%d%s", (int)(pct - r->message), r->message,
                     since, pct + 2);
        else
            snprintf(msg, sizeof msg, "%s", r->message);
        return fail_at(L, line, col, "%s", msg);
    }
    if (strcmp(problem, "found character that cannot start any token") == 0) {
        const char *end = L->text + L->len;
        const char *at = char_at(line_start(L->text, L->len, line), end, col);
        if (at < end && isprint((unsigned char)*at))
            return fail_at(L, line, col, "a value cannot start with '%c'; quote it", *at);
    }
    if (p->context)
        return fail_at(L, line, col, "invalid YAML: %s (%s at line %d)", problem, context,
                       since);
    return fail_at(L, line, col, "invalid YAML: %s", problem);
}

/* --- loader ------------------------------------------------------------------------ */

/* YAML allows much more nesting than any configuration needs; the limit keeps a hostile
 * file from exhausting the stack of the recursive walk below. */
enum { MAX_DEPTH = 256 };

static nn_status next_event(loader *L, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&L->parser, ev))
        return yaml_failure(L);
    return NN_OK;
}

static const char *kind_noun(nn_cfg_kind kind)
{
    return kind == NN_CFG_MAP ? "a mapping" : kind == NN_CFG_SEQ ? "a sequence" : "a scalar";
}

/* "!!str" for libyaml's expanded "tag:yaml.org,2002:str". */
static void short_tag(const char *tag, char *buf, size_t size)
{
    const char *std = "tag:yaml.org,2002:";
    if (strncmp(tag, std, strlen(std)) == 0)
        snprintf(buf, size, "!!%s", tag + strlen(std));
    else
        snprintf(buf, size, "%s", tag);
}

/* Refuses what nnrun does not support on a node: anchors and tags. */
static nn_status check_decorations(loader *L, const yaml_event_t *ev)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    }
    size_t line = ev->start_mark.line, col = ev->start_mark.column;
    if (anchor)
        return fail_at(L, line, col,
                       "anchors (&%s) are not supported; write the value out in full",
                       (const char *)anchor);
    if (tag) {
        char t[128];
        short_tag((const char *)tag, t, sizeof t);
        return fail_at(L, line, col,
                       "tags (%s) are not supported; quote a value to make it a string", t);
    }
    return NN_OK;
}

static nn_status parse_node(loader *L, yaml_event_t *ev, int depth, nn_cfg **out);

static nn_status parse_children(loader *L, nn_cfg *coll, int depth)
{
    yaml_event_type_t end =
        coll->kind == NN_CFG_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t ev;
        nn_status st = next_event(L, &ev);
        if (st)
            return st;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return NN_OK;
        }
        nn_cfg *key = NULL, *item;
        if (coll->kind == NN_CFG_MAP) {
            st = parse_node(L, &ev, depth + 1, &key);
            if (st)
                return st;
            if (key->kind != NN_CFG_SCALAR)
                return nn_cfg_fail(L->err, key,
                                   "a mapping key must be a plain name, not %s",
                                   kind_noun(key->kind));
            long first = nn_cfg__find(coll, key->text);
            if (first >= 0)
                return nn_cfg_fail(L->err, key, "duplicate key '%s' (first at line %d)",
                                   key->text, coll->keys[first]->mark.line);
            st = next_event(L, &ev);
            if (st)
                return st;
        }
        st = parse_node(L, &ev, depth + 1, &item);
        if (st)
            return st;
        if (!nn_cfg__append(coll, key, item))
            return nn_fail(L->err, NN_E_NOMEM, "out of memory reading %s", L->base.file);
    }
}

/* Builds the node that starts with event *ev (consumed) and everything inside it. */
static nn_status parse_node(loader *L, yaml_event_t *ev, int depth, nn_cfg **out)
{
    nn_status st = check_decorations(L, ev);
    size_t line = ev->start_mark.line, col = ev->start_mark.column;
    nn_mark mark = mark_at(L, line, col);
    nn_cfg *node = NULL;
    if (!st && depth > MAX_DEPTH)
        st = fail_at(L, line, col, "nesting deeper than %d levels", MAX_DEPTH);
    if (!st) {
        switch (ev->type) {
        case YAML_SCALAR_EVENT: {
            const char *value = (const char *)ev->data.scalar.value;
            if (strlen(value) != ev->data.scalar.length) {
                st = fail_at(L, line, col, "a NUL character (\\0) in a string is not supported");
                break;
            }
            /* Block scalars (| and >) are text as much as quoted ones are. */
            bool quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            node = nn_cfg__scalar(L->doc, value, quoted, mark);
            if (!node)
                st = nn_fail(L->err, NN_E_NOMEM, "out of memory reading %s", L->base.file);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            node = nn_cfg__new(L->doc,
                               ev->type == YAML_SEQUENCE_START_EVENT ? NN_CFG_SEQ : NN_CFG_MAP,
                               mark);
            if (!node)
                st = nn_fail(L->err, NN_E_NOMEM, "out of memory reading %s", L->base.file);
            break;
        case YAML_ALIAS_EVENT:
            st = fail_at(L, line, col,
                         "aliases (*%s) are not supported; write the value out in full",
                         (const char *)ev->data.alias.anchor);
            break;
        default:
            st = fail_at(L, line, col, "invalid YAML: unexpected event %d", (int)ev->type);
            break;
        }
    }
    yaml_event_delete(ev);
    if (!st && node->kind != NN_CFG_SCALAR)
        st = parse_children(L, node, depth);
    *out = st ? NULL : node;
    return st;
}

/* The stream must hold exactly one document. With `whole_file`, an empty stream or a
 * document that is only null is "empty configuration"; otherwise it is a null scalar. */
static nn_status load_stream(loader *L, bool whole_file, nn_cfg **out)
{
    yaml_event_t ev;
    nn_status st = next_event(L, &ev); /* stream start */
    if (st)
        return st;
    yaml_event_delete(&ev);
    if ((st = next_event(L, &ev)))
        return st;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        if (whole_file)
            return nn_fail_at(L->err, NN_E_CONFIG, L->base.file, 0, 0, "empty configuration");
        *out = nn_cfg__scalar(L->doc, "", false, mark_at(L, 0, 0));
        return *out ? NN_OK : nn_fail(L->err, NN_E_NOMEM, "out of memory");
    }
    yaml_event_delete(&ev); /* document start */
    nn_cfg *root = NULL;
    if ((st = next_event(L, &ev)) || (st = parse_node(L, &ev, 0, &root)))
        return st;
    if ((st = next_event(L, &ev))) /* document end */
        return st;
    yaml_event_delete(&ev);
    if ((st = next_event(L, &ev)))
        return st;
    bool another = ev.type == YAML_DOCUMENT_START_EVENT;
    size_t line = ev.start_mark.line, col = ev.start_mark.column;
    yaml_event_delete(&ev);
    if (another)
        return fail_at(L, line, col,
                       "a second YAML document; a configuration holds exactly one");
    if (whole_file && nn_cfg_is_null(root))
        return nn_fail_at(L->err, NN_E_CONFIG, L->base.file, 0, 0, "empty configuration");
    *out = root;
    return NN_OK;
}

static nn_status load_text(nn_cfg_doc *doc, const char *text, size_t len, nn_mark base,
                           nn_cfg_place place, bool whole_file, nn_cfg **out, nn_error *err)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.doc = doc;
    L.text = text;
    L.len = len;
    L.base = base;
    L.place = place;
    L.err = err;
    if (!yaml_parser_initialize(&L.parser))
        return nn_fail(err, NN_E_NOMEM, "out of memory starting the YAML parser");
    yaml_parser_set_input_string(&L.parser, (const unsigned char *)text, len);
    *out = NULL;
    nn_status st = load_stream(&L, whole_file, out);
    yaml_parser_delete(&L.parser);
    return st;
}

nn_status nn_cfg__parse_value(nn_cfg_doc *doc, const char *text, nn_mark base,
                              nn_cfg_place place, nn_cfg **out, nn_error *err)
{
    return load_text(doc, text, strlen(text), base, place, false, out, err);
}

static nn_status load_buffer(const char *text, size_t len, const char *name,
                             nn_cfg_doc **out, nn_error *err)
{
    *out = NULL;
    nn_cfg_doc *doc = doc_new(name);
    if (!doc)
        return nn_fail(err, NN_E_NOMEM, "out of memory reading %s", name);
    nn_mark base = {doc->file, 1, 1};
    nn_status st = load_text(doc, text, len, base, NN_PLACE_OFFSET, true, &doc->root, err);
    if (st) {
        nn_cfg_free(doc); /* err holds its own copy of the file name */
        return st;
    }
    *out = doc;
    return NN_OK;
}

nn_status nn_cfg_load_string(const char *text, const char *name, nn_cfg_doc **out,
                             nn_error *err)
{
    return load_buffer(text, strlen(text), name ? name : "<string>", out, err);
}

nn_status nn_cfg_load_file(const char *path, nn_cfg_doc **out, nn_error *err)
{
    char *text;
    size_t len;
    *out = NULL;
    nn_status st = nn_read_file(path, &text, &len, err);
    if (st)
        return st;
    st = load_buffer(text, len, path, out, err);
    free(text);
    return st;
}

/* --- helpers ----------------------------------------------------------------------- */

nn_cfg *nn_cfg_get(nn_cfg *map, const char *key)
{
    long i = nn_cfg__find(map, key);
    if (i < 0)
        return NULL;
    map->items[i]->used = true;
    return map->items[i];
}

nn_cfg *nn_cfg_unused(const nn_cfg *map)
{
    if (!map || map->kind != NN_CFG_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (!map->items[i]->used)
            return map->keys[i];
    return NULL;
}

nn_status nn_cfg_fail(nn_error *err, const nn_cfg *node, const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!node)
        return nn_fail(err, NN_E_CONFIG, "%s", msg);
    return nn_fail_at(err, NN_E_CONFIG, node->mark.file, node->mark.line, node->mark.column,
                      "%s", msg);
}

/* Optimal string alignment distance (Levenshtein plus swaps of neighbours, the commonest
 * typo), ignoring case so "SGD" still finds "sgd". Strings longer than `cap` are "far". */
static size_t edit_distance(const char *a, const char *b)
{
    enum { CAP = 128 };
    size_t n = strlen(a), m = strlen(b);
    if (n > CAP || m > CAP)
        return SIZE_MAX;
    size_t rows[3][CAP + 1]; /* rows i-2, i-1, i of the DP table, used in rotation */
    for (size_t j = 0; j <= m; j++)
        rows[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t *cur = rows[i % 3], *prev = rows[(i - 1) % 3], *prev2 = rows[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
            size_t cost = ca != cb;
            size_t d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
    }
    return rows[n % 3][m];
}

const char *nn_suggest(const char *name, const char *const *choices)
{
    if (!name || !choices)
        return NULL;
    size_t limit = strlen(name) / 3;
    if (limit < 2)
        limit = 2;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; choices[i]; i++) {
        size_t d = edit_distance(name, choices[i]);
        if (d < best_d) {
            best_d = d;
            best = choices[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

void nn_cfg__choice_tail(char *buf, size_t size, const char *name,
                         const char *const *choices)
{
    const char *near = nn_suggest(name, choices);
    size_t used = 0;
    int k = near ? snprintf(buf, size, "'%s' (did you mean '%s'?); valid: ", name, near)
                 : snprintf(buf, size, "'%s'; valid: ", name);
    used = k > 0 ? (size_t)k : 0;
    for (size_t i = 0; choices && choices[i] && used < size; i++) {
        k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", choices[i]);
        used += k > 0 ? (size_t)k : 0;
    }
}

nn_status nn_cfg_fail_choice(nn_error *err, const nn_cfg *node, const char *what,
                             const char *name, const char *const *choices)
{
    char tail[sizeof err->msg];
    nn_cfg__choice_tail(tail, sizeof tail, name, choices);
    return nn_cfg_fail(err, node, "unknown %s %s", what, tail);
}

nn_status nn_cfg_wrap(nn_cfg *node, const char *key, nn_error *err)
{
    if (!node || node->kind == NN_CFG_MAP)
        return nn_fail(err, NN_E_INTERNAL, "nn_cfg_wrap: already a mapping");
    nn_cfg_doc *doc = node->doc;
    nn_cfg *inner = nn_cfg__new(doc, node->kind, node->mark);
    nn_cfg *k = nn_cfg__scalar(doc, key, false, node->mark);
    if (!inner || !k)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    inner->text = node->text;
    inner->quoted = node->quoted;
    inner->defaulted = node->defaulted;
    inner->n = node->n;
    inner->items = node->items;
    inner->keys = node->keys;
    node->kind = NN_CFG_MAP;
    node->text = NULL;
    node->quoted = false;
    node->n = 0;
    node->items = node->keys = NULL;
    if (!nn_cfg__append(node, k, inner))
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    return NN_OK;
}

nn_cfg *nn_cfg_map_put(nn_cfg *map, const char *key, const char *text)
{
    if (!map || map->kind != NN_CFG_MAP)
        return NULL;
    nn_cfg *value = nn_cfg__scalar(map->doc, text, false, map->mark);
    if (!value)
        return NULL;
    long i = nn_cfg__find(map, key);
    if (i >= 0) {
        map->items[i] = value;
        return value;
    }
    nn_cfg *k = nn_cfg__scalar(map->doc, key, false, map->mark);
    if (!k || !nn_cfg__append(map, k, value))
        return NULL;
    return value;
}

bool nn_cfg_is_null(const nn_cfg *node)
{
    if (!node || node->kind != NN_CFG_SCALAR || node->quoted)
        return false;
    const char *t = node->text;
    return t[0] == '\0' || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 ||
           strcmp(t, "Null") == 0 || strcmp(t, "NULL") == 0;
}

void nn_cfg_make_map(nn_cfg *node)
{
    node->kind = NN_CFG_MAP;
    node->text = NULL;
    node->quoted = false;
    node->n = 0;
    node->items = NULL;
    node->keys = NULL;
}
