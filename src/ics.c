/* SPDX-License-Identifier: Apache-2.0 */
/* ics: events and stamps to bytes (RFC 5545). The calendar header and the
 * VTIMEZONE (§3.6.5) are built and serialised by libical; events are written
 * directly, as libical would write them (§3.6.1); every content line is
 * folded and escaped here (§3.1, §3.3.11: libical 3.0.16 folds into CR CR LF
 * and splits escape pairs). */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/ics.h"

#include "ics_int.h"

#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRODID OC_ICS_PRODID_OURS "ordercal " OC_VERSION "//EN"

#ifndef OC_VERSION
#define OC_VERSION "0"
#endif

/* ---- lines -------------------------------------------------------------- */

/* True when the backslash at line[i] opens an escape pair: an odd run of
 * backslashes ends at i (an even run is made of complete "\\" pairs). */
static bool opens_pair(const char *line, size_t start, size_t i)
{
    size_t run = 0;

    while (i + 1 > start && line[i] == '\\') {
        run++;
        if (i == start) {
            break;
        }
        i--;
    }
    return run % 2 == 1;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t') {
            return false;
        }
    }
    return true;
}

void oc_ics_fold(oc_buf *out, const char *line, size_t len)
{
    size_t pos = 0, limit = 75;

    while (len - pos > limit) {
        size_t cut = pos + limit;

        while (cut > pos + 1 && ((unsigned char)line[cut] & 0xC0) == 0x80) {
            cut--;
        }
        if (line[cut - 1] == '\\' && opens_pair(line, 0, cut - 1)) {
            cut--;
        }
        if (blank(line + cut, len - cut < 74 ? len - cut : 74)) {
            /* The next line would hold only blanks, which clients take for
             * the end of the folding (a definition has no run of more than
             * OC_DEF_MAX_BLANKS): start it with the character before them. */
            size_t c = cut;

            while (c > pos + 1 && (line[c - 1] == ' ' || line[c - 1] == '\t')) {
                c--;
            }
            c--;
            while (c > pos + 1 && ((unsigned char)line[c] & 0xC0) == 0x80) {
                c--;
            }
            if (c > pos + 1 && line[c - 1] == '\\' && opens_pair(line, 0, c - 1)) {
                c--;
            }
            if (c > pos) {
                cut = c;
            }
        }
        oc_buf_add(out, line + pos, cut - pos);
        oc_buf_add(out, "\r\n ", 3);
        pos = cut;
        limit = 74; /* the leading space counts (RFC 5545 §3.1) */
    }
    oc_buf_add(out, line + pos, len - pos);
    oc_buf_add(out, "\r\n", 2);
}

void oc_ics_escape_text(oc_buf *out, const char *text)
{
    const char *p = text;

    for (;;) {
        size_t n = strcspn(p, "\\;,\n\r");

        oc_buf_add(out, p, n);
        p += n;
        switch (*p) {
        case '\0':
            return;
        case '\n':
            oc_buf_add(out, "\\n", 2);
            break;
        case '\r':
            break;
        default:
            oc_buf_putc(out, '\\');
            oc_buf_putc(out, *p);
        }
        p++;
    }
}

void oc_ics_unescape_text(oc_buf *out, const char *value, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '\\' && i + 1 < len) {
            char c = value[++i];

            oc_buf_putc(out, c == 'n' || c == 'N' ? '\n' : c);
        } else {
            oc_buf_putc(out, value[i]);
        }
    }
    if (out->data == NULL) {
        oc_buf_puts(out, "");
    }
}

/* Turns libical's serialisation into logical lines separated by '\n'.
 * Deleting every CRLF SP also repairs its broken folds, which insert a
 * "CR LF SP" between the CR and the LF that end a line. */
static void unfold(const char *ical, oc_buf *out)
{
    oc_buf joined = {0};
    const char *p = ical;

    /* First every fold goes, then every CRLF ends a line: in one pass, the
     * CR left before a deleted "CR LF SP" would stay in the line. */
    oc_buf_grow(&joined, strlen(ical));
    for (;;) {
        const char *fold = strstr(p, "\r\n ");
        const char *tab = strstr(p, "\r\n\t");

        if (fold == NULL || (tab != NULL && tab < fold)) {
            fold = tab;
        }
        if (fold == NULL) {
            oc_buf_puts(&joined, p);
            break;
        }
        oc_buf_add(&joined, p, (size_t)(fold - p));
        p = fold + 3;
    }
    oc_buf_reset(out);
    oc_buf_grow(out, joined.len);
    p = joined.data;
    for (;;) {
        const char *crlf = strstr(p, "\r\n");

        if (crlf == NULL) {
            oc_buf_puts(out, p);
            break;
        }
        oc_buf_add(out, p, (size_t)(crlf - p));
        oc_buf_putc(out, '\n');
        p = crlf + 2;
    }
    oc_buf_free(&joined);
}

/* ---- building with libical ---------------------------------------------- */

static bool ical_failed(const char *what, oc_error *err)
{
    if (icalerrno == ICAL_NO_ERROR) {
        return false;
    }
    oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0}, "libical failed on %s: %s", what,
                 icalerror_strerror(icalerrno));
    icalerror_clear_errno();
    return true;
}

/* A wall-clock time (seconds "as if UTC") as a floating libical time. */
static struct icaltimetype ical_local(int64_t local)
{
    struct icaltimetype t = icaltime_null_time();
    int64_t day = oc_day_floor(local);
    int64_t sec = local - day * 86400;
    oc_date d = oc_date_from_day(day);

    t.year = d.year;
    t.month = d.month;
    t.day = d.day;
    t.hour = (int)(sec / 3600);
    t.minute = (int)(sec % 3600 / 60);
    t.second = (int)(sec % 60);
    t.is_date = 0;
    return t;
}

/* ---- events, written directly ------------------------------------------- */

static void trigger_text(int64_t seconds, char *out, size_t size);

static void put_date(oc_buf *b, const char *name, oc_day day)
{
    oc_buf_puts(b, name);
    oc_buf_puts(b, ";VALUE=DATE:");
    oc_buf_put_ymd(b, day);
    oc_buf_putc(b, '\n');
}

static void put_time(oc_buf *b, const char *name, int64_t t, const char *tzid)
{
    int64_t day = oc_day_floor(t);
    int sec = (int)(t - day * 86400);

    oc_buf_puts(b, name);
    if (tzid != NULL) {
        oc_buf_puts(b, ";TZID=");
        oc_buf_puts(b, tzid);
    }
    oc_buf_putc(b, ':');
    oc_buf_put_ymd(b, day);
    oc_buf_putc(b, 'T');
    oc_buf_put_uint(b, (uint64_t)sec / 3600, 2);
    oc_buf_put_uint(b, (uint64_t)sec % 3600 / 60, 2);
    oc_buf_put_uint(b, (uint64_t)sec % 60, 2);
    oc_buf_puts(b, tzid != NULL ? "\n" : "Z\n");
}

void oc_ics_time_line(oc_buf *lines, const char *name, int64_t t, const char *tzid)
{
    put_time(lines, name, t, tzid);
}

static void put_text(oc_buf *b, const char *name, const char *text)
{
    oc_buf_puts(b, name);
    oc_buf_putc(b, ':');
    oc_ics_escape_text(b, text);
    oc_buf_putc(b, '\n');
}

bool oc_ics_alarm_at(const oc_def *def, const oc_event *e, int64_t *at)
{
    const oc_span *sp = e->span;
    int64_t days = def->rules[e->kind].alarm_days;

    if (!e->has_alarm || !oc_kind_get(e->kind)->timed) {
        return false;
    }
    *at = oc_tz_add_duration(def->tz, sp->utc_start, sp->local_start, e->alarm, days);
    /* Either counting differs: the days on the wall time against 24 hours,
     * or the offsets at either end (the clocks change between them). */
    return *at != sp->utc_start + e->alarm ||
           oc_tz_offset_at(def->tz, *at) != oc_tz_offset_at(def->tz, sp->utc_start);
}

/* An event's logical lines, exactly as libical 3.0.16 serialises the same
 * component once unfolded (tests/unit/test_ics.c builds it with libical
 * and compares the two): libical builds the calendar header and the
 * VTIMEZONE and reads everything back, but writing 100,000 events through
 * its tree costs more than the rest of a build. */
void oc_ics_event_lines(const oc_def *def, const oc_event *e, const oc_event_text *t,
                        const char *tzid, oc_buf *lines)
{
    const oc_span *sp = e->span;

    oc_buf_reset(lines);
    oc_buf_puts(lines, "BEGIN:VEVENT\nUID:");
    oc_buf_puts(lines, e->uid);
    oc_buf_putc(lines, '\n');
    if (oc_kind_get(e->kind)->timed) {
        put_time(lines, "DTSTART", sp->start_utc ? sp->utc_start : sp->local_start,
                 sp->start_utc ? NULL : tzid);
        put_time(lines, "DTEND", sp->end_utc ? sp->utc_end : sp->local_end,
                 sp->end_utc ? NULL : tzid);
    } else {
        put_date(lines, "DTSTART", sp->first);
        put_date(lines, "DTEND", sp->last + 1);
    }
    put_text(lines, "SUMMARY", t->summary);
    put_text(lines, "DESCRIPTION", t->description);
    if (def->url.value != NULL) {
        oc_buf_puts(lines, "URL:");
        oc_buf_puts(lines, def->url.value);
        oc_buf_putc(lines, '\n');
    }
    oc_buf_puts(lines, "TRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\n");
    if (e->has_alarm) {
        char trigger[32];
        int64_t at;

        oc_buf_puts(lines, "BEGIN:VALARM\nACTION:DISPLAY\n");
        put_text(lines, "DESCRIPTION", t->alarm);
        if (oc_ics_alarm_at(def, e, &at)) {
            put_time(lines, "TRIGGER;VALUE=DATE-TIME", at, NULL);
        } else {
            trigger_text(e->alarm, trigger, sizeof(trigger));
            oc_buf_puts(lines, "TRIGGER:");
            oc_buf_puts(lines, trigger);
            oc_buf_putc(lines, '\n');
        }
        oc_buf_puts(lines, "END:VALARM\n");
    }
    oc_buf_puts(lines, "END:VEVENT\n");
}

void oc_ics_event_block(const oc_buf *lines, const oc_buf *stamps, oc_buf *out)
{
    size_t start = 0, index = 0;

    oc_buf_reset(out);
    while (start < lines->len) {
        const char *nl = memchr(lines->data + start, '\n', lines->len - start);
        size_t end = nl != NULL ? (size_t)(nl - lines->data) : lines->len;

        oc_ics_fold(out, lines->data + start, end - start);

        /* BEGIN, UID, then the stamps: where libical puts DTSTAMP. */
        if (index++ == 1) {
            oc_buf_add(out, stamps->data, stamps->len);
        }
        start = end + 1;
    }
}

/* A VALARM trigger as libical writes a duration (icaldurationtype_as_ical_string_r). */
static void trigger_text(int64_t seconds, char *out, size_t size)
{
    struct icaldurationtype d = icaldurationtype_from_int((int)seconds);
    char *s = icaldurationtype_as_ical_string_r(d);

    snprintf(out, size, "%s", s != NULL ? s : "PT0S");
    icalmemory_free_buffer(s);
}

/* Serialises 'comp' into logical lines in 'lines' (each ending in '\n'). */
int oc_ics_serialise(icalcomponent *comp, oc_buf *lines, const char *what, oc_error *err)
{
    char *s;

    icalerror_clear_errno();
    s = icalcomponent_as_ical_string_r(comp);
    if (s == NULL || ical_failed(what, err)) {
        if (s != NULL) {
            icalmemory_free_buffer(s);
        }
        oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0}, "libical could not serialise %s", what);
        return -1;
    }
    unfold(s, lines);
    icalmemory_free_buffer(s);
    return 0;
}

/* Folds every logical line of 'lines' into 'out', skipping the last 'skip_tail'. */
static void fold_lines(const oc_buf *lines, oc_buf *out, size_t skip_tail)
{
    size_t count = 0, start = 0, index = 0;

    for (size_t i = 0; i < lines->len; i++) {
        count += lines->data[i] == '\n';
    }
    while (start < lines->len) {
        const char *nl = memchr(lines->data + start, '\n', lines->len - start);
        size_t end = nl != NULL ? (size_t)(nl - lines->data) : lines->len;

        if (index + skip_tail < count) {
            oc_ics_fold(out, lines->data + start, end - start);
        }
        index++;
        start = end + 1;
    }
}

static void text_line(oc_buf *out, const char *name, const char *value)
{
    oc_buf line = {0};

    oc_buf_puts(&line, name);
    oc_buf_putc(&line, ':');
    oc_ics_escape_text(&line, value);
    oc_ics_fold(out, line.data, line.len);
    oc_buf_free(&line);
}

static void add_rdate(icalcomponent *c, int64_t local)
{
    struct icaldatetimeperiodtype dp;

    memset(&dp, 0, sizeof(dp));
    dp.time = ical_local(local);
    dp.period = icalperiodtype_null_period();
    icalcomponent_add_property(c, icalproperty_new_rdate(dp));
}

static icalcomponent *build_vtimezone(const oc_tz *tz, const oc_tz_rules *rules)
{
    icalcomponent *vtz = icalcomponent_new(ICAL_VTIMEZONE_COMPONENT);

    /* The plain IANA name: clients match it against their own database,
     * unlike libical's "/freeassociation.sourceforge.net/..." prefix. */
    icalcomponent_add_property(vtz, icalproperty_new_tzid(oc_tz_name(tz)));
    for (size_t i = 0; i < rules->count; i++) {
        const oc_tz_observance *o = &rules->obs[i];
        /* DAYLIGHT is the observance that moves the clock forward. tzdata
         * marks Europe/Dublin's winter GMT (and Morocco's Ramadan time) as
         * "DST" with a negative save; clients expect the traditional form. */
        bool daylight = o->offset_to > o->offset_from;
        icalcomponent *c =
            icalcomponent_new(daylight ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT);

        icalcomponent_add_property(c, icalproperty_new_dtstart(ical_local(o->dtstart_local)));
        icalcomponent_add_property(c, icalproperty_new_tzoffsetfrom(o->offset_from));
        icalcomponent_add_property(c, icalproperty_new_tzoffsetto(o->offset_to));
        if (o->name[0] != '\0') {
            icalcomponent_add_property(c, icalproperty_new_tzname(o->name));
        }
        if (o->has_rule) {
            static const char *const days[7] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
            char rule[160];

            if (o->rule_week != 0) {
                snprintf(rule, sizeof(rule), "FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", o->rule_month,
                         o->rule_week, days[o->rule_weekday % 7]);
            } else {
                int d = o->rule_monthday;

                snprintf(rule, sizeof(rule),
                         "FREQ=YEARLY;BYMONTH=%d;BYDAY=%s;BYMONTHDAY=%d,%d,%d,%d,%d,%d,%d",
                         o->rule_month, days[o->rule_weekday % 7], d, d + 1, d + 2, d + 3, d + 4,
                         d + 5, d + 6);
            }
            icalcomponent_add_property(
                c, icalproperty_new_rrule(icalrecurrencetype_from_string(rule)));
        }
        /* DTSTART is the first onset (RFC 5545 §3.6.5), but ical.js 2.2 (the parser of
         * Nextcloud's calendar app, FullCalendar and Thunderbird's calendar code) takes only
         * the RDATEs of a sub-component that has some and no RRULE: it needs that onset as
         * an RDATE too. libical, vobject and Python icalendar count the two as one. */
        if (!o->has_rule && o->rdate_count > 0) {
            add_rdate(c, o->dtstart_local);
        }
        for (size_t k = 0; k < o->rdate_count; k++) {
            add_rdate(c, o->rdates_local[k]);
        }
        icalcomponent_add_component(vtz, c);
    }
    return vtz;
}

/* ---- the feed ----------------------------------------------------------- */

int oc_ics_header(const oc_def *def, const oc_def_feed *feed, const char *base_url, oc_buf *out,
                  oc_error *err)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    const char *name = oc_def_feed_name(def, feed);
    const char *desc = oc_def_feed_description(def, feed);
    oc_buf lines = {0};
    char ttl[32];
    int rc = -1;

    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal, icalproperty_new_name(name));
    if (desc != NULL) {
        icalcomponent_add_property(cal, icalproperty_new_description(desc));
    }
    if (def->url.value != NULL) {
        icalcomponent_add_property(cal, icalproperty_new_url(def->url.value));
    }
    if (base_url != NULL) {
        oc_buf src = {0};

        oc_buf_printf(&src, "%s%s.ics", base_url, feed->id.value);
        icalcomponent_add_property(cal, icalproperty_new_source(src.data));
        oc_buf_free(&src);
    }
    icalcomponent_add_property(
        cal, icalproperty_new_refreshinterval(icaldurationtype_from_int((int)def->refresh)));
    if (oc_ics_serialise(cal, &lines, "the calendar header", err) == 0) {
        /* All but END:VCALENDAR: the zone and the events follow. */
        fold_lines(&lines, out, 1);

        /* X-properties are written by hand: libical 3.0.16 does not escape
         * ',' and ';' in them. */
        oc_duration_format(def->refresh, ttl, sizeof(ttl));
        oc_buf_printf(out, "X-PUBLISHED-TTL:%s\r\n", ttl);
        text_line(out, "X-WR-CALNAME", name);
        if (desc != NULL) {
            text_line(out, "X-WR-CALDESC", desc);
        }
        text_line(out, "X-WR-TIMEZONE", oc_tz_name(def->tz));
        rc = 0;
    }
    icalcomponent_free(cal);
    oc_buf_free(&lines);
    return rc;
}

int oc_ics_copy_header(oc_buf *out, oc_error *err)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    oc_buf lines = {0};
    int rc = -1;

    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    if (oc_ics_serialise(cal, &lines, "the header of a copy", err) == 0) {
        fold_lines(&lines, out, 1); /* all but END:VCALENDAR */
        rc = 0;
    }
    icalcomponent_free(cal);
    oc_buf_free(&lines);
    return rc;
}

int oc_ics_vtimezone_of(const oc_tz *tz, const oc_tz_rules *rules, oc_buf *out, oc_error *err)
{
    icalcomponent *vtz = build_vtimezone(tz, rules);
    oc_buf lines = {0};
    int rc = -1;

    if (oc_ics_serialise(vtz, &lines, "the VTIMEZONE", err) == 0) {
        fold_lines(&lines, out, 0);
        rc = 0;
    }
    icalcomponent_free(vtz);
    oc_buf_free(&lines);
    return rc;
}

int oc_ics_vtimezone(const oc_tz *tz, int64_t from, int64_t to, oc_buf *out, oc_error *err)
{
    oc_tz_rules rules = {0, NULL};
    int rc;

    if (oc_tz_rules_for_range(tz, from, to, &rules, err) != 0) {
        return -1;
    }
    rc = oc_ics_vtimezone_of(tz, &rules, out, err);
    oc_tz_rules_free(&rules);
    return rc;
}
