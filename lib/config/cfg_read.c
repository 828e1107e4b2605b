/* cfg_read.c — reading a mapping into a plain struct through a schema table (nn_key).
 *
 * Every key of the mapping must be named by the schema (a misspelling gets the nearest
 * name), every scalar is checked against its type and range, and every missing key either
 * fails (required), stays absent (NN_OPTIONAL), or takes its default — which is also
 * inserted into the tree, so the emitted configuration states every value the run used.
 *
 * The scalar rules are stricter than YAML 1.1 on purpose: a configuration should mean the
 * same thing to every reader, so quoted text is never a number, `yes`/`on` are not
 * booleans, and octal/hex/sexagesimal/.inf spellings are refused instead of guessed at.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/cfg.h"
#include "config/cfg_internal.h"

/* --- how values are described in messages ------------------------------------------ */

/* What a key of this type expects, for "expected X, got Y". */
static void expected_noun(const nn_key *key, char *buf, size_t size)
{
    switch (key->type) {
    case NN_T_INT:
    case NN_T_I64: snprintf(buf, size, "an integer"); return;
    case NN_T_FLOAT: snprintf(buf, size, "a number"); return;
    case NN_T_BOOL: snprintf(buf, size, "true or false"); return;
    case NN_T_STR: snprintf(buf, size, "a string"); return;
    case NN_T_SHAPE:
        snprintf(buf, size, "a shape (a list of positive integers such as [28, 28])");
        return;
    case NN_T_NODE:
    case NN_T_ALIAS: snprintf(buf, size, "a value"); return;
    case NN_T_ENUM: break;
    }
    size_t used = 0;
    int k = snprintf(buf, size, "one of ");
    used = k > 0 ? (size_t)k : 0;
    for (size_t i = 0; key->choices && key->choices[i] && used < size; i++) {
        k = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", key->choices[i]);
        used += k > 0 ? (size_t)k : 0;
    }
}

/* What the node is, for "got Y": 'ten', the quoted string '128', a mapping, ... */
static void got_noun(const nn_cfg *node, char *buf, size_t size)
{
    if (node->kind != NN_CFG_SCALAR)
        snprintf(buf, size, "%s", node->kind == NN_CFG_MAP ? "a mapping" : "a sequence");
    else if (nn_cfg_is_null(node))
        snprintf(buf, size, "%s", node->text[0] ? "null" : "an empty value");
    else if (node->quoted)
        snprintf(buf, size, "the quoted string '%s'", node->text);
    else
        snprintf(buf, size, "'%s'", node->text);
}

static nn_status type_error(nn_error *err, const nn_cfg *node, const nn_key *key,
                            const char *what, const char *hint)
{
    char expected[512], got[512];
    expected_noun(key, expected, sizeof expected);
    got_noun(node, got, sizeof got);
    return nn_cfg_fail(err, node, "%s: expected %s, got %s%s", what, expected, got,
                       hint ? hint : "");
}

/* "label.key" (or just "key" when the mapping has no name). */
static void join_path(char *buf, size_t size, const char *what, const char *key)
{
    if (what && what[0])
        snprintf(buf, size, "%s.%s", what, key);
    else
        snprintf(buf, size, "%s", key);
}

/* --- number spellings -------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* [+-]? digits */
static bool int_spelling(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!is_digit(*s))
        return false;
    while (is_digit(*s))
        s++;
    return *s == '\0';
}

/* [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? — what people write for
 * rates and epsilons (0.001, 1e-3, .5, 5.), and nothing strtod would also take (hex,
 * inf, nan, leading spaces). */
static bool float_spelling(const char *s)
{
    bool digits = false;
    if (*s == '+' || *s == '-')
        s++;
    while (is_digit(*s)) {
        s++;
        digits = true;
    }
    if (*s == '.') {
        s++;
        while (is_digit(*s)) {
            s++;
            digits = true;
        }
    }
    if (!digits)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    return *s == '\0';
}

static bool infinity_or_nan(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (*s == '.')
        s++;
    return strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0 ||
           strcasecmp(s, "nan") == 0;
}

/* The scalar checks every number and bool shares: a scalar, not null, not quoted. The
 * quoted case says whether dropping the quotes would have worked. */
static nn_status plain_scalar(const nn_cfg *node, const nn_key *key, const char *what,
                              bool (*spelling)(const char *), nn_error *err)
{
    if (node->kind != NN_CFG_SCALAR || nn_cfg_is_null(node))
        return type_error(err, node, key, what, NULL);
    if (node->quoted)
        return type_error(err, node, key, what,
                          spelling && spelling(node->text) ? " (remove the quotes)" : NULL);
    return NN_OK;
}

/* --- ranges ------------------------------------------------------------------------ */

static void number_text(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.15g", v);
}

static nn_status check_range(const nn_cfg *node, const nn_key *key, const char *what,
                             double v, nn_error *err)
{
    unsigned f = key->flags;
    bool lo_open = f & NN_K_MIN_OPEN, hi_open = f & NN_K_MAX_OPEN;
    bool low = (f & NN_K_MIN) && (lo_open ? !(v > key->lo) : !(v >= key->lo));
    bool high = (f & NN_K_MAX) && (hi_open ? !(v < key->hi) : !(v <= key->hi));
    if (!low && !high)
        return NN_OK;
    char lo[64], hi[64];
    number_text(lo, sizeof lo, key->lo);
    number_text(hi, sizeof hi, key->hi);
    if ((f & NN_K_MIN) && (f & NN_K_MAX))
        return nn_cfg_fail(err, node, "%s: must be in %c%s, %s%c, got %s", what,
                           lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']', node->text);
    if (f & NN_K_MIN)
        return nn_cfg_fail(err, node, "%s: must be %s %s, got %s", what, lo_open ? ">" : ">=",
                           lo, node->text);
    return nn_cfg_fail(err, node, "%s: must be %s %s, got %s", what, hi_open ? "<" : "<=", hi,
                       node->text);
}

/* --- one value per type ------------------------------------------------------------ */

static nn_status read_ll(const nn_cfg *node, const nn_key *key, const char *what,
                         long long lo, long long hi, long long *out, nn_error *err)
{
    nn_status st = plain_scalar(node, key, what, int_spelling, err);
    if (st)
        return st;
    if (!int_spelling(node->text)) {
        const char *hint = float_spelling(node->text) ? " (a whole number is needed)" : NULL;
        return type_error(err, node, key, what, hint);
    }
    errno = 0;
    long long v = strtoll(node->text, NULL, 10);
    if (errno == ERANGE || v < lo || v > hi)
        return nn_cfg_fail(err, node, "%s: '%s' is out of range for an integer (%lld to %lld)",
                           what, node->text, lo, hi);
    st = check_range(node, key, what, (double)v, err);
    if (!st)
        *out = v;
    return st;
}

static nn_status read_float(const nn_cfg *node, const nn_key *key, const char *what,
                            double *out, nn_error *err)
{
    nn_status st = plain_scalar(node, key, what, float_spelling, err);
    if (st)
        return st;
    if (infinity_or_nan(node->text))
        return nn_cfg_fail(err, node, "%s: expected a finite number, got '%s'", what,
                           node->text);
    if (!float_spelling(node->text))
        return type_error(err, node, key, what, NULL);
    double v = strtod(node->text, NULL);
    if (!isfinite(v))
        return nn_cfg_fail(err, node, "%s: '%s' is out of range for a number", what,
                           node->text);
    st = check_range(node, key, what, v, err);
    if (!st)
        *out = v;
    return st;
}

static bool bool_spelling(const char *s)
{
    static const char *const words[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

static nn_status read_bool(const nn_cfg *node, const nn_key *key, const char *what,
                           bool *out, nn_error *err)
{
    nn_status st = plain_scalar(node, key, what, bool_spelling, err);
    if (st)
        return st;
    if (!bool_spelling(node->text)) {
        /* YAML 1.1 readers (PyYAML) take these as booleans, YAML 1.2 readers as strings. */
        static const char *const ambiguous[] = {"yes", "no", "on", "off", "y", "n"};
        for (size_t i = 0; i < sizeof ambiguous / sizeof ambiguous[0]; i++)
            if (strcasecmp(node->text, ambiguous[i]) == 0)
                return type_error(err, node, key, what,
                                  " (yes/no/on/off mean different things to different YAML "
                                  "readers; write true or false)");
        return type_error(err, node, key, what, NULL);
    }
    *out = node->text[0] == 't' || node->text[0] == 'T';
    return NN_OK;
}

static nn_status read_str(const nn_cfg *node, const nn_key *key, const char *what,
                          const char **out, nn_error *err)
{
    if (node->kind != NN_CFG_SCALAR || nn_cfg_is_null(node))
        return type_error(err, node, key, what, NULL);
    if (node->text[0] == '\0')
        return nn_cfg_fail(err, node, "%s: expected a non-empty string, got ''", what);
    *out = node->text;
    return NN_OK;
}

static nn_status read_enum(const nn_cfg *node, const nn_key *key, const char *what, int *out,
                           nn_error *err)
{
    if (!key->choices)
        return nn_fail(err, NN_E_INTERNAL, "%s: enum key without choices", what);
    if (node->kind != NN_CFG_SCALAR || nn_cfg_is_null(node))
        return type_error(err, node, key, what, NULL);
    for (int i = 0; key->choices[i]; i++)
        if (strcmp(node->text, key->choices[i]) == 0) {
            *out = i;
            return NN_OK;
        }
    char tail[sizeof err->msg];
    nn_cfg__choice_tail(tail, sizeof tail, node->text, key->choices);
    return nn_cfg_fail(err, node, "%s: unknown value %s", what, tail);
}

static nn_status read_shape(const nn_cfg *node, const nn_key *key, const char *what,
                            nn_shape *out, nn_error *err)
{
    if (node->kind != NN_CFG_SEQ)
        return type_error(err, node, key, what, NULL);
    if (node->n < 1 || node->n > NN_MAX_RANK)
        return nn_cfg_fail(err, node, "%s: a shape has 1 to %d dimensions, got %zu", what,
                           NN_MAX_RANK, node->n);
    nn_shape s;
    memset(&s, 0, sizeof s);
    s.rank = (int)node->n;
    static const nn_key dim_key = {"dimension", NN_T_INT, NULL, 0, NN_K_MIN, 1, 0, NULL};
    for (size_t i = 0; i < node->n; i++) {
        char label[512];
        snprintf(label, sizeof label, "%s[%zu]", what, i);
        long long v;
        nn_status st = read_ll(node->items[i], &dim_key, label, INT_MIN, INT_MAX, &v, err);
        if (st)
            return st;
        s.dim[i] = (int)v;
    }
    *out = s;
    return NN_OK;
}

nn_status nn_cfg_read_value(const nn_cfg *node, const nn_key *key, void *out,
                            const char *what, nn_error *err)
{
    if (!node || !key || !out)
        return nn_fail(err, NN_E_INTERNAL, "nn_cfg_read_value: missing argument for %s",
                       what ? what : "?");
    if (!what)
        what = key->name ? key->name : "value";
    long long v;
    nn_status st;
    switch (key->type) {
    case NN_T_INT:
        st = read_ll(node, key, what, INT_MIN, INT_MAX, &v, err);
        if (!st)
            *(int *)out = (int)v;
        return st;
    case NN_T_I64: return read_ll(node, key, what, LLONG_MIN, LLONG_MAX, (long long *)out, err);
    case NN_T_FLOAT: return read_float(node, key, what, (double *)out, err);
    case NN_T_BOOL: return read_bool(node, key, what, (bool *)out, err);
    case NN_T_STR: return read_str(node, key, what, (const char **)out, err);
    case NN_T_ENUM: return read_enum(node, key, what, (int *)out, err);
    case NN_T_SHAPE: return read_shape(node, key, what, (nn_shape *)out, err);
    case NN_T_NODE:
        /* The node belongs to the caller's (mutable) tree; the const is only this
         * function's promise not to change it. */
        *(nn_cfg **)out = (nn_cfg *)node;
        return NN_OK;
    case NN_T_ALIAS: break;
    }
    return nn_fail(err, NN_E_INTERNAL, "%s: an alias key cannot be read as a value", what);
}

/* --- mappings ---------------------------------------------------------------------- */

static const nn_key *find_key(const nn_key *schema, const char *name)
{
    for (const nn_key *k = schema; k->name; k++)
        if (strcmp(k->name, name) == 0)
            return k;
    return NULL;
}

/* NN_OPTIONAL's "no value" for each type. */
static void set_absent(const nn_key *key, char *field)
{
    switch (key->type) {
    case NN_T_STR: *(const char **)field = NULL; break;
    case NN_T_NODE: *(nn_cfg **)field = NULL; break;
    case NN_T_FLOAT: *(double *)field = NAN; break;
    default: break;
    }
}

static nn_status unknown_key(const nn_cfg *keynode, const nn_key *schema, const char *what,
                             nn_error *err)
{
    size_t n = 0;
    while (schema[n].name)
        n++;
    const char **all = malloc((n + 1) * sizeof *all);   /* suggestion candidates */
    const char **valid = malloc((n + 1) * sizeof *valid); /* listed: aliases left out */
    if (!all || !valid) {
        free(all);
        free(valid);
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    }
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        all[i] = schema[i].name;
        if (schema[i].type != NN_T_ALIAS)
            valid[nv++] = schema[i].name;
    }
    all[n] = valid[nv] = NULL;
    const char *near = nn_suggest(keynode->text, all);
    const char *in = what && what[0] ? " in " : "";
    const char *label = what && what[0] ? what : "";
    nn_status st;
    if (near) {
        st = nn_cfg_fail(err, keynode, "unknown key '%s'%s%s (did you mean '%s'?)",
                         keynode->text, in, label, near);
    } else {
        char list[sizeof err->msg];
        size_t used = 0;
        list[0] = '\0';
        for (size_t i = 0; i < nv && used < sizeof list; i++) {
            int k = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", valid[i]);
            used += k > 0 ? (size_t)k : 0;
        }
        st = nn_cfg_fail(err, keynode, "unknown key '%s'%s%s; valid keys: %s", keynode->text,
                         in, label, nv ? list : "(none)");
    }
    free(all);
    free(valid);
    return st;
}

/* Parses key->def, reads it into field and appends it to map marked as a default. */
static nn_status insert_default(nn_cfg *map, const nn_key *key, char *field, const char *path,
                                nn_error *err)
{
    nn_cfg *value;
    nn_status st = nn_cfg__parse_value(map->doc, key->def, map->mark, NN_PLACE_FIXED, &value,
                                       err);
    if (!st)
        st = nn_cfg_read_value(value, key, field, path, err);
    if (st == NN_E_NOMEM)
        return st;
    if (st) {
        /* A default that does not read is a bug in the schema table, not in the file. */
        char why[sizeof err->msg];
        memcpy(why, err->msg, sizeof why);
        return nn_fail(err, NN_E_INTERNAL, "default '%s' of %s is invalid: %s", key->def, path,
                       why);
    }
    nn_cfg *k = nn_cfg__scalar(map->doc, key->name, false, map->mark);
    if (!k || !nn_cfg__append(map, k, value))
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    k->defaulted = value->defaulted = true;
    value->used = true;
    return NN_OK;
}

nn_status nn_cfg_read(nn_cfg *map, const nn_key *schema, void *dst, const char *what,
                      nn_error *err)
{
    const char *label = what && what[0] ? what : "configuration";
    if (!map)
        return nn_fail(err, NN_E_INTERNAL, "%s: no mapping to read", label);
    if (map->kind != NN_CFG_MAP) {
        char got[512];
        got_noun(map, got, sizeof got);
        return nn_cfg_fail(err, map, "%s: expected a mapping, got %s%s", label, got,
                           nn_cfg_is_null(map) ? " (write {} to take every default)" : "");
    }
    char path[512];

    /* Present keys, in the order of the file, so the first complaint is the first fault. */
    for (size_t i = 0; i < map->n; i++) {
        nn_cfg *keynode = map->keys[i];
        const nn_key *key = find_key(schema, keynode->text);
        if (!key)
            return unknown_key(keynode, schema, what, err);
        join_path(path, sizeof path, what, keynode->text); /* the name as written */
        if (key->type == NN_T_ALIAS) {
            const nn_key *target = key->def && key->def != NN_OPTIONAL
                                       ? find_key(schema, key->def)
                                       : NULL;
            if (!target || target->type == NN_T_ALIAS)
                return nn_fail(err, NN_E_INTERNAL, "%s: alias of an unknown key", path);
            if (nn_cfg__find(map, target->name) >= 0)
                return nn_cfg_fail(err, keynode, "%s: both '%s' and '%s' given", label,
                                   key->name, target->name);
            char *renamed = nn_cfg__strdup(map->doc, target->name);
            if (!renamed)
                return nn_fail(err, NN_E_NOMEM, "out of memory");
            keynode->text = renamed;
            keynode->quoted = false;
            key = target;
        }
        nn_cfg *value = map->items[i];
        value->used = true;
        char *field = (char *)dst + key->offset;
        if (key->def == NN_OPTIONAL && key->type != NN_T_NODE && nn_cfg_is_null(value)) {
            set_absent(key, field); /* `key: null` says "not given" as plainly as omitting it */
            continue;
        }
        nn_status st = nn_cfg_read_value(value, key, field, path, err);
        if (st)
            return st;
    }

    /* Missing keys, in schema order. */
    for (const nn_key *key = schema; key->name; key++) {
        if (key->type == NN_T_ALIAS || nn_cfg__find(map, key->name) >= 0)
            continue;
        char *field = (char *)dst + key->offset;
        join_path(path, sizeof path, what, key->name);
        if (!key->def)
            return what && what[0]
                       ? nn_cfg_fail(err, map, "%s: missing required key '%s'", what, key->name)
                       : nn_cfg_fail(err, map, "missing required key '%s'", key->name);
        if (key->def == NN_OPTIONAL) {
            set_absent(key, field);
            continue;
        }
        nn_status st = insert_default(map, key, field, path, err);
        if (st)
            return st;
    }
    return NN_OK;
}
