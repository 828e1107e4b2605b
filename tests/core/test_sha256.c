/* test_sha256.c — SHA-256 against the FIPS 180-4 example digests, both block functions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"

static void hex_of(nn_sha256 *c, char out[65])
{
    uint8_t d[32];
    nn_sha256_final(c, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void digest(bool portable, const void *data, size_t len, char out[65])
{
    nn_sha256 c;
    if (portable)
        nn_sha256_init_portable(&c);
    else
        nn_sha256_init(&c);
    nn_sha256_update(&c, data, len);
    hex_of(&c, out);
}

static void test_known_digests(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *hex;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    char hex[65];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int portable = 0; portable < 2; portable++) {
            digest(portable, cases[i].msg, strlen(cases[i].msg), hex);
            assert_string_equal(hex, cases[i].hex);
        }
        nn_sha256_hex(cases[i].msg, strlen(cases[i].msg), hex);
        assert_string_equal(hex, cases[i].hex);
    }
}

static void test_million_a(void **state)
{
    (void)state;
    char *a = malloc(1000000);
    assert_non_null(a);
    memset(a, 'a', 1000000);
    char hex[65];
    for (int portable = 0; portable < 2; portable++) {
        digest(portable, a, 1000000, hex);
        assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
    free(a);
}

/* Feeding the same bytes in pieces of every size gives the one-shot digest. */
static void test_pieces_match(void **state)
{
    (void)state;
    enum { N = 1000 };
    uint8_t buf[N];
    for (int i = 0; i < N; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    for (size_t len = 0; len <= N; len += 61) {
        char whole[65], pieces[65];
        digest(true, buf, len, whole);
        for (size_t step = 1; step <= 130; step += 43) {
            nn_sha256 c;
            nn_sha256_init(&c);
            for (size_t at = 0; at < len; at += step)
                nn_sha256_update(&c, buf + at, len - at < step ? len - at : step);
            hex_of(&c, pieces);
            assert_string_equal(whole, pieces);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_digests),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_pieces_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
