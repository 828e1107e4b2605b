/* json.h — a small streaming JSON writer (results.json, jsonl logs). */
#ifndef NN_IO_JSON_H
#define NN_IO_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define NN_JSON_DEPTH 16

typedef struct nn_json {
    FILE *out;
    bool pretty;
    int depth;
    bool first[NN_JSON_DEPTH]; /* no member written yet at this depth */
    char close[NN_JSON_DEPTH]; /* '}' or ']' for the container open at this depth */
} nn_json;

void nn_json_init(nn_json *j, FILE *out, bool pretty);

/* key may be NULL inside arrays and at the top. */
void nn_json_object(nn_json *j, const char *key);
void nn_json_array(nn_json *j, const char *key);
void nn_json_end(nn_json *j); /* closes the innermost object or array */
void nn_json_string(nn_json *j, const char *key, const char *value); /* NULL -> null */
void nn_json_number(nn_json *j, const char *key, double value);      /* non-finite -> null */
void nn_json_int(nn_json *j, const char *key, long long value);
void nn_json_bool(nn_json *j, const char *key, bool value);
void nn_json_null(nn_json *j, const char *key);

#endif
