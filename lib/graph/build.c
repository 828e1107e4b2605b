/* build.c — the `model` section to a graph: nodes, names, inputs, order, shapes.
 *
 * The layer list reads top to bottom; each entry is one of
 *   {TYPE: ARGS}                      a layer; ARGS a mapping, a scalar shorthand for the
 *                                     type's main key (dense: 128), or empty
 *   TYPE                              a layer with every setting at its default (flatten)
 *   {TYPE: ARGS, name: N, inputs: [..]}   the same, named, fed by named layers
 *   {add: [a, b, ...]}                a merge of named layers (the functional API)
 *   {residual: [..], repeat: K, name: N}  K blocks of out = add(f(in), in)
 *   {layers: [..], repeat: K, name: N}    K copies of a plain sub-list
 * A layer without `inputs` takes the previous entry's output. Names not given follow
 * Keras (dense, dense_1, ...). Names may be used before they are defined; the graph is
 * ordered topologically afterwards, and a cycle is an error.
 *
 * Build happens in three passes: create nodes with their input references (names kept
 * with their marks), resolve the names, then order and infer shapes.
 *
 * Messages about what a layer entry says name it by its path in the file, the way --set
 * addresses it ("model.layers[3].dense.units"); messages about the built graph (shapes,
 * inputs, cycles) name the layer as the summary does ("layer 'dense_3'").
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "graph/graph.h"

/* A reference from a node to one of its inputs, by index or by name. */
typedef struct input_ref {
    int node;           /* resolved index, or -1 while only the name is known */
    const nn_cfg *name; /* scalar naming it (for errors), or NULL */
} input_ref;

typedef struct pending {
    input_ref in[NN_MAX_INPUTS];
    int n_in;
    bool auto_name;
} pending;

typedef struct builder {
    nn_node *nodes;
    pending *pend;
    int n, cap;
    const char **explicit_names; /* every `name:` in the model, for default naming */
    int n_explicit, cap_explicit;
    nn_error *err;
} builder;

/* A path for messages ("model.layers[2].residual[0].dense"); a path too long for the
 * buffer is cut, which only shortens a message. */
#define PATH_LEN 512
static void path_printf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void path_printf(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, PATH_LEN, fmt, ap);
    va_end(ap);
}

static const char *const entry_keys[] = {"name", "inputs", "residual", "layers", "repeat", NULL};

static bool has_key(const nn_cfg *map, const char *key)
{
    for (size_t k = 0; map->kind == NN_CFG_MAP && k < map->n; k++)
        if (strcmp(map->keys[k]->text, key) == 0)
            return true;
    return false;
}

/* Keras's default name stem: the class name in snake_case ("BatchNormalization" ->
 * "batch_normalization"); for our types that is the YAML type name. */
static const char *stem_of(const nn_layer_ops *ops)
{
    return ops == &nn_input_ops ? "input" : ops->type;
}

static bool name_taken(const builder *b, const char *name, int self)
{
    for (int i = 0; i < b->n; i++)
        if (i != self && strcmp(b->nodes[i].name, name) == 0)
            return true;
    for (int i = 0; i < b->n_explicit; i++)
        if (strcmp(b->explicit_names[i], name) == 0)
            return true;
    return false;
}

/* dense, dense_1, dense_2, ... (input_1, input_2 for inputs, as Keras) for node `self` */
static void default_name(builder *b, int self)
{
    nn_node *n = &b->nodes[self];
    const char *stem = stem_of(n->ops);
    char name[NN_NAME_MAX];
    for (int k = n->ops == &nn_input_ops ? 1 : 0;; k++) {
        if (k == 0)
            snprintf(name, sizeof name, "%s", stem);
        else
            snprintf(name, sizeof name, "%s_%d", stem, k);
        if (!name_taken(b, name, self))
            break;
    }
    nn_strlcpy(n->name, name, sizeof n->name);
}

static int new_node(builder *b, const nn_layer_ops *ops, const nn_cfg *at)
{
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 32;
        nn_node *nodes = realloc(b->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes)
            return -1;
        b->nodes = nodes;
        pending *pend = realloc(b->pend, (size_t)cap * sizeof *pend);
        if (!pend)
            return -1;
        b->pend = pend;
        b->cap = cap;
    }
    int i = b->n++;
    memset(&b->nodes[i], 0, sizeof b->nodes[i]);
    memset(&b->pend[i], 0, sizeof b->pend[i]);
    b->nodes[i].ops = ops;
    b->nodes[i].mark = at->mark;
    b->nodes[i].index = i;
    if (ops->cfg_size) {
        b->nodes[i].cfg = calloc(1, ops->cfg_size);
        if (!b->nodes[i].cfg) {
            b->n--;
            return -1;
        }
    }
    return i;
}

static nn_status oom(builder *b)
{
    return nn_fail(b->err, NN_E_NOMEM, "out of memory building the model");
}

/* Names node i: `name` as written (`path` locates it in messages), or Keras's default. */
static nn_status set_name(builder *b, int i, const nn_cfg *name, const char *path)
{
    nn_node *n = &b->nodes[i];
    if (!name) {
        default_name(b, i);
        b->pend[i].auto_name = true;
        return NN_OK;
    }
    if (name->kind != NN_CFG_SCALAR || nn_cfg_is_null(name))
        return nn_cfg_fail(b->err, name, "%s.name: expected a string", path);
    if (strlen(name->text) >= NN_NAME_MAX)
        return nn_cfg_fail(b->err, name, "name '%s' is longer than %d characters", name->text,
                           NN_NAME_MAX - 1);
    for (int k = 0; k < b->n; k++)
        if (k != i && strcmp(b->nodes[k].name, name->text) == 0) {
            const nn_mark *m = &b->nodes[k].mark, *here = &b->nodes[i].mark;
            if (m->file == here->file && m->line == here->line && m->column == here->column)
                return nn_cfg_fail(b->err, name,
                                   "duplicate layer name '%s': a named layer inside a repeated "
                                   "block would be made once per repeat (name the block instead)",
                                   name->text);
            return nn_cfg_fail(b->err, name, "duplicate layer name '%s' (first at line %d)",
                               name->text, b->nodes[k].mark.line);
        }
    nn_strlcpy(n->name, name->text, sizeof n->name);
    return NN_OK;
}

static nn_status add_ref_name(builder *b, int i, const nn_cfg *name)
{
    pending *p = &b->pend[i];
    if (name->kind != NN_CFG_SCALAR || nn_cfg_is_null(name))
        return nn_cfg_fail(b->err, name, "expected the name of a layer");
    if (p->n_in == NN_MAX_INPUTS)
        return nn_cfg_fail(b->err, name, "a layer takes at most %d inputs", NN_MAX_INPUTS);
    p->in[p->n_in++] = (input_ref){-1, name};
    return NN_OK;
}

/* inputs: a name or a list of names */
static nn_status read_refs(builder *b, int i, const nn_cfg *list)
{
    if (list->kind == NN_CFG_SCALAR)
        return add_ref_name(b, i, list);
    if (list->kind != NN_CFG_SEQ || list->n == 0)
        return nn_cfg_fail(b->err, list, "inputs: expected a name or a list of layer names");
    for (size_t k = 0; k < list->n; k++) {
        nn_status st = add_ref_name(b, i, list->items[k]);
        if (st)
            return st;
    }
    return NN_OK;
}

/* Collects every `name:` in the layer tree first, so default names avoid them. */
static nn_status collect_names(builder *b, const nn_cfg *list)
{
    if (!list || list->kind != NN_CFG_SEQ)
        return NN_OK;
    for (size_t i = 0; i < list->n; i++) {
        const nn_cfg *e = list->items[i];
        if (e->kind != NN_CFG_MAP)
            continue;
        for (size_t k = 0; k < e->n; k++) {
            const char *key = e->keys[k]->text;
            if (strcmp(key, "name") == 0 && e->items[k]->kind == NN_CFG_SCALAR) {
                if (b->n_explicit == b->cap_explicit) {
                    int cap = b->cap_explicit ? 2 * b->cap_explicit : 16;
                    const char **names = realloc(b->explicit_names, (size_t)cap * sizeof *names);
                    if (!names)
                        return oom(b);
                    b->explicit_names = names;
                    b->cap_explicit = cap;
                }
                b->explicit_names[b->n_explicit++] = e->items[k]->text;
            } else if (strcmp(key, "residual") == 0 || strcmp(key, "layers") == 0) {
                nn_status st = collect_names(b, e->items[k]);
                if (st)
                    return st;
            }
        }
    }
    return NN_OK;
}

static nn_status build_list(builder *b, nn_cfg *list, int prev, const char *path, int *last);

/* Reads one layer's settings into its node: shorthand, empty, or a mapping. `what` is the
 * settings' path in the file ("model.layers[2].dense"). */
static nn_status read_layer_args(builder *b, int i, nn_cfg *args, const char *what)
{
    nn_node *n = &b->nodes[i];
    const nn_layer_ops *ops = n->ops;
    if (ops == nn_layer_find("add")) {
        /* add: [a, b] names its inputs; add: {} or add: takes them from `inputs:` */
        if (args->kind == NN_CFG_SEQ || (args->kind == NN_CFG_SCALAR && !nn_cfg_is_null(args)))
            return read_refs(b, i, args);
        if (args->kind == NN_CFG_MAP && args->n > 0)
            return nn_cfg_fail(b->err, args, "%s: expected a list of layer names, e.g. add: [x, y]",
                               what);
        return NN_OK;
    }
    if (args->kind == NN_CFG_SCALAR && nn_cfg_is_null(args)) {
        nn_cfg_make_map(args);
    } else if (args->kind != NN_CFG_MAP) {
        if (!ops->main_key)
            return nn_cfg_fail(b->err, args, "%s: takes no shorthand value; write %s: {}", what,
                               ops->type);
        if (nn_cfg_wrap(args, ops->main_key, b->err))
            return NN_E_CONFIG;
    }
    static const nn_key none[] = {{NULL, 0, NULL, 0, 0, 0, 0, NULL}};
    nn_status st = nn_cfg_read(args, ops->schema ? ops->schema : none, n->cfg, what, b->err);
    if (st)
        return st;
    return ops->check ? ops->check(n, args, b->err) : NN_OK;
}

/* "unknown layer type 'dens' (did you mean 'dense'?); valid: ..." or, for a misspelt entry
 * key, "unknown key 'nmae' in model.layers[0] (did you mean 'name'?)". */
static nn_status unknown_entry_key(builder *b, const nn_cfg *key, const char *path)
{
    if (!nn_suggest(key->text, nn_layer_names)) {
        const char *s = nn_suggest(key->text, entry_keys);
        if (s)
            return nn_cfg_fail(b->err, key, "unknown key '%s' in %s (did you mean '%s'?)",
                               key->text, path, s);
    }
    return nn_cfg_fail_choice(b->err, key, "layer type", key->text, nn_layer_names);
}

/* One `{TYPE: ARGS, name:, inputs:}` entry. */
static nn_status build_layer(builder *b, nn_cfg *entry, int prev, const char *path, int *out)
{
    nn_cfg *type_key = NULL, *args = NULL, *name = NULL, *inputs = NULL, *repeat = NULL;
    for (size_t k = 0; k < entry->n; k++) {
        nn_cfg *key = entry->keys[k];
        if (strcmp(key->text, "name") == 0)
            name = entry->items[k];
        else if (strcmp(key->text, "inputs") == 0)
            inputs = entry->items[k];
        else if (strcmp(key->text, "repeat") == 0)
            repeat = key;
        else if (nn_layer_find(key->text)) {
            if (type_key)
                return nn_cfg_fail(b->err, key,
                                   "%s: one layer per entry, got both '%s' and '%s' (start a "
                                   "new '- ' item for the second)",
                                   path, type_key->text, key->text);
            type_key = key;
            args = entry->items[k];
        } else if (repeat || has_key(entry, "repeat")) {
            /* a block whose residual:/layers: key is misspelt */
            static const char *const bodies[] = {"residual", "layers", NULL};
            return nn_cfg_fail_choice(b->err, key, "block key", key->text, bodies);
        } else {
            return unknown_entry_key(b, key, path);
        }
        entry->items[k]->used = true;
    }
    if (repeat)
        return nn_cfg_fail(b->err, repeat,
                           "%s: repeat: goes with a block, residual: [...] or layers: [...]",
                           path);
    if (!type_key) {
        char list[512] = "";
        for (size_t k = 0; nn_layer_names[k]; k++) {
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "", nn_layer_names[k]);
        }
        return nn_cfg_fail(b->err, entry, "%s: a layer entry needs a type, one of: %s", path,
                           list);
    }
    char what[PATH_LEN];
    path_printf(what, "%s.%s", path, type_key->text);
    int i = new_node(b, nn_layer_find(type_key->text), type_key);
    if (i < 0)
        return oom(b);
    nn_status st = set_name(b, i, name, path);
    if (!st && inputs)
        st = read_refs(b, i, inputs);
    if (!st)
        st = read_layer_args(b, i, args, what);
    if (st)
        return st;
    nn_node *n = &b->nodes[i];
    pending *p = &b->pend[i];
    if (inputs && p->n_in > 0 && n->ops == nn_layer_find("add") && args->kind == NN_CFG_SEQ)
        return nn_cfg_fail(b->err, inputs, "add: give the inputs once, in add: [..] or inputs:");
    if (p->n_in == 0) {
        if (prev < 0)
            return nn_cfg_fail(b->err, type_key, "layer '%s' has no input", n->name);
        p->in[p->n_in++] = (input_ref){prev, NULL};
        if (n->ops->min_inputs > 1)
            return nn_cfg_fail(b->err, type_key,
                               "layer '%s' (%s) needs at least %d inputs: write %s: [a, b]",
                               n->name, n->ops->type, n->ops->min_inputs, n->ops->type);
    }
    if (p->n_in < n->ops->min_inputs || p->n_in > n->ops->max_inputs) {
        if (n->ops->min_inputs == n->ops->max_inputs)
            return nn_cfg_fail(b->err, type_key, "layer '%s' (%s) takes %d input%s, got %d",
                               n->name, n->ops->type, n->ops->max_inputs,
                               n->ops->max_inputs == 1 ? "" : "s", p->n_in);
        return nn_cfg_fail(b->err, type_key, "layer '%s' (%s) takes %d to %d inputs, got %d",
                           n->name, n->ops->type, n->ops->min_inputs, n->ops->max_inputs,
                           p->n_in);
    }
    *out = i;
    return NN_OK;
}

/* `{residual: [..] | layers: [..], repeat: K, name: N}` */
static nn_status build_block(builder *b, nn_cfg *entry, int prev, const char *path, int *out)
{
    nn_cfg *body = NULL, *repeat = NULL, *name = NULL;
    bool residual = false;
    for (size_t k = 0; k < entry->n; k++) {
        const char *key = entry->keys[k]->text;
        entry->items[k]->used = true;
        if (strcmp(key, "residual") == 0 || strcmp(key, "layers") == 0) {
            if (body)
                return nn_cfg_fail(b->err, entry->keys[k],
                                   "%s: a block is either residual: or layers:, not both", path);
            body = entry->items[k];
            residual = key[0] == 'r';
        } else if (strcmp(key, "repeat") == 0) {
            repeat = entry->items[k];
        } else if (strcmp(key, "name") == 0) {
            name = entry->items[k];
        } else {
            static const char *const block_keys[] = {"residual", "layers", "repeat", "name", NULL};
            if (nn_layer_find(key))
                return nn_cfg_fail(b->err, entry->keys[k],
                                   "%s: a block holds its layers in its list; '%s' cannot sit "
                                   "next to %s:",
                                   path, key, residual || !body ? "residual" : "layers");
            return nn_cfg_fail_choice(b->err, entry->keys[k], "block key", key, block_keys);
        }
    }
    char body_path[PATH_LEN];
    path_printf(body_path, "%s.%s", path, residual ? "residual" : "layers");
    int times = 1;
    if (repeat) {
        static const nn_key rk = {"repeat", NN_T_INT, NULL, 0, NN_K_MIN | NN_K_MAX, 1, 10000, NULL};
        char what[PATH_LEN];
        path_printf(what, "%s.repeat", path);
        if (nn_cfg_read_value(repeat, &rk, &times, what, b->err))
            return NN_E_CONFIG;
    }
    if (body->kind != NN_CFG_SEQ || body->n == 0)
        return nn_cfg_fail(b->err, body, "%s: expected a non-empty list of layers", body_path);
    if (prev < 0)
        return nn_cfg_fail(b->err, entry, "a block needs an input before it");
    int cur = prev;
    for (int t = 0; t < times; t++) {
        int last;
        nn_status st = build_list(b, body, cur, body_path, &last);
        if (st)
            return st;
        if (residual) {
            int i = new_node(b, nn_layer_find("add"), entry);
            if (i < 0)
                return oom(b);
            b->pend[i].in[0] = (input_ref){last, NULL};
            b->pend[i].in[1] = (input_ref){cur, NULL};
            b->pend[i].n_in = 2;
            last = i;
            /* the block's name goes to its final output */
            st = set_name(b, i, t == times - 1 ? name : NULL, path);
            if (st)
                return st;
        } else if (name && t == times - 1) {
            /* a plain block's name renames its last layer, unless that one has its own */
            if (!b->pend[last].auto_name)
                return nn_cfg_fail(b->err, name, "the block's last layer already has a name");
            st = set_name(b, last, name, path);
            if (st)
                return st;
        }
        cur = last;
    }
    *out = cur;
    return NN_OK;
}

static bool is_block(const nn_cfg *entry)
{
    return has_key(entry, "residual") || has_key(entry, "layers");
}

/* `- flatten` alone: the layer with its defaults, rewritten to `- flatten: {}` so the
 * resolved configuration shows the settings. */
static nn_status bare_type(builder *b, nn_cfg *entry)
{
    if (entry->quoted || !nn_layer_find(entry->text))
        return nn_cfg_fail_choice(b->err, entry, "layer type", entry->text, nn_layer_names);
    if (nn_cfg_wrap(entry, entry->text, b->err))
        return NN_E_CONFIG;
    nn_cfg_make_map(entry->items[0]);
    return NN_OK;
}

static nn_status build_list(builder *b, nn_cfg *list, int prev, const char *path, int *last)
{
    if (list->kind != NN_CFG_SEQ)
        return nn_cfg_fail(b->err, list, "%s: expected a list of layers", path);
    int cur = prev;
    for (size_t i = 0; i < list->n; i++) {
        nn_cfg *entry = list->items[i];
        char here[PATH_LEN];
        path_printf(here, "%s[%zu]", path, i);
        nn_status st = NN_OK;
        if (entry->kind == NN_CFG_SCALAR && !nn_cfg_is_null(entry))
            st = bare_type(b, entry);
        else if (entry->kind != NN_CFG_MAP || entry->n == 0)
            st = nn_cfg_fail(b->err, entry,
                             "%s: expected a layer such as `- dense: 64` or `- dropout: 0.5`", here);
        if (!st)
            st = is_block(entry) ? build_block(b, entry, cur, here, &cur)
                                 : build_layer(b, entry, cur, here, &cur);
        if (st)
            return st;
    }
    *last = cur;
    return NN_OK;
}

/* Resolves names, orders nodes topologically (keeping list order among ready nodes). */
static nn_status resolve_and_order(builder *b, int output, nn_graph *g)
{
    int n = b->n;
    for (int i = 0; i < n; i++) {
        pending *p = &b->pend[i];
        for (int k = 0; k < p->n_in; k++) {
            if (p->in[k].node >= 0)
                continue;
            const char *want = p->in[k].name->text;
            int found = -1;
            for (int j = 0; j < n && found < 0; j++)
                if (strcmp(b->nodes[j].name, want) == 0)
                    found = j;
            if (found < 0) {
                const char **names = calloc((size_t)n + 1, sizeof *names);
                if (!names)
                    return oom(b);
                for (int j = 0; j < n; j++)
                    names[j] = b->nodes[j].name;
                const char *s = nn_suggest(want, names);
                nn_status st =
                    s ? nn_cfg_fail(b->err, p->in[k].name,
                                    "layer '%s': unknown input '%s' (did you mean '%s'?)",
                                    b->nodes[i].name, want, s)
                      : nn_cfg_fail(b->err, p->in[k].name, "layer '%s': unknown input '%s'",
                                    b->nodes[i].name, want);
                free(names);
                return st;
            }
            if (found == i)
                return nn_cfg_fail(b->err, p->in[k].name,
                                   "layer '%s' takes itself as input: cycles are not allowed",
                                   want);
            p->in[k].node = found;
        }
    }
    /* Kahn's algorithm; `order[pos] = old index` */
    size_t count = (size_t)(unsigned)n;
    int *order = malloc(count * sizeof *order), *newpos = malloc(count * sizeof *newpos);
    bool *done = calloc(count, sizeof *done);
    if (!order || !newpos || !done) {
        free(order);
        free(newpos);
        free(done);
        return oom(b);
    }
    int placed = 0;
    while (placed < n) {
        int pick = -1;
        for (int i = 0; i < n && pick < 0; i++) {
            if (done[i])
                continue;
            bool ready = true;
            for (int k = 0; k < b->pend[i].n_in; k++)
                ready &= done[b->pend[i].in[k].node];
            if (ready)
                pick = i;
        }
        if (pick < 0) {
            int at = 0;
            while (done[at])
                at++;
            nn_status st = nn_fail_at(b->err, NN_E_CONFIG, b->nodes[at].mark.file,
                                      b->nodes[at].mark.line, b->nodes[at].mark.column,
                                      "layer '%s' is part of a cycle: cycles are not allowed",
                                      b->nodes[at].name);
            free(order);
            free(newpos);
            free(done);
            return st;
        }
        done[pick] = true;
        newpos[pick] = placed;
        order[placed++] = pick;
    }
    free(done);
    g->nodes = calloc(count, sizeof *g->nodes);
    if (!g->nodes) {
        free(order);
        free(newpos);
        return oom(b);
    }
    for (int pos = 0; pos < n; pos++) {
        nn_node *dst = &g->nodes[pos];
        *dst = b->nodes[order[pos]];
        dst->index = pos;
        pending *p = &b->pend[order[pos]];
        dst->n_in = p->n_in;
        for (int k = 0; k < p->n_in; k++)
            dst->in[k] = newpos[p->in[k].node];
        b->nodes[order[pos]].cfg = NULL; /* moved */
    }
    g->n_nodes = n;
    g->output = newpos[output];
    free(order);
    free(newpos);
    return NN_OK;
}

/* Every node must feed the output; otherwise it is a mistake in the config. */
static nn_status check_reachable(nn_graph *g, nn_error *err)
{
    bool *live = calloc((size_t)g->n_nodes, sizeof *live);
    if (!live)
        return nn_fail(err, NN_E_NOMEM, "out of memory building the model");
    live[g->output] = true;
    for (int i = g->n_nodes - 1; i >= 0; i--)
        if (live[i])
            for (int k = 0; k < g->nodes[i].n_in; k++)
                live[g->nodes[i].in[k]] = true;
    for (int i = 0; i < g->n_nodes; i++)
        if (!live[i]) {
            const nn_node *n = &g->nodes[i];
            free(live);
            return nn_fail_at(err, NN_E_CONFIG, n->mark.file, n->mark.line, n->mark.column,
                              "layer '%s' does not lead to the model's output (the last layer "
                              "'%s')",
                              n->name, g->nodes[g->output].name);
        }
    free(live);
    return NN_OK;
}

static nn_status infer_shapes(nn_graph *g, nn_error *err)
{
    for (int i = 1; i < g->n_nodes; i++) {
        nn_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++)
            n->in_shape[k] = g->nodes[n->in[k]].shape;
        nn_status st = n->ops->infer(n, err);
        if (st)
            return st;
        size_t numel = nn_node_numel(n);
        if (numel == 0 || numel > ((size_t)1 << 31))
            return nn_fail_at(err, NN_E_CONFIG, n->mark.file, n->mark.line, n->mark.column,
                              "layer '%s': output of %zu elements per sample is out of range",
                              n->name, numel);
    }
    return NN_OK;
}

typedef struct input_spec {
    nn_shape shape;
    const char *name;
} input_spec;

static nn_status read_input(nn_cfg *model, input_spec *in, bool *functional, nn_mark *mark,
                            nn_error *err)
{
    nn_cfg *node = nn_cfg_get(model, "input");
    *mark = node->mark;
    static const nn_key shape_key = {"input", NN_T_SHAPE, NULL, 0, 0, 0, 0, NULL};
    in->name = NULL;
    if (node->kind == NN_CFG_MAP) {
        static const nn_key keys[] = {
            {"shape", NN_T_SHAPE, NULL, offsetof(input_spec, shape), 0, 0, 0, NULL},
            {"name", NN_T_STR, NN_OPTIONAL, offsetof(input_spec, name), 0, 0, 0, NULL},
            {NULL, 0, NULL, 0, 0, 0, 0, NULL},
        };
        *functional = true;
        return nn_cfg_read(node, keys, in, "model.input", err);
    }
    *functional = false;
    return nn_cfg_read_value(node, &shape_key, &in->shape, "model.input", err);
}

typedef struct model_top {
    const char *name;
    nn_cfg *input, *layers;
} model_top;

static const nn_key model_keys[] = {
    {"name", NN_T_STR, NN_OPTIONAL, offsetof(model_top, name), 0, 0, 0, NULL},
    {"input", NN_T_NODE, NULL, offsetof(model_top, input), 0, 0, 0, NULL},
    {"layers", NN_T_NODE, NULL, offsetof(model_top, layers), 0, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, 0, 0, NULL},
};

nn_status nn_graph_build(nn_cfg *model, nn_graph **out, nn_error *err)
{
    *out = NULL;
    if (!model || model->kind != NN_CFG_MAP)
        return model ? nn_cfg_fail(err, model, "model: expected a mapping with input: and layers:")
                     : nn_fail(err, NN_E_CONFIG, "missing required section 'model'");
    model_top top = {0};
    nn_status st = nn_cfg_read(model, model_keys, &top, "model", err);
    if (st)
        return st;

    nn_graph *g = calloc(1, sizeof *g);
    builder b = {.err = err};
    if (!g)
        return nn_fail(err, NN_E_NOMEM, "out of memory building the model");
    input_spec in;
    st = read_input(model, &in, &g->functional, &g->input_mark, err);
    if (!st)
        st = collect_names(&b, top.layers);
    int input = -1, last = -1;
    if (!st) {
        nn_cfg *at = nn_cfg_get(model, "input");
        input = new_node(&b, &nn_input_ops, at);
        if (input < 0)
            st = oom(&b);
    }
    if (!st) {
        b.nodes[input].in_shape[0] = in.shape;
        b.nodes[input].shape = in.shape;
        if (in.name) {
            nn_cfg *name_node = nn_cfg_get(nn_cfg_get(model, "input"), "name");
            st = set_name(&b, input, name_node, "model.input");
        } else {
            st = set_name(&b, input, NULL, "model.input");
        }
    }
    if (!st)
        st = build_list(&b, top.layers, input, "model.layers", &last);
    if (!st && last == input)
        st = nn_cfg_fail(err, top.layers, "model.layers: the model has no layers");
    if (!st)
        st = resolve_and_order(&b, last, g);
    for (int i = 0; i < b.n; i++)
        free(b.nodes[i].cfg);
    free(b.nodes);
    free(b.pend);
    free(b.explicit_names);
    if (!st)
        st = check_reachable(g, err);
    if (!st)
        st = infer_shapes(g, err);
    if (!st && nn_graph_branching(g))
        g->functional = true;
    if (!st)
        nn_strlcpy(g->name, top.name ? top.name : g->functional ? "model" : "sequential",
                   sizeof g->name);
    if (st) {
        nn_graph_free(g);
        return st;
    }
    *out = g;
    return NN_OK;
}
