/* SPDX-License-Identifier: Apache-2.0 */
/* verify: the publish gate (DESIGN §4). Every byte ordercal publishes is
 * parsed back with libical and checked before its feed may be renamed into
 * place: CRLF lines of at most 75 octets (RFC 5545 §3.1), no X-LIC-ERROR, the
 * UID, DTSTAMP and DTSTART present, the alarms written, and a zoned DTSTART
 * read through the published VTIMEZONE at the instant the tz database gives. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/verify.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int oc_verify_lines(const char *text, size_t len, oc_error *err)
{
    size_t start = 0;
    int lineno = 1;

    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end;

        if (nl == NULL || nl == text + start || nl[-1] != '\r') {
            oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0},
                         "output line %d does not end with CRLF", lineno);
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
        if ((text[start] == ' ' || text[start] == '\t') &&
            strspn(text + start, " \t") >= end - start) {
            oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0},
                         "output line %d is an empty continuation line", lineno);
            return -1;
        }
        start = (size_t)(nl - text) + 1;
        lineno++;
    }
    return 0;
}

/* Content lines libical has accepted, by their exact published bytes (the
 * line and its folds) and the component they sat in. libical reads a
 * property line alone: its kind, parameters and value come from its own
 * bytes, and what it cannot read becomes an X-LIC-ERROR beside it. So an
 * identical line in the same component is accepted again, and the gate
 * passes libical only the lines it has not seen: DTSTAMP, URL, TRANSP and
 * the alarm's lines repeat in every event. UID and DTSTART are always
 * parsed, for the checks that read their values. */
#define MEMO_SLOTS 1024 /* direct-mapped: a newer line takes an older one's slot */
#define MEMO_LINE 160   /* longer lines (descriptions, mostly unique) are always parsed */

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

struct oc_verify {
    const char *tzid;
    char *vtimezone;    /* the published VTIMEZONE; NULL without timed events */
    int last_year;      /* the latest year a timed event needs from the zone */
    icaltimezone *zone; /* read from 'vtimezone' on first use */
    memo_entry *memo;   /* MEMO_SLOTS entries, allocated on first use */
    oc_buf reduced;     /* the lines of the event libical has not seen */
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

/* The zone as libical reads it from our own VTIMEZONE, its table of changes
 * extended once to the last year needed (extending it year after year as
 * the events go on costs more than the parse). */
static icaltimezone *ctx_zone(oc_verify *ctx, oc_error *err)
{
    icalcomponent *vtz;
    struct icaltimetype t;

    if (ctx->zone != NULL) {
        return ctx->zone;
    }
    icalerror_clear_errno();
    vtz = icalparser_parse_string(ctx->vtimezone);
    ctx->zone = icaltimezone_new();
    if (vtz == NULL || ctx->zone == NULL || icalcomponent_isa(vtz) != ICAL_VTIMEZONE_COMPONENT ||
        !icaltimezone_set_component(ctx->zone, vtz)) {
        if (vtz != NULL) {
            icalcomponent_free(vtz);
        }
        if (ctx->zone != NULL) {
            icaltimezone_free(ctx->zone, 1);
            ctx->zone = NULL;
        }
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "libical refuses the VTIMEZONE of %s",
                     ctx->tzid);
        return NULL;
    }
    t = icaltime_null_time();
    t.year = ctx->last_year;
    t.month = 12;
    t.day = 31;
    (void)icaltime_as_timet_with_zone(t, ctx->zone);
    icalerror_clear_errno();
    return ctx->zone;
}

/* ---- the memo of accepted lines ----------------------------------------- */

static uint64_t line_hash(int parent, const char *s, size_t n)
{
    uint64_t h = 14695981039346656037u ^ (uint64_t)(unsigned)parent;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
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

/* Where libical would file the line: the component opened by BEGIN, closed
 * by END, or a property of the innermost one. */
typedef enum { LINE_BEGIN, LINE_END, LINE_PROPERTY } line_role;

static line_role role(const char *name)
{
    if (strcasecmp(name, "BEGIN") == 0) {
        return LINE_BEGIN;
    }
    return strcasecmp(name, "END") == 0 ? LINE_END : LINE_PROPERTY;
}

/* Copies into ctx->reduced the lines of 'text' libical has not accepted yet,
 * with every BEGIN and END; notes the candidates for the memo. Sets
 * '*dtstamp' when the event's DTSTAMP is a remembered line. */
static size_t reduce(oc_verify *ctx, const char *text, size_t len, bool *dtstamp)
{
    int stack[8];
    int depth = 0, deeper = 0; /* 'deeper': components nested past the stack */
    size_t start = 0, ncand = 0;

    if (ctx->memo == NULL) {
        ctx->memo = oc_xcalloc(MEMO_SLOTS, sizeof(*ctx->memo));
    }
    oc_buf_reset(&ctx->reduced);
    *dtstamp = false;
    while (start < len) {
        size_t end = start, n;
        char name[64];
        int parent = depth > 0 ? stack[depth - 1] : ICAL_NO_COMPONENT;

        /* A content line and its folds: CRLF not followed by a space or tab. */
        for (;;) {
            const char *nl = memchr(text + end, '\n', len - end);

            end = nl != NULL ? (size_t)(nl - text) + 1 : len;
            if (end >= len || (text[end] != ' ' && text[end] != '\t')) {
                break;
            }
        }
        n = end - start;
        line_name(text + start, n, name);
        switch (role(name)) {
        case LINE_BEGIN:
            if (depth < (int)(sizeof(stack) / sizeof(stack[0]))) {
                char value[64];
                size_t v = strlen(name) + 1;

                line_name(text + start + v, n > v ? n - v : 0, value);
                stack[depth++] = (int)icalcomponent_string_to_kind(value);
            } else {
                deeper++;
            }
            break;
        case LINE_END:
            if (deeper > 0) {
                deeper--;
            } else {
                depth -= depth > 0;
            }
            break;
        case LINE_PROPERTY:
            if (n <= MEMO_LINE && deeper == 0) {
                uint64_t h = line_hash(parent, text + start, n);
                const memo_entry *e = &ctx->memo[h % MEMO_SLOTS];

                if (e->hash == h && e->parent == parent && e->len == n &&
                    memcmp(e->bytes, text + start, n) == 0) {
                    *dtstamp |= e->dtstamp && parent == ICAL_VEVENT_COMPONENT;
                    start = end;
                    continue;
                }
                if (ncand == ctx->cand_cap) {
                    ctx->cand_cap = ctx->cand_cap == 0 ? 16 : 2 * ctx->cand_cap;
                    ctx->cand = oc_xrealloc(ctx->cand, ctx->cand_cap * sizeof(*ctx->cand));
                }
                ctx->cand[ncand++] = (memo_candidate){text + start, n, parent, h};
            }
            break;
        }
        oc_buf_add(&ctx->reduced, text + start, n);
        start = end;
    }
    return ncand;
}

/* The event passed: remember its candidate lines, but UID and DTSTART.
 * (Their names are compared here rather than looked up with libical's
 * icalproperty_string_to_kind(), a linear search as costly as the parse.) */
static void remember(oc_verify *ctx, size_t ncand)
{
    for (size_t i = 0; i < ncand; i++) {
        const memo_candidate *m = &ctx->cand[i];
        memo_entry *e = &ctx->memo[m->hash % MEMO_SLOTS];
        char name[64];

        line_name(m->bytes, m->len, name);
        if (name[0] == '\0' || strcasecmp(name, "UID") == 0 || strcasecmp(name, "DTSTART") == 0) {
            continue;
        }
        e->hash = m->hash;
        e->parent = m->parent;
        e->dtstamp = strcasecmp(name, "DTSTAMP") == 0;
        e->len = m->len;
        memcpy(e->bytes, m->bytes, m->len);
    }
}

/* ---- one event ---------------------------------------------------------- */

int oc_verify_event(oc_verify *ctx, const char *text, size_t len, const oc_event *it, oc_error *err)
{
    bool timed = oc_kind_get(it->kind)->timed;
    icalcomponent *c = NULL;
    icalproperty *p;
    int rc = -1, alarms;
    size_t ncand;
    bool dtstamp_seen;
    char w[96];

    if (oc_verify_lines(text, len, err) != 0) {
        return -1;
    }
    ncand = reduce(ctx, text, len, &dtstamp_seen);
    c = parse_back(ctx->reduced.data, it, err);
    if (c == NULL) {
        return -1;
    }

    /* Without METHOD, libical's restriction check ignores a missing UID or
     * DTSTAMP: check them here. */
    if (icalcomponent_isa(c) != ICAL_VEVENT_COMPONENT ||
        (p = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY)) == NULL ||
        strcmp(icalproperty_get_uid(p), it->uid) != 0 ||
        (!dtstamp_seen && icalcomponent_get_first_property(c, ICAL_DTSTAMP_PROPERTY) == NULL) ||
        (p = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY)) == NULL) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE,
                     "%s lost its UID, DTSTAMP or DTSTART when parsed back", what(it, w));
        goto done;
    }
    alarms = icalcomponent_count_components(c, ICAL_VALARM_COMPONENT);
    if (alarms != (it->has_alarm ? 1 : 0)) {
        oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "%s has %d alarms when parsed back",
                     what(it, w), alarms);
        goto done;
    }
    if (timed) {
        struct icaltimetype t = icalproperty_get_dtstart(p);
        icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
        int64_t utc;

        if (it->span->start_utc) {
            if (tzp != NULL || !icaltime_is_utc(t) || t.is_date) {
                oc_error_set(err, OC_E_ICAL, NULL, NOWHERE, "%s is not a UTC time when parsed back",
                             what(it, w));
                goto done;
            }
            utc = (int64_t)icaltime_as_timet(t);
        } else {
            icaltimezone *zone;

            if (tzp == NULL || strcmp(icalparameter_get_tzid(tzp), ctx->tzid) != 0 || t.is_date) {
                oc_error_set(err, OC_E_ICAL, NULL, NOWHERE,
                             "%s is not a zoned time when parsed back", what(it, w));
                goto done;
            }
            if ((zone = ctx_zone(ctx, err)) == NULL) {
                goto done;
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
            goto done;
        }
    }
    remember(ctx, ncand);
    rc = 0;
done:
    icalcomponent_free(c);
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

oc_verify *oc_verify_new(const char *tzid, const oc_buf *vtimezone, int last_year)
{
    oc_verify *v = oc_xcalloc(1, sizeof(*v));

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
    free(v->cand);
    oc_buf_free(&v->reduced);
    if (v->zone != NULL) {
        icaltimezone_free(v->zone, 1);
    }
    free(v->vtimezone);
    free(v);
}
