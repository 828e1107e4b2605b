/* tar.c — members out of a tar stream, so cifar-10-binary.tar.gz is read without unpacking.
 *
 * A tar archive is a sequence of 512-byte blocks: a header block per member (name, octal
 * size, checksum, type), the member's bytes padded to a whole block, and two zero blocks at
 * the end. Names longer than the ustar fields come from a preceding GNU 'L' member or a pax
 * 'x' member's "path=" record. The stream is parsed as zlib inflates it, so the archive is
 * never held unpacked: only the members asked for are copied out.
 */
#include "data/internal.h"

#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 512, META_MAX = 1 << 16 };
#define MEMBER_MAX ((size_t)1 << 31) /* a wanted member larger than this is not CIFAR-10 */

typedef enum { T_HEADER, T_DATA, T_PAD, T_END } tar_phase;

typedef struct tar_state {
    const char *archive;
    nn_tar_want *want;
    int n_want;
    tar_phase phase;
    size_t offset;       /* bytes of the tar stream consumed so far */
    uint8_t hdr[BLOCK];
    size_t hdr_fill;
    int zero_blocks;
    /* the member being read */
    char member[1024];
    size_t size, remaining, pad;
    nn_tar_want *target; /* copy into target->data, or skip when NULL */
    char meta_type;      /* 'L' or 'x': the member's bytes are a name for the next member */
    char meta[META_MAX + 1];
    size_t meta_fill;
    char next_name[1024]; /* from the last 'L' or 'x' member; empty when none */
} tar_state;

static bool parse_octal(const uint8_t *p, size_t n, size_t *out)
{
    if (p[0] & 0x80) { /* GNU base-256 for large sizes */
        size_t v = p[0] & 0x3f;
        for (size_t i = 1; i < n; i++) {
            if (v > (SIZE_MAX >> 8))
                return false;
            v = v << 8 | p[i];
        }
        *out = v;
        return true;
    }
    size_t i = 0, v = 0;
    while (i < n && p[i] == ' ')
        i++;
    bool digits = false;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        if (v > (SIZE_MAX >> 3))
            return false;
        v = v << 3 | (size_t)(p[i] - '0');
        digits = true;
    }
    if (i < n && p[i] != ' ' && p[i] != '\0')
        return false;
    *out = v;
    return digits;
}

static bool checksum_ok(const uint8_t *h)
{
    size_t want;
    if (!parse_octal(h + 148, 8, &want))
        return false;
    unsigned long usum = 0;
    long ssum = 0; /* some old tars summed signed chars */
    for (int i = 0; i < BLOCK; i++) {
        uint8_t c = (i >= 148 && i < 156) ? ' ' : h[i];
        usum += c;
        ssum += (signed char)c;
    }
    return usum == want || (ssum >= 0 && (size_t)ssum == want);
}

static void field(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] && k + 1 < cap) {
        dst[k] = (char)p[k];
        k++;
    }
    dst[k] = '\0';
}

static const char *base_name(const char *path)
{
    size_t len = strlen(path);
    if (len > 0 && path[len - 1] == '/') /* "dir/" names a directory: no base name */
        return "";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* pax records: "<len> key=value\n" ... ; takes path= */
static void pax_path(const char *meta, size_t n, char *out, size_t cap)
{
    size_t i = 0;
    while (i < n) {
        size_t len = 0, j = i;
        while (j < n && meta[j] >= '0' && meta[j] <= '9')
            len = len * 10 + (size_t)(meta[j++] - '0');
        if (len == 0 || i + len > n || j >= n || meta[j] != ' ')
            return;
        const char *kv = meta + j + 1;
        size_t kv_len = i + len - (j + 1);
        if (kv_len > 5 && memcmp(kv, "path=", 5) == 0) {
            size_t v = kv_len - 5;
            if (v > 0 && kv[5 + v - 1] == '\n')
                v--;
            if (v >= cap)
                v = cap - 1;
            memcpy(out, kv + 5, v);
            out[v] = '\0';
        }
        i += len;
    }
}

static nn_status start_member(tar_state *t, nn_error *err)
{
    const uint8_t *h = t->hdr;
    size_t block_at = t->offset - BLOCK;
    bool zero = true;
    for (int i = 0; i < BLOCK && zero; i++)
        zero = h[i] == 0;
    if (zero) {
        if (++t->zero_blocks == 2)
            t->phase = T_END;
        return NN_OK;
    }
    t->zero_blocks = 0;
    if (!checksum_ok(h))
        return nn_fail_at(err, NN_E_DATA, t->archive, 0, 0,
                          "not a tar archive (bad header checksum at offset %zu)", block_at);
    if (!parse_octal(h + 124, 12, &t->size))
        return nn_fail_at(err, NN_E_DATA, t->archive, 0, 0,
                          "bad member size field in the tar header at offset %zu", block_at);
    char type = (char)h[156];
    if (t->next_name[0]) {
        nn_strlcpy(t->member, t->next_name, sizeof t->member);
        t->next_name[0] = '\0';
    } else {
        char name[101], prefix[156];
        field(name, sizeof name, h, 100);
        field(prefix, sizeof prefix, h + 345, 155);
        if (memcmp(h + 257, "ustar", 5) == 0 && prefix[0])
            snprintf(t->member, sizeof t->member, "%s/%s", prefix, name);
        else
            nn_strlcpy(t->member, name, sizeof t->member);
    }
    t->remaining = t->size;
    t->pad = (BLOCK - t->size % BLOCK) % BLOCK;
    t->target = NULL;
    t->meta_type = 0;
    if (type == 'L' || type == 'x') {
        if (t->size > META_MAX)
            return nn_fail_at(err, NN_E_DATA, t->archive, 0, 0,
                              "tar extended header of %zu bytes at offset %zu is too large",
                              t->size, block_at);
        t->meta_type = type;
        t->meta_fill = 0;
    } else if (type == '0' || type == '\0' || type == '7') {
        const char *base = base_name(t->member);
        for (int i = 0; i < t->n_want; i++) {
            if (t->want[i].found || strcmp(t->want[i].name, base) != 0)
                continue;
            if (t->size > MEMBER_MAX)
                return nn_fail_at(err, NN_E_DATA, t->archive, 0, 0,
                                  "member %s is %zu bytes: too large", t->member, t->size);
            t->want[i].data = malloc(t->size ? t->size : 1);
            if (!t->want[i].data)
                return nn_fail_at(err, NN_E_NOMEM, t->archive, 0, 0,
                                  "out of memory for member %s (%zu bytes)", t->member, t->size);
            t->want[i].len = 0;
            t->want[i].found = true;
            t->target = &t->want[i];
            break;
        }
    }
    t->phase = t->remaining > 0 ? T_DATA : t->pad > 0 ? T_PAD : T_HEADER;
    return NN_OK;
}

static void end_member_data(tar_state *t)
{
    if (t->meta_type == 'L') {
        size_t n = t->meta_fill < sizeof t->next_name - 1 ? t->meta_fill : sizeof t->next_name - 1;
        memcpy(t->next_name, t->meta, n);
        t->next_name[n] = '\0';
    } else if (t->meta_type == 'x') {
        pax_path(t->meta, t->meta_fill, t->next_name, sizeof t->next_name);
    }
    t->meta_type = 0;
}

static nn_status tar_sink(void *ctx, const uint8_t *p, size_t n, nn_error *err)
{
    tar_state *t = ctx;
    while (n > 0 && t->phase != T_END) {
        size_t take = n;
        switch (t->phase) {
        case T_HEADER:
            take = BLOCK - t->hdr_fill < n ? BLOCK - t->hdr_fill : n;
            memcpy(t->hdr + t->hdr_fill, p, take);
            t->hdr_fill += take;
            t->offset += take;
            if (t->hdr_fill == BLOCK) {
                t->hdr_fill = 0;
                nn_status st = start_member(t, err);
                if (st != NN_OK)
                    return st;
            }
            break;
        case T_DATA:
            take = t->remaining < n ? t->remaining : n;
            if (t->target) {
                memcpy(t->target->data + t->target->len, p, take);
                t->target->len += take;
            } else if (t->meta_type) {
                memcpy(t->meta + t->meta_fill, p, take);
                t->meta_fill += take;
            }
            t->remaining -= take;
            t->offset += take;
            if (t->remaining == 0) {
                end_member_data(t);
                t->phase = t->pad > 0 ? T_PAD : T_HEADER;
            }
            break;
        case T_PAD:
            take = t->pad < n ? t->pad : n;
            t->pad -= take;
            t->offset += take;
            if (t->pad == 0)
                t->phase = T_HEADER;
            break;
        case T_END:
            break;
        }
        p += take;
        n -= take;
    }
    return NN_OK;
}

nn_status nn_tar_extract(const char *name, const uint8_t *stored, size_t n, nn_tar_want *want,
                         int n_want, nn_error *err)
{
    tar_state *t = calloc(1, sizeof *t);
    if (!t)
        return nn_fail_at(err, NN_E_NOMEM, name, 0, 0, "out of memory");
    t->archive = name;
    t->want = want;
    t->n_want = n_want;
    t->phase = T_HEADER;
    for (int i = 0; i < n_want; i++) {
        want[i].data = NULL;
        want[i].len = 0;
        want[i].found = false;
    }
    nn_status st = nn_gz_magic(stored, n) ? nn_gz_stream(name, stored, n, tar_sink, t, err)
                                          : tar_sink(t, stored, n, err);
    if (st == NN_OK && t->phase == T_DATA)
        st = nn_fail_at(err, NN_E_DATA, name, 0, 0,
                        "archive ends inside member %s (%zu of %zu bytes present)", t->member,
                        t->size - t->remaining, t->size);
    else if (st == NN_OK && t->phase == T_HEADER && t->hdr_fill > 0)
        st = nn_fail_at(err, NN_E_DATA, name, 0, 0,
                        "archive ends inside a tar header (offset %zu)", t->offset);
    else if (st == NN_OK && t->offset == 0)
        st = nn_fail_at(err, NN_E_DATA, name, 0, 0, "empty archive");
    if (st != NN_OK) {
        for (int i = 0; i < n_want; i++) {
            free(want[i].data);
            want[i].data = NULL;
            want[i].len = 0;
            want[i].found = false;
        }
    }
    free(t);
    return st;
}
