/* SPDX-License-Identifier: Apache-2.0 */
/* verify: the publish gate (DESIGN §4). Every byte ordercal publishes is
 * parsed back with libical and checked before its feed may be renamed into
 * place: CRLF lines of at most 75 octets (RFC 5545 §3.1), no X-LIC-ERROR, the
 * UID, DTSTAMP and DTSTART present, the alarms written, and a zoned DTSTART
 * read through the published VTIMEZONE at the instant the tz database gives.
 * libical reads the lines it has not seen as its parser would, one by one
 * (the memos below); the parse of the whole event decides the rest. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/verify.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Checks the published line at 'start', whose LF is at 'nl' (NULL: none). */
static int check_line(const char *text, size_t start, const char *nl, int lineno, oc_error *err)
{
    size_t end;

    if (nl == NULL || nl == text + start || nl[-1] != '\r') {
        oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0}, "output line %d does not end with CRLF",
                     lineno);
        return -1;
    }
    end = (size_t)(nl - text) - 1;
    if (memchr(text + start, '\r', end - start) != NULL) {
        oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0}, "output line %d holds a bare CR",
                     lineno);
        return -1;
    }
    if (end - start > 75) {
        oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0},
                     "output line %d is %zu octets long (at most 75)", lineno, end - start);
        return -1;
    }
    if ((text[start] == ' ' || text[start] == '\t') && strspn(text + start, " \t") >= end - start) {
        oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0},
                     "output line %d is an empty continuation line", lineno);
        return -1;
    }
    return 0;
}

int oc_verify_lines(const char *text, size_t len, oc_error *err)
{
    size_t start = 0;
    int lineno = 1;

    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);

        if (check_line(text, start, nl, lineno++, err) != 0) {
            return -1;
        }
        start = (size_t)(nl - text) + 1;
    }
    return 0;
}

/* Content lines libical has accepted, by their exact published bytes (the
 * line and its folds) and the component they sat in. libical reads a
 * property line alone: its kind, parameters and value come from its own
 * bytes, and what it cannot read becomes an X-LIC-ERROR beside it. So an
 * identical line in the same component is accepted again, and the gate
 * skips the lines it has seen: DTSTAMP, URL, TRANSP and the alarm's lines
 * repeat in every event. UID and DTSTART are never skipped, for the checks
 * that read their values. */
#define MEMO_SLOTS 1024 /* direct-mapped: a newer line takes an older one's slot */
#define MEMO_LINE 160   /* longer lines (descriptions, mostly unique) are never skipped */

typedef struct {
    uint64_t hash; /* 0: empty */
    int parent;    /* icalcomponent_kind of the enclosing component */
    bool dtstamp;  /* the line is a DTSTAMP */
    size_t len;
    char bytes[MEMO_LINE];
} memo_entry;

/* A line passed to libical that may join the memo once its event passes. */
typedef struct {
    const char *bytes;
    size_t len;
    int parent;
    uint64_t hash;
} memo_candidate;

/* A TZID parameter: none, the feed's zone, another. */
typedef enum { TZ_NONE, TZ_OURS, TZ_OTHER } tz_param;

/* A property's name and parameters libical parsed in a lone line, and what
 * it read them as (below, the memo of prefixes). */
#define PREFIX_SLOTS 64 /* open addressing: a prefix keeps its slot; when full, none is added */
#define PREFIX_MAX 64

typedef struct {
    uint64_t hash; /* 0: empty */
    int parent;    /* icalcomponent_kind of the enclosing component */
    size_t len;
    char bytes[PREFIX_MAX];
    icalproperty_kind prop;
    icalvalue_kind value; /* the type libical's parser reads the value as */
    tz_param tz;
} prefix_entry;

/* One VTIMEZONE as libical read it, expanded to 'year'. */
typedef struct {
    char *vtimezone;
    icaltimezone *zone;
    int year;
} zone_entry;

struct oc_verify_zones {
    zone_entry *items;
    size_t count;
};

struct oc_verify {
    const char *tzid;
    char *vtimezone;        /* the published VTIMEZONE; NULL without timed events */
    int last_year;          /* the latest year a timed event needs from the zone */
    oc_verify_zones *zones; /* where 'zone' is kept: the run's, or 'own' */
    oc_verify_zones own;
    icaltimezone *zone; /* read from 'vtimezone' on first use */
    uint32_t *memo;     /* MEMO_SLOTS entries of 'pool' (index + 1; 0: none), on first use */
    memo_entry *pool;   /* the entries, as many as slots in use: few pages to touch */
    size_t pool_count, pool_cap;
    prefix_entry *prefixes; /* PREFIX_SLOTS entries, allocated with 'memo' */
    oc_buf reduced;         /* the lines of the event libical has not seen */
    oc_buf value;           /* a line's value, or a lone line to parse */
    memo_candidate *cand;
    size_t cand_cap;
};

/* ---- one event ---------------------------------------------------------- */

/* "the confirmation event <uid>", for messages: made only on a refusal. */
static const char *what(const oc_event *it, char buf[96])
{
    snprintf(buf, 96, "the %s event %s", oc_kind_name(it->kind), it->uid);
    return buf;
}

#define NOWHERE ((oc_pos){0, 0})

/* The components ordercal publishes, parsed back. NULL with 'err' set when
 * libical cannot read them or marks a problem with X-LIC-ERROR. */
static icalcomponent *parse_back(const char *text, const oc_event *it, oc_error *err)
{
    icalcomponent *c;
    char w[96];

    icalerror_clear_errno();
    c = icalparser_parse_string(text);
    if (c == NULL) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "libical cannot parse %s back",
                     it != NULL ? what(it, w) : "the calendar header");
        return NULL;
    }

    /* libical reports what it could not read as X-LIC-ERROR properties. */
    if (icalcomponent_count_errors(c) != 0) {
        icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
        const char *why = p != NULL ? icalproperty_get_xlicerror(p) : "an error in a subcomponent";

        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "libical rejects %s: %s",
                     it != NULL ? what(it, w) : "the calendar header", why);
        icalcomponent_free(c);
        return NULL;
    }
    icalerror_clear_errno();
    return c;
}

/* Extends libical's table of the zone's changes to the end of 'year' once
 * (extending it year after year as the events go on costs more than the
 * parse). */
static void cover(zone_entry *z, int year)
{
    struct icaltimetype t = icaltime_null_time();

    if (z->year >= year) {
        return;
    }
    t.year = year;
    t.month = 12;
    t.day = 31;
    (void)icaltime_as_timet_with_zone(t, z->zone);
    z->year = year;
}

/* The zone as libical reads it from our own VTIMEZONE: the one read before
 * from the same bytes, else read now. */
static icaltimezone *ctx_zone(oc_verify *ctx, oc_error *err)
{
    oc_verify_zones *zs = ctx->zones;
    icalcomponent *vtz;
    icaltimezone *zone;
    zone_entry *z;

    if (ctx->zone != NULL) {
        return ctx->zone;
    }
    for (size_t i = 0; i < zs->count; i++) {
        if (strcmp(zs->items[i].vtimezone, ctx->vtimezone) == 0) {
            cover(&zs->items[i], ctx->last_year);
            icalerror_clear_errno();
            return ctx->zone = zs->items[i].zone;
        }
    }
    icalerror_clear_errno();
    vtz = icalparser_parse_string(ctx->vtimezone);
    zone = icaltimezone_new();
    if (vtz == NULL || zone == NULL || icalcomponent_isa(vtz) != ICAL_VTIMEZONE_COMPONENT ||
        !icaltimezone_set_component(zone, vtz)) {
        if (vtz != NULL) {
            icalcomponent_free(vtz);
        }
        if (zone != NULL) {
            icaltimezone_free(zone, 1);
        }
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "libical refuses the VTIMEZONE of %s",
                     ctx->tzid);
        return NULL;
    }
    zs->items = oc_xrealloc(zs->items, (zs->count + 1) * sizeof(*zs->items));
    z = &zs->items[zs->count++];
    *z = (zone_entry){oc_xstrdup(ctx->vtimezone), zone, 0};
    cover(z, ctx->last_year);
    icalerror_clear_errno();
    return ctx->zone = zone;
}

oc_verify_zones *oc_verify_zones_new(void)
{
    return oc_xcalloc(1, sizeof(oc_verify_zones));
}

static void zones_clear(oc_verify_zones *zs)
{
    for (size_t i = 0; i < zs->count; i++) {
        icaltimezone_free(zs->items[i].zone, 1);
        free(zs->items[i].vtimezone);
    }
    free(zs->items);
    zs->items = NULL;
    zs->count = 0;
}

void oc_verify_zones_free(oc_verify_zones *zones)
{
    if (zones != NULL) {
        zones_clear(zones);
        free(zones);
    }
}

/* ---- what the checks read ----------------------------------------------- */

/* What the event's checks read, from libical's parse of the whole event or
 * from the line-by-line path below: the first UID and DTSTART, whether a
 * DTSTAMP is there, the alarms. */
typedef struct {
    bool vevent; /* one VEVENT at the top */
    bool uid;    /* a UID was read; 'uid_ok' when it is the event's */
    bool uid_ok;
    bool dtstamp;
    bool dtstart; /* a DTSTART was read: 'start', its TZID in 'start_tz' */
    struct icaltimetype start;
    tz_param start_tz;
    int alarms;
} facts;

static tz_param tz_of(const oc_verify *ctx, icalproperty *p)
{
    icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

    if (tzp == NULL) {
        return TZ_NONE;
    }
    return strcmp(icalparameter_get_tzid(tzp), ctx->tzid) == 0 ? TZ_OURS : TZ_OTHER;
}

/* Notes a UID or DTSTART value the first time one is read. */
static void note(facts *f, icalproperty_kind kind, const icalvalue *v, tz_param tz,
                 const oc_event *it)
{
    if (kind == ICAL_UID_PROPERTY && !f->uid) {
        const char *uid = icalvalue_get_text(v);

        f->uid = true;
        f->uid_ok = uid != NULL && strcmp(uid, it->uid) == 0;
    } else if (kind == ICAL_DTSTART_PROPERTY && !f->dtstart) {
        f->dtstart = true;
        f->start = icalvalue_get_datetime(v); /* what icalproperty_get_dtstart() reads */
        f->start_tz = tz;
    } else if (kind == ICAL_DTSTAMP_PROPERTY) {
        f->dtstamp = true;
    }
}

static void facts_of(const oc_verify *ctx, icalcomponent *c, const oc_event *it, facts *f)
{
    icalproperty *p;

    f->vevent = icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT;
    if ((p = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY)) != NULL) {
        note(f, ICAL_UID_PROPERTY, icalproperty_get_value(p), TZ_NONE, it);
    }
    if ((p = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY)) != NULL) {
        note(f, ICAL_DTSTART_PROPERTY, icalproperty_get_value(p), tz_of(ctx, p), it);
    }
    f->dtstamp |= icalcomponent_get_first_property(c, ICAL_DTSTAMP_PROPERTY) != NULL;
    f->alarms = icalcomponent_count_components(c, ICAL_VALARM_COMPONENT);
}

/* ---- the memo of accepted lines ----------------------------------------- */

static uint64_t line_hash(int parent, const char *s, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15u ^ ((uint64_t)(unsigned)parent << 32) ^ n;

    /* Eight bytes at a time: the memo compares the bytes themselves, the
     * hash only spreads them. */
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;

        memcpy(&w, s, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    if (n > 0) {
        uint64_t w = 0;

        memcpy(&w, s, n);
        h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
        h ^= h >> 29;
    }
    return h != 0 ? h : 1;
}

/* The property name of a content line ("DTSTART" of "DTSTART;TZID=...:"),
 * NUL-terminated into 'out'; empty when too long for one of ours. */
static void line_name(const char *s, size_t n, char out[64])
{
    size_t k = 0;

    while (k < n && k < 63 && s[k] != ':' && s[k] != ';' && s[k] != '\r') {
        k++;
    }
    if (k == 63) {
        k = 0;
    }
    memcpy(out, s, k);
    out[k] = '\0';
}

/* The length of the property name that starts the line 's': letters,
 * digits and '-' up to the ';' or ':' after them, as ordercal writes
 * names; 0 for any other start (a space before the ':', a fold, an empty
 * name), which libical may read as another name than these bytes say. */
static size_t clean_name(const char *s, size_t n)
{
    size_t k = 0;

    while (k < n && k < 63 &&
           ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' && s[k] <= 'z') ||
            (s[k] >= '0' && s[k] <= '9') || s[k] == '-')) {
        k++;
    }
    return k > 0 && k < n && (s[k] == ':' || s[k] == ';') ? k : 0;
}

/* Whether the name of the line 's' ('k' bytes, clean) is 'name'. */
static bool name_is(const char *s, size_t k, const char *name)
{
    return strlen(name) == k && strncasecmp(s, name, k) == 0;
}

/* The event passed: remember its candidate lines, but UID and DTSTART.
 * (Their names are compared here rather than looked up with libical's
 * icalproperty_string_to_kind(), a linear search as costly as the parse.) */
static void remember(oc_verify *ctx, size_t ncand)
{
    for (size_t i = 0; i < ncand; i++) {
        const memo_candidate *m = &ctx->cand[i];
        uint32_t *slot = &ctx->memo[m->hash % MEMO_SLOTS];
        memo_entry *e;
        size_t k = clean_name(m->bytes, m->len);

        if (k == 0 || name_is(m->bytes, k, "UID") || name_is(m->bytes, k, "DTSTART")) {
            continue;
        }
        if (*slot == 0) {
            if (ctx->pool_count == ctx->pool_cap) {
                ctx->pool_cap = ctx->pool_cap != 0 ? 2 * ctx->pool_cap : 32;
                ctx->pool = oc_xrealloc(ctx->pool, ctx->pool_cap * sizeof(*ctx->pool));
            }
            *slot = (uint32_t)++ctx->pool_count;
        }
        e = &ctx->pool[*slot - 1];
        e->hash = m->hash;
        e->parent = m->parent;
        e->dtstamp = name_is(m->bytes, k, "DTSTAMP");
        e->len = m->len;
        memcpy(e->bytes, m->bytes, m->len);
    }
}

/* ---- the memo of prefixes ----------------------------------------------- */

/* libical's parser reads a property line as its name and parameters, up to
 * the first ':' that is neither quoted nor escaped, then its value, which it
 * hands whole to icalvalue_new_from_string() with the value type the name
 * and parameters give (icalparser.c, icalparser_add_line). So once libical
 * has parsed a line, another line of the same component with the same
 * prefix ("DTSTART;TZID=Europe/Paris") differs only in its value, and the
 * gate asks libical's value parser about that value alone. It does so only
 * where the parser would hand it the same string: a prefix without quote,
 * backslash or fold; a value that is not empty, neither starts nor ends
 * with white space (the parser strips it), holds no NUL, no comma that
 * would split it into several values, and no ':' after a TZID (libical
 * then reads the TZID to the last colon). Any other line, and any value
 * the value parser refuses, goes to the parse of the whole event, whose
 * verdict and message stand. */
static bool prefix_of(const char *s, size_t n, size_t *plen)
{
    size_t k = clean_name(s, n);

    if (k == 0) {
        return false;
    }
    for (; k < n && k < PREFIX_MAX; k++) {
        switch (s[k]) {
        case ':':
            *plen = k;
            return s[k - 1] != ';'; /* an empty parameter: libical reads past it */
        case ';':
            if (s[k - 1] == ';') {
                return false;
            }
            break;
        case '"':
        case '\\':
        case '\r':
        case '\n':
            return false;
        default:
            break;
        }
    }
    return false;
}

static bool space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* The value of the line 's' (its 'n' bytes, folds and CRLF) after the
 * prefix, unfolded into ctx->value. False when libical would not be handed
 * it whole (see above). */
static bool value_of(oc_verify *ctx, const char *s, size_t n, size_t plen, bool tzid)
{
    oc_buf *b = &ctx->value;
    size_t k = plen + 1;

    oc_buf_reset(b);
    while (k < n) {
        const char *nl = memchr(s + k, '\r', n - k);
        size_t end = nl != NULL ? (size_t)(nl - s) : n;

        oc_buf_add(b, s + k, end - k);
        k = end + 3; /* CRLF, then the fold's space or tab */
    }
    if (b->len == 0 || space(b->data[0]) || space(b->data[b->len - 1]) ||
        memchr(b->data, '\0', b->len) != NULL || (tzid && memchr(b->data, ':', b->len) != NULL)) {
        return false;
    }
    for (const char *c = memchr(b->data, ',', b->len); c != NULL;
         c = memchr(c + 1, ',', b->len - (size_t)(c + 1 - b->data))) {
        if (c == b->data || c[-1] != '\\') {
            return false;
        }
    }
    return true;
}

/* The entry of the prefix 's' ('plen' bytes, hash 'h'): the one that holds
 * it, else the empty one it would take (hash 0), else NULL. */
static prefix_entry *prefix_slot(oc_verify *ctx, uint64_t h, int parent, const char *s, size_t plen)
{
    for (size_t i = 0; i < PREFIX_SLOTS; i++) {
        prefix_entry *e = &ctx->prefixes[(h + i) % PREFIX_SLOTS];

        if (e->hash == 0 || (e->hash == h && e->parent == parent && e->len == plen &&
                             memcmp(e->bytes, s, plen) == 0)) {
            return e;
        }
    }
    return NULL;
}

/* The component libical parses a lone line in, for the prefixes of
 * VEVENT and VALARM lines. */
static const char *parent_name(int parent)
{
    return parent == ICAL_VEVENT_COMPONENT ? "VEVENT" : "VALARM";
}

/* Parses the one line 's' alone with libical in its component and, when it
 * is accepted, learns its prefix. True when libical accepts the line. */
static bool learn(oc_verify *ctx, const char *s, size_t n, int parent, size_t plen,
                  const oc_event *it, facts *f)
{
    const char *name = parent_name(parent);
    icalcomponent *c;
    icalproperty *p;
    bool ok = false;

    oc_buf_reset(&ctx->value);
    oc_buf_puts(&ctx->value, "BEGIN:");
    oc_buf_puts(&ctx->value, name);
    oc_buf_puts(&ctx->value, "\r\n");
    oc_buf_add(&ctx->value, s, n);
    oc_buf_puts(&ctx->value, "END:");
    oc_buf_puts(&ctx->value, name);
    oc_buf_puts(&ctx->value, "\r\n");
    icalerror_clear_errno();
    c = icalparser_parse_string(ctx->value.data);
    if (c != NULL && (int)icalcomponent_isa(c) == parent && icalcomponent_count_errors(c) == 0 &&
        icalcomponent_count_properties(c, ICAL_ANY_PROPERTY) == 1 &&
        icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT) == NULL) {
        icalparameter *vp;
        icalvalue_kind want;
        prefix_entry *e;
        tz_param tz;

        p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY);
        vp = icalproperty_get_first_parameter(p, ICAL_VALUE_PARAMETER);
        want = vp != NULL ? icalparameter_value_to_value_kind(icalparameter_get_value(vp))
                          : icalproperty_kind_to_value_kind(icalproperty_isa(p));
        ok = true;
        tz = tz_of(ctx, p);
        if (parent == ICAL_VEVENT_COMPONENT) { /* the checks read the event's own lines */
            note(f, icalproperty_isa(p), icalproperty_get_value(p), tz, it);
        }

        /* Learned only when the value is of the type the parser asked for
         * (a DATE-TIME-or-PERIOD may come back as either), and from a line
         * the parser read as the line-by-line path would (a TZID read to
         * the last colon of its value is not the prefix's). */
        e = prefix_slot(ctx, line_hash(parent, s, plen), parent, s, plen);
        if (e != NULL && e->hash == 0 && icalvalue_isa(icalproperty_get_value(p)) == want &&
            want != ICAL_DATETIMEPERIOD_VALUE && value_of(ctx, s, n, plen, tz != TZ_NONE)) {
            e->hash = line_hash(parent, s, plen);
            e->parent = parent;
            e->len = plen;
            memcpy(e->bytes, s, plen);
            e->prop = icalproperty_isa(p);
            e->value = want;
            e->tz = tz;
        }
    }
    if (c != NULL) {
        icalcomponent_free(c);
    }
    icalerror_clear_errno();
    return ok;
}

/* Checks the property line 's' of the component 'parent' line by line: by
 * its prefix and libical's value parser, or by libical parsing it alone.
 * False when only the parse of the whole event can tell. */
static bool line_passes(oc_verify *ctx, const char *s, size_t n, int parent, const oc_event *it,
                        facts *f)
{
    const prefix_entry *e;
    icalvalue *v;
    size_t plen;
    uint64_t h;

    if ((parent != ICAL_VEVENT_COMPONENT && parent != ICAL_VALARM_COMPONENT) ||
        !prefix_of(s, n, &plen)) {
        return false;
    }
    h = line_hash(parent, s, plen);
    e = prefix_slot(ctx, h, parent, s, plen);
    if (e == NULL || e->hash == 0) {
        return learn(ctx, s, n, parent, plen, it, f);
    }
    if (!value_of(ctx, s, n, plen, e->tz != TZ_NONE)) {
        return false;
    }
    v = icalvalue_new_from_string(e->value, ctx->value.data);
    if (v == NULL) {
        icalerror_clear_errno();
        return false;
    }
    if (parent == ICAL_VEVENT_COMPONENT) {
        note(f, e->prop, v, e->tz, it);
    }
    icalvalue_free(v);
    return true;
}

/* ---- the event's lines -------------------------------------------------- */

/* Where libical would file the line: the component opened by BEGIN, closed
 * by END, or a property of the innermost one. */
typedef enum { LINE_BEGIN, LINE_END, LINE_PROPERTY } line_role;

static bool named(const char *s, size_t n, const char *name, size_t k)
{
    return n > k && strncasecmp(s, name, k) == 0 && (s[k] == ':' || s[k] == ';' || s[k] == '\r');
}

static line_role role(const char *s, size_t n)
{
    char c = (char)(s[0] | 0x20); /* a cheap test first: most lines are neither */

    if (c == 'b' && named(s, n, "BEGIN", 5)) {
        return LINE_BEGIN;
    }
    return c == 'e' && named(s, n, "END", 3) ? LINE_END : LINE_PROPERTY;
}

/* Whether the BEGIN or END line 's' is exactly one ordercal writes for a
 * VEVENT at the top or a VALARM in it, the shape the line-by-line path
 * knows. */
static bool our_bounds(const char *s, size_t n, int depth, bool begin)
{
    static const char *const lines[2][2] = {{"END:VEVENT\r\n", "END:VALARM\r\n"},
                                            {"BEGIN:VEVENT\r\n", "BEGIN:VALARM\r\n"}};
    int level = begin ? depth : depth - 1;

    return level >= 0 && level <= 1 && strlen(lines[begin][level]) == n &&
           memcmp(lines[begin][level], s, n) == 0;
}

/* Walks the event's content lines, skipping those libical has accepted
 * already and noting the others as candidates for the memo. With 'reduce',
 * copies into ctx->reduced the lines not skipped, with every BEGIN and END,
 * for libical to parse as a whole; without, checks them line by line into
 * 'f', and sets 'f->vevent' when every one passed that way. Returns the
 * number of candidates. */
static int walk(oc_verify *ctx, const char *text, size_t len, const oc_event *it, bool reduce,
                facts *f, size_t *candidates, oc_error *err)
{
    int stack[8];
    int depth = 0, deeper = 0; /* 'deeper': components nested past the stack */
    int lineno = 1;
    size_t start = 0, ncand = 0;
    bool lines = true; /* every line so far passed line by line */

    if (ctx->memo == NULL) {
        ctx->memo = oc_xcalloc(MEMO_SLOTS, sizeof(*ctx->memo));
        ctx->prefixes = oc_xcalloc(PREFIX_SLOTS, sizeof(*ctx->prefixes));
    }
    oc_buf_reset(&ctx->reduced);
    oc_buf_puts(&ctx->reduced, ""); /* a text even when every line is skipped */
    while (start < len) {
        size_t end = start, n;
        int parent = depth > 0 ? stack[depth - 1] : ICAL_NO_COMPONENT;

        /* A content line and its folds: CRLF not followed by a space or tab.
         * The first walk checks each published line on the way (oc_verify_lines()). */
        for (;;) {
            const char *nl = memchr(text + end, '\n', len - end);

            if (!reduce && check_line(text, end, nl, lineno++, err) != 0) {
                return -1;
            }
            end = nl != NULL ? (size_t)(nl - text) + 1 : len;
            if (end >= len || (text[end] != ' ' && text[end] != '\t')) {
                break;
            }
        }
        n = end - start;
        switch (role(text + start, n)) {
        case LINE_BEGIN:
            lines &= deeper == 0 && (start == 0) == (depth == 0) &&
                     our_bounds(text + start, n, depth, true);
            f->alarms += depth == 1;
            if (depth < (int)(sizeof(stack) / sizeof(stack[0]))) {
                char value[64];
                size_t v = 6; /* "BEGIN:" or "BEGIN;" */

                line_name(text + start + v, n > v ? n - v : 0, value);
                stack[depth++] = (int)icalcomponent_string_to_kind(value);
            } else {
                deeper++;
            }
            break;
        case LINE_END:
            lines &= deeper == 0 && our_bounds(text + start, n, depth, false) &&
                     (depth > 1 || end == len);
            if (deeper > 0) {
                deeper--;
            } else {
                depth -= depth > 0;
            }
            break;
        case LINE_PROPERTY:
            if (n <= MEMO_LINE && deeper == 0) {
                uint64_t h = line_hash(parent, text + start, n);
                uint32_t slot = ctx->memo[h % MEMO_SLOTS];
                const memo_entry *e = slot != 0 ? &ctx->pool[slot - 1] : NULL;

                if (e != NULL && e->hash == h && e->parent == parent && e->len == n &&
                    memcmp(e->bytes, text + start, n) == 0) {
                    f->dtstamp |= e->dtstamp && parent == ICAL_VEVENT_COMPONENT;
                    start = end;
                    continue;
                }
                if (ncand == ctx->cand_cap) {
                    ctx->cand_cap = ctx->cand_cap == 0 ? 16 : 2 * ctx->cand_cap;
                    ctx->cand = oc_xrealloc(ctx->cand, ctx->cand_cap * sizeof(*ctx->cand));
                }
                ctx->cand[ncand++] = (memo_candidate){text + start, n, parent, h};
            }
            lines =
                lines && !reduce && deeper == 0 && line_passes(ctx, text + start, n, parent, it, f);
            break;
        }
        if (reduce) {
            oc_buf_add(&ctx->reduced, text + start, n);
        }
        start = end;
    }
    f->vevent = lines && depth == 0 && deeper == 0 && len > 0;
    *candidates = ncand;
    return 0;
}

/* ---- one event ---------------------------------------------------------- */

/* The checks on what libical read, the same whichever path read it. */
static int judge(oc_verify *ctx, const facts *f, const oc_event *it, oc_error *err)
{
    char w[96];

    /* Without METHOD, libical's restriction check ignores a missing UID or
     * DTSTAMP: check them here. */
    if (!f->vevent || !f->uid_ok || !f->dtstamp || !f->dtstart) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE,
                     "%s lost its UID, DTSTAMP or DTSTART when parsed back", what(it, w));
        return -1;
    }
    if (f->alarms != (it->has_alarm ? 1 : 0)) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "%s has %d alarms when parsed back",
                     what(it, w), f->alarms);
        return -1;
    }
    if (oc_kind_get(it->kind)->timed) {
        struct icaltimetype t = f->start;
        int64_t utc;

        if (it->span->start_utc) {
            if (f->start_tz != TZ_NONE || !icaltime_is_utc(t) || t.is_date) {
                oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "%s is not a UTC time when parsed back",
                             what(it, w));
                return -1;
            }
            utc = (int64_t)icaltime_as_timet(t);
        } else {
            icaltimezone *zone;

            if (f->start_tz != TZ_OURS || t.is_date) {
                oc_error_set(err, OC_E_ICAL, NULL, NOWHERE,
                             "%s is not a zoned time when parsed back", what(it, w));
                return -1;
            }
            if ((zone = ctx_zone(ctx, err)) == NULL) {
                return -1;
            }

            /* Read through our own VTIMEZONE, the instant must be the one the
             * tz database gives: the wall time we write is never skipped nor
             * repeated, so there is one answer. */
            t.zone = NULL;
            utc = (int64_t)icaltime_as_timet_with_zone(t, zone);
        }
        if (utc != it->span->utc_start) {
            oc_error_set(err, OC_E_INTERNAL, NULL, NOWHERE,
                         "%s: its DTSTART reads as %lld, the tz database gives %lld", what(it, w),
                         (long long)utc, (long long)it->span->utc_start);
            return -1;
        }
    }
    return 0;
}

int oc_verify_event(oc_verify *ctx, const char *text, size_t len, const oc_event *it, oc_error *err)
{
    facts f = {0}, whole = {0};
    icalcomponent *c;
    size_t ncand;
    int rc;

    if (walk(ctx, text, len, it, false, &f, &ncand, err) != 0) {
        return -1;
    }
    if (f.vevent) {
        rc = judge(ctx, &f, it, err);
    } else {
        /* The whole event, but the lines the memo holds. */
        (void)walk(ctx, text, len, it, true, &whole, &ncand, err);
        if ((c = parse_back(ctx->reduced.data, it, err)) == NULL) {
            return -1;
        }
        facts_of(ctx, c, it, &whole);
        icalcomponent_free(c);
        rc = judge(ctx, &whole, it, err);
    }
    if (rc == 0) {
        remember(ctx, ncand);
    }
    icalerror_clear_errno();
    return rc;
}

int oc_verify_header(const oc_buf *header, const oc_buf *vtimezone, oc_error *err)
{
    oc_buf text = {0};
    icalcomponent *c = NULL;
    int rc = -1;

    oc_buf_add(&text, header->data, header->len);
    oc_buf_add(&text, vtimezone->data, vtimezone->len);
    oc_buf_puts(&text, "END:VCALENDAR\r\n");
    if (oc_verify_lines(text.data, text.len, err) != 0) {
        goto done;
    }
    c = parse_back(text.data, NULL, err);
    if (c == NULL) {
        goto done;
    }
    if (icalcomponent_isa(c) != ICAL_VCALENDAR_COMPONENT ||
        icalcomponent_get_first_property(c, ICAL_VERSION_PROPERTY) == NULL ||
        icalcomponent_get_first_property(c, ICAL_PRODID_PROPERTY) == NULL) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "the calendar header lacks VERSION or PRODID");
        goto done;
    }
    rc = 0;
done:
    if (c != NULL) {
        icalcomponent_free(c);
    }
    oc_buf_free(&text);
    icalerror_clear_errno();
    return rc;
}

oc_verify *oc_verify_new(const char *tzid, const oc_buf *vtimezone, int last_year,
                         oc_verify_zones *zones)
{
    oc_verify *v = oc_xcalloc(1, sizeof(*v));

    v->zones = zones != NULL ? zones : &v->own;

    /* libical aborts on its own errors unless told otherwise; ours are
     * reported, not fatal. */
    icalerror_set_errors_are_fatal(0);
    v->tzid = tzid;
    if (vtimezone != NULL && vtimezone->len > 0) {
        v->vtimezone = oc_xstrndup(vtimezone->data, vtimezone->len);
    }
    v->last_year = last_year;
    return v;
}

void oc_verify_free(oc_verify *v)
{
    if (v == NULL) {
        return;
    }
    free(v->memo);
    free(v->pool);
    free(v->prefixes);
    oc_buf_free(&v->value);
    free(v->cand);
    oc_buf_free(&v->reduced);
    zones_clear(&v->own);
    free(v->vtimezone);
    free(v);
}
