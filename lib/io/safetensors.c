/* safetensors.c — writing and strictly reading safetensors files (see safetensors.h). */
#include "io/safetensors.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "io/format.h"
#include "io/json_read.h"

const char *const nn_st_dtype_names[] = {"BOOL", "U8",  "I8",  "F8_E5M2", "F8_E4M3",
                                         "I16",  "U16", "F16", "BF16",    "I32",
                                         "U32",  "F32", "F64", "I64",     "U64",
                                         NULL};

size_t nn_st_dtype_size(nn_st_dtype dtype)
{
    switch (dtype) {
    case NN_ST_I16:
    case NN_ST_U16:
    case NN_ST_F16:
    case NN_ST_BF16: return 2;
    case NN_ST_I32:
    case NN_ST_U32:
    case NN_ST_F32: return 4;
    case NN_ST_F64:
    case NN_ST_I64:
    case NN_ST_U64: return 8;
    default: return 1;
    }
}

static bool host_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

void nn_st_init(nn_st *s)
{
    memset(s, 0, sizeof *s);
}

void nn_st_free(nn_st *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->tensors[i].name);
    for (size_t i = 0; i < s->n_meta; i++) {
        free(s->meta_keys[i]);
        free(s->meta_values[i]);
    }
    free(s->tensors);
    free(s->meta_keys);
    free(s->meta_values);
    free(s->file);
    memset(s, 0, sizeof *s);
}

uint64_t nn_st_numel(const nn_st_tensor *t)
{
    uint64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->shape[i];
    return n;
}

const char *nn_st_shape_format(int rank, const uint64_t *shape, char *buf, size_t size)
{
    size_t used = 0;
    int k = snprintf(buf, size, "[");
    used = k > 0 ? (size_t)k : 0;
    for (int i = 0; i < rank && used < size; i++) {
        k = snprintf(buf + used, size - used, "%s%llu", i ? ", " : "",
                     (unsigned long long)shape[i]);
        used += k > 0 ? (size_t)k : 0;
    }
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

const nn_st_tensor *nn_st_find(const nn_st *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->tensors[i].name, name) == 0)
            return &s->tensors[i];
    return NULL;
}

/* --- building ---------------------------------------------------------------------- */

static nn_st_tensor *push_tensor(nn_st *s, const char *name, nn_error *err)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        nn_st_tensor *t = realloc(s->tensors, cap * sizeof *t);
        if (!t) {
            nn_fail(err, NN_E_NOMEM, "out of memory");
            return NULL;
        }
        s->tensors = t;
        s->cap = cap;
    }
    nn_st_tensor *t = &s->tensors[s->n];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    if (!t->name) {
        nn_fail(err, NN_E_NOMEM, "out of memory");
        return NULL;
    }
    s->n++;
    return t;
}

nn_status nn_st_add_f32(nn_st *s, const char *name, int rank, const uint64_t *shape,
                        const float *data, nn_error *err)
{
    if (!name[0] || strncmp(name, "__", 2) == 0)
        return nn_fail(err, NN_E_INTERNAL, "safetensors: invalid tensor name '%s'", name);
    if (rank < 0 || rank > NN_ST_MAX_RANK)
        return nn_fail(err, NN_E_INTERNAL, "safetensors: tensor '%s' has rank %d", name, rank);
    if (nn_st_find(s, name))
        return nn_fail(err, NN_E_INTERNAL, "safetensors: tensor '%s' added twice", name);
    nn_st_tensor *t = push_tensor(s, name, err);
    if (!t)
        return NN_E_NOMEM;
    t->dtype = NN_ST_F32;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->shape[i] = shape[i];
    t->data = data;
    uint64_t begin = s->n > 1 ? s->tensors[s->n - 2].end : 0;
    t->begin = begin;
    t->end = begin + nn_st_numel(t) * sizeof(float);
    return NN_OK;
}

nn_status nn_st_meta_set(nn_st *s, const char *key, const char *value, nn_error *err)
{
    for (size_t i = 0; i < s->n_meta; i++)
        if (strcmp(s->meta_keys[i], key) == 0) {
            char *v = strdup(value);
            if (!v)
                return nn_fail(err, NN_E_NOMEM, "out of memory");
            free(s->meta_values[i]);
            s->meta_values[i] = v;
            return NN_OK;
        }
    if (s->n_meta == s->cap_meta) {
        size_t cap = s->cap_meta ? 2 * s->cap_meta : 16;
        char **k = realloc(s->meta_keys, cap * sizeof *k);
        if (k)
            s->meta_keys = k;
        char **v = k ? realloc(s->meta_values, cap * sizeof *v) : NULL;
        if (v)
            s->meta_values = v;
        if (!k || !v)
            return nn_fail(err, NN_E_NOMEM, "out of memory");
        s->cap_meta = cap;
    }
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    }
    s->meta_keys[s->n_meta] = k;
    s->meta_values[s->n_meta] = v;
    s->n_meta++;
    return NN_OK;
}

nn_status nn_st_meta_set_ll(nn_st *s, const char *key, long long value, nn_error *err)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", value);
    return nn_st_meta_set(s, key, buf, err);
}

nn_status nn_st_meta_set_double(nn_st *s, const char *key, double value, nn_error *err)
{
    char buf[40];
    return nn_st_meta_set(s, key, nn_format_repr(value, buf, sizeof buf), err);
}

/* --- the header text --------------------------------------------------------------- */

typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_put(sbuf *b, const char *text, size_t len)
{
    if (b->oom)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->n + len + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, text, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k > 0)
        sb_put(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

static void sb_string(sbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            char esc[2] = {'\\', (char)*c};
            sb_put(b, esc, 2);
        } else if (*c < 0x20) {
            sb_printf(b, "\\u%04x", *c);
        } else {
            sb_put(b, (const char *)c, 1);
        }
    }
    sb_put(b, "\"", 1);
}

nn_status nn_st_header(const nn_st *s, char **out, size_t *len, nn_error *err)
{
    sbuf b = {0};
    sb_put(&b, "{", 1);
    bool first = true;
    if (s->n_meta) {
        sb_put(&b, "\"__metadata__\":{", 16);
        for (size_t i = 0; i < s->n_meta; i++) {
            if (i)
                sb_put(&b, ",", 1);
            sb_string(&b, s->meta_keys[i]);
            sb_put(&b, ":", 1);
            sb_string(&b, s->meta_values[i]);
        }
        sb_put(&b, "}", 1);
        first = false;
    }
    for (size_t i = 0; i < s->n; i++) {
        const nn_st_tensor *t = &s->tensors[i];
        if (!first)
            sb_put(&b, ",", 1);
        first = false;
        sb_string(&b, t->name);
        sb_printf(&b, ":{\"dtype\":\"%s\",\"shape\":[", nn_st_dtype_names[t->dtype]);
        for (int d = 0; d < t->rank; d++)
            sb_printf(&b, "%s%llu", d ? "," : "", (unsigned long long)t->shape[d]);
        sb_printf(&b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)t->begin,
                  (unsigned long long)t->end);
    }
    sb_put(&b, "}", 1);
    /* pad with spaces so that the data starts 8-byte aligned: (8 + N) % 8 == 0 */
    while (!b.oom && b.n % 8 != 0)
        sb_put(&b, " ", 1);
    if (b.oom) {
        free(b.p);
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    }
    *out = b.p;
    *len = b.n;
    return NN_OK;
}

/* --- writing ----------------------------------------------------------------------- */

/* Writes bytes of one tensor, converting floats to little-endian when the host is not. */
static bool write_tensor_bytes(FILE *fp, const nn_st_tensor *t, uint64_t from, uint64_t to)
{
    const unsigned char *src = t->data;
    if (host_little_endian() || t->dtype != NN_ST_F32)
        return fwrite(src + from, 1, (size_t)(to - from), fp) == (size_t)(to - from);
    /* from and to are multiples of 4 here (see nn_st_write) */
    for (uint64_t i = from; i < to; i += 4) {
        unsigned char le[4] = {src[i + 3], src[i + 2], src[i + 1], src[i]};
        if (fwrite(le, 1, 4, fp) != 4)
            return false;
    }
    return true;
}

nn_status nn_st_write(const nn_st *s, FILE *fp, const char *path, nn_st_stage_fn stage,
                      void *user, nn_error *err)
{
    char *header;
    size_t hlen;
    nn_status st = nn_st_header(s, &header, &hlen, err);
    if (st)
        return st;
    unsigned char lenbytes[8];
    for (int i = 0; i < 8; i++)
        lenbytes[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    bool ok = fwrite(lenbytes, 1, 8, fp) == 8 && fwrite(header, 1, hlen, fp) == hlen;
    free(header);
    uint64_t total = s->n ? s->tensors[s->n - 1].end : 0;
    uint64_t half = total / 2 / 4 * 4;
    bool half_told = !stage;
    for (size_t i = 0; ok && i < s->n; i++) {
        const nn_st_tensor *t = &s->tensors[i];
        uint64_t from = 0, size = t->end - t->begin;
        if (!half_told && t->begin <= half && half < t->end) {
            /* stop part-way through this tensor, on disk as far as it went */
            ok = write_tensor_bytes(fp, t, 0, half - t->begin) && fflush(fp) == 0;
            from = half - t->begin;
            half_told = true;
            if (ok)
                stage(user, "half");
        }
        ok = ok && write_tensor_bytes(fp, t, from, size);
    }
    if (ok && !half_told)
        stage(user, "half");
    if (!ok || fflush(fp) != 0 || ferror(fp))
        return nn_fail(err, NN_E_IO, "cannot write %s: %s", path, strerror(errno));
    return NN_OK;
}

nn_status nn_st_save(const nn_st *s, const char *path, nn_st_stage_fn stage, void *user,
                     nn_error *err)
{
    nn_atomic_file f;
    nn_status st = nn_file_begin(&f, path, err);
    if (st)
        return st;
    if (stage)
        stage(user, "begin");
    st = nn_st_write(s, f.fp, path, stage, user, err);
    if (!st && stage) {
        if (fsync(fileno(f.fp)) != 0)
            st = nn_fail(err, NN_E_IO, "cannot write %s: %s", path, strerror(errno));
        else
            stage(user, "synced");
    }
    if (st) {
        nn_file_abort(&f);
        return st;
    }
    return nn_file_commit(&f, err);
}

/* --- reading ----------------------------------------------------------------------- */

static nn_status bad(nn_error *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static nn_status bad(nn_error *err, const char *name, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return nn_fail(err, NN_E_DATA, "%s is not a valid safetensors file: %s", name, msg);
}

static nn_status read_metadata(nn_st *s, const nn_jv *m, const char *name, nn_error *err)
{
    if (m->kind != NN_JV_OBJECT)
        return bad(err, name, "__metadata__ is %s, not an object of strings",
                   nn_jv_kind_name(m->kind));
    for (size_t i = 0; i < m->n; i++) {
        if (m->items[i].kind != NN_JV_STRING)
            return bad(err, name, "__metadata__ entry '%s' is %s, not a string", m->keys[i],
                       nn_jv_kind_name(m->items[i].kind));
        nn_status st = nn_st_meta_set(s, m->keys[i], m->items[i].str, err);
        if (st)
            return st;
    }
    return NN_OK;
}

static nn_status read_tensor_entry(nn_st *s, const char *tname, const nn_jv *e,
                                   uint64_t data_len, const char *name, nn_error *err)
{
    if (e->kind != NN_JV_OBJECT)
        return bad(err, name, "the entry of tensor '%s' is %s, not an object", tname,
                   nn_jv_kind_name(e->kind));
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->keys[i], "dtype") != 0 && strcmp(e->keys[i], "shape") != 0 &&
            strcmp(e->keys[i], "data_offsets") != 0)
            return bad(err, name, "tensor '%s' has an unknown key '%s'", tname, e->keys[i]);
    const nn_jv *dtype = nn_jv_get(e, "dtype"), *shape = nn_jv_get(e, "shape"),
                *offs = nn_jv_get(e, "data_offsets");
    if (!dtype || !shape || !offs)
        return bad(err, name, "tensor '%s' lacks '%s'", tname,
                   !dtype ? "dtype" : !shape ? "shape" : "data_offsets");
    if (dtype->kind != NN_JV_STRING)
        return bad(err, name, "the dtype of tensor '%s' is %s, not a string", tname,
                   nn_jv_kind_name(dtype->kind));
    int kind = -1;
    for (int k = 0; nn_st_dtype_names[k]; k++)
        if (strcmp(dtype->str, nn_st_dtype_names[k]) == 0)
            kind = k;
    if (kind < 0)
        return bad(err, name, "tensor '%s' has an unknown dtype '%s'", tname, dtype->str);
    if (shape->kind != NN_JV_ARRAY)
        return bad(err, name, "the shape of tensor '%s' is %s, not an array", tname,
                   nn_jv_kind_name(shape->kind));
    if (shape->n > NN_ST_MAX_RANK)
        return bad(err, name, "tensor '%s' has %zu dimensions (at most %d are read)", tname,
                   shape->n, NN_ST_MAX_RANK);
    if (offs->kind != NN_JV_ARRAY || offs->n != 2 || !offs->items[0].is_uint ||
        !offs->items[1].is_uint)
        return bad(err, name, "the data_offsets of tensor '%s' are not two non-negative "
                              "integers [begin, end]",
                   tname);
    nn_st_tensor *t = push_tensor(s, tname, err);
    if (!t)
        return NN_E_NOMEM;
    t->dtype = (nn_st_dtype)kind;
    t->rank = (int)shape->n;
    uint64_t bytes = nn_st_dtype_size(t->dtype);
    bool overflow = false;
    for (size_t d = 0; d < shape->n; d++) {
        if (!shape->items[d].is_uint)
            return bad(err, name, "dimension %zu of tensor '%s' is not a non-negative integer",
                       d, tname);
        t->shape[d] = shape->items[d].uint;
        if (t->shape[d] && bytes > UINT64_MAX / t->shape[d])
            overflow = true;
        else
            bytes *= t->shape[d];
    }
    t->begin = offs->items[0].uint;
    t->end = offs->items[1].uint;
    char sh[256];
    if (t->begin > t->end)
        return bad(err, name, "tensor '%s' has data_offsets [%llu, %llu] (begin after end)",
                   tname, (unsigned long long)t->begin, (unsigned long long)t->end);
    if (overflow || t->end - t->begin != bytes) {
        char need[32];
        if (overflow)
            snprintf(need, sizeof need, "more than 2^64");
        else
            snprintf(need, sizeof need, "%llu", (unsigned long long)bytes);
        return bad(err, name,
                   "tensor '%s' (%s %s) needs %s bytes but its data_offsets [%llu, %llu] "
                   "span %llu",
                   tname, dtype->str, nn_st_shape_format(t->rank, t->shape, sh, sizeof sh),
                   need, (unsigned long long)t->begin, (unsigned long long)t->end,
                   (unsigned long long)(t->end - t->begin));
    }
    if (t->end > data_len)
        return bad(err, name,
                   "tensor '%s' ends at byte %llu of the data but the file holds only %llu "
                   "bytes of data (truncated?)",
                   tname, (unsigned long long)t->end, (unsigned long long)data_len);
    return NN_OK;
}

static int by_offsets(const void *a, const void *b)
{
    const nn_st_tensor *x = *(const nn_st_tensor *const *)a, *y = *(const nn_st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return 0;
}

/* The tensors must cover [0, data_len) exactly, one after the other. */
static nn_status check_tiling(const nn_st *s, uint64_t data_len, const char *name,
                              nn_error *err)
{
    if (s->n == 0) {
        if (data_len != 0)
            return bad(err, name, "%llu bytes of data follow a header without tensors",
                       (unsigned long long)data_len);
        return NN_OK;
    }
    const nn_st_tensor **order = malloc(s->n * sizeof *order);
    if (!order)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    for (size_t i = 0; i < s->n; i++)
        order[i] = &s->tensors[i];
    qsort(order, s->n, sizeof *order, by_offsets);
    uint64_t at = 0;
    nn_status st = NN_OK;
    for (size_t i = 0; i < s->n && !st; i++) {
        if (order[i]->begin != at)
            st = bad(err, name, "tensor '%s' starts at byte %llu of the data, expected %llu (%s)",
                     order[i]->name, (unsigned long long)order[i]->begin,
                     (unsigned long long)at, order[i]->begin < at ? "overlap" : "gap");
        at = order[i]->end;
    }
    if (!st && at != data_len)
        st = bad(err, name, "the tensors end at byte %llu of the data but %llu bytes follow",
                 (unsigned long long)at, (unsigned long long)data_len);
    free(order);
    return st;
}

static nn_status parse_owned(nn_st *s, const char *name, nn_error *err)
{
    if (s->file_len < 8)
        return bad(err, name, "it is %zu bytes long, shorter than the 8-byte header length",
                   s->file_len);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = hlen << 8 | s->file[i];
    if (hlen > NN_ST_MAX_HEADER)
        return bad(err, name, "header length %llu is larger than the %u bytes allowed",
                   (unsigned long long)hlen, NN_ST_MAX_HEADER);
    if (hlen > s->file_len - 8)
        return bad(err, name, "header length %llu is larger than the rest of the file (%zu "
                              "bytes; truncated?)",
                   (unsigned long long)hlen, s->file_len - 8);
    if (hlen == 0 || s->file[8] != '{')
        return bad(err, name, "the header does not start with '{'");
    s->data_start = 8 + (size_t)hlen;
    char what[600];
    snprintf(what, sizeof what, "%s is not a valid safetensors file: its JSON header", name);
    nn_jv *root;
    nn_status st = nn_jv_parse((const char *)s->file + 8, (size_t)hlen, what, &root, err);
    if (st)
        return st;
    if (root->kind != NN_JV_OBJECT) {
        nn_jv_free(root);
        return bad(err, name, "the header is not a JSON object");
    }
    uint64_t data_len = s->file_len - s->data_start;
    for (size_t i = 0; i < root->n && !st; i++) {
        if (strcmp(root->keys[i], "__metadata__") == 0)
            st = read_metadata(s, &root->items[i], name, err);
        else
            st = read_tensor_entry(s, root->keys[i], &root->items[i], data_len, name, err);
    }
    nn_jv_free(root);
    if (!st)
        st = check_tiling(s, data_len, name, err);
    if (st)
        return st;
    for (size_t i = 0; i < s->n; i++)
        s->tensors[i].data = s->file + s->data_start + s->tensors[i].begin;
    return NN_OK;
}

nn_status nn_st_parse(const void *bytes, size_t len, const char *name, nn_st *s,
                      nn_error *err)
{
    nn_st_free(s);
    s->file = malloc(len ? len : 1);
    if (!s->file)
        return nn_fail(err, NN_E_NOMEM, "out of memory reading %s", name);
    if (len)
        memcpy(s->file, bytes, len);
    s->file_len = len;
    nn_status st = parse_owned(s, name, err);
    if (st)
        nn_st_free(s);
    return st;
}

nn_status nn_st_load(const char *path, nn_st *s, nn_error *err)
{
    nn_st_free(s);
    char *buf;
    size_t len;
    nn_status st = nn_read_file(path, &buf, &len, err);
    if (st)
        return st;
    s->file = (unsigned char *)buf;
    s->file_len = len;
    st = parse_owned(s, path, err);
    if (st)
        nn_st_free(s);
    return st;
}

nn_status nn_st_read_f32(const nn_st_tensor *t, float *dst, nn_error *err)
{
    if (t->dtype != NN_ST_F32)
        return nn_fail(err, NN_E_DATA, "tensor '%s' has dtype %s; nnrun reads F32 only",
                       t->name, nn_st_dtype_names[t->dtype]);
    size_t n = (size_t)(t->end - t->begin);
    if (host_little_endian()) {
        if (n)
            memcpy(dst, t->data, n);
        return NN_OK;
    }
    const unsigned char *src = t->data;
    unsigned char *out = (unsigned char *)dst;
    for (size_t i = 0; i < n; i += 4) {
        out[i] = src[i + 3];
        out[i + 1] = src[i + 2];
        out[i + 2] = src[i + 1];
        out[i + 3] = src[i];
    }
    return NN_OK;
}

const char *nn_st_meta_get(const nn_st *s, const char *key)
{
    for (size_t i = 0; i < s->n_meta; i++)
        if (strcmp(s->meta_keys[i], key) == 0)
            return s->meta_values[i];
    return NULL;
}

nn_status nn_st_meta_get_ll(const nn_st *s, const char *key, const char *what,
                            long long *out, nn_error *err)
{
    const char *v = nn_st_meta_get(s, key);
    if (!v)
        return nn_fail(err, NN_E_DATA, "%s: metadata '%s' is missing", what, key);
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (!v[0] || *end || errno)
        return nn_fail(err, NN_E_DATA, "%s: metadata '%s' is '%s', not an integer", what, key,
                       v);
    *out = x;
    return NN_OK;
}

nn_status nn_st_meta_get_double(const nn_st *s, const char *key, const char *what,
                                double *out, nn_error *err)
{
    const char *v = nn_st_meta_get(s, key);
    if (!v)
        return nn_fail(err, NN_E_DATA, "%s: metadata '%s' is missing", what, key);
    char *end;
    double x = strtod(v, &end);
    if (!v[0] || *end || v[0] == ' ')
        return nn_fail(err, NN_E_DATA, "%s: metadata '%s' is '%s', not a number", what, key, v);
    *out = x;
    return NN_OK;
}
