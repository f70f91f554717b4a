/* SPDX-License-Identifier: Apache-2.0 */
/* tmpl: the texts of the events, dates and page, read from templates/<lang>/
 * so that translators edit text files, not C (DESIGN §3). A small key = value
 * format with {name} placeholders; month and weekday names live there too. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/tmpl.h"

#include "ordercal/kind.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *key;
    char *value;
    const char *file; /* borrowed from oc_tmpl.files */
    int line;
} entry;

/* The date and time formats, as the functions below fill them: a span is
 * "<span|short><suffix>", its variables those of its two days. */
enum {
    SPAN_DAY,
    SPAN_PLAIN,
    SPAN_SAME_YEAR,
    SPAN_SAME_MONTH,
    SPAN_TWO,
    SPAN_TWO_SAME_YEAR,
    SPAN_TWO_SAME_MONTH,
    SPAN_VARIANTS
};
enum {
    FORMAT_SPAN = 0,
    FORMAT_SHORT = SPAN_VARIANTS,
    FORMAT_DATE = 2 * SPAN_VARIANTS,
    FORMAT_TIME,
    FORMAT_DATETIME,
    FORMAT_COUNT
};

static const char *const span_prefix[2] = {"span", "short"};
static const char *const span_suffix[SPAN_VARIANTS] = {
    ".day", "", ".same_year", ".same_month", ".two", ".two.same_year", ".two.same_month"};

static const oc_var span_vars[] = {{"weekday1", NULL}, {"day1", NULL},     {"month1", NULL},
                                   {"year1", NULL},    {"weekday2", NULL}, {"day2", NULL},
                                   {"month2", NULL},   {"year2", NULL}};
static const oc_var date_vars[] = {
    {"weekday", NULL}, {"day", NULL}, {"month", NULL}, {"year", NULL}};
static const oc_var time_vars[] = {
    {"hour", NULL}, {"minute", NULL}, {"hour12", NULL}, {"ampm", NULL}};
static const oc_var datetime_vars[] = {{"date", NULL}, {"time", NULL}};

struct oc_tmpl {
    entry *entries; /* sorted by key for bsearch once loading is done */
    size_t count;

    /* While loading: the entries by a hash of their key (index + 1; 0 is
     * free), 'slots' a power of two over twice 'count'. */
    size_t *index, slots;

    /* Looked up once: the date words every event needs, and the formats
     * bound (NULL: not defined, or naming a variable the code does not
     * give; expanded, and refused, when used). */
    const char *months[12], *weekdays[7], *days[31];
    oc_tmpl_bound *formats[FORMAT_COUNT];
    char *files[3];
    uint64_t digest; /* of every line read */
};

static const char *const file_names[3] = {"events.txt", "dates.txt", "holidays.txt"};

/* Keys every language must define: dates and words the code composes. */
static const char *const required[] = {"month.1",
                                       "month.2",
                                       "month.3",
                                       "month.4",
                                       "month.5",
                                       "month.6",
                                       "month.7",
                                       "month.8",
                                       "month.9",
                                       "month.10",
                                       "month.11",
                                       "month.12",
                                       "weekday.1",
                                       "weekday.2",
                                       "weekday.3",
                                       "weekday.4",
                                       "weekday.5",
                                       "weekday.6",
                                       "weekday.7",
                                       "date",
                                       "time",
                                       "span.day",
                                       "span.two.same_month",
                                       "span.two.same_year",
                                       "span.two",
                                       "span.same_month",
                                       "span.same_year",
                                       "span",
                                       "short.day",
                                       "short.same_month",
                                       "short.same_year",
                                       "short",
                                       "datetime",
                                       "line.note",
                                       "line.reference",
                                       "line.url",
                                       "line.copy",
                                       "show.session",
                                       "show.state",
                                       "show.delivery",
                                       "show.confirmation",
                                       "state.open",
                                       "state.closed",
                                       "page.feeds",
                                       "page.schedule",
                                       "page.months",
                                       "page.contents",
                                       "page.kinds",
                                       "page.updated",
                                       "page.address",
                                       "page.webcal",
                                       "page.google",
                                       "page.outlook",
                                       "page.download",
                                       "page.qr",
                                       "page.no_base_url",
                                       "page.microsoft365",
                                       "page.alarms",
                                       "page.copy",
                                       "page.copy_ics",
                                       "page.copy_google",
                                       "page.copies",
                                       "page.guide",
                                       "page.guide.intro",
                                       "page.guide.alert",
                                       "page.guide.updates",
                                       "page.guide.trouble",
                                       "page.guide.trouble.items",
                                       "page.every.minute",
                                       "page.every.minutes",
                                       "page.every.hour",
                                       "page.every.hours",
                                       "page.every.day",
                                       "page.every.days",
                                       "guide.outlook_classic.name",
                                       "guide.outlook_classic.verdict",
                                       "guide.outlook_classic.steps",
                                       "guide.outlook_classic.alert",
                                       "guide.outlook_classic.updates",
                                       "guide.outlook_web.name",
                                       "guide.outlook_web.verdict",
                                       "guide.outlook_web.steps",
                                       "guide.outlook_web.alert",
                                       "guide.outlook_web.updates",
                                       "guide.thunderbird.name",
                                       "guide.thunderbird.verdict",
                                       "guide.thunderbird.steps",
                                       "guide.thunderbird.alert",
                                       "guide.thunderbird.updates",
                                       "guide.google.name",
                                       "guide.google.verdict",
                                       "guide.google.steps",
                                       "guide.google.alert",
                                       "guide.google.updates",
                                       "guide.apple_mac.name",
                                       "guide.apple_mac.verdict",
                                       "guide.apple_mac.steps",
                                       "guide.apple_mac.alert",
                                       "guide.apple_mac.updates",
                                       "guide.apple_ios.name",
                                       "guide.apple_ios.verdict",
                                       "guide.apple_ios.steps",
                                       "guide.apple_ios.alert",
                                       "guide.apple_ios.updates",
                                       "weekday.short.1",
                                       "weekday.short.2",
                                       "weekday.short.3",
                                       "weekday.short.4",
                                       "weekday.short.5",
                                       "weekday.short.6",
                                       "weekday.short.7",
                                       "line.holiday",
                                       "legend.holiday",
                                       "page.holiday"};

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) {
        *--e = '\0';
    }
    return s;
}

static bool unescape(char *s)
{
    char *o = s;

    for (char *p = s; *p != '\0'; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        p++;
        if (*p == 'n') {
            *o++ = '\n';
        } else if (*p == '\\') {
            *o++ = '\\';
        } else {
            return false;
        }
    }
    *o = '\0';
    return true;
}

/* The slot of 'key' in the loading index: its entry's, or the free one it
 * would take. */
static size_t *index_slot(const oc_tmpl *t, const char *key)
{
    size_t i = (size_t)oc_digest(key, strlen(key)) & (t->slots - 1);

    while (t->index[i] != 0 && strcmp(t->entries[t->index[i] - 1].key, key) != 0) {
        i = (i + 1) & (t->slots - 1);
    }
    return &t->index[i];
}

/* Adds the entry just appended to the loading index, growing it first. */
static void index_add(oc_tmpl *t)
{
    if (2 * t->count > t->slots) {
        free(t->index);
        t->slots = t->slots != 0 ? 2 * t->slots : 256;
        t->index = oc_xcalloc(t->slots, sizeof(*t->index));
        for (size_t i = 0; i + 1 < t->count; i++) {
            *index_slot(t, t->entries[i].key) = i + 1;
        }
    }
    *index_slot(t, t->entries[t->count - 1].key) = t->count;
}

static int load_file(oc_tmpl *t, const char *path, const char *file, oc_error *err)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, alloc = t->count;
    int lineno = 0, rc = -1;

    if (fp == NULL) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        return -1;
    }
    while (getline(&line, &cap, fp) != -1) {
        char *s, *eq, *key, *value;

        t->digest = t->digest * 0x100000001b3ULL ^ oc_digest(line, strlen(line));
        s = trim(line);
        lineno++;
        if (*s == '\0' || *s == '#') {
            continue;
        }
        eq = strchr(s, '=');
        if (eq == NULL) {
            oc_error_set(err, OC_E_VALUE, file, (oc_pos){lineno, 1},
                         "expected 'key = value' in the template");
            goto done;
        }
        *eq = '\0';
        key = trim(s);
        value = trim(eq + 1);
        if (*key == '\0' || !unescape(value) || !oc_utf8_valid(value, strlen(value))) {
            oc_error_set(err, OC_E_VALUE, file, (oc_pos){lineno, 1},
                         "malformed template line (a key, '=', UTF-8 text; escapes \\n \\\\)");
            goto done;
        }
        if (t->slots != 0 && *index_slot(t, key) != 0) {
            oc_error_set(err, OC_E_VALUE, file, (oc_pos){lineno, 1}, "key '%s' is defined twice",
                         key);
            goto done;
        }
        if (t->count == alloc) {
            alloc = alloc != 0 ? alloc * 2 : 64;
            t->entries = oc_xrealloc(t->entries, alloc * sizeof(*t->entries));
        }
        t->entries[t->count].key = oc_xstrdup(key);
        t->entries[t->count].value = oc_xstrdup(value);
        t->entries[t->count].file = file;
        t->entries[t->count].line = lineno;
        t->count++;
        index_add(t);
    }
    if (ferror(fp)) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        goto done;
    }
    rc = 0;
done:
    free(line);
    fclose(fp);
    return rc;
}

static void bind_formats(oc_tmpl *t);

oc_tmpl *oc_tmpl_load(const char *dir, const char *language, oc_error *err)
{
    oc_tmpl *t = oc_xcalloc(1, sizeof(*t));
    oc_buf path = {0};

    for (size_t i = 0; i < 3; i++) {
        oc_buf_reset(&path);
        oc_buf_printf(&path, "%s/%s/%s", dir, language, file_names[i]);
        t->files[i] = oc_xstrdup(path.data);
        if (load_file(t, path.data, t->files[i], err) != 0) {
            goto fail;
        }
    }
    free(t->index);
    t->index = NULL;
    t->slots = 0;
    if (t->count > 1) {
        qsort(t->entries, t->count, sizeof(*t->entries), cmp_entry);
    }
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (oc_tmpl_get(t, required[i]) == NULL) {
            oc_error_set(err, OC_E_VALUE, t->files[1], (oc_pos){0, 0},
                         "the templates of '%s' do not define '%s'", language, required[i]);
            goto fail;
        }
    }
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        static const char *const prefixes[] = {"summary.", "description.", "kind.", "legend.", ""};
        const oc_kind_info *info = oc_kind_get((oc_kind)k);

        /* Every kind's keys; the legend is named by the kind's grid class,
         * the alarm's text by its own key. */
        for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
            const char *name = p == 3 ? info->grid : p == 4 ? info->alarm_key : info->name;
            char key[64];

            if (name == NULL) {
                continue;
            }
            snprintf(key, sizeof(key), "%s%s", prefixes[p], name);
            if (oc_tmpl_get(t, key) == NULL) {
                oc_error_set(err, OC_E_VALUE, t->files[1], (oc_pos){0, 0},
                             "the templates of '%s' do not define '%s'", language, key);
                goto fail;
            }
        }
    }
    for (int i = 0; i < 12; i++) {
        oc_buf_reset(&path);
        oc_buf_printf(&path, "month.%d", i + 1);
        t->months[i] = oc_tmpl_get(t, path.data);
    }
    for (int i = 0; i < 7; i++) {
        oc_buf_reset(&path);
        oc_buf_printf(&path, "weekday.%d", i + 1);
        t->weekdays[i] = oc_tmpl_get(t, path.data);
    }
    for (int i = 0; i < 31; i++) {
        oc_buf_reset(&path);
        oc_buf_printf(&path, "day.%d", i + 1);
        t->days[i] = oc_tmpl_get(t, path.data);
    }
    bind_formats(t);
    oc_buf_free(&path);
    return t;
fail:
    oc_buf_free(&path);
    oc_tmpl_free(t);
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *oc_tmpl_languages(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char **names = NULL;
    size_t count = 0;
    oc_buf path = {0}, list = {0};

    while (d != NULL && (ent = readdir(d)) != NULL) {
        FILE *fp;

        if (ent->d_name[0] == '.') {
            continue;
        }
        oc_buf_reset(&path);
        oc_buf_printf(&path, "%s/%s/events.txt", dir, ent->d_name);
        fp = fopen(path.data, "r");
        if (fp == NULL) {
            continue;
        }
        fclose(fp);
        names = oc_xrealloc(names, (count + 1) * sizeof(*names));
        names[count++] = oc_xstrdup(ent->d_name);
    }
    if (d != NULL) {
        closedir(d);
    }
    if (count > 1) {
        qsort(names, count, sizeof(*names), cmp_str);
    }
    for (size_t i = 0; i < count; i++) {
        oc_buf_printf(&list, "%s%s", i ? ", " : "", names[i]);
        free(names[i]);
    }
    free(names);
    oc_buf_free(&path);
    return count != 0 ? oc_buf_detach(&list) : oc_xstrdup("none");
}

uint64_t oc_tmpl_digest(const oc_tmpl *t)
{
    return t->digest;
}

void oc_tmpl_free(oc_tmpl *t)
{
    if (t == NULL) {
        return;
    }
    for (size_t i = 0; i < t->count; i++) {
        free(t->entries[i].key);
        free(t->entries[i].value);
    }
    for (int f = 0; f < FORMAT_COUNT; f++) {
        oc_tmpl_bound_free(t->formats[f]);
    }
    free(t->entries);
    free(t->index);
    for (size_t i = 0; i < 3; i++) {
        free(t->files[i]);
    }
    free(t);
}

static const entry *find(const oc_tmpl *t, const char *key)
{
    entry probe;

    probe.key = (char *)key;
    return t->count > 0 ? bsearch(&probe, t->entries, t->count, sizeof(*t->entries), cmp_entry)
                        : NULL;
}

const char *oc_tmpl_get(const oc_tmpl *t, const char *key)
{
    const entry *e = find(t, key);

    return e != NULL ? e->value : NULL;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The next piece of [p, end): its literal text up to the next placeholder,
 * '*lit' bytes, then the placeholder's name ('*name', '*n' bytes; NULL at
 * the end). Only "{name}" is a placeholder; any other brace (CSS rules in
 * the page template) is text. Returns where the next piece starts. */
static const char *next_piece(const char *p, const char *end, size_t *lit, const char **name,
                              size_t *n)
{
    const char *at = p;

    for (;;) {
        const char *open = memchr(at, '{', (size_t)(end - at)), *close;

        if (open == NULL) {
            *lit = (size_t)(end - p);
            *name = NULL;
            return end;
        }
        close = open + 1;
        while (close < end && is_name_char(*close)) {
            close++;
        }
        if (close < end && *close == '}' && close > open + 1) {
            *lit = (size_t)(open - p);
            *name = open + 1;
            *n = (size_t)(close - open - 1);
            return close + 1;
        }
        at = open + 1;
    }
}

/* The variable named by the 'n' bytes at 'name', or -1. */
static int var_index(const oc_var *vars, size_t nvars, const char *name, size_t n)
{
    for (size_t i = 0; i < nvars; i++) {
        const char *v = vars[i].name;

        if (v[0] == name[0] && strncmp(v, name, n) == 0 && v[n] == '\0') {
            return (int)i;
        }
    }
    return -1;
}

int oc_tmpl_substitute(const char *text, size_t len, const oc_var *vars, size_t nvars, oc_buf *out,
                       const char **bad)
{
    const char *p = text, *end = text + len;

    while (p < end) {
        const char *name;
        size_t lit, n;
        const char *next = next_piece(p, end, &lit, &name, &n);
        int i;

        oc_buf_add(out, p, lit);
        if (name == NULL) {
            break;
        }
        if ((i = var_index(vars, nvars, name, n)) < 0) {
            *bad = name - 1;
            return -1;
        }
        if (vars[i].value != NULL) {
            oc_buf_puts(out, vars[i].value);
        }
        p = next;
    }
    return 0;
}

/* The entry of 'key', or NULL with 'err' set. */
static const entry *entry_of(const oc_tmpl *t, const char *key, oc_error *err)
{
    const entry *e = find(t, key);

    if (e == NULL) {
        oc_error_set(err, OC_E_VALUE, t->files[0], (oc_pos){0, 0},
                     "the templates do not define '%s'", key);
    }
    return e;
}

/* The error of 'key' naming the unknown variable at 'bad'. */
static int unknown_variable(const entry *e, const char *key, const char *bad, oc_error *err)
{
    size_t n = strcspn(bad, "}");

    oc_error_set(err, OC_E_VALUE, e->file, (oc_pos){e->line, 0},
                 "template '%s' uses unknown variable '%.*s'", key, (int)(n > 0 ? n - 1 : 0),
                 bad + 1);
    return -1;
}

int oc_tmpl_expand(const oc_tmpl *t, const char *key, const oc_var *vars, size_t nvars, oc_buf *out,
                   oc_error *err)
{
    const entry *e = entry_of(t, key, err);
    const char *bad = NULL;

    if (e == NULL) {
        return -1;
    }
    if (oc_tmpl_substitute(e->value, strlen(e->value), vars, nvars, out, &bad) != 0) {
        return unknown_variable(e, key, bad, err);
    }
    return 0;
}

/* A piece of a bound template: literal text, or the variable 'var'. */
typedef struct {
    const char *text; /* in the entry's value; NULL for a variable */
    size_t len;
    int var;
} piece;

struct oc_tmpl_bound {
    piece *pieces;
    size_t count;
};

oc_tmpl_bound *oc_tmpl_bind(const oc_tmpl *t, const char *key, const oc_var *vars, size_t nvars,
                            oc_error *err)
{
    const entry *e = entry_of(t, key, err);
    oc_tmpl_bound *b;
    const char *p, *end;

    if (e == NULL) {
        return NULL;
    }
    b = oc_xcalloc(1, sizeof(*b));
    p = e->value;
    end = p + strlen(p);
    while (p < end) {
        const char *name;
        size_t lit, n;
        const char *next = next_piece(p, end, &lit, &name, &n);
        int i = name != NULL ? var_index(vars, nvars, name, n) : -1;

        if (name != NULL && i < 0) {
            unknown_variable(e, key, name - 1, err);
            oc_tmpl_bound_free(b);
            return NULL;
        }
        b->pieces = oc_xrealloc(b->pieces, (b->count + 2) * sizeof(*b->pieces));
        if (lit > 0) {
            b->pieces[b->count++] = (piece){p, lit, -1};
        }
        if (name != NULL) {
            b->pieces[b->count++] = (piece){NULL, 0, i};
        }
        p = next;
    }
    return b;
}

void oc_tmpl_bound_expand(const oc_tmpl_bound *b, const oc_var *vars, oc_buf *out)
{
    for (size_t i = 0; i < b->count; i++) {
        const piece *pc = &b->pieces[i];

        if (pc->text != NULL) {
            oc_buf_add(out, pc->text, pc->len);
        } else if (vars[pc->var].value != NULL) {
            oc_buf_puts(out, vars[pc->var].value);
        }
    }
}

void oc_tmpl_bound_free(oc_tmpl_bound *b)
{
    if (b != NULL) {
        free(b->pieces);
        free(b);
    }
}

/* The key of format 'f' into 'key'. */
static const char *format_key(int f, char key[48])
{
    static const char *const others[] = {"date", "time", "datetime"};

    if (f >= FORMAT_DATE) {
        return others[f - FORMAT_DATE];
    }
    snprintf(key, 48, "%s%s", span_prefix[f / SPAN_VARIANTS], span_suffix[f % SPAN_VARIANTS]);
    return key;
}

static void bind_formats(oc_tmpl *t)
{
    for (int f = 0; f < FORMAT_COUNT; f++) {
        const oc_var *vars = f == FORMAT_DATE       ? date_vars
                             : f == FORMAT_TIME     ? time_vars
                             : f == FORMAT_DATETIME ? datetime_vars
                                                    : span_vars;
        size_t n = f == FORMAT_DATETIME                                ? 2
                   : f >= FORMAT_DATE || f % SPAN_VARIANTS == SPAN_DAY ? 4
                                                                       : 8;
        char key[48];
        oc_error ignored;

        oc_error_init(&ignored);
        t->formats[f] = find(t, format_key(f, key)) != NULL
                            ? oc_tmpl_bind(t, format_key(f, key), vars, n, &ignored)
                            : NULL;
    }
}

/* Appends format 'f' with the values 'vars' (as many as it is bound to):
 * bound, or expanded from its text for the error it gives. */
static int expand_format(const oc_tmpl *t, int f, const oc_var *vars, size_t nvars, oc_buf *out,
                         oc_error *err)
{
    char key[48];

    if (t->formats[f] != NULL) {
        oc_tmpl_bound_expand(t->formats[f], vars, out);
        return 0;
    }
    return oc_tmpl_expand(t, format_key(f, key), vars, nvars, out, err);
}

typedef struct {
    char day[21], year[21];
    const char *month, *weekday, *day_text;
} date_parts;

static void parts(const oc_tmpl *t, oc_day n, date_parts *p)
{
    oc_date d = oc_date_from_day(n);

    oc_uint_text((uint64_t)d.year, 0, p->year); /* dates here are from 1970 on */
    p->month = t->months[d.month - 1];
    p->weekday = t->weekdays[oc_day_weekday(n)];

    /* French writes "1er août": a language may name any day number. */
    if (t->days[d.day - 1] != NULL) {
        p->day_text = t->days[d.day - 1];
    } else {
        oc_uint_text((uint64_t)d.day, 0, p->day);
        p->day_text = p->day;
    }
}

int oc_tmpl_date(const oc_tmpl *t, oc_day day, oc_buf *out, oc_error *err)
{
    date_parts a;

    parts(t, day, &a);
    oc_var vars[] = {
        {"weekday", a.weekday}, {"day", a.day_text}, {"month", a.month}, {"year", a.year}};
    return expand_format(t, FORMAT_DATE, vars, 4, out, err);
}

static int span(const oc_tmpl *t, int base, oc_day first, oc_day last, oc_buf *out, oc_error *err)
{
    date_parts a, b;
    oc_date da = oc_date_from_day(first), db = oc_date_from_day(last);
    int shape;

    parts(t, first, &a);
    parts(t, last, &b);
    oc_var vars[] = {{"weekday1", a.weekday}, {"day1", a.day_text},    {"month1", a.month},
                     {"year1", a.year},       {"weekday2", b.weekday}, {"day2", b.day_text},
                     {"month2", b.month},     {"year2", b.year}};
    if (first == last) {
        return expand_format(t, base + SPAN_DAY, vars, 4, out, err);
    }
    if (da.year != db.year) {
        shape = SPAN_PLAIN;
    } else if (da.month != db.month) {
        shape = SPAN_SAME_YEAR;
    } else {
        shape = SPAN_SAME_MONTH;
    }

    /* Two consecutive days read "lundi 17 et mardi 18", longer spans
     * "du lundi 17 au vendredi 21": a language may word them apart. */
    if (last == first + 1 && base == FORMAT_SPAN) {
        shape += SPAN_TWO - SPAN_PLAIN;
    }
    return expand_format(t, base + shape, vars, 8, out, err);
}

int oc_tmpl_span(const oc_tmpl *t, oc_day first, oc_day last, oc_buf *out, oc_error *err)
{
    return span(t, FORMAT_SPAN, first, last, out, err);
}

int oc_tmpl_span_short(const oc_tmpl *t, oc_day first, oc_day last, oc_buf *out, oc_error *err)
{
    return span(t, FORMAT_SHORT, first, last, out, err);
}

int oc_tmpl_time(const oc_tmpl *t, int minutes, oc_buf *out, oc_error *err)
{
    char h[21], m[21], h12[21];
    const char *ampm;
    int hour = minutes / 60;

    oc_uint_text((uint64_t)hour, 2, h); /* a time of day: 0 <= minutes < 1440 */
    oc_uint_text((uint64_t)(minutes % 60), 2, m);
    oc_uint_text((uint64_t)(hour % 12 == 0 ? 12 : hour % 12), 0, h12);
    ampm = oc_tmpl_get(t, hour < 12 ? "time.am" : "time.pm");
    oc_var vars[] = {{"hour", h}, {"minute", m}, {"hour12", h12}, {"ampm", ampm}};
    return expand_format(t, FORMAT_TIME, vars, 4, out, err);
}

int oc_tmpl_datetime(const oc_tmpl *t, oc_day day, int minutes, oc_buf *out, oc_error *err)
{
    oc_buf parts = {0}; /* the date, its NUL, the time: one allocation, once per slot */
    size_t at;
    int rc = -1;

    if (oc_tmpl_date(t, day, &parts, err) == 0) {
        at = parts.len + 1;
        oc_buf_putc(&parts, '\0');
        if (oc_tmpl_time(t, minutes, &parts, err) == 0) {
            oc_var v[] = {{"date", parts.data}, {"time", parts.data + at}};

            rc = expand_format(t, FORMAT_DATETIME, v, 2, out, err);
        }
    }
    oc_buf_free(&parts);
    return rc;
}

const char *oc_tmpl_holiday(const oc_tmpl *t, const char *key)
{
    char name[64];

    snprintf(name, sizeof(name), "holiday.%s", key);
    return t != NULL ? oc_tmpl_get(t, name) : NULL;
}
