/* cfg_emit.c — writing a node tree back out as block-style YAML.
 *
 * The output is what the run directory keeps as config.yaml, so it must read back to the
 * same tree: same kinds, same scalar texts, and the same quotedness wherever quotedness
 * changes meaning. The rules that guarantee it:
 *   - a scalar that was quoted is written quoted (so '128' stays a string);
 *   - a plain scalar is written plain when libyaml would read those exact characters back
 *     as a plain scalar; otherwise it is quoted. Every number, bool and null spelling is
 *     plain-safe, so only texts whose quotedness cannot matter ever gain quotes;
 *   - single quotes unless the text needs escapes (control characters, line breaks),
 *     then double quotes.
 * Written by hand rather than with libyaml's emitter for control over the layout: two
 * spaces per level, list items indented under their key, and short lists of scalars in
 * flow style (`input: [28, 28]`) the way people write them. Keys keep the tree's order, so
 * the output is deterministic.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/cfg.h"

/* A flow list longer than this (in characters) is written one item per line. */
enum { FLOW_MAX_WIDTH = 60, FLOW_MAX_ITEMS = 16 };

/* Decodes one UTF-8 character at s; returns its length, or 0 when the bytes are not
 * valid UTF-8 (then *cp is the lone byte). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        n = 2;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4;
        c &= 0x07;
    } else {
        *cp = s[0];
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = s[0];
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    *cp = c;
    return n;
}

/* Characters that libyaml refuses raw or reads as line breaks: only an escape in double
 * quotes carries them through. */
static bool needs_escape(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF ||
           (cp >= 0xD800 && cp <= 0xDFFF);
}

static bool needs_double_quotes(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        uint32_t cp;
        size_t n = utf8_decode(s, &cp);
        if (n == 0 || needs_escape(cp))
            return true;
        s += n;
    }
    return false;
}

/* Whether libyaml reads `text`, written bare, back as a plain scalar with exactly these
 * characters. `flow` is for items inside [ ]: commas and brackets end a scalar there.
 * Deliberately stricter than YAML requires (any ':' or '?' first, '---' anywhere first):
 * a needless quote costs nothing, a wrong bare scalar changes the configuration. */
static bool plain_safe(const char *text, bool flow)
{
    size_t n = strlen(text);
    if (n == 0 || needs_double_quotes(text))
        return false;
    if (text[0] == ' ' || text[n - 1] == ' ' || text[n - 1] == ':')
        return false;
    if (strncmp(text, "---", 3) == 0 || strncmp(text, "...", 3) == 0)
        return false;
    if (strchr(",[]{}#&*!|>'\"%@`?:", text[0]))
        return false;
    if (text[0] == '-' && (text[1] == '\0' || text[1] == ' '))
        return false;
    if (strstr(text, ": ") || strstr(text, " #"))
        return false;
    if (flow && strpbrk(text, ",[]{}:"))
        return false;
    return true;
}

static void write_double_quoted(FILE *out, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    fputc('"', out);
    while (*s) {
        uint32_t cp;
        size_t n = utf8_decode(s, &cp);
        if (n == 0) {
            /* Not UTF-8 (a key typed on a command line, say): YAML cannot hold the byte
             * itself; \x keeps the text readable, as the character with that number. */
            fprintf(out, "\\x%02X", (unsigned)*s);
            s++;
            continue;
        }
        switch (cp) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (!needs_escape(cp))
                fwrite(s, 1, n, out);
            else if (cp <= 0xFF)
                fprintf(out, "\\x%02X", (unsigned)cp);
            else
                fprintf(out, "\\u%04X", (unsigned)cp);
        }
        s += n;
    }
    fputc('"', out);
}

static void write_quoted(FILE *out, const char *text)
{
    if (needs_double_quotes(text)) {
        write_double_quoted(out, text);
        return;
    }
    fputc('\'', out);
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            fputc('\'', out); /* '' is a quote inside single quotes */
        fputc(*p, out);
    }
    fputc('\'', out);
}

/* A non-empty scalar (an empty plain one is written as nothing, by the callers). */
static void write_scalar(FILE *out, const nn_cfg *node, bool flow)
{
    if (!node->quoted && plain_safe(node->text, flow))
        fputs(node->text, out);
    else
        write_quoted(out, node->text);
}

static bool empty_plain(const nn_cfg *node)
{
    return node->kind == NN_CFG_SCALAR && !node->quoted && node->text[0] == '\0';
}

/* Short lists of scalars read best on one line: `input: [28, 28]`. */
static bool flow_list(const nn_cfg *seq)
{
    if (seq->kind != NN_CFG_SEQ || seq->n == 0 || seq->n > FLOW_MAX_ITEMS)
        return false;
    size_t width = 0;
    for (size_t i = 0; i < seq->n; i++) {
        const nn_cfg *item = seq->items[i];
        if (item->kind != NN_CFG_SCALAR || empty_plain(item))
            return false;
        if (!item->quoted && !plain_safe(item->text, true))
            return false; /* it would have to gain quotes that block style does not need */
        width += strlen(item->text) + 2;
    }
    return width <= FLOW_MAX_WIDTH;
}

static void write_flow_list(FILE *out, const nn_cfg *seq)
{
    fputc('[', out);
    for (size_t i = 0; i < seq->n; i++) {
        if (i)
            fputs(", ", out);
        write_scalar(out, seq->items[i], true);
    }
    fputc(']', out);
}

static void indent(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc(' ', out);
}

static void write_map(FILE *out, const nn_cfg *map, int col, bool first_inline);
static void write_seq(FILE *out, const nn_cfg *seq, int col, bool first_inline);

/* What follows "key:" or "-": the rest of that line, and any nested block below it at
 * `col`. Collections that fit on the line (empty ones, short lists) stay there. */
static void write_after_indicator(FILE *out, const nn_cfg *node, int col, bool in_list)
{
    if (node->kind == NN_CFG_SCALAR) {
        if (!empty_plain(node)) {
            fputc(' ', out);
            write_scalar(out, node, false);
        }
        fputc('\n', out);
    } else if (node->n == 0) {
        fputs(node->kind == NN_CFG_MAP ? " {}\n" : " []\n", out);
    } else if (flow_list(node)) {
        fputc(' ', out);
        write_flow_list(out, node);
        fputc('\n', out);
    } else if (in_list) {
        /* "- key: v" and "- - x": the first entry shares the dash's line. */
        fputc(' ', out);
        if (node->kind == NN_CFG_MAP)
            write_map(out, node, col, true);
        else
            write_seq(out, node, col, true);
    } else {
        fputc('\n', out);
        if (node->kind == NN_CFG_MAP)
            write_map(out, node, col, false);
        else
            write_seq(out, node, col, false);
    }
}

static void write_map(FILE *out, const nn_cfg *map, int col, bool first_inline)
{
    for (size_t i = 0; i < map->n; i++) {
        if (i > 0 || !first_inline)
            indent(out, col);
        const nn_cfg *key = map->keys[i];
        if (empty_plain(key))
            fputs("''", out); /* an empty key has no bare spelling */
        else
            write_scalar(out, key, false);
        fputc(':', out);
        write_after_indicator(out, map->items[i], col + 2, false);
    }
}

static void write_seq(FILE *out, const nn_cfg *seq, int col, bool first_inline)
{
    for (size_t i = 0; i < seq->n; i++) {
        if (i > 0 || !first_inline)
            indent(out, col);
        fputc('-', out);
        write_after_indicator(out, seq->items[i], col + 2, true);
    }
}

nn_status nn_cfg_emit(const nn_cfg_doc *doc, FILE *out, nn_error *err)
{
    const nn_cfg *root = nn_cfg_root(doc);
    if (!root)
        return nn_fail(err, NN_E_INTERNAL, "nn_cfg_emit: no document");
    if (root->kind == NN_CFG_SCALAR) {
        if (empty_plain(root))
            fputs("~", out); /* a bare empty document would read back as no document */
        else
            write_scalar(out, root, false);
        fputc('\n', out);
    } else if (root->n == 0) {
        fputs(root->kind == NN_CFG_MAP ? "{}\n" : "[]\n", out);
    } else if (root->kind == NN_CFG_MAP) {
        write_map(out, root, 0, false);
    } else {
        write_seq(out, root, 0, false);
    }
    if (fflush(out) != 0 || ferror(out))
        return nn_fail(err, NN_E_IO, "cannot write the configuration");
    return NN_OK;
}
