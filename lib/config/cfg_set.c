/* cfg_set.c — `--set a.b.c=VALUE` overrides applied to a loaded document.
 *
 * The path walks mappings by key and sequences by index; a mapping missing on the way is
 * created, so `--set compile.optimizer.sgd.momentum=0.9` works whether or not the file
 * says anything about sgd. VALUE is parsed by libyaml like any other YAML, so overrides
 * and files cannot disagree on what `1e-3`, `'128'` or `[28, 28]` mean. Nodes made here
 * are marked "<--set N>" with the column inside the assignment, so a later complaint
 * about an overridden value points at the command line, not at the file.
 *
 * Everything that can fail is checked before the tree is touched, so a rejected
 * assignment leaves the document as it was (short of running out of memory).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "config/cfg.h"
#include "config/cfg_internal.h"

/* Columns are 1-based positions in the assignment string. */
static nn_mark set_mark(const char *file, size_t offset)
{
    nn_mark m = {file, 1, offset >= INT_MAX ? INT_MAX : (int)offset + 1};
    return m;
}

/* "--set PATH: detail" at column offset+1 of the assignment. */
static nn_status set_fail(nn_error *err, const char *file, size_t offset, const char *path,
                          size_t path_len, const char *detail)
{
    nn_mark m = set_mark(file, offset);
    return nn_fail_at(err, NN_E_CONFIG, file, m.line, m.column, "--set %.*s: %s",
                      (int)path_len, path, detail);
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

nn_status nn_cfg_set(nn_cfg_doc *doc, const char *assignment, int index, nn_error *err)
{
    char name[32];
    snprintf(name, sizeof name, "<--set %d>", index);
    const char *file = nn_cfg__strdup(doc, name);
    if (!file)
        return nn_fail(err, NN_E_NOMEM, "out of memory");
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return set_fail(err, file, 0, assignment, strlen(assignment), "expected KEY=VALUE");
    const char *path = assignment;
    size_t plen = (size_t)(eq - assignment);
    if (plen == 0)
        return set_fail(err, file, 0, assignment, strlen(assignment), "empty key before '='");
    for (size_t s = 0; s <= plen;) {
        size_t e = s;
        while (e < plen && path[e] != '.')
            e++;
        if (e == s)
            return set_fail(err, file, s, path, plen, "empty name in the key path");
        s = e + 1;
    }

    nn_cfg *value;
    nn_status st = nn_cfg__parse_value(doc, eq + 1, set_mark(file, plen + 1), NN_PLACE_OFFSET,
                                       &value, err);
    if (st) {
        if (st == NN_E_CONFIG)
            nn_error_prefix(err, "--set %.*s", (int)plen, path);
        return st;
    }

    nn_cfg *cur = nn_cfg_root(doc);
    if (!cur || cur->kind != NN_CFG_MAP)
        return set_fail(err, file, 0, path, plen, "the configuration is not a mapping");
    for (size_t s = 0;;) {
        size_t e = s;
        while (e < plen && path[e] != '.')
            e++;
        bool last = e == plen;
        char *seg = nn_cfg__strndup(doc, path + s, e - s);
        if (!seg)
            return nn_fail(err, NN_E_NOMEM, "out of memory");
        /* What the walk stands on, for messages: "model.layers" or the root. */
        char here[512], detail[1024];
        if (s == 0)
            snprintf(here, sizeof here, "the configuration root");
        else
            snprintf(here, sizeof here, "%.*s", (int)(s - 1), path);

        /* A null on the way (`callbacks:` left empty) is an empty mapping to write into. */
        if (nn_cfg_is_null(cur)) {
            cur->kind = NN_CFG_MAP;
            cur->text = NULL;
            cur->n = 0;
            cur->items = cur->keys = NULL;
        }
        if (cur->kind == NN_CFG_MAP) {
            long i = nn_cfg__find(cur, seg);
            if (i >= 0 && last) {
                cur->items[i] = value;
                return NN_OK;
            }
            if (i >= 0) {
                cur = cur->items[i];
            } else {
                nn_cfg *key = nn_cfg__scalar(doc, seg, false, set_mark(file, s));
                nn_cfg *child = last ? value : nn_cfg__new(doc, NN_CFG_MAP, set_mark(file, s));
                if (!key || !child || !nn_cfg__append(cur, key, child))
                    return nn_fail(err, NN_E_NOMEM, "out of memory");
                if (last)
                    return NN_OK;
                cur = child;
            }
        } else if (cur->kind == NN_CFG_SEQ) {
            if (!all_digits(seg, e - s)) {
                snprintf(detail, sizeof detail, "%s is a list; index it with a number, got '%s'",
                         here, seg);
                return set_fail(err, file, s, path, plen, detail);
            }
            size_t idx = 0;
            bool big = e - s > 18;
            for (size_t k = s; k < e && !big; k++)
                idx = idx * 10 + (size_t)(path[k] - '0');
            if (big || idx >= cur->n) {
                snprintf(detail, sizeof detail, "index %s is out of range (%s has %zu item%s)",
                         seg, here, cur->n, cur->n == 1 ? "" : "s");
                return set_fail(err, file, s, path, plen, detail);
            }
            if (last) {
                cur->items[idx] = value;
                return NN_OK;
            }
            cur = cur->items[idx];
        } else {
            snprintf(detail, sizeof detail, "%s is a scalar ('%s'), it has no key '%s'", here,
                     cur->text, seg);
            return set_fail(err, file, s, path, plen, detail);
        }
        s = e + 1;
    }
}
