/* test_json_read.c — the strict JSON reader: values, escapes, and every way a header can
 * be malformed, each refused with the byte where it went wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "io/json_read.h"

static nn_jv *parse_ok(const char *text)
{
    nn_jv *v = NULL;
    nn_error err;
    nn_error_clear(&err);
    nn_status st = nn_jv_parse(text, strlen(text), "test", &v, &err);
    if (st)
        fail_msg("%s: %s", text, err.msg);
    return v;
}

/* Parses text that must fail; returns the message. */
static const char *parse_bad(const char *text, size_t len)
{
    static nn_error err;
    nn_jv *v = NULL;
    nn_error_clear(&err);
    assert_int_equal(nn_jv_parse(text, len, "hdr", &v, &err), NN_E_DATA);
    assert_null(v);
    return err.msg;
}

static void test_values(void **state)
{
    (void)state;
    nn_jv *v = parse_ok(" {\"a\": [1, 2.5, -3, 1e2, true, false, null], \"b\": {\"c\": \"d\"}} ");
    assert_int_equal(v->kind, NN_JV_OBJECT);
    assert_int_equal(v->n, 2);
    assert_string_equal(v->keys[0], "a");
    const nn_jv *a = nn_jv_get(v, "a");
    assert_int_equal(a->kind, NN_JV_ARRAY);
    assert_int_equal(a->n, 7);
    assert_true(a->items[0].is_uint);
    assert_int_equal(a->items[0].uint, 1);
    assert_false(a->items[1].is_uint); /* a fraction */
    assert_true(a->items[1].number == 2.5);
    assert_false(a->items[2].is_uint); /* negative */
    assert_true(a->items[2].number == -3.0);
    assert_false(a->items[3].is_uint); /* an exponent */
    assert_true(a->items[3].number == 100.0);
    assert_int_equal(a->items[4].kind, NN_JV_BOOL);
    assert_true(a->items[4].boolean);
    assert_false(a->items[5].boolean);
    assert_int_equal(a->items[6].kind, NN_JV_NULL);
    assert_string_equal(nn_jv_get(nn_jv_get(v, "b"), "c")->str, "d");
    assert_null(nn_jv_get(v, "zz"));
    assert_int_equal(nn_jv_get(v, "b")->offset, 50);
    nn_jv_free(v);

    v = parse_ok("18446744073709551615"); /* the largest u64 */
    assert_true(v->is_uint);
    assert_true(v->uint == UINT64_MAX);
    nn_jv_free(v);
    v = parse_ok("18446744073709551616"); /* one more: a number, not a u64 */
    assert_false(v->is_uint);
    nn_jv_free(v);
    v = parse_ok("[]");
    assert_int_equal(v->n, 0);
    nn_jv_free(v);
    v = parse_ok("{}");
    assert_int_equal(v->kind, NN_JV_OBJECT);
    nn_jv_free(v);
}

static void test_strings(void **state)
{
    (void)state;
    nn_jv *v = parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 caf\xc3\xa9\"");
    assert_string_equal(v->str, "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80 caf\xc3\xa9");
    nn_jv_free(v);
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(parse_bad("{\"a\": 1,}", 9), "hdr: at byte 8: expected a string key");
    assert_string_equal(parse_bad("[1, 2,]", 7), "hdr: at byte 6: expected a value");
    assert_string_equal(parse_bad("{\"a\" 1}", 7), "hdr: at byte 5: expected ':' after a key");
    assert_string_equal(parse_bad("{\"a\": 1} x", 10),
                        "hdr: at byte 9: unexpected text after the value");
    assert_string_equal(parse_bad("{\"a\": 1, \"a\": 2}", 16),
                        "hdr: at byte 9: duplicate key in an object");
    assert_string_equal(parse_bad("01", 2), "hdr: at byte 0: a number may not have a leading zero");
    assert_string_equal(parse_bad("1.", 2), "hdr: at byte 2: expected a digit after the decimal point");
    assert_string_equal(parse_bad("1e", 2), "hdr: at byte 2: expected a digit in the exponent");
    assert_string_equal(parse_bad("NaN", 3), "hdr: at byte 0: expected a value");
    assert_string_equal(parse_bad("-", 1), "hdr: at byte 1: expected a digit");
    assert_string_equal(parse_bad("\"abc", 4), "hdr: at byte 0: unterminated string");
    assert_string_equal(parse_bad("\"a\tb\"", 5),
                        "hdr: at byte 2: control character in a string (it must be escaped)");
    assert_string_equal(parse_bad("\"\\x\"", 4), "hdr: at byte 1: unknown escape in a string");
    assert_string_equal(parse_bad("\"\\u12g4\"", 8), "hdr: at byte 1: \\u needs four hex digits");
    assert_string_equal(parse_bad("\"\\ud83d\"", 8),
                        "hdr: at byte 1: unpaired high surrogate in \\u escape");
    assert_string_equal(parse_bad("\"\\ude00\"", 8),
                        "hdr: at byte 1: unpaired low surrogate in \\u escape");
    assert_string_equal(parse_bad("\"\\u0000\"", 8),
                        "hdr: at byte 1: \\u0000 is not allowed in a string here");
    assert_string_equal(parse_bad("\"\xc3\"", 3), "hdr: at byte 1: invalid UTF-8 in a string");
    assert_string_equal(parse_bad("\"\xc0\xaf\"", 4), "hdr: at byte 1: invalid UTF-8 in a string");
    assert_string_equal(parse_bad("", 0), "hdr: at byte 0: unexpected end of text");
    assert_string_equal(parse_bad("{\"a\": tru}", 10), "hdr: at byte 6: expected a value");
    /* a NUL byte inside the text is not whitespace */
    assert_string_equal(parse_bad("{}\0", 3), "hdr: at byte 2: unexpected text after the value");

    char deep[2 * NN_JV_MAX_DEPTH + 4];
    size_t n = 0;
    for (int i = 0; i <= NN_JV_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i <= NN_JV_MAX_DEPTH; i++)
        deep[n++] = ']';
    char want[64];
    snprintf(want, sizeof want, "hdr: at byte %d: nested too deeply", NN_JV_MAX_DEPTH);
    assert_string_equal(parse_bad(deep, n), want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
