/* SPDX-License-Identifier: Apache-2.0 */
/* def: the first stage. Reads a schedule definition (YAML 1.1, UTF-8) with
 * libyaml's document API and validates it against DESIGN §2, keeping the
 * position of every node so that each message points at the offending value. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/def.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ordercal/holiday.h"
#include "ordercal/tz.h"

#define MAX_DEPTH 16

typedef struct {
    const char *file;
    yaml_document_t *doc;
    oc_error *err;
} ctx;

static const char *const weekday_names[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                             "friday", "saturday", "sunday"};

const char *oc_def_feed_name(const oc_def *def, const oc_def_feed *feed)
{
    return feed->name.value != NULL ? feed->name.value : def->name.value;
}

const char *oc_def_feed_description(const oc_def *def, const oc_def_feed *feed)
{
    return feed->description.value != NULL ? feed->description.value : def->description.value;
}

const char *oc_def_feed_language(const oc_def *def, const oc_def_feed *feed)
{
    return feed->language.value != NULL ? feed->language.value : def->language.value;
}

int oc_weekday_parse(const char *s)
{
    for (int i = 0; i < 7; i++) {
        if (strcmp(s, weekday_names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* libyaml's marks are 0-based; this is the one place that adds 1. */
static oc_pos mark_pos(yaml_mark_t m)
{
    oc_pos p = {(int)m.line + 1, (int)m.column + 1};

    return p;
}

static oc_pos node_pos(const yaml_node_t *n)
{
    return mark_pos(n->start_mark);
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool
fail(ctx *c, oc_pos pos, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    oc_error_vset(c->err, OC_E_SCHEMA, c->file, pos, fmt, ap);
    va_end(ap);
    return false;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool
fail_value(ctx *c, oc_pos pos, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    oc_error_vset(c->err, OC_E_VALUE, c->file, pos, fmt, ap);
    va_end(ap);
    return false;
}

/* " in rhythm[1]" or "" at the top level, for messages. */
static const char *where(const char *path, char *buf, size_t size)
{
    if (path == NULL || path[0] == '\0') {
        return "";
    }
    snprintf(buf, size, " in %s", path);
    return buf;
}

static const char *node_kind_text(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    default:
        return "a scalar";
    }
}

static bool is_null_scalar(const yaml_node_t *n)
{
    const char *v;

    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return false;
    }
    v = (const char *)n->data.scalar.value;
    return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* Quotes a scalar for a message: at most 40 bytes, never cutting a UTF-8
 * character, control characters shown as '?', so the message stays one line. */
static const char *quote(const yaml_node_t *n, char *buf, size_t size)
{
    const unsigned char *s;
    size_t i = 0, o = 0;

    if (n->type != YAML_SCALAR_NODE) {
        snprintf(buf, size, "%s", node_kind_text(n));
        return buf;
    }
    s = n->data.scalar.value;
    buf[o++] = '\'';
    while (i < n->data.scalar.length && o + 8 < size && i < 40) {
        unsigned char ch = s[i];
        size_t clen = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;

        if (ch < 0x20 || ch == 0x7F) {
            buf[o++] = '?';
            i++;
            continue;
        }
        if (i + clen > n->data.scalar.length) {
            break;
        }
        memcpy(buf + o, s + i, clen);
        o += clen;
        i += clen;
    }
    if (i < n->data.scalar.length) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

static bool invalid(ctx *c, const yaml_node_t *n, const char *key, const char *path,
                    const char *expected)
{
    char q[64], w[96];

    if (n->type != YAML_SCALAR_NODE || is_null_scalar(n)) {
        return fail(c, node_pos(n), "invalid %s%s: expected %s, got %s", key,
                    where(path, w, sizeof(w)), expected,
                    is_null_scalar(n) ? "nothing" : node_kind_text(n));
    }
    return fail_value(c, node_pos(n), "invalid %s %s%s (expected %s)", key, quote(n, q, sizeof(q)),
                      where(path, w, sizeof(w)), expected);
}

/* ---- mappings ---------------------------------------------------------- */

typedef struct {
    const char *const *keys;
    size_t count;
    yaml_node_t *slot[12];
    oc_pos key_pos[12];
    oc_pos pos;
} fields;

static bool collect(ctx *c, yaml_node_t *n, const char *path, const char *const *keys, size_t count,
                    fields *f)
{
    char w[96];

    memset(f, 0, sizeof(*f));
    f->keys = keys;
    f->count = count;
    f->pos = node_pos(n);
    if (n->type != YAML_MAPPING_NODE) {
        return fail(c, node_pos(n), "%s must be a mapping, got %s",
                    path[0] ? path : "the definition",
                    is_null_scalar(n) ? "nothing" : node_kind_text(n));
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        size_t i;

        if (k == NULL || v == NULL) {
            oc_error_set(c->err, OC_E_INTERNAL, c->file, f->pos, "dangling YAML node");
            return false;
        }
        if (k->type != YAML_SCALAR_NODE) {
            return fail(c, node_pos(k), "keys must be plain words%s, got %s",
                        where(path, w, sizeof(w)), node_kind_text(k));
        }
        for (i = 0; i < count; i++) {
            if (strcmp((const char *)k->data.scalar.value, keys[i]) == 0) {
                break;
            }
        }
        if (i == count) {
            oc_buf list = {0};
            char q[64];

            for (size_t j = 0; j < count; j++) {
                oc_buf_printf(&list, "%s%s", j ? ", " : "", keys[j]);
            }
            oc_error_set(c->err, OC_E_SCHEMA, c->file, node_pos(k),
                         "unknown key %s%s (expected: %s)", quote(k, q, sizeof(q)),
                         where(path, w, sizeof(w)), list.data);
            oc_buf_free(&list);
            return false;
        }
        if (f->slot[i] != NULL) {
            return fail(c, node_pos(k), "duplicate key '%s'%s (first at line %d, column %d)",
                        keys[i], where(path, w, sizeof(w)), f->key_pos[i].line,
                        f->key_pos[i].column);
        }
        f->slot[i] = v;
        f->key_pos[i] = node_pos(k);
    }
    return true;
}

static yaml_node_t *field(const fields *f, const char *key)
{
    for (size_t i = 0; i < f->count; i++) {
        if (strcmp(f->keys[i], key) == 0) {
            return f->slot[i];
        }
    }
    return NULL;
}

static bool require(ctx *c, const fields *f, const char *key, const char *path)
{
    char w[96];

    if (field(f, key) != NULL) {
        return true;
    }
    return fail(c, f->pos, "missing key '%s'%s", key, where(path, w, sizeof(w)));
}

/* ---- scalars ------------------------------------------------------------- */

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && !is_null_scalar(n) ? (const char *)n->data.scalar.value
                                                             : NULL;
}

/* A plain decimal integer in [lo, hi]. */
static bool get_int(ctx *c, yaml_node_t *n, const char *key, const char *path, long lo, long hi,
                    int *out)
{
    const char *s = scalar(n);
    char expected[80];
    char *end = NULL;
    long v;

    snprintf(expected, sizeof(expected), "a whole number from %ld to %ld%s", lo, hi,
             s != NULL && n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ? ", without quotes"
                                                                          : "");
    if (s == NULL || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || s[0] == '\0' ||
        (s[0] != '-' && (s[0] < '0' || s[0] > '9'))) {
        return invalid(c, n, key, path, expected);
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (*end != '\0') {
        return invalid(c, n, key, path, expected);
    }
    if (errno == ERANGE || v < lo || v > hi) {
        return invalid(c, n, key, path, expected);
    }
    *out = (int)v;
    return true;
}

/* The code point of the UTF-8 character at 's' (valid UTF-8: libyaml
 * checked it) and its length in bytes, for messages. */
static size_t utf8_char(const unsigned char *s, size_t len, unsigned *cp)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;

    if (n > len) {
        *cp = s[0];
        return 1;
    }
    *cp = n == 1 ? s[0] : s[0] & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        *cp = *cp << 6 | (s[i] & 0x3Fu);
    }
    return n;
}

/* Checks what may reach a calendar or a web page: valid UTF-8 (libyaml
 * guarantees it), no control characters but TAB and, where allowed, LF. */
static bool check_text(ctx *c, yaml_node_t *n, const char *key, const char *path, bool multiline)
{
    const unsigned char *s = n->data.scalar.value;
    char w[96];

    if (n->data.scalar.length > OC_DEF_MAX_TEXT) {
        return fail_value(c, node_pos(n), "%s%s is %zu bytes long (at most %d)", key,
                          where(path, w, sizeof(w)), n->data.scalar.length, OC_DEF_MAX_TEXT);
    }
    for (size_t i = 0, run = 0; i < n->data.scalar.length; i++) {
        unsigned ch = s[i];

        /* A long run of blanks would fold into a line of blanks only. */
        run = ch == ' ' || ch == '\t' ? run + 1 : 0;
        if (run > OC_DEF_MAX_BLANKS) {
            return fail_value(c, node_pos(n), "%s%s has more than %d spaces or tabs in a row", key,
                              where(path, w, sizeof(w)), OC_DEF_MAX_BLANKS);
        }
        if (ch == '\n' && multiline) {
            continue;
        }
        if ((ch < 0x20 && ch != '\t') || ch == 0x7F ||
            (ch == 0xC2 && i + 1 < n->data.scalar.length && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F)) {
            unsigned cp;

            if (ch == '\n') {
                return fail_value(c, node_pos(n),
                                  "%s%s contains a line break at byte %zu; line breaks are "
                                  "allowed in description and note only",
                                  key, where(path, w, sizeof(w)), i + 1);
            }
            utf8_char(s + i, n->data.scalar.length - i, &cp);
            return fail_value(c, node_pos(n),
                              "%s%s contains a control character U+%04X at byte %zu", key,
                              where(path, w, sizeof(w)), cp, i + 1);
        }
    }
    return true;
}

static bool get_text(ctx *c, yaml_node_t *n, const char *key, const char *path, bool multiline,
                     oc_def_str *out)
{
    const char *s = scalar(n);

    if (s == NULL) {
        return invalid(c, n, key, path, "a text");
    }
    if (s[strspn(s, " \t\n")] == '\0') {
        char w[96];

        return fail_value(c, node_pos(n), "%s%s is empty", key, where(path, w, sizeof(w)));
    }
    if (!check_text(c, n, key, path, multiline)) {
        return false;
    }
    free(out->value);
    out->value = oc_xstrndup(s, n->data.scalar.length);
    out->pos = node_pos(n);
    return true;
}

static bool valid_id(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > OC_DEF_MAX_ID) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        bool ok =
            (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || (s[i] == '-' && i > 0);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool get_id(ctx *c, yaml_node_t *n, const char *key, const char *path, oc_def_str *out)
{
    const char *s = scalar(n);
    char w[96];

    if (s != NULL && n->data.scalar.length > OC_DEF_MAX_ID) {
        return fail_value(c, node_pos(n), "%s%s is %zu characters long (at most %d)", key,
                          where(path, w, sizeof(w)), n->data.scalar.length, OC_DEF_MAX_ID);
    }
    if (s == NULL || strlen(s) != n->data.scalar.length || !valid_id(s)) {
        return invalid(c, n, key, path,
                       "lowercase letters, digits and '-', starting with a letter or digit");
    }
    free(out->value);
    out->value = oc_xstrdup(s);
    out->pos = node_pos(n);
    return true;
}

static bool get_date(ctx *c, yaml_node_t *n, const char *key, const char *path, oc_day *out)
{
    const char *s = scalar(n);
    char expected[96], q[64], w[96];
    oc_date d;

    snprintf(expected, sizeof(expected), "a date YYYY-MM-DD from %d-01-01 to %d-12-31",
             OC_DEF_MIN_YEAR, OC_DEF_MAX_YEAR);
    if (s == NULL || !oc_date_parse(s, &d)) {
        if (s != NULL && strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
            return fail_value(c, node_pos(n), "impossible date %s%s", quote(n, q, sizeof(q)),
                              where(path, w, sizeof(w)));
        }
        return invalid(c, n, key, path, expected);
    }
    if (d.year < OC_DEF_MIN_YEAR || d.year > OC_DEF_MAX_YEAR) {
        return invalid(c, n, key, path, expected);
    }
    *out = oc_day_from_date(d);
    return true;
}

/* A duration in seconds into '*out', and its days and weeks into '*days'
 * (NULL when they do not matter). */
static bool get_duration(ctx *c, yaml_node_t *n, const char *key, const char *path, int64_t lo,
                         int64_t hi, const char *expected, int64_t *out, int64_t *days)
{
    const char *s = scalar(n);
    int64_t v, d;

    if (s == NULL || !oc_duration_parse_days(s, INT32_MAX, &v, &d) || v < lo || v > hi) {
        return invalid(c, n, key, path, expected);
    }
    *out = v;
    if (days != NULL) {
        *days = d;
    }
    return true;
}

/* A character a URL may not hold, at byte 'i' of its value: what it is,
 * where, and its percent-encoding. */
static bool url_char(ctx *c, yaml_node_t *n, const char *key, const char *path, size_t i)
{
    const unsigned char *s = n->data.scalar.value;
    char w[96], what[48], enc[16];
    unsigned cp;
    size_t len = utf8_char(s + i, n->data.scalar.length - i, &cp);

    if (cp == ' ') {
        snprintf(what, sizeof(what), "a space");
    } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
        snprintf(what, sizeof(what), "a control character U+%04X", cp);
    } else if (cp >= 0x80) {
        snprintf(what, sizeof(what), "a non-ASCII character U+%04X", cp);
    } else {
        snprintf(what, sizeof(what), "'%c', which URLs do not allow,", (char)cp);
    }
    for (size_t j = 0; j < len; j++) {
        snprintf(enc + 3 * j, sizeof(enc) - 3 * j, "%%%02X", s[i + j]);
    }
    return fail_value(c, node_pos(n), "%s%s contains %s at byte %zu; percent-encode it as %s", key,
                      where(path, w, sizeof(w)), what, i + 1, enc);
}

static bool get_url(ctx *c, yaml_node_t *n, const char *key, const char *path, oc_def_str *out)
{
    const char *s = scalar(n);

    if (s != NULL && strlen(s) == n->data.scalar.length &&
        (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0)) {
        for (size_t i = 0; s[i] != '\0'; i++) {
            unsigned char ch = (unsigned char)s[i];

            if (ch < 0x20 || ch >= 0x7F || strchr(" \"<>\\^`{|}", ch) != NULL) {
                return url_char(c, n, key, path, i);
            }
        }
    }
    if (s == NULL || strlen(s) != n->data.scalar.length || strlen(s) > 1024 || !oc_url_valid(s)) {
        return invalid(c, n, key, path,
                       "an absolute http:// or https:// URL without spaces or quotes; "
                       "percent-encode other characters");
    }
    free(out->value);
    out->value = oc_xstrdup(s);
    out->pos = node_pos(n);
    return true;
}

static bool get_language(ctx *c, yaml_node_t *n, const char *path, oc_def_str *out)
{
    const char *s = scalar(n);
    size_t len = s != NULL ? strlen(s) : 0;
    bool ok = len >= 2 && len <= 16;

    for (size_t i = 0; ok && i < len; i++) {
        ok = (s[i] >= 'a' && s[i] <= 'z') ||
             (i >= 2 && (s[i] == '-' || (s[i] >= 'A' && s[i] <= 'Z')));
    }
    if (!ok) {
        return invalid(c, n, "language", path, "a language code such as fr or en");
    }
    free(out->value);
    out->value = oc_xstrdup(s);
    out->pos = node_pos(n);
    return true;
}

/* ---- sections ---------------------------------------------------------- */

static bool load_calendar(ctx *c, yaml_node_t *n, oc_def *def)
{
    static const char *const keys[] = {"id",       "name",     "description",   "timezone",
                                       "language", "url",      "reference",     "refresh",
                                       "base_url", "holidays", "cancelled_days"};
    fields f;
    yaml_node_t *v;
    const char *p = "calendar";

    if (!collect(c, n, p, keys, sizeof(keys) / sizeof(keys[0]), &f)) {
        return false;
    }
    if (!require(c, &f, "id", p) || !require(c, &f, "name", p) || !require(c, &f, "timezone", p)) {
        return false;
    }
    if (!get_id(c, field(&f, "id"), "id", p, &def->id) ||
        !get_text(c, field(&f, "name"), "name", p, false, &def->name)) {
        return false;
    }
    if ((v = field(&f, "description")) != NULL &&
        !get_text(c, v, "description", p, true, &def->description)) {
        return false;
    }
    v = field(&f, "timezone");
    {
        const char *s = scalar(v);
        oc_tz *tz = NULL;
        oc_error tzerr;

        oc_error_init(&tzerr);
        if (s == NULL || strlen(s) != v->data.scalar.length ||
            (tz = oc_tz_load(s, &tzerr)) == NULL) {
            return invalid(c, v, "timezone", p, "an IANA time zone such as Europe/Paris");
        }
        def->tz = tz;
        def->timezone.value = oc_xstrdup(s);
        def->timezone.pos = node_pos(v);
    }
    if ((v = field(&f, "language")) != NULL && !get_language(c, v, p, &def->language)) {
        return false;
    }
    if ((v = field(&f, "url")) != NULL && !get_url(c, v, "url", p, &def->url)) {
        return false;
    }
    if ((v = field(&f, "reference")) != NULL &&
        !get_text(c, v, "reference", p, false, &def->reference)) {
        return false;
    }
    if ((v = field(&f, "refresh")) != NULL) {
        if (!get_duration(c, v, "refresh", p, 60, 366 * 86400,
                          "a duration from PT1M to P366D such as PT6H", &def->refresh, NULL)) {
            return false;
        }
        def->refresh_pos = node_pos(v);
    }
    if ((v = field(&f, "base_url")) != NULL && !get_url(c, v, "base_url", p, &def->base_url)) {
        return false;
    }
    if ((v = field(&f, "holidays")) != NULL) {
        const char *s = scalar(v);

        if (s == NULL || oc_holidays_parse(s) < 0) {
            return invalid(c, v, "holidays", p,
                           "fr, fr-alsace-moselle, fr-guadeloupe, fr-martinique, fr-guyane, "
                           "fr-reunion, fr-mayotte or none");
        }
        def->holidays.value = oc_xstrdup(s);
        def->holidays.pos = node_pos(v);
    }
    if ((v = field(&f, "cancelled_days")) != NULL &&
        !get_int(c, v, "cancelled_days", p, 0, OC_DEF_MAX_CANCELLED_DAYS, &def->cancelled_days)) {
        return false;
    }
    return true;
}

static bool parse_time(const char *s, int *minutes)
{
    int h, m;

    /* "18:00" is written quoted in the contract; a plain 18:00 is a YAML 1.1
     * sexagesimal integer to other parsers, but libyaml hands us the text. */
    if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
        s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9') {
        return false;
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23) {
        return false;
    }
    *minutes = h * 60 + m;
    return true;
}

/* A timed kind's block (session.confirmation, session.reminder): when it
 * happens, how long, and its alarm. Sets '*pos' and '*offset_pos' (may be
 * NULL) to the block's and its offset's positions. */
static bool load_timed(ctx *c, yaml_node_t *v, oc_def *def, oc_kind kind, oc_pos *pos,
                       oc_pos *offset_pos)
{
    static const char *const keys[] = {"offset", "time", "duration", "alarm"};
    oc_def_rule *rule = &def->rules[kind];
    char p[48];
    yaml_node_t *w;
    fields g;

    snprintf(p, sizeof(p), "session.%s", oc_kind_name(kind));
    *pos = node_pos(v);
    rule->pos = node_pos(v);
    if (!collect(c, v, p, keys, 4, &g)) {
        return false;
    }
    rule->on = true;
    if ((w = field(&g, "offset")) != NULL) {
        if (offset_pos != NULL) {
            *offset_pos = node_pos(w);
        }
        if (!get_int(c, w, "offset", p, 0, OC_DEF_MAX_OFFSET, &rule->offset)) {
            return false;
        }
    }
    if ((w = field(&g, "time")) != NULL) {
        const char *s = scalar(w);

        if (s == NULL || !parse_time(s, &rule->minutes)) {
            return invalid(c, w, "time", p, "a time HH:MM from 00:00 to 23:59");
        }
    }
    if ((w = field(&g, "duration")) != NULL &&
        !get_duration(c, w, "duration", p, 60, 86400, "a duration from PT1M to P1D such as PT30M",
                      &rule->duration, &rule->duration_days)) {
        return false;
    }
    if ((w = field(&g, "alarm")) != NULL) {
        const char *s = scalar(w);

        if (s != NULL && strcmp(s, "none") == 0) {
            rule->has_alarm = false;
        } else if (!get_duration(c, w, "alarm", p, -7 * 86400, 7 * 86400,
                                 "a duration such as PT0M or -PT15M (at most 7 days), or none",
                                 &rule->alarm, &rule->alarm_days)) {
            return false;
        } else {
            rule->has_alarm = true;
        }
    }
    return true;
}

static bool load_session(ctx *c, yaml_node_t *n, oc_def *def)
{
    static const char *const keys[] = {"weekday",      "length",       "delivery",
                                       "confirmation", "appointments", "reminder"};
    static const char *const dkeys[] = {"offset", "length"};
    static const char *const akeys[] = {"offset"};
    fields f, g;
    yaml_node_t *v;

    if (!collect(c, n, "session", keys, sizeof(keys) / sizeof(keys[0]), &f)) {
        return false;
    }
    if ((v = field(&f, "weekday")) != NULL) {
        const char *s = scalar(v);

        if (s == NULL || (def->weekday = oc_weekday_parse(s)) < 0) {
            return invalid(c, v, "weekday", "session", "monday, tuesday, ... or sunday");
        }
        def->weekday_pos = node_pos(v);
    }
    if ((v = field(&f, "length")) != NULL) {
        if (!get_int(c, v, "length", "session", 1, 7, &def->length)) {
            return false;
        }
        def->length_pos = node_pos(v);
    }
    if ((v = field(&f, "delivery")) != NULL) {
        yaml_node_t *w;

        def->delivery_pos = node_pos(v);
        def->rules[OC_KIND_DELIVERY].pos = node_pos(v);
        if (!collect(c, v, "session.delivery", dkeys, 2, &g)) {
            return false;
        }
        if ((w = field(&g, "offset")) != NULL &&
            !get_int(c, w, "offset", "session.delivery", 0, OC_DEF_MAX_OFFSET,
                     &def->rules[OC_KIND_DELIVERY].offset)) {
            return false;
        }
        if ((w = field(&g, "length")) != NULL && !get_int(c, w, "length", "session.delivery", 1, 28,
                                                          &def->rules[OC_KIND_DELIVERY].length)) {
            return false;
        }
        if (def->rules[OC_KIND_DELIVERY].offset < def->length) {
            w = field(&g, "offset") != NULL ? field(&g, "offset") : v;
            return fail_value(c, node_pos(w),
                              "delivery offset %d falls inside the session (length %d); "
                              "deliveries come after the session's last day",
                              def->rules[OC_KIND_DELIVERY].offset, def->length);
        }
    }
    if ((v = field(&f, "confirmation")) != NULL &&
        !load_timed(c, v, def, OC_KIND_CONFIRMATION, &def->confirmation_pos,
                    &def->confirmation_offset_pos)) {
        return false;
    }
    if ((v = field(&f, "reminder")) != NULL &&
        !load_timed(c, v, def, OC_KIND_REMINDER, &def->reminder_pos, NULL)) {
        return false;
    }
    if ((v = field(&f, "appointments")) != NULL) {
        yaml_node_t *w;

        def->appointments_pos = node_pos(v);
        def->rules[OC_KIND_APPOINTMENTS].pos = node_pos(v);
        if (!collect(c, v, "session.appointments", akeys, 1, &g)) {
            return false;
        }
        if ((w = field(&g, "offset")) != NULL &&
            !get_int(c, w, "offset", "session.appointments", 0, OC_DEF_MAX_OFFSET,
                     &def->rules[OC_KIND_APPOINTMENTS].offset)) {
            return false;
        }
    }
    if (def->rules[OC_KIND_CONFIRMATION].offset + 1 < def->length) {
        return fail_value(c,
                          def->confirmation_offset_pos.line ? def->confirmation_offset_pos
                          : def->confirmation_pos.line      ? def->confirmation_pos
                                                            : def->length_pos,
                          "confirmation offset %d is before the session's last day "
                          "(session length %d)",
                          def->rules[OC_KIND_CONFIRMATION].offset, def->length);
    }

    /* Open and closed weeks both span the session's days. */
    def->rules[OC_KIND_SESSION].length = def->length;
    def->rules[OC_KIND_CLOSED].length = def->length;
    return true;
}

static bool check_sequence(ctx *c, yaml_node_t *n, const char *key)
{
    size_t count;

    if (n->type != YAML_SEQUENCE_NODE) {
        return fail(c, node_pos(n), "%s must be a list, got %s", key,
                    is_null_scalar(n) ? "nothing" : node_kind_text(n));
    }
    count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (count > OC_DEF_MAX_ITEMS) {
        return fail_value(c, node_pos(n), "%s has %zu items (at most %d)", key, count,
                          OC_DEF_MAX_ITEMS);
    }
    return true;
}

static size_t seq_count(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_item(ctx *c, const yaml_node_t *n, size_t i)
{
    return yaml_document_get_node(c->doc, n->data.sequence.items.start[i]);
}

static const char *weekday_name(int wd)
{
    return wd >= 0 && wd < 7 ? weekday_names[wd] : "?";
}

static const char *date_text(oc_day day, char *buf, size_t size)
{
    oc_date d = oc_date_from_day(day);

    snprintf(buf, size, "'%04d-%02d-%02d'", d.year % 10000, d.month % 100, d.day % 100);
    return buf;
}

static bool load_rhythm(ctx *c, yaml_node_t *n, oc_def *def)
{
    static const char *const keys[] = {"from", "every", "until"};
    size_t count;

    def->rhythm_pos = node_pos(n);
    if (!check_sequence(c, n, "rhythm")) {
        return false;
    }
    count = seq_count(n);
    if (count == 0) {
        return fail_value(c, node_pos(n), "rhythm is empty: list at least one period");
    }
    def->periods = oc_xcalloc(count, sizeof(*def->periods));
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = seq_item(c, n, i);
        oc_def_period *per = &def->periods[i];
        char path[32];
        fields f;
        yaml_node_t *v;
        char q[64];

        snprintf(path, sizeof(path), "rhythm[%zu]", i);
        if (!collect(c, item, path, keys, 3, &f) || !require(c, &f, "from", path)) {
            return false;
        }
        def->period_count = i + 1;
        per->pos = node_pos(item);
        per->every = 1;
        v = field(&f, "from");
        per->from_pos = node_pos(v);
        if (!get_date(c, v, "from", path, &per->from)) {
            return false;
        }
        if (oc_day_weekday(per->from) != def->weekday) {
            return fail_value(c, per->from_pos, "%s.from %s is a %s, not the session weekday (%s)",
                              path, quote(v, q, sizeof(q)), weekday_name(oc_day_weekday(per->from)),
                              weekday_name(def->weekday));
        }
        if ((v = field(&f, "every")) != NULL) {
            per->every_pos = node_pos(v);
            if (!get_int(c, v, "every", path, 1, OC_DEF_MAX_EVERY, &per->every)) {
                return false;
            }
        } else {
            per->every_pos = per->pos;
        }
        if ((v = field(&f, "until")) != NULL) {
            per->until_pos = node_pos(v);
            per->has_until = true;
            if (!get_date(c, v, "until", path, &per->until)) {
                return false;
            }
            if (per->until < per->from) {
                return fail_value(c, per->until_pos, "%s.until %s is before its from", path,
                                  quote(v, q, sizeof(q)));
            }
        }
        if (i > 0) {
            const oc_def_period *prev = &def->periods[i - 1];

            if (per->from <= prev->from) {
                char q2[64];

                return fail_value(c, per->from_pos,
                                  "%s.from %s must come after rhythm[%zu].from %s: periods ascend",
                                  path, quote(field(&f, "from"), q2, sizeof(q2)), i - 1,
                                  date_text(prev->from, q, sizeof(q)));
            }
            if (prev->has_until && prev->until >= per->from) {
                return fail_value(c, prev->until_pos,
                                  "rhythm[%zu].until reaches into rhythm[%zu], which starts %s",
                                  i - 1, i, quote(field(&f, "from"), q, sizeof(q)));
            }
        }
    }
    return true;
}

/* An exception's delivery override: one date, or [first, last]. */
static bool load_override(ctx *c, const fields *fp, yaml_node_t *v, const char *path,
                          const oc_def *def, oc_def_exception *ex)
{
    const fields f = *fp;
    char q[64];

    ex->delivery_pos = node_pos(v);
    ex->has_delivery = true;
    if (v->type == YAML_SEQUENCE_NODE) {
        if (seq_count(v) != 2) {
            return fail(c, node_pos(v), "%s.delivery must list two dates [first, last], got %zu",
                        path, seq_count(v));
        }
        if (!get_date(c, seq_item(c, v, 0), "delivery", path, &ex->delivery_first) ||
            !get_date(c, seq_item(c, v, 1), "delivery", path, &ex->delivery_last)) {
            return false;
        }
        if (ex->delivery_last < ex->delivery_first) {
            return fail_value(c, node_pos(seq_item(c, v, 1)), "%s.delivery ends before it starts",
                              path);
        }
    } else {
        if (!get_date(c, v, "delivery", path, &ex->delivery_first)) {
            return false;
        }
        ex->delivery_last = ex->delivery_first;
    }
    if (ex->delivery_last - ex->delivery_first >= 28) {
        return fail_value(c, ex->delivery_pos, "%s.delivery spans more than 28 days", path);
    }
    if (ex->delivery_first > ex->date + OC_DEF_MAX_OFFSET) {
        return fail_value(c, ex->delivery_pos,
                          "%s.delivery starts more than %d days after the session %s", path,
                          OC_DEF_MAX_OFFSET, quote(field(&f, "date"), q, sizeof(q)));
    }
    if (ex->delivery_first < ex->date + def->length) {
        return fail_value(c, ex->delivery_pos, "%s.delivery starts before the session %s ends",
                          path, quote(field(&f, "date"), q, sizeof(q)));
    }
    if (ex->state == OC_STATE_CLOSED) {
        return fail_value(c, ex->delivery_pos, "%s is closed: a closed session has no delivery",
                          path);
    }
    return true;
}

static bool load_exceptions(ctx *c, yaml_node_t *n, oc_def *def)
{
    static const char *const keys[] = {"date", "state", "note", "delivery"};
    size_t count;

    if (!check_sequence(c, n, "sessions")) {
        return false;
    }
    count = seq_count(n);
    def->exceptions = oc_xcalloc(count != 0 ? count : 1, sizeof(*def->exceptions));
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = seq_item(c, n, i);
        oc_def_exception *ex = &def->exceptions[i];
        char path[32], q[64];
        fields f;
        yaml_node_t *v;

        snprintf(path, sizeof(path), "sessions[%zu]", i);
        if (!collect(c, item, path, keys, 4, &f) || !require(c, &f, "date", path)) {
            return false;
        }
        def->exception_count = i + 1;
        ex->pos = node_pos(item);
        v = field(&f, "date");
        ex->date_pos = node_pos(v);
        if (!get_date(c, v, "date", path, &ex->date)) {
            return false;
        }
        if (oc_day_weekday(ex->date) != def->weekday) {
            return fail_value(c, ex->date_pos,
                              "%s.date %s is a %s; sessions are keyed by their first day, a %s",
                              path, quote(v, q, sizeof(q)), weekday_name(oc_day_weekday(ex->date)),
                              weekday_name(def->weekday));
        }
        if ((v = field(&f, "state")) != NULL) {
            const char *s = scalar(v);

            ex->state_pos = node_pos(v);
            if (s != NULL && strcmp(s, "open") == 0) {
                ex->state = OC_STATE_OPEN;
            } else if (s != NULL && strcmp(s, "closed") == 0) {
                ex->state = OC_STATE_CLOSED;
            } else {
                return invalid(c, v, "state", path, "open or closed");
            }
        }
        if ((v = field(&f, "note")) != NULL && !get_text(c, v, "note", path, true, &ex->note)) {
            return false;
        }
        if ((v = field(&f, "delivery")) != NULL && !load_override(c, &f, v, path, def, ex)) {
            return false;
        }
        if (ex->state == OC_STATE_DEFAULT && !ex->has_delivery && ex->note.value == NULL) {
            return fail_value(c, ex->pos, "%s changes nothing: give a state, a delivery or a note",
                              path);
        }
        for (size_t j = 0; j < i; j++) {
            if (def->exceptions[j].date == ex->date) {
                return fail_value(c, ex->date_pos,
                                  "%s.date %s already has an exception (sessions[%zu], line %d)",
                                  path, quote(field(&f, "date"), q, sizeof(q)), j,
                                  def->exceptions[j].date_pos.line);
            }
        }
    }
    return true;
}

static bool load_feeds(ctx *c, yaml_node_t *n, oc_def *def)
{
    static const char *const keys[] = {"id", "name", "description", "language", "kinds"};
    size_t count;

    if (!check_sequence(c, n, "feeds")) {
        return false;
    }
    count = seq_count(n);
    if (count == 0) {
        return fail_value(c, node_pos(n), "feeds is empty: remove it for the default feed");
    }
    def->feeds = oc_xcalloc(count, sizeof(*def->feeds));
    for (size_t i = 0; i < count; i++) {
        yaml_node_t *item = seq_item(c, n, i);
        oc_def_feed *feed = &def->feeds[i];
        char path[32], q[64];
        fields f;
        yaml_node_t *v;

        snprintf(path, sizeof(path), "feeds[%zu]", i);
        if (!collect(c, item, path, keys, 5, &f) || !require(c, &f, "id", path)) {
            return false;
        }
        def->feed_count = i + 1;
        feed->pos = node_pos(item);
        feed->kinds = OC_KIND_ALL;
        if (!get_id(c, field(&f, "id"), "id", path, &feed->id)) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(def->feeds[j].id.value, feed->id.value) == 0) {
                return fail_value(c, feed->id.pos, "feed id %s is already used by feeds[%zu]",
                                  quote(field(&f, "id"), q, sizeof(q)), j);
            }
        }
        if ((v = field(&f, "name")) != NULL && !get_text(c, v, "name", path, false, &feed->name)) {
            return false;
        }
        if ((v = field(&f, "description")) != NULL &&
            !get_text(c, v, "description", path, true, &feed->description)) {
            return false;
        }
        if ((v = field(&f, "language")) != NULL && !get_language(c, v, path, &feed->language)) {
            return false;
        }
        if ((v = field(&f, "kinds")) != NULL) {
            char kp[48];

            snprintf(kp, sizeof(kp), "%s.kinds", path);
            feed->kinds_pos = node_pos(v);
            feed->kinds = 0;
            if (!check_sequence(c, v, kp)) {
                return false;
            }
            if (seq_count(v) == 0) {
                return fail_value(c, node_pos(v), "%s is empty: name at least one kind", kp);
            }
            for (size_t k = 0; k < seq_count(v); k++) {
                yaml_node_t *kn = seq_item(c, v, k);
                const char *s = scalar(kn);
                int kind = oc_kind_parse(s);

                if (kind < 0) {
                    return invalid(c, kn, "kind", kp, oc_kind_list());
                }
                if (feed->kinds & (1u << kind)) {
                    return fail_value(c, node_pos(kn), "kind '%s' is listed twice in %s", s, kp);
                }
                feed->kinds |= 1u << kind;
            }
        }
    }
    return true;
}

static void set_defaults(oc_def *def)
{
    def->weekday = 0;
    def->length = 2;
    def->rules[OC_KIND_DELIVERY].offset = 10;
    def->rules[OC_KIND_DELIVERY].length = 2;
    def->rules[OC_KIND_CONFIRMATION].offset = 2;
    def->rules[OC_KIND_CONFIRMATION].minutes = 18 * 60;
    def->rules[OC_KIND_CONFIRMATION].duration = 30 * 60;
    def->rules[OC_KIND_CONFIRMATION].has_alarm = true;
    def->rules[OC_KIND_CONFIRMATION].alarm = 0;
    def->rules[OC_KIND_CONFIRMATION].length = 1;

    /* A reminder when the definition asks for one: on the session's first
     * day at 09:00, a quarter of an hour, its alarm at the start. */
    def->rules[OC_KIND_REMINDER].length = 1;
    def->rules[OC_KIND_REMINDER].minutes = 9 * 60;
    def->rules[OC_KIND_REMINDER].duration = 15 * 60;
    def->rules[OC_KIND_REMINDER].has_alarm = true;
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        def->rules[k].on = !oc_kind_get((oc_kind)k)->optional;
    }
    def->rules[OC_KIND_APPOINTMENTS].offset = 1;
    def->rules[OC_KIND_APPOINTMENTS].length = 1;
    def->horizon_weeks = 26;
    def->cancelled_days = 14;
    def->changes_kept = 50;
    def->refresh = 6 * 3600;
}

static bool load_root(ctx *c, yaml_node_t *root, oc_def *def)
{
    static const char *const keys[] = {"calendar", "session",       "rhythm",      "sessions",
                                       "feeds",    "horizon_weeks", "changes_kept"};
    fields f;
    yaml_node_t *v;

    if (!collect(c, root, "", keys, sizeof(keys) / sizeof(keys[0]), &f)) {
        return false;
    }
    /* Sections in their dependency order, each checked before the next is
     * required, so the first error in reading order tends to come first. */
    if (!require(c, &f, "calendar", "") || !load_calendar(c, field(&f, "calendar"), def) ||
        !require(c, &f, "session", "")) {
        return false;
    }
    v = field(&f, "session");
    if (is_null_scalar(v)) {
        return fail(c, node_pos(v),
                    "session must be a mapping, got nothing (write 'session: {}' for the "
                    "defaults)");
    }
    if (!load_session(c, v, def) || !require(c, &f, "rhythm", "") ||
        !load_rhythm(c, field(&f, "rhythm"), def)) {
        return false;
    }
    if ((v = field(&f, "sessions")) != NULL && !load_exceptions(c, v, def)) {
        return false;
    }
    if ((v = field(&f, "horizon_weeks")) != NULL) {
        def->horizon_pos = node_pos(v);
        if (!get_int(c, v, "horizon_weeks", "", 1, OC_DEF_MAX_HORIZON, &def->horizon_weeks)) {
            return false;
        }
    }
    if ((v = field(&f, "changes_kept")) != NULL &&
        !get_int(c, v, "changes_kept", "", 1, OC_DEF_MAX_CHANGES_KEPT, &def->changes_kept)) {
        return false;
    }
    if ((v = field(&f, "feeds")) != NULL) {
        if (!load_feeds(c, v, def)) {
            return false;
        }
    } else {
        def->feeds = oc_xcalloc(1, sizeof(*def->feeds));
        def->feed_count = 1;
        def->feeds[0].id.value = oc_xstrdup(def->id.value);
        def->feeds[0].id.pos = def->id.pos;
        def->feeds[0].kinds = OC_KIND_ALL;
    }
    if (def->language.value == NULL) {
        def->language.value = oc_xstrdup("fr");
    }
    if (def->holidays.value == NULL) {
        def->holidays.value =
            oc_xstrdup(strcmp(oc_tz_name(def->tz), "Europe/Paris") == 0 ? "fr" : "none");
    }
    def->holiday_set = oc_holidays_parse(def->holidays.value);
    if (def->refresh_text[0] == '\0') {
        oc_duration_format(def->refresh, def->refresh_text, sizeof(def->refresh_text));
    }
    if (def->base_url.value != NULL) {
        char *s = oc_url_folder(def->base_url.value);

        free(def->base_url.value);
        def->base_url.value = s;
    }
    return true;
}

/* The line and column (in characters, as libyaml counts them) of byte
 * 'offset', for errors that libyaml reports only as an offset. */
static oc_pos offset_pos(const char *yaml, size_t len, size_t offset)
{
    oc_pos pos = {1, 1};

    for (size_t i = 0; i < offset && i < len; i++) {
        if (yaml[i] == '\n') {
            pos.line++;
            pos.column = 1;
        } else if (((unsigned char)yaml[i] & 0xC0) != 0x80) {
            pos.column++;
        }
    }
    return pos;
}

/* The byte offset where line 'line' (1-based) of 'yaml' starts. */
static size_t line_offset(const char *yaml, size_t len, int line)
{
    size_t at = 0;

    for (int l = 1; l < line && at < len; l++) {
        const char *nl = memchr(yaml + at, '\n', len - at);

        at = nl != NULL ? (size_t)(nl - yaml) + 1 : len;
    }
    return at;
}

/* A tab in the indentation of the line at 'pos': its position. */
static bool indent_tab(const char *yaml, size_t len, oc_pos pos, oc_pos *tab)
{
    size_t at = line_offset(yaml, len, pos.line);

    for (size_t i = at; i < len && (yaml[i] == ' ' || yaml[i] == '\t'); i++) {
        if (yaml[i] == '\t') {
            *tab = (oc_pos){pos.line, (int)(i - at) + 1};
            return true;
        }
    }
    return false;
}

/* The line of the last "..." (the end of a document) before line 'before', or 0. */
static int document_end_line(const char *yaml, size_t len, int before)
{
    int found = 0, line = 1;

    for (size_t at = 0; at < len && line < before; line++) {
        const char *nl = memchr(yaml + at, '\n', len - at);

        if (at + 3 <= len && memcmp(yaml + at, "...", 3) == 0 &&
            (at + 3 == len || strchr(" \t\r\n#", yaml[at + 3]) != NULL)) {
            found = line;
        }
        at = nl != NULL ? (size_t)(nl - yaml) + 1 : len;
    }
    return found;
}

/* libyaml's scanner and parser errors, turned into what a maintainer can act on. */
static void set_syntax_error(ctx *c, const yaml_parser_t *parser, const char *yaml, size_t len)
{
    const char *problem = parser->problem != NULL ? parser->problem : "malformed YAML";
    const char *context = parser->context;
    oc_pos pos = mark_pos(parser->problem_mark), tab;
    int end;

    if (context != NULL && strstr(problem, "end of stream") != NULL &&
        strstr(context, "quoted scalar") != NULL) {
        size_t at = parser->context_mark.index;
        char q = at < len ? yaml[at] : '"';

        oc_error_set(c->err, OC_E_SYNTAX, c->file, mark_pos(parser->context_mark),
                     "quoted text is never closed (no closing '%c' before the end of the file)",
                     q == '\'' ? '\'' : '"');
    } else if (strcmp(problem, "mapping values are not allowed in this context") == 0) {
        oc_error_set(c->err, OC_E_SYNTAX, c->file, pos,
                     "unexpected ':' here; is this line indented more than the keys above it?");
    } else if ((strstr(problem, "cannot start any token") != NULL ||
                strstr(problem, "tab character") != NULL) &&
               indent_tab(yaml, len, pos, &tab)) {
        oc_error_set(c->err, OC_E_SYNTAX, c->file, tab,
                     "a tab in the indentation; YAML indents with spaces only");
    } else if (strstr(problem, "expected <document start>") != NULL &&
               (end = document_end_line(yaml, len, pos.line)) > 0) {
        oc_error_set(c->err, OC_E_SYNTAX, c->file, pos,
                     "text after the end of the document ('...' at line %d); remove the '...' "
                     "or what follows it",
                     end);
    } else if (context != NULL) {
        oc_error_set(c->err, OC_E_SYNTAX, c->file, pos, "%s (%s at line %d)", problem, context,
                     (int)parser->context_mark.line + 1);
    } else {
        oc_error_set(c->err, OC_E_SYNTAX, c->file, pos, "%s", problem);
    }
}

static void set_parser_error(ctx *c, const yaml_parser_t *parser, const char *yaml, size_t len)
{
    const char *problem = parser->problem != NULL ? parser->problem : "malformed YAML";
    oc_pos pos;

    if (parser->error == YAML_MEMORY_ERROR) {
        oc_error_set(c->err, OC_E_INTERNAL, c->file, (oc_pos){0, 0}, "out of memory");
        return;
    }
    if (parser->error == YAML_READER_ERROR) {
        /* The reader knows only a byte offset; its marks are unset. */
        size_t at = parser->problem_offset;
        unsigned byte = (unsigned)parser->problem_value & 0xFF;

        /* For a bad trailing octet, name the character's first byte: in a
         * Latin-1 file that is the 'é', not the space after it. */
        if (strstr(problem, "trailing") != NULL || strstr(problem, "incomplete") != NULL) {
            while (at > 0 && at <= len && ((unsigned char)yaml[at - 1] & 0xC0) == 0x80) {
                at--;
            }
            if (at > 0 && at <= len && ((unsigned char)yaml[at - 1] & 0xC0) == 0xC0) {
                at--;
            }
            byte = at < len ? (unsigned char)yaml[at] : byte;
        }
        pos = offset_pos(yaml, len, at);
        if (strstr(problem, "UTF-8") != NULL) {
            oc_error_set(c->err, OC_E_SYNTAX, c->file, pos,
                         "invalid UTF-8 byte 0x%02X; save the definition as UTF-8", byte);
        } else if (strstr(problem, "control characters") != NULL) {
            oc_error_set(c->err, OC_E_SYNTAX, c->file, pos,
                         "control character U+%04X is not allowed in a definition",
                         (unsigned)parser->problem_value);
        } else {
            oc_error_set(c->err, OC_E_SYNTAX, c->file, pos, "%s", problem);
        }
        return;
    }

    set_syntax_error(c, parser, yaml, len);
}

/* A first pass over the event stream refuses what the document API would
 * silently accept: anchors and aliases (a "billion laughs" alias bomb would
 * make the walk exponential), several documents and deep nesting. */
static bool prescan(ctx *c, const unsigned char *yaml, size_t len)
{
    yaml_parser_t parser;
    yaml_event_t event;
    int depth = 0, documents = 0;
    bool ok = false, done = false;

    if (!yaml_parser_initialize(&parser)) {
        oc_error_set(c->err, OC_E_INTERNAL, c->file, (oc_pos){0, 0}, "out of memory");
        return false;
    }
    yaml_parser_set_input_string(&parser, yaml, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    while (!done) {
        const char *anchor = NULL;

        if (!yaml_parser_parse(&parser, &event)) {
            set_parser_error(c, &parser, (const char *)yaml, len);
            goto done;
        }
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) {
                fail(c, mark_pos(event.start_mark),
                     "a definition holds one YAML document; remove this '---'");
            }
            break;
        case YAML_ALIAS_EVENT:
            fail(c, mark_pos(event.start_mark),
                 "YAML aliases (*%s) are not supported; write the value out",
                 (const char *)event.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            anchor = (const char *)event.data.scalar.anchor;
            break;
        case YAML_SEQUENCE_START_EVENT:
            anchor = (const char *)event.data.sequence_start.anchor;
            depth++;
            break;
        case YAML_MAPPING_START_EVENT:
            anchor = (const char *)event.data.mapping_start.anchor;
            depth++;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            depth--;
            break;
        default:
            break;
        }
        if (anchor != NULL) {
            fail(c, mark_pos(event.start_mark),
                 "YAML anchors (&%s) are not supported; write each value out", anchor);
        } else if (depth > MAX_DEPTH) {
            fail(c, mark_pos(event.start_mark), "nesting deeper than %d levels", MAX_DEPTH);
        }
        yaml_event_delete(&event);
        if (c->err->code != OC_OK) {
            goto done;
        }
    }
    ok = true;
done:
    yaml_parser_delete(&parser);
    return ok;
}

/* A byte order mark (EF BB BF) in 'yaml', or NULL. */
static const char *find_bom(const char *yaml, size_t len)
{
    for (const char *p = yaml; (p = memchr(p, 0xEF, len - (size_t)(p - yaml))) != NULL; p++) {
        if ((size_t)(p - yaml) + 3 <= len && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
            return p;
        }
    }
    return NULL;
}

oc_def *oc_def_load_string(const char *yaml, size_t len, const char *name, oc_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_parser = false, have_doc = false;
    oc_def *def = NULL;
    oc_error local;
    ctx c;
    yaml_node_t *root;
    const char *bom;

    if (err == NULL) {
        err = &local;
    }
    oc_error_init(&local);
    c.file = name;
    c.doc = &doc;
    c.err = err;
    if (len > OC_DEF_MAX_BYTES) {
        oc_error_set(err, OC_E_VALUE, name, (oc_pos){0, 0},
                     "the definition is %zu bytes long (at most %d)", len, OC_DEF_MAX_BYTES);
        return NULL;
    }

    /* Windows editors save UTF-8 with a byte order mark; it is no text. */
    if (len >= 3 && memcmp(yaml, "\xEF\xBB\xBF", 3) == 0) {
        yaml += 3;
        len -= 3;
    }
    if ((bom = find_bom(yaml, len)) != NULL) {
        oc_error_set(err, OC_E_SYNTAX, name, offset_pos(yaml, len, (size_t)(bom - yaml)),
                     "a byte order mark (U+FEFF) inside the file; only the file's start may "
                     "have one: delete it");
        return NULL;
    }
    if (memchr(yaml, '\0', len) != NULL) {
        const char *nul = memchr(yaml, '\0', len);

        oc_error_set(err, OC_E_SYNTAX, name, offset_pos(yaml, len, (size_t)(nul - yaml)),
                     "NUL byte in the definition");
        return NULL;
    }
    if (!prescan(&c, (const unsigned char *)yaml, len)) {
        return NULL;
    }
    if (!yaml_parser_initialize(&parser)) {
        oc_error_set(err, OC_E_INTERNAL, name, (oc_pos){0, 0}, "out of memory");
        return NULL;
    }
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    if (!yaml_parser_load(&parser, &doc)) {
        set_parser_error(&c, &parser, yaml, len);
        goto done;
    }
    have_doc = true;
    root = yaml_document_get_root_node(&doc);
    if (root == NULL || is_null_scalar(root)) {
        oc_error_set(err, OC_E_SCHEMA, name, (oc_pos){1, 1},
                     "the definition is empty (expected: calendar, session, rhythm)");
        goto done;
    }
    def = oc_xcalloc(1, sizeof(*def));
    def->path = oc_xstrdup(name);
    def->digest = oc_digest(yaml, len);
    set_defaults(def);
    if (!load_root(&c, root, def)) {
        oc_def_free(def);
        def = NULL;
    }
done:
    if (have_doc) {
        yaml_document_delete(&doc);
    }
    if (have_parser) {
        yaml_parser_delete(&parser);
    }
    return def;
}

oc_def *oc_def_load_file(const char *path, oc_error *err)
{
    oc_buf buf = {0};
    oc_def *def = NULL;
    int r = oc_file_read(path, OC_DEF_MAX_BYTES, &buf, err);

    if (r > 0) {
        oc_error_set(err, OC_E_VALUE, path, (oc_pos){0, 0},
                     "the definition is larger than %d bytes", OC_DEF_MAX_BYTES);
    } else if (r == 0) {
        def = oc_def_load_string(buf.data != NULL ? buf.data : "", buf.len, path, err);
    }
    oc_buf_free(&buf);
    return def;
}

static void str_free(oc_def_str *s)
{
    free(s->value);
}

void oc_def_free(oc_def *def)
{
    if (def == NULL) {
        return;
    }
    free(def->path);
    oc_tz_free(def->tz);
    str_free(&def->id);
    str_free(&def->name);
    str_free(&def->description);
    str_free(&def->timezone);
    str_free(&def->language);
    str_free(&def->url);
    str_free(&def->reference);
    str_free(&def->base_url);
    str_free(&def->holidays);
    for (size_t i = 0; i < def->exception_count; i++) {
        str_free(&def->exceptions[i].note);
    }
    free(def->exceptions);
    free(def->periods);
    for (size_t i = 0; i < def->feed_count; i++) {
        str_free(&def->feeds[i].id);
        str_free(&def->feeds[i].name);
        str_free(&def->feeds[i].description);
        str_free(&def->feeds[i].language);
    }
    free(def->feeds);
    free(def);
}
