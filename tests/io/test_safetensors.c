/* test_safetensors.c — safetensors files: a round trip; the exact bytes nnrun writes,
 * parsed here independently of the reader; the stages of an atomic save; and damaged
 * files (bad lengths, bad JSON, bad entries, truncated data, gaps, wrong dtype) refused
 * with messages that say what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/safetensors.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/nnrun-st-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const float kernel[6] = {1.0f, -2.5f, 3.25f, 0.0f, 1e-8f, -7.0f};
static const float bias[3] = {0.5f, 0.25f, -0.125f};

static void build(nn_st *s)
{
    nn_error err;
    nn_st_init(s);
    uint64_t ks[2] = {2, 3}, bs[1] = {3};
    assert_int_equal(nn_st_meta_set(s, "format", "nnrun-weights", &err), NN_OK);
    assert_int_equal(nn_st_add_f32(s, "dense.kernel", 2, ks, kernel, &err), NN_OK);
    assert_int_equal(nn_st_add_f32(s, "dense.bias", 1, bs, bias, &err), NN_OK);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void test_round_trip(void **state)
{
    (void)state;
    nn_st s, r;
    nn_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/w.safetensors", dir);
    build(&s);
    assert_int_equal(nn_st_meta_set_double(&s, "lr", 0.1, &err), NN_OK);
    assert_int_equal(nn_st_meta_set_ll(&s, "iterations", -12345678901LL, &err), NN_OK);
    assert_int_equal(nn_st_save(&s, path, NULL, NULL, &err), NN_OK);
    nn_st_free(&s);

    nn_st_init(&r);
    assert_int_equal(nn_st_load(path, &r, &err), NN_OK);
    assert_int_equal(r.n, 2);
    const nn_st_tensor *k = nn_st_find(&r, "dense.kernel"), *b = nn_st_find(&r, "dense.bias");
    assert_non_null(k);
    assert_non_null(b);
    assert_null(nn_st_find(&r, "dense.gamma"));
    assert_int_equal(k->rank, 2);
    assert_int_equal(k->shape[0], 2);
    assert_int_equal(k->shape[1], 3);
    assert_int_equal(nn_st_numel(k), 6);
    float got[6];
    assert_int_equal(nn_st_read_f32(k, got, &err), NN_OK);
    assert_memory_equal(got, kernel, sizeof kernel);
    assert_int_equal(nn_st_read_f32(b, got, &err), NN_OK);
    assert_memory_equal(got, bias, sizeof bias);
    assert_string_equal(nn_st_meta_get(&r, "format"), "nnrun-weights");
    double lr;
    long long it;
    assert_int_equal(nn_st_meta_get_double(&r, "lr", "f", &lr, &err), NN_OK);
    assert_true(lr == 0.1);
    assert_int_equal(nn_st_meta_get_ll(&r, "iterations", "f", &it, &err), NN_OK);
    assert_true(it == -12345678901LL);
    assert_int_equal(nn_st_meta_get_ll(&r, "format", "f", &it, &err), NN_E_DATA);
    assert_string_equal(err.msg, "f: metadata 'format' is 'nnrun-weights', not an integer");
    assert_int_equal(nn_st_meta_get_ll(&r, "nope", "f", &it, &err), NN_E_DATA);
    assert_string_equal(err.msg, "f: metadata 'nope' is missing");
    nn_st_free(&r);
}

/* The bytes, read without the library's reader: u64 length, the JSON text exactly, space
 * padding to 8-byte alignment, then the floats little-endian, back to back. */
static void test_exact_layout(void **state)
{
    (void)state;
    nn_st s;
    nn_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/layout.safetensors", dir);
    build(&s);
    assert_int_equal(nn_st_save(&s, path, NULL, NULL, &err), NN_OK);
    nn_st_free(&s);
    size_t len;
    unsigned char *f = slurp(path, &len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | f[i];
    const char *json = "{\"__metadata__\":{\"format\":\"nnrun-weights\"},"
                       "\"dense.kernel\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                       "\"dense.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}";
    size_t jl = strlen(json);
    assert_true(n >= jl && n < jl + 8);
    assert_int_equal((8 + n) % 8, 0);
    assert_memory_equal(f + 8, json, jl);
    for (size_t i = jl; i < n; i++)
        assert_int_equal(f[8 + i], ' ');
    assert_int_equal(len, 8 + n + 36);
    const unsigned char *d = f + 8 + n;
    for (int i = 0; i < 9; i++) {
        float want = i < 6 ? kernel[i] : bias[i - 6];
        uint32_t bits;
        memcpy(&bits, &want, 4);
        for (int b = 0; b < 4; b++)
            assert_int_equal(d[4 * i + b], (bits >> (8 * b)) & 0xff);
    }
    free(f);
}

typedef struct stages {
    char seen[3][16];
    int n;
    char path[128];
    long tmp_size_at_half;
    int target_exists_at_synced;
} stages;

static void record_stage(void *user, const char *stage)
{
    stages *s = user;
    snprintf(s->seen[s->n++], sizeof s->seen[0], "%s", stage);
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", s->path, (long)getpid());
    struct stat sb;
    if (strcmp(stage, "half") == 0)
        s->tmp_size_at_half = stat(tmp, &sb) == 0 ? (long)sb.st_size : -1;
    if (strcmp(stage, "synced") == 0)
        s->target_exists_at_synced = stat(s->path, &sb) == 0;
}

static void test_save_stages(void **state)
{
    (void)state;
    nn_st s;
    nn_error err;
    stages st = {0};
    snprintf(st.path, sizeof st.path, "%s/staged.safetensors", dir);
    build(&s);
    assert_int_equal(nn_st_save(&s, st.path, record_stage, &st, &err), NN_OK);
    nn_st_free(&s);
    assert_int_equal(st.n, 3);
    assert_string_equal(st.seen[0], "begin");
    assert_string_equal(st.seen[1], "half");
    assert_string_equal(st.seen[2], "synced");
    /* at "half" the temporary file holds the header and 16 of the 36 data bytes */
    size_t len;
    unsigned char *f = slurp(st.path, &len);
    assert_int_equal(st.tmp_size_at_half, (long)(len - 36 + 16));
    free(f);
    assert_false(st.target_exists_at_synced);
}

/* A file from a header text and `data` zero bytes of data. */
static unsigned char *make_file(const char *header, size_t data, size_t *len)
{
    size_t h = strlen(header);
    *len = 8 + h + data;
    unsigned char *f = calloc(1, *len);
    for (int i = 0; i < 8; i++)
        f[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(f + 8, header, h);
    return f;
}

static const char *parse_bad(const char *header, size_t data)
{
    static nn_error err;
    size_t len;
    unsigned char *f = make_file(header, data, &len);
    nn_st s;
    nn_st_init(&s);
    nn_error_clear(&err);
    assert_int_equal(nn_st_parse(f, len, "x.st", &s, &err), NN_E_DATA);
    assert_int_equal(s.n, 0);
    free(f);
    return err.msg;
}

#define T(name, dtype, shape, b, e)                                                             \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":[" #b "," #e "]}"

static void test_bad_files(void **state)
{
    (void)state;
    nn_st s;
    nn_error err;
    nn_st_init(&s);
    assert_int_equal(nn_st_parse("\x01\x00\x00", 3, "x.st", &s, &err), NN_E_DATA);
    assert_string_equal(err.msg, "x.st is not a valid safetensors file: it is 3 bytes long, "
                                 "shorter than the 8-byte header length");
    unsigned char huge[16] = {0xff, 0xff, 0xff, 0x00, 0, 0, 0, 0, '{', '}'};
    assert_int_equal(nn_st_parse(huge, sizeof huge, "x.st", &s, &err), NN_E_DATA);
    assert_string_equal(err.msg, "x.st is not a valid safetensors file: header length 16777215 "
                                 "is larger than the rest of the file (8 bytes; truncated?)");
    unsigned char over[16] = {0x00, 0xe2, 0xf5, 0x05, 0, 0, 0, 0, '{', '}'}; /* 100000256 */
    assert_int_equal(nn_st_parse(over, sizeof over, "x.st", &s, &err), NN_E_DATA);
    assert_string_equal(err.msg, "x.st is not a valid safetensors file: header length 100000256 "
                                 "is larger than the 100000000 bytes allowed");

    assert_string_equal(parse_bad("[1, 2]", 0),
                        "x.st is not a valid safetensors file: the header does not start with '{'");
    assert_string_equal(parse_bad("{\"a\": 1,}", 0),
                        "x.st is not a valid safetensors file: its JSON header: at byte 8: "
                        "expected a string key");
    assert_string_equal(parse_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4),
                        "x.st is not a valid safetensors file: tensor 'a' lacks 'data_offsets'");
    assert_string_equal(parse_bad("{" T("a", "F33", "[1]", 0, 4) "}", 4),
                        "x.st is not a valid safetensors file: tensor 'a' has an unknown dtype "
                        "'F33'");
    assert_string_equal(parse_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
                                  "\"x\":1}}",
                                  4),
                        "x.st is not a valid safetensors file: tensor 'a' has an unknown key 'x'");
    assert_string_equal(parse_bad("{" T("a", "F32", "[2, -1]", 0, 4) "}", 4),
                        "x.st is not a valid safetensors file: dimension 1 of tensor 'a' is not "
                        "a non-negative integer");
    assert_string_equal(parse_bad("{" T("a", "F32", "[2, 3]", 0, 20) "}", 20),
                        "x.st is not a valid safetensors file: tensor 'a' (F32 [2, 3]) needs 24 "
                        "bytes but its data_offsets [0, 20] span 20");
    assert_string_equal(parse_bad("{" T("a", "F32", "[2, 3]", 0, 24) "}", 10),
                        "x.st is not a valid safetensors file: tensor 'a' ends at byte 24 of the "
                        "data but the file holds only 10 bytes of data (truncated?)");
    assert_string_equal(parse_bad("{" T("a", "F32", "[1]", 8, 4) "}", 8),
                        "x.st is not a valid safetensors file: tensor 'a' has data_offsets "
                        "[8, 4] (begin after end)");
    assert_string_equal(parse_bad("{" T("a", "F32", "[1]", 0, 4) "," T("b", "F32", "[1]", 8, 12) "}",
                                  12),
                        "x.st is not a valid safetensors file: tensor 'b' starts at byte 8 of the "
                        "data, expected 4 (gap)");
    assert_string_equal(parse_bad("{" T("a", "F32", "[2]", 0, 8) "," T("b", "F32", "[1]", 4, 8) "}",
                                  8),
                        "x.st is not a valid safetensors file: tensor 'b' starts at byte 4 of the "
                        "data, expected 8 (overlap)");
    assert_string_equal(parse_bad("{" T("a", "F32", "[1]", 0, 4) "}", 6),
                        "x.st is not a valid safetensors file: the tensors end at byte 4 of the "
                        "data but 6 bytes follow");
    assert_string_equal(parse_bad("{\"__metadata__\":{\"k\":1}}", 0),
                        "x.st is not a valid safetensors file: __metadata__ entry 'k' is a "
                        "number, not a string");
    assert_string_equal(parse_bad("{\"a\":[0,4]}", 4),
                        "x.st is not a valid safetensors file: the entry of tensor 'a' is an "
                        "array, not an object");
}

static void test_overlap_order_independent(void **state)
{
    (void)state;
    /* entries in any order are fine when they tile the data; b listed first */
    size_t len;
    unsigned char *f = make_file("{" T("b", "F32", "[1]", 4, 8) "," T("a", "F32", "[1]", 0, 4) "}",
                                 8, &len);
    nn_st s;
    nn_error err;
    nn_st_init(&s);
    assert_int_equal(nn_st_parse(f, len, "x.st", &s, &err), NN_OK);
    assert_string_equal(s.tensors[0].name, "b");
    nn_st_free(&s);
    free(f);
}

static void test_wrong_dtype_and_missing_file(void **state)
{
    (void)state;
    size_t len;
    unsigned char *f = make_file("{" T("h", "F16", "[2]", 0, 4) ","
                                 "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                                 "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12]}}",
                                 12, &len);
    nn_st s;
    nn_error err;
    nn_st_init(&s);
    assert_int_equal(nn_st_parse(f, len, "x.st", &s, &err), NN_OK);
    const nn_st_tensor *h = nn_st_find(&s, "h");
    assert_int_equal(h->dtype, NN_ST_F16);
    float out[2];
    assert_int_equal(nn_st_read_f32(h, out, &err), NN_E_DATA);
    assert_string_equal(err.msg, "tensor 'h' has dtype F16; nnrun reads F32 only");
    assert_int_equal(nn_st_numel(nn_st_find(&s, "e")), 0);  /* an empty tensor */
    assert_int_equal(nn_st_numel(nn_st_find(&s, "s")), 1);  /* a scalar */
    nn_st_free(&s);
    free(f);

    char path[128];
    snprintf(path, sizeof path, "%s/none.safetensors", dir);
    assert_int_equal(nn_st_load(path, &s, &err), NN_E_IO);
    assert_non_null(strstr(err.msg, "none.safetensors"));
}

static void test_truncated_file(void **state)
{
    (void)state;
    nn_st s;
    nn_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/cut.safetensors", dir);
    build(&s);
    assert_int_equal(nn_st_save(&s, path, NULL, NULL, &err), NN_OK);
    nn_st_free(&s);
    size_t len;
    unsigned char *f = slurp(path, &len);
    free(f);
    assert_int_equal(truncate(path, (off_t)(len - 5)), 0);
    nn_st_init(&s);
    assert_int_equal(nn_st_load(path, &s, &err), NN_E_DATA);
    char want[512];
    snprintf(want, sizeof want, "%s is not a valid safetensors file: tensor 'dense.bias' ends at "
                                "byte 36 of the data but the file holds only 31 bytes of data "
                                "(truncated?)",
             path);
    assert_string_equal(err.msg, want);
}

static void test_add_errors(void **state)
{
    (void)state;
    nn_st s;
    nn_error err;
    build(&s);
    uint64_t one = 1;
    assert_int_equal(nn_st_add_f32(&s, "dense.bias", 1, &one, bias, &err), NN_E_INTERNAL);
    assert_int_equal(nn_st_add_f32(&s, "__metadata__", 1, &one, bias, &err), NN_E_INTERNAL);
    assert_int_equal(nn_st_meta_set(&s, "format", "other", &err), NN_OK); /* replaces */
    assert_int_equal(s.n_meta, 1);
    assert_string_equal(nn_st_meta_get(&s, "format"), "other");
    nn_st_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_exact_layout),
        cmocka_unit_test(test_save_stages),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_overlap_order_independent),
        cmocka_unit_test(test_wrong_dtype_and_missing_file),
        cmocka_unit_test(test_truncated_file),
        cmocka_unit_test(test_add_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
