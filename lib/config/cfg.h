/* cfg.h — a YAML document as a small tree that remembers where every node came from.
 *
 * libyaml parses the text into nodes (scalar, sequence, mapping); each node keeps its
 * file/line/column so that every later complaint can point at it. Readers take keys out of
 * mappings through a schema table (nn_key): a key the schema does not name is an error with
 * the nearest valid name; a missing key takes its default, which is also written into the
 * tree, so emitting the tree afterwards gives the resolved configuration (defaults filled,
 * overrides applied) that repeats the run.
 *
 * Ownership: every node and string belongs to its nn_cfg_doc and lives until nn_cfg_free.
 * Nothing here prints.
 */
#ifndef NN_CONFIG_CFG_H
#define NN_CONFIG_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "tensor/shape.h"

typedef enum nn_cfg_kind { NN_CFG_SCALAR, NN_CFG_SEQ, NN_CFG_MAP } nn_cfg_kind;

typedef struct nn_mark {
    const char *file; /* owned by the document; "<--set 2>" for the 2nd override */
    int line;         /* 1-based */
    int column;       /* 1-based */
} nn_mark;

typedef struct nn_cfg_doc nn_cfg_doc;
typedef struct nn_cfg nn_cfg;

struct nn_cfg {
    nn_cfg_kind kind;
    nn_mark mark;
    nn_cfg_doc *doc;
    /* scalar */
    char *text;   /* the scalar's text, NUL-terminated; NULL for collections */
    bool quoted;  /* written in quotes: never a number, bool or null */
    /* sequence: items[0..n); mapping: keys[i] (scalars) -> items[i] */
    size_t n;
    nn_cfg **items;
    nn_cfg **keys;
    bool used;      /* a reader took this mapping value (see nn_cfg_unused) */
    bool defaulted; /* inserted by a reader as a default */
};

/* --- loading ------------------------------------------------------------------------ */

/* Parses one YAML document from a file. Syntax errors (including tabs used for
 * indentation, duplicate keys, anchors/aliases, multiple documents) are NN_E_CONFIG with
 * file/line/column. A missing or unreadable file is NN_E_IO naming the path. */
nn_status nn_cfg_load_file(const char *path, nn_cfg_doc **out, nn_error *err);

/* As nn_cfg_load_file, from memory; `name` is used as the file in marks. */
nn_status nn_cfg_load_string(const char *text, const char *name, nn_cfg_doc **out,
                             nn_error *err);

void nn_cfg_free(nn_cfg_doc *doc);

nn_cfg *nn_cfg_root(const nn_cfg_doc *doc);
const char *nn_cfg_doc_file(const nn_cfg_doc *doc);

/* --- overrides ---------------------------------------------------------------------- */

/* Applies one `--set` assignment "a.b.c=VALUE". The path walks mappings (a missing mapping
 * on the way is created; a sequence index may be written as a number: `model.layers.2.dense`);
 * VALUE is parsed as YAML (a scalar, or a flow collection like `[1, 2]` or `{adam: {}}`)
 * and replaces the value at the path. `index` (1-based, the override's position on the
 * command line) names the source in marks: "<--set 1>". Errors (no '=', empty path,
 * indexing into a scalar, bad YAML value) are NN_E_CONFIG naming the assignment. */
nn_status nn_cfg_set(nn_cfg_doc *doc, const char *assignment, int index, nn_error *err);

/* --- reading through a schema ------------------------------------------------------- */

typedef enum nn_key_type {
    NN_T_INT,    /* int; a YAML integer (no fraction, no exponent)                      */
    NN_T_I64,    /* long long; as NN_T_INT                                               */
    NN_T_FLOAT,  /* double; any YAML number (.inf / .nan are rejected)                   */
    NN_T_BOOL,   /* bool; true/false (YAML 1.1 yes/no/on/off are rejected as ambiguous)  */
    NN_T_STR,    /* const char *; any non-empty scalar (points into the document)        */
    NN_T_ENUM,   /* int; index into `choices`, compared exactly; misspelling -> suggest  */
    NN_T_SHAPE,  /* nn_shape; a sequence of positive ints, 1..NN_MAX_RANK long           */
    NN_T_NODE,   /* nn_cfg *; any node, handed to the caller to read further             */
    NN_T_ALIAS   /* another name for the key in `def` (e.g. lr -> learning_rate)         */
} nn_key_type;

/* Range flags for NN_T_INT / NN_T_I64 / NN_T_FLOAT. */
enum {
    NN_K_MIN = 1u << 0,      /* value >= lo (or > lo with NN_K_MIN_OPEN) */
    NN_K_MAX = 1u << 1,      /* value <= hi (or < hi with NN_K_MAX_OPEN) */
    NN_K_MIN_OPEN = 1u << 2,
    NN_K_MAX_OPEN = 1u << 3
};

/* Default that means "optional, no value": the destination gets NULL (STR/NODE),
 * NAN (FLOAT), or is left untouched (other types); nothing is inserted in the tree. */
#define NN_OPTIONAL ((const char *)1)

typedef struct nn_key {
    const char *name;
    nn_key_type type;
    const char *def;    /* YAML text of the default; NULL = required; NN_OPTIONAL */
    size_t offset;      /* offsetof(destination struct, field); unused for NN_T_ALIAS */
    unsigned flags;     /* NN_K_* range flags */
    double lo, hi;
    const char *const *choices; /* NN_T_ENUM: NULL-terminated names */
} nn_key;

/* Reads mapping `map` into `dst` following `schema` (terminated by an entry with
 * name == NULL). `what` names the mapping in messages ("compile", "layer 'dense_1'").
 * Errors, all NN_E_CONFIG at the offending node's mark:
 *   - `map` is not a mapping                     "compile: expected a mapping"
 *   - a key not in the schema                    "unknown key 'epoch' in fit (did you mean 'epochs'?)"
 *   - a required key missing (at map's mark)     "fit: missing required key 'epochs'"
 *   - wrong type                                 "fit.epochs: expected an integer, got 'ten'"
 *   - out of range                               "fit.epochs: must be >= 1, got 0"
 *   - enum value not a choice                    "compile.loss: unknown value 'sparse_crossentropy'
 *                                                 (did you mean 'sparse_categorical_crossentropy'?);
 *                                                 valid: a, b, c"
 *   - both a key and its alias given             "compile.optimizer.sgd: both 'lr' and 'learning_rate' given"
 * An alias is renamed in the tree to its target. A missing key with a default gets the
 * default parsed into dst and inserted into the tree (defaulted = true). */
nn_status nn_cfg_read(nn_cfg *map, const nn_key *schema, void *dst, const char *what,
                      nn_error *err);

/* Reads one scalar node as the given type (same rules and messages as nn_cfg_read).
 * `key` is the entry describing type, range and choices; `what` names the value. */
nn_status nn_cfg_read_value(const nn_cfg *node, const nn_key *key, void *out,
                            const char *what, nn_error *err);

/* --- small helpers ------------------------------------------------------------------ */

/* Value for `key` in mapping `map`, or NULL (also NULL when map is not a mapping).
 * Marks the entry as used. */
nn_cfg *nn_cfg_get(nn_cfg *map, const char *key);

/* The key of the first entry of mapping `map` whose value no reader has taken (neither
 * nn_cfg_get nor nn_cfg_read), or NULL when every value was taken or map is not a mapping.
 * For mappings read key by key: report the leftover as unknown, or take a free-form key
 * such as a layer's type (`- dense: 128` next to `name:`). */
nn_cfg *nn_cfg_unused(const nn_cfg *map);

/* Error at node's mark; returns NN_E_CONFIG. */
nn_status nn_cfg_fail(nn_error *err, const nn_cfg *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Error for an unknown name among `choices` (NULL-terminated), with the nearest
 * suggestion and the list of valid names. `what` names the kind ("layer type"). */
nn_status nn_cfg_fail_choice(nn_error *err, const nn_cfg *node, const char *what,
                             const char *name, const char *const *choices);

/* The nearest of `choices` to `name` by edit distance, or NULL when none is close
 * (distance > max(2, strlen(name)/3)). */
const char *nn_suggest(const char *name, const char *const *choices);

/* Turns a scalar or sequence node in place into the mapping { key: <the node> } so
 * shorthand like `dense: 128` or `reshape: [2, 3]` becomes `dense: {units: 128}` or
 * `reshape: {target_shape: [2, 3]}` before it is read. */
nn_status nn_cfg_wrap(nn_cfg *node, const char *key, nn_error *err);

/* Sets (adds or replaces) map[key] to a new scalar with the given text, and returns it;
 * NULL on allocation failure. The new node carries the map's mark. */
nn_cfg *nn_cfg_map_put(nn_cfg *map, const char *key, const char *text);

/* Turns `node` in place into an empty mapping, dropping what it held (a null scalar, or
 * the scalar of a shorthand), so defaults can be read into it: `optimizer: adam` becomes
 * `optimizer: {adam: {}}`, `flatten:` becomes `flatten: {}`. Keeps the node's mark. */
void nn_cfg_make_map(nn_cfg *node);

/* Whether a scalar is YAML null (~, null, empty plain scalar). */
bool nn_cfg_is_null(const nn_cfg *node);

/* --- output ------------------------------------------------------------------------- */

/* Writes the tree as block-style YAML that nn_cfg_load_* reads back to the same tree
 * (comments are not kept; strings are quoted where plain style would change meaning;
 * short sequences of scalars print in flow style, e.g. `input: [28, 28]`). */
nn_status nn_cfg_emit(const nn_cfg_doc *doc, FILE *out, nn_error *err);

#endif
