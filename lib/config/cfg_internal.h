/* cfg_internal.h — what the files of lib/config share with each other and nobody else.
 *
 * cfg.c owns the document's memory and the libyaml loader; cfg_read.c (schemas),
 * cfg_set.c (overrides) and cfg_emit.c (the writer) build nodes through these helpers so
 * that every node and string lives in the document's arena and is freed by nn_cfg_free.
 *
 * Collections grow by nn_cfg__append only: their arrays have a capacity that is implied by
 * n (see cfg.c), so an array built any other way must not be appended to.
 */
#ifndef NN_CONFIG_CFG_INTERNAL_H
#define NN_CONFIG_CFG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"

/* size bytes from the document's arena, zeroed and aligned for any type; NULL when out of
 * memory. Freed with the document. */
void *nn_cfg__alloc(nn_cfg_doc *doc, size_t size);

/* A copy of s[0..n) (plus NUL) in the arena; NULL when out of memory. */
char *nn_cfg__strndup(nn_cfg_doc *doc, const char *s, size_t n);
char *nn_cfg__strdup(nn_cfg_doc *doc, const char *s);

/* An empty collection or a scalar with a copy of `text`, at `mark`; NULL when out of
 * memory. mark.file must already be owned by the document. */
nn_cfg *nn_cfg__new(nn_cfg_doc *doc, nn_cfg_kind kind, nn_mark mark);
nn_cfg *nn_cfg__scalar(nn_cfg_doc *doc, const char *text, bool quoted, nn_mark mark);

/* Adds item (and, for a mapping, its key) at the end of a collection; false when out of
 * memory. Does not check for duplicate keys. */
bool nn_cfg__append(nn_cfg *coll, nn_cfg *key, nn_cfg *item);

/* Index of `key` in mapping `map`, or -1. Does not mark anything used. */
long nn_cfg__find(const nn_cfg *map, const char *key);

/* How yaml text that is not a whole file is placed in the document. */
typedef enum nn_cfg_place {
    NN_PLACE_OFFSET, /* marks relative to `base`: line 1 of the text is base.line and its
                        column 1 is base.column (a --set value inside its assignment) */
    NN_PLACE_FIXED   /* every node gets `base` (a default, which has no text of its own) */
} nn_cfg_place;

/* Parses `text` as one YAML value into nodes of `doc`. Empty text gives a null scalar.
 * Errors: NN_E_CONFIG with the same located, readable messages as the file loader;
 * NN_E_NOMEM. */
nn_status nn_cfg__parse_value(nn_cfg_doc *doc, const char *text, nn_mark base,
                              nn_cfg_place place, nn_cfg **out, nn_error *err);

/* "'name' (did you mean 'x'?); valid: a, b, c" into buf: the tail shared by every
 * "unknown ... 'name'" message. */
void nn_cfg__choice_tail(char *buf, size_t size, const char *name,
                         const char *const *choices);

#endif
