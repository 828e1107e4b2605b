/* json_read.h — a small strict JSON reader (RFC 8259), for safetensors headers.
 *
 * The text is parsed into a tree of nn_jv values. Strict means: one value, then only
 * whitespace; no trailing commas, comments, single quotes, NaN/Infinity, leading zeros or
 * unescaped control characters; strings must be valid UTF-8 and \u escapes well-formed
 * (surrogates paired); an object may not repeat a key; nesting is limited to
 * NN_JV_MAX_DEPTH. Every value remembers its byte offset, so an error can say where.
 *
 * Ownership: nn_jv_parse allocates the tree; nn_jv_free releases it. Nothing here prints.
 */
#ifndef NN_IO_JSON_READ_H
#define NN_IO_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define NN_JV_MAX_DEPTH 64

typedef enum nn_jv_kind {
    NN_JV_NULL,
    NN_JV_BOOL,
    NN_JV_NUMBER,
    NN_JV_STRING,
    NN_JV_ARRAY,
    NN_JV_OBJECT
} nn_jv_kind;

typedef struct nn_jv nn_jv;

struct nn_jv {
    nn_jv_kind kind;
    size_t offset;     /* byte offset of the value's first character in the text */
    bool boolean;      /* NN_JV_BOOL */
    double number;     /* NN_JV_NUMBER */
    bool is_uint;      /* NN_JV_NUMBER written as a plain non-negative integer that fits */
    uint64_t uint;     /*   in 64 bits (no sign, fraction or exponent): its exact value */
    char *str;         /* NN_JV_STRING: decoded, NUL-terminated (may hold no NUL itself) */
    size_t n;          /* NN_JV_ARRAY / NN_JV_OBJECT: number of items */
    nn_jv *items;      /* [n] */
    char **keys;       /* NN_JV_OBJECT: [n] decoded keys, in the order of the text */
};

/* Parses len bytes of text. On failure returns NN_E_DATA with a message of the form
 * "<what>: at byte N: expected ..." and leaves *out untouched. Free with nn_jv_free. */
nn_status nn_jv_parse(const char *text, size_t len, const char *what, nn_jv **out,
                      nn_error *err);

void nn_jv_free(nn_jv *v);

/* The value for key in an object, or NULL (also when v is not an object). */
const nn_jv *nn_jv_get(const nn_jv *v, const char *key);

/* "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *nn_jv_kind_name(nn_jv_kind kind);

#endif
