/* SPDX-License-Identifier: Apache-2.0 */
/* tz: the time-zone part of the sched stage. Reads the system time-zone database with libc
 * only: TZif files (RFC 8536 §3, the 64-bit data of version 2+) and their POSIX TZ footer
 * (§3.3, with the §3.3.1 extensions), converts wall-clock times as RFC 5545 §3.3.5 wants, and
 * describes a zone as the STANDARD/DAYLIGHT observances of a VTIMEZONE (RFC 5545 §3.6.5). */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/tz.h"

#include "ordercal/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_NAME_MAX 255
#define TZ_FILE_MAX (1024 * 1024)
#define TZ_FOOTER_MAX 255
#define TZ_ABBR_MAX 15
#define TZ_DAY 86400

/* RFC 8536 §3.2: utoff SHOULD lie in (-25 h, 26 h); anything else is not a real zone. */
#define TZ_UTOFF_MIN (-89999)
#define TZ_UTOFF_MAX 93599

/* zic writes its "big bang" at -2^59; transitions beyond 2^60 can only come from a hostile
 * file, and refusing them keeps every later addition of an offset free of overflow. */
#define TZ_TIME_LIMIT ((int64_t)1 << 60)

/* Calendar arithmetic clamps instants to about a million years so years fit in an int. */
#define TZ_CAL_LIMIT ((int64_t)1 << 45)

/* The years iCalendar can write (0001..9999), as UTC instants. */
#define TZ_RANGE_MIN INT64_C(-62135596800)
#define TZ_RANGE_MAX INT64_C(253402300799)

/* One local time type: a ttinfo entry of the file or one half of the footer. */
typedef struct {
    int32_t utoff;
    bool isdst;
    char abbr[TZ_ABBR_MAX + 1];
} tz_state;

/* A POSIX rule date: Jn (1..365, Feb 29 never counted), n (0..365) or Mm.w.d. */
typedef struct {
    char kind; /* 'J', 'N' or 'M' */
    int num;
    int month, week, wday;
    int32_t time; /* seconds after local midnight, -167 h..167 h (RFC 8536 §3.3.1) */
} tz_rule;

typedef struct {
    bool present;  /* a non-empty footer governs times after the last transition */
    bool has_dst;  /* the footer names a DST part and its rules */
    bool constant; /* no state change ever happens (no DST, or DST all year) */
    tz_state std, dst;
    tz_rule start, end;
    struct tz_onsets *onsets; /* a cache of rule_onset(); see footer_events() */
} tz_footer;

/* The footer's firings by year, computed once: every event of a feed asks
 * for the offsets around its time, each time through five or six years of
 * rule dates. Direct-mapped on the year. */
#define TZ_ONSET_SLOTS 64

struct tz_onsets {
    int year[TZ_ONSET_SLOTS];      /* INT_MIN: empty */
    int64_t at[TZ_ONSET_SLOTS][2]; /* [0] DST ends, [1] DST starts */
};

struct oc_tz {
    char *name;
    size_t timecnt;
    int64_t *times; /* strictly ascending */
    unsigned char *idx;
    size_t typecnt;
    tz_state *types;
    size_t pre;  /* type in force before the first transition */
    size_t gov;  /* transitions [0, gov) are listed explicitly; the rest the footer predicts */
    int64_t g;   /* G: the footer alone describes every instant from here on (with a footer) */
    bool g_incl; /* the footer itself changes state at G (else G is an explicit onset) */
    tz_footer footer;
    uint64_t digest; /* of the TZif file's bytes */
    char *alias;     /* the name it was loaded by, when that is a link to 'name'; else NULL */
};

/* One footer rule firing; see footer_events(). */
typedef struct {
    int64_t at;
    int year;
    bool to_dst;
} tz_event;

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if (a % b != 0 && (a < 0) != (b < 0)) {
        q--;
    }
    return q;
}

static int64_t clamp(int64_t t, int64_t limit)
{
    if (t < -limit) {
        return -limit;
    }
    return t > limit ? limit : t;
}

static int year_of(int64_t t)
{
    return oc_date_from_day(floor_div(clamp(t, TZ_CAL_LIMIT), TZ_DAY)).year;
}

static bool same_state(const tz_state *a, const tz_state *b)
{
    return a->utoff == b->utoff && a->isdst == b->isdst && strcmp(a->abbr, b->abbr) == 0;
}

/* ---- POSIX TZ footer (RFC 8536 §3.3) ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool parse_abbr(const char **sp, char *out)
{
    const char *s = *sp;
    size_t n = 0;

    if (*s == '<') {
        s++;
        while (*s != '>') {
            if (!is_alpha(*s) && !is_digit(*s) && *s != '+' && *s != '-') {
                return false;
            }
            if (n >= TZ_ABBR_MAX) {
                return false;
            }
            out[n++] = *s++;
        }
        s++;
    } else {
        while (is_alpha(*s)) {
            if (n >= TZ_ABBR_MAX) {
                return false;
            }
            out[n++] = *s++;
        }
    }

    /* POSIX wants at least three characters; shorter ones mean a garbled footer. */
    if (n < 3) {
        return false;
    }
    out[n] = '\0';
    *sp = s;
    return true;
}

static bool parse_num(const char **sp, int max, int *out)
{
    const char *s = *sp;
    int v = 0;

    if (!is_digit(*s)) {
        return false;
    }
    while (is_digit(*s)) {
        v = v * 10 + (*s - '0');
        if (v > max) {
            return false;
        }
        s++;
    }
    *out = v;
    *sp = s;
    return true;
}

/* [+|-]hh[:mm[:ss]]; offsets allow 24 hours, rule times 167 (RFC 8536 §3.3.1). */
static bool parse_hms(const char **sp, int max_hours, int32_t *out)
{
    const char *s = *sp;
    int sign = 1, h = 0, m = 0, sec = 0;

    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    if (!parse_num(&s, max_hours, &h)) {
        return false;
    }
    if (*s == ':') {
        s++;
        if (!parse_num(&s, 59, &m)) {
            return false;
        }
        if (*s == ':') {
            s++;
            if (!parse_num(&s, 59, &sec)) {
                return false;
            }
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *sp = s;
    return true;
}

static bool parse_rule(const char **sp, tz_rule *r)
{
    const char *s = *sp;

    memset(r, 0, sizeof(*r));
    if (*s == 'J') {
        s++;
        r->kind = 'J';
        if (!parse_num(&s, 365, &r->num) || r->num < 1) {
            return false;
        }
    } else if (*s == 'M') {
        s++;
        r->kind = 'M';
        if (!parse_num(&s, 12, &r->month) || r->month < 1 || *s++ != '.' ||
            !parse_num(&s, 5, &r->week) || r->week < 1 || *s++ != '.' ||
            !parse_num(&s, 6, &r->wday)) {
            return false;
        }
    } else {
        r->kind = 'N';
        if (!parse_num(&s, 365, &r->num)) {
            return false;
        }
    }
    r->time = 2 * 3600;
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, 167, &r->time)) {
            return false;
        }
    }
    *sp = s;
    return true;
}

/* An empty string is valid and means "unspecified after the last transition". */
static bool parse_footer(const char *s, tz_footer *f)
{
    int32_t off;

    memset(f, 0, sizeof(*f));
    if (*s == '\0') {
        return true;
    }

    /* POSIX offsets count west (UTC = local + offset); ours count east. */
    if (!parse_abbr(&s, f->std.abbr) || !parse_hms(&s, 24, &off)) {
        return false;
    }
    f->std.utoff = -off;
    f->present = true;
    if (*s == '\0') {
        return true;
    }
    if (!parse_abbr(&s, f->dst.abbr)) {
        return false;
    }
    f->dst.isdst = true;
    f->dst.utoff = f->std.utoff + 3600;
    if (*s != ',' && *s != '\0') {
        if (!parse_hms(&s, 24, &off)) {
            return false;
        }
        f->dst.utoff = -off;
    }
    f->has_dst = true;
    if (*s == '\0') {
        /* POSIX leaves a rule-less DST to the implementation; glibc uses the US rules. */
        const char *us = "M3.2.0,M11.1.0";

        return parse_rule(&us, &f->start) && *us++ == ',' && parse_rule(&us, &f->end);
    }
    if (*s++ != ',' || !parse_rule(&s, &f->start) || *s++ != ',' || !parse_rule(&s, &f->end)) {
        return false;
    }
    return *s == '\0';
}

/* 'week' 1..4 = nth, 5 or -1 = last; 'wday' 0 = Sunday. */
static oc_day nth_weekday(int year, int month, int week, int wday)
{
    oc_date first = {year, month, 1};
    oc_day d = oc_day_from_date(first);
    int wd = (oc_day_weekday(d) + 1) % 7; /* util counts from Monday, POSIX from Sunday */

    if (week >= 1 && week <= 4) {
        return d + (wday - wd + 7) % 7 + 7 * (week - 1);
    }
    d += oc_days_in_month(year, month) - 1;
    wd = (oc_day_weekday(d) + 1) % 7;
    return d - (wd - wday + 7) % 7;
}

static oc_day rule_day(const tz_rule *r, int year)
{
    oc_date jan1 = {year, 1, 1};
    bool leap = oc_days_in_month(year, 2) == 29;

    switch (r->kind) {
    case 'J':
        return oc_day_from_date(jan1) + r->num - 1 + (leap && r->num >= 60 ? 1 : 0);
    case 'N':
        return oc_day_from_date(jan1) + r->num;
    default:
        return nth_weekday(year, r->month, r->week, r->wday);
    }
}

/* UTC instant at which the footer's DST starts (to_dst) or ends in the rule year 'year'.
 * Rule times are wall-clock times of the offset in force before the change. */
static int64_t rule_onset(const tz_footer *f, bool to_dst, int year)
{
    const tz_rule *r = to_dst ? &f->start : &f->end;
    int32_t before = to_dst ? f->std.utoff : f->dst.utoff;

    return rule_day(r, year) * TZ_DAY + r->time - before;
}

static int64_t cached_onset(const tz_footer *f, bool to_dst, int year)
{
    struct tz_onsets *c = f->onsets;
    size_t slot;

    if (c == NULL) {
        return rule_onset(f, to_dst, year);
    }
    slot = (size_t)((unsigned)year % TZ_ONSET_SLOTS);
    if (c->year[slot] != year) {
        c->year[slot] = year;
        c->at[slot][0] = rule_onset(f, false, year);
        c->at[slot][1] = rule_onset(f, true, year);
    }
    return c->at[slot][to_dst];
}

/* Every rule firing of the years y0..y1, sorted by instant. Ties are broken by year so that
 * DST all year (",0/0,J365/25": this year's end meets next year's start) stays DST. */
static size_t footer_events(const tz_footer *f, int y0, int y1, tz_event *ev)
{
    size_t n = 0;

    for (int y = y0; y <= y1; y++) {
        ev[n++] = (tz_event){cached_onset(f, true, y), y, true};
        ev[n++] = (tz_event){cached_onset(f, false, y), y, false};
    }
    for (size_t i = 1; i < n; i++) {
        tz_event e = ev[i];
        size_t j = i;

        while (j > 0 &&
               (ev[j - 1].at > e.at || (ev[j - 1].at == e.at && ev[j - 1].year > e.year))) {
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = e;
    }
    return n;
}

/* Rule times and offsets move a firing by at most ~9 days from its date, so the firings of
 * year y-2 all precede any instant of year y. */
#define TZ_EVENT_SPAN 6

static bool footer_dst_at(const tz_footer *f, int64_t t)
{
    tz_event ev[2 * TZ_EVENT_SPAN];
    size_t n;
    bool dst = false;
    int y;

    if (!f->has_dst) {
        return false;
    }
    t = clamp(t, TZ_CAL_LIMIT);
    y = year_of(t);
    n = footer_events(f, y - 2, y + 1, ev);
    for (size_t i = 0; i < n && ev[i].at <= t; i++) {
        dst = ev[i].to_dst;
    }
    return dst;
}

/* First instant after 't' at which the footer's state really changes. Changes are looked
 * for only before the first firing of the last year generated: that year's firings lack
 * their partners from the year after (DST all year would seem to end there). */
static bool footer_next_change(const tz_footer *f, int64_t t, int64_t *next)
{
    tz_event ev[2 * TZ_EVENT_SPAN];
    size_t n, i = 0;
    int64_t limit = INT64_MAX;
    bool cur = false;
    int y;

    if (!f->has_dst || t >= TZ_CAL_LIMIT) {
        return false;
    }
    t = clamp(t, TZ_CAL_LIMIT);
    y = year_of(t);
    n = footer_events(f, y - 2, y + 3, ev);
    for (size_t k = 0; k < n; k++) {
        if (ev[k].year == y + 3 && ev[k].at < limit) {
            limit = ev[k].at;
        }
    }
    for (; i < n && ev[i].at <= t; i++) {
        cur = ev[i].to_dst;
    }
    while (i < n && ev[i].at < limit) {
        int64_t at = ev[i].at;
        bool st = cur;

        for (; i < n && ev[i].at == at; i++) {
            st = ev[i].to_dst;
        }
        if (st != cur) {
            *next = at;
            return true;
        }
    }
    return false;
}

static const tz_state *footer_state(const tz_footer *f, bool dst)
{
    return dst ? &f->dst : &f->std;
}

/* A rule date as RFC 5545 can repeat it every year; see oc_tz_observance. */
typedef struct {
    int month, week, wday, monthday;
} tz_rrule;

/* Whether the rule has an RRULE form, and which. Only Mm.w.d dates do: a Jn or n date falls
 * on another weekday each year. A time outside 0..24 h ("/24", Nuuk's "/-1", Gaza's "/50")
 * moves the onset by whole days, onto the weekday as many days later; the nth weekday lies
 * on one of seven days of the month, and so does the moved one, unless they leave the month
 * (Cairo's "M10.5.4/24", the Friday after the last Thursday, can be 1 November) or move with
 * its length (February's last week). */
static bool rule_rrule(const tz_rule *r, tz_rrule *out)
{
    int shift = (int)floor_div(r->time, TZ_DAY);
    int len, first;

    if (r->kind != 'M') {
        return false;
    }
    out->month = r->month;
    out->wday = ((r->wday + shift) % 7 + 7) % 7;
    out->week = r->week == 5 ? -1 : r->week;
    out->monthday = 0;
    if (shift == 0) {
        return true;
    }
    len = oc_days_in_month(2001, r->month); /* February's 28 days are in every year */
    first = (r->week == 5 ? len - 6 : 7 * (r->week - 1) + 1) + shift;
    if ((r->week == 5 && r->month == 2) || first < 1 || first + 6 > len) {
        return false;
    }
    out->week = 0;
    out->monthday = first;
    return true;
}

/* Which of the footer's two rules (index 0: DST ends, 1: DST starts) have an RRULE form. */
static void footer_rrules(const tz_footer *f, bool rr[2])
{
    tz_rrule unused;

    rr[0] = rule_rrule(&f->end, &unused);
    rr[1] = rule_rrule(&f->start, &unused);
}

/* ---- TZif (RFC 8536 §3) ---- */

typedef struct {
    const unsigned char *p;
    size_t left;
} tz_cursor;

typedef struct {
    unsigned char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tz_header;

static const unsigned char *take(tz_cursor *c, size_t n)
{
    const unsigned char *p = c->p;

    if (n > c->left) {
        return NULL;
    }
    c->p += n;
    c->left -= n;
    return p;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Two's complement by hand: converting an out-of-range unsigned value is
 * implementation-defined in C11. */
static int64_t be32s(const unsigned char *p)
{
    uint32_t u = be32(p);

    return u <= INT32_MAX ? (int64_t)u : (int64_t)u - ((int64_t)1 << 32);
}

static int64_t be64s(const unsigned char *p)
{
    uint64_t u = 0;

    for (int i = 0; i < 8; i++) {
        u = u << 8 | p[i];
    }
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

static bool read_header(tz_cursor *c, tz_header *h)
{
    const unsigned char *p = take(c, 44);

    if (p == NULL || memcmp(p, "TZif", 4) != 0) {
        return false;
    }
    h->version = p[4];
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return h->version == 0 || h->version >= '2';
}

/* Counts are at most 2^32 - 1, so the sum cannot overflow 64 bits. */
static uint64_t block_size(const tz_header *h, unsigned tsize)
{
    return (uint64_t)h->timecnt * tsize + h->timecnt + (uint64_t)h->typecnt * 6 + h->charcnt +
           (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
}

static bool parse_block(oc_tz *tz, tz_cursor *c, const tz_header *h, unsigned tsize)
{
    const unsigned char *times, *idx, *types, *chars;

    /* Leap-second ("right/") zones count TAI-like seconds; iCalendar has no leap seconds. */
    if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 || h->leapcnt != 0 ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt) ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) || block_size(h, tsize) > c->left) {
        return false;
    }
    times = take(c, (size_t)h->timecnt * tsize);
    idx = take(c, h->timecnt);
    types = take(c, (size_t)h->typecnt * 6);
    chars = take(c, h->charcnt);
    take(c, (size_t)h->isstdcnt + h->isutcnt);

    tz->timecnt = h->timecnt;
    tz->typecnt = h->typecnt;
    tz->times = oc_xcalloc(h->timecnt, sizeof(*tz->times));
    tz->idx = oc_xcalloc(h->timecnt, 1);
    tz->types = oc_xcalloc(h->typecnt, sizeof(*tz->types));
    for (size_t i = 0; i < tz->timecnt; i++) {
        int64_t t = tsize == 8 ? be64s(times + 8 * i) : be32s(times + 4 * i);

        if (t < -TZ_TIME_LIMIT || t > TZ_TIME_LIMIT || (i > 0 && t <= tz->times[i - 1]) ||
            idx[i] >= tz->typecnt) {
            return false;
        }
        tz->times[i] = t;
        tz->idx[i] = idx[i];
    }
    for (size_t i = 0; i < tz->typecnt; i++) {
        const unsigned char *e = types + 6 * i;
        int64_t utoff = be32s(e);
        const unsigned char *nul;
        size_t len;

        if (utoff < TZ_UTOFF_MIN || utoff > TZ_UTOFF_MAX || e[4] > 1 || e[5] >= h->charcnt) {
            return false;
        }
        nul = memchr(chars + e[5], '\0', h->charcnt - e[5]);
        if (nul == NULL) {
            return false;
        }
        len = (size_t)(nul - (chars + e[5]));
        if (len > TZ_ABBR_MAX) {
            len = TZ_ABBR_MAX;
        }
        tz->types[i].utoff = (int32_t)utoff;
        tz->types[i].isdst = e[4] == 1;
        memcpy(tz->types[i].abbr, chars + e[5], len);
        tz->types[i].abbr[len] = '\0';
    }
    return true;
}

static bool parse_tzif(oc_tz *tz, const unsigned char *data, size_t len)
{
    tz_cursor c = {data, len};
    tz_header h;
    const unsigned char *nl;
    char footer[TZ_FOOTER_MAX + 1];
    size_t flen;

    if (!read_header(&c, &h)) {
        return false;
    }
    if (h.version == 0) {
        return parse_block(tz, &c, &h, 4);
    }

    /* Version 2+: skip the 32-bit data, which cannot reach past 2038. */
    if (block_size(&h, 4) > c.left) {
        return false;
    }
    take(&c, (size_t)block_size(&h, 4));
    if (!read_header(&c, &h) || h.version == 0 || !parse_block(tz, &c, &h, 8)) {
        return false;
    }
    nl = take(&c, 1);
    if (nl == NULL || *nl != '\n') {
        return false;
    }
    nl = memchr(c.p, '\n', c.left < TZ_FOOTER_MAX + 1 ? c.left : TZ_FOOTER_MAX + 1);
    if (nl == NULL) {
        return false;
    }
    flen = (size_t)(nl - c.p);
    memcpy(footer, c.p, flen);
    footer[flen] = '\0';
    if (memchr(footer, '\0', flen) != NULL || !parse_footer(footer, &tz->footer)) {
        return false;
    }
    if (tz->footer.has_dst) {
        tz->footer.onsets = oc_xmalloc(sizeof(*tz->footer.onsets));
        for (size_t i = 0; i < TZ_ONSET_SLOTS; i++) {
            tz->footer.onsets->year[i] = INT_MIN;
        }
    }
    return true;
}

static bool name_valid(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/' ||
        strstr(name, "..") != NULL || strstr(name, "//") != NULL) {
        return false;
    }

    /* Every part of an IANA name starts with a capital letter ("Europe/Paris",
     * "Etc/GMT+5", "EST5EDT"). That also refuses what shares the folder but
     * is no zone of its own: "localtime", "posixrules", the "posix/" and
     * "right/" trees. */
    for (size_t i = 0; i < n; i++) {
        if ((i == 0 || name[i - 1] == '/') && !(name[i] >= 'A' && name[i] <= 'Z')) {
            return false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];

        if (!is_alpha(c) && !is_digit(c) && c != '_' && c != '+' && c != '-' && c != '/') {
            return false;
        }
    }
    return true;
}

/* Reads a whole regular file of at most TZ_FILE_MAX bytes. O_NONBLOCK keeps a FIFO planted
 * in TZDIR from hanging the open; fstat then refuses it. A file that grows while we read
 * it is refused rather than read half. */
static unsigned char *read_file(const char *path, size_t *len)
{
    unsigned char *data = NULL;
    struct stat st;
    size_t n = 0, size;
    int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    bool ok = false;

    if (fd < 0) {
        goto done;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 || st.st_size > TZ_FILE_MAX) {
        goto done;
    }
    size = (size_t)st.st_size;
    data = oc_xmalloc(size + 1);
    for (;;) {
        ssize_t r = read(fd, data + n, size + 1 - n);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            goto done;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
        if (n > size) {
            goto done;
        }
    }
    *len = n;
    ok = true;

done:
    if (fd >= 0) {
        close(fd);
    }
    if (!ok) {
        free(data);
        data = NULL;
    }
    return data;
}

/* The transition 'i' leaves the footer's state, and the footer has no change of its own
 * before the next transition. */
static bool footer_agrees_after(const oc_tz *tz, size_t i)
{
    const tz_footer *f = &tz->footer;
    int64_t t = tz->times[i], next;

    if (t <= -TZ_CAL_LIMIT || t >= TZ_CAL_LIMIT ||
        !same_state(footer_state(f, footer_dst_at(f, t)), &tz->types[tz->idx[i]])) {
        return false;
    }
    return i + 1 == tz->timecnt || !footer_next_change(f, t, &next) || next >= tz->times[i + 1];
}

/* ... and the transition itself is the footer's own change, or changes nothing. */
static bool footer_predicts(const oc_tz *tz, size_t i)
{
    const tz_footer *f = &tz->footer;
    int64_t t = tz->times[i], next;
    const tz_state *before = &tz->types[i > 0 ? tz->idx[i - 1] : tz->pre];
    bool change = footer_next_change(f, t - 1, &next) && next == t;

    if (!footer_agrees_after(tz, i)) {
        return false;
    }
    if (change) {
        return same_state(footer_state(f, footer_dst_at(f, t - 1)), before);
    }
    return same_state(before, &tz->types[tz->idx[i]]);
}

/* Finds G, the instant from which the footer alone describes the zone. Walks back from the
 * last transition while each one is what the footer predicts: Debian builds tzdata "fat",
 * repeating the footer's transitions up to 2037 and ending fixed zones with a no-op at
 * 2^31 - 1; both are footer-governed. The transitions before tz->gov stay explicit. */
static void find_governed(oc_tz *tz)
{
    size_t n = tz->timecnt, k = n;

    tz->gov = n;
    tz->g_incl = false;
    if (!tz->footer.present) {
        return;
    }
    if (n == 0) {
        tz->g = INT64_MIN;
        tz->g_incl = true;
        return;
    }
    while (k > 0 && footer_predicts(tz, k - 1)) {
        k--;
    }
    tz->gov = k;
    if (k < n && !tz->footer.constant) {
        int64_t next;

        tz->g = tz->times[k];
        tz->g_incl =
            footer_next_change(&tz->footer, tz->times[k] - 1, &next) && next == tz->times[k];
    } else {
        /* No footer change matched (a zone that just changed rules), or a fixed footer
         * after a run of no-ops: the footer carries on the result of the last explicit
         * change, which is G itself (Reunion in 1911, Sao Paulo in 2019). */
        tz->g = tz->times[k > 0 ? k - 1 : 0];
    }
}

/* The zone 'name' links to in the tz database ('dir'/tzdata.zi, lines "L
 * TARGET LINK"), or NULL when it is a zone of its own. Links are the old
 * names of zones (America/Godthab for America/Nuuk): clients that read the
 * TZID against their own database, rather than the VTIMEZONE, may not know
 * them (KDE's KCalendarCore maps an unknown TZID to whichever zone it
 * resembles). Returns a new string. */
static char *link_target(const char *dir, const char *name)
{
    char path[4096], *target = NULL;
    unsigned char *data;
    size_t len = 0;
    int hops = 0;

    if (snprintf(path, sizeof(path), "%s/tzdata.zi", dir) >= (int)sizeof(path) ||
        (data = read_file(path, &len)) == NULL) {
        return NULL;
    }

    /* Read once, searched in memory: a zone is looked up on every build. */
    for (;;) {
        const char *text = (const char *)data, *end = text + len, *line, *found = NULL;
        const char *want = target != NULL ? target : name;
        size_t n = strlen(want), found_len = 0;

        for (line = text; line < end && found == NULL;) {
            const char *nl = memchr(line, '\n', (size_t)(end - line));
            const char *stop = nl != NULL ? nl : end, *sp;

            if (stop - line > 2 && line[0] == 'L' && line[1] == ' ' &&
                (sp = memchr(line + 2, ' ', (size_t)(stop - line - 2))) != NULL &&
                (size_t)(stop - (sp + 1)) == n && memcmp(sp + 1, want, n) == 0) {
                found = line + 2;
                found_len = (size_t)(sp - line - 2);
            }
            line = stop + 1;
        }
        if (found == NULL || ++hops > 8) {
            break;
        }
        free(target);
        target = oc_xstrndup(found, found_len);
    }
    free(data);
    return target;
}

oc_tz *oc_tz_load(const char *name, oc_error *err)
{
    oc_tz *tz = NULL;
    unsigned char *data = NULL;
    const char *dir = getenv("TZDIR");
    char path[4096];
    size_t len = 0;
    bool ok = false;
    int n;

    if (name == NULL || !name_valid(name)) {
        goto done;
    }
    if (dir == NULL || dir[0] == '\0') {
        dir = "/usr/share/zoneinfo";
    }
    n = snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        goto done;
    }
    data = read_file(path, &len);
    if (data == NULL) {
        goto done;
    }
    tz = oc_xcalloc(1, sizeof(*tz));
    tz->digest = oc_digest(data, len);
    if (!parse_tzif(tz, data, len)) {
        goto done;
    }
    tz->name = link_target(dir, name);
    if (tz->name != NULL) {
        tz->alias = oc_xstrdup(name);
    } else {
        tz->name = oc_xstrdup(name);
    }

    /* Before the first transition glibc uses the first standard-time type; RFC 8536 says
     * type 0, which zic makes the same type in every system file. With no transitions at
     * all, type 0 (§3.2). */
    tz->pre = 0;
    for (size_t i = 0; tz->timecnt > 0 && i < tz->typecnt; i++) {
        if (!tz->types[i].isdst) {
            tz->pre = i;
            break;
        }
    }

    /* A DST footer whose rules never change state (DST all year) behaves like a fixed one;
     * four years from 2000 include a leap year. */
    tz->footer.constant = !tz->footer.has_dst;
    if (tz->footer.has_dst) {
        int64_t y2000 = INT64_C(946684800), next;

        tz->footer.constant =
            !footer_next_change(&tz->footer, y2000, &next) || next > y2000 + 4 * 366 * TZ_DAY;
    }
    find_governed(tz);
    ok = true;

done:
    free(data);
    if (!ok) {
        oc_tz_free(tz);
        tz = NULL;
        oc_error_set(err, OC_E_VALUE, NULL, (oc_pos){0, 0}, "unknown time zone '%s'",
                     name != NULL ? name : "");
    }
    return tz;
}

void oc_tz_free(oc_tz *tz)
{
    if (tz == NULL) {
        return;
    }
    free(tz->footer.onsets);
    free(tz->name);
    free(tz->alias);
    free(tz->times);
    free(tz->idx);
    free(tz->types);
    free(tz);
}

uint64_t oc_tz_digest(const oc_tz *tz)
{
    return tz->digest;
}

const char *oc_tz_alias(const oc_tz *tz)
{
    return tz->alias;
}

const char *oc_tz_name(const oc_tz *tz)
{
    return tz->name;
}

/* ---- Offsets ---- */

/* Number of transitions among the first 'n' at or before 't'. */
static size_t count_upto(const oc_tz *tz, size_t n, int64_t t)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (tz->times[mid] <= t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static const tz_state *state_at(const oc_tz *tz, int64_t t)
{
    size_t n = tz->timecnt;

    /* RFC 8536 §3.2: the footer covers the instants after the last transition, or all of
     * them when there is none; without a footer the last type simply stays. */
    if (n == 0 || t > tz->times[n - 1]) {
        if (tz->footer.present) {
            return footer_state(&tz->footer, footer_dst_at(&tz->footer, t));
        }
        return &tz->types[n == 0 ? tz->pre : tz->idx[n - 1]];
    }
    n = count_upto(tz, n, t);
    return &tz->types[n == 0 ? tz->pre : tz->idx[n - 1]];
}

int32_t oc_tz_offset_at(const oc_tz *tz, int64_t utc)
{
    return state_at(tz, utc)->utoff;
}

/* First instant after 't' at which the state may change. */
static bool next_change(const oc_tz *tz, int64_t t, int64_t *next)
{
    size_t n = tz->timecnt;

    if (n > 0 && t < tz->times[n - 1]) {
        *next = tz->times[count_upto(tz, n, t)];
        return true;
    }
    if (tz->footer.present) {
        return footer_next_change(&tz->footer, t, next);
    }
    return false;
}

int64_t oc_tz_local_to_utc(const oc_tz *tz, int64_t local)
{
    /* Offsets stay within (-25 h, 26 h), so every instant whose wall time could be 'local'
     * lies within two days of it; walk that window's intervals in order. */
    int64_t start, hi, gap_utc = 0;
    int32_t off;
    bool gap = false;

    local = clamp(local, TZ_CAL_LIMIT);
    start = local - 2 * TZ_DAY;
    hi = local + 2 * TZ_DAY;
    off = oc_tz_offset_at(tz, start);
    for (;;) {
        int64_t next = 0;
        bool more = next_change(tz, start, &next) && next <= hi;
        int64_t end = more ? next : hi + 1;
        int32_t after;

        /* The first interval holding a solution gives the first occurrence (§3.3.5). */
        if (local - off >= start && local - off < end) {
            return local - off;
        }
        if (!more) {
            break;
        }
        after = oc_tz_offset_at(tz, next);

        /* Skipped by a spring-forward gap: RFC 5545 reads it with the offset before it. */
        if (!gap && after > off && local >= next + off && local < next + after) {
            gap = true;
            gap_utc = local - off;
        }
        start = next;
        off = after;
    }
    if (gap) {
        return gap_utc;
    }
    return local - oc_tz_offset_at(tz, local - off);
}

int64_t oc_tz_add_duration(const oc_tz *tz, int64_t utc, int64_t local, int64_t seconds,
                           int64_t days)
{
    if (days == 0) {
        return utc + seconds;
    }
    return oc_tz_local_to_utc(tz, local + days * 86400) + (seconds - days * 86400);
}

/* ---- VTIMEZONE description ---- */

typedef struct {
    oc_tz_observance *obs;
    size_t count, cap;
} tz_obs_list;

static oc_tz_observance *obs_new(tz_obs_list *l, const tz_state *to, int32_t from, int64_t local)
{
    oc_tz_observance *o;

    if (l->count == l->cap) {
        l->cap = l->cap != 0 ? l->cap * 2 : 8;
        l->obs = oc_xrealloc(l->obs, l->cap * sizeof(*l->obs));
    }
    o = &l->obs[l->count++];
    memset(o, 0, sizeof(*o));
    o->is_dst = to->isdst;
    o->offset_from = from;
    o->offset_to = to->utoff;
    snprintf(o->name, sizeof(o->name), "%s", to->abbr);
    o->dtstart_local = local;
    return o;
}

/* Adds an onset, joining an earlier RDATE observance with the same TZOFFSETFROM, TZOFFSETTO,
 * TZNAME and kind. Onsets arrive in ascending order, so the RDATEs stay sorted. */
static void obs_onset(tz_obs_list *l, int64_t at, int32_t from, const tz_state *to)
{
    int64_t local = at + from;

    for (size_t i = 0; i < l->count; i++) {
        oc_tz_observance *o = &l->obs[i];

        if (!o->has_rule && o->is_dst == to->isdst && o->offset_from == from &&
            o->offset_to == to->utoff && strncmp(o->name, to->abbr, sizeof(o->name) - 1) == 0) {
            o->rdates_local =
                oc_xrealloc(o->rdates_local, (o->rdate_count + 1) * sizeof(*o->rdates_local));
            o->rdates_local[o->rdate_count++] = local;
            return;
        }
    }
    obs_new(l, to, from, local);
}

static void obs_rule(tz_obs_list *l, const tz_footer *f, bool dst, int64_t at)
{
    int32_t from = dst ? f->std.utoff : f->dst.utoff;
    oc_tz_observance *o = obs_new(l, footer_state(f, dst), from, at + from);
    tz_rrule rr = {0};

    rule_rrule(dst ? &f->start : &f->end, &rr);
    o->has_rule = true;
    o->rule_month = rr.month;
    o->rule_week = rr.week;
    o->rule_weekday = rr.wday;
    o->rule_monthday = rr.monthday;
}

/* A fixed state needs one onset at or before 'from'; 1970-01-01 unless 'from' is earlier. */
static int64_t initial_local(int64_t from, int32_t utoff)
{
    int64_t day = floor_div(from + utoff, TZ_DAY) * TZ_DAY;

    return day < 0 ? day : 0;
}

/* Footer changes in [lo, hi] as RDATE onsets, but those into a state whose rule has an
 * RRULE observance ('rr', indexed by the state after the change). */
static void footer_onsets(tz_obs_list *l, const tz_footer *f, int64_t lo, int64_t hi,
                          const bool rr[2])
{
    int64_t t = lo - 1, next;

    while (footer_next_change(f, t, &next) && next <= hi) {
        bool dst = footer_dst_at(f, next);

        if (!rr[dst]) {
            obs_onset(l, next, footer_state(f, !dst)->utoff, footer_state(f, dst));
        }
        t = next;
    }
}

/* The range lies where the footer alone governs. */
static void describe_footer(const oc_tz *tz, tz_obs_list *l, int64_t from, int64_t to, int64_t g)
{
    const tz_footer *f = &tz->footer;
    bool rr[2];
    int year = year_of(from) - 1;

    if (f->constant) {
        const tz_state *st = footer_state(f, footer_dst_at(f, from));

        obs_new(l, st, st->utoff, initial_local(from, st->utoff));
        return;
    }
    footer_rrules(f, rr);

    /* DTSTART the year before the range (never before the current rules began), stepped
     * back while it would start after 'from': a client expanding the RRULE from there
     * (libical through ICU, for every conversion) has a year to walk, not decades. The
     * text changes only when the range's first year does. */
    if (g > TZ_RANGE_MIN && year < year_of(g)) {
        year = year_of(g);
    }
    for (int k = 0; k < 2; k++) {
        bool dst = k == 0;
        int y = year;
        int64_t at = rule_onset(f, dst, y);

        if (!rr[dst]) {
            continue;
        }
        for (int guard = 0; at > from && guard < 8; guard++) {
            at = rule_onset(f, dst, --y);
        }
        obs_rule(l, f, dst, at);
    }
    if (rr[0] && rr[1]) {
        return;
    }
    footer_onsets(l, f, from - 400 * TZ_DAY, to + 366 * TZ_DAY, rr);

    /* Odd rules can skip DST for years (a start and an end that meet); then no onset lies
     * within a year before 'from' and the state at 'from' needs one of its own. */
    for (size_t i = 0; i < l->count; i++) {
        if (l->obs[i].dtstart_local - l->obs[i].offset_from <= from) {
            return;
        }
    }
    const tz_state *st = footer_state(f, footer_dst_at(f, from));

    obs_new(l, st, st->utoff, initial_local(from, st->utoff));
}

/* The range starts before the footer governs: list the explicit transitions, then hand over
 * to the footer from 'g' ('incl': a footer change happens at 'g' itself). */
static void describe_explicit(const oc_tz *tz, tz_obs_list *l, int64_t from, int64_t to, bool has_g,
                              int64_t g, bool incl)
{
    const tz_footer *f = &tz->footer;
    size_t k = tz->gov;
    size_t j = count_upto(tz, k, from);
    bool rr[2];

    if (j == 0) {
        const tz_state *st = &tz->types[tz->pre];

        obs_new(l, st, st->utoff, initial_local(from, st->utoff));
    } else {
        j--;
        obs_onset(l, tz->times[j], tz->types[j > 0 ? tz->idx[j - 1] : tz->pre].utoff,
                  &tz->types[tz->idx[j]]);
        j++;
    }
    for (; j < k && tz->times[j] <= to; j++) {
        const tz_state *before = &tz->types[j > 0 ? tz->idx[j - 1] : tz->pre];
        const tz_state *after = &tz->types[tz->idx[j]];

        if (!same_state(before, after)) {
            obs_onset(l, tz->times[j], before->utoff, after);
        }
    }
    if (!has_g || f->constant || to < g) {
        return;
    }
    footer_rrules(f, rr);
    for (int n = 0; n < 2; n++) {
        bool dst = n == 0;
        int y = year_of(g) - 1;
        int64_t at = rule_onset(f, dst, y);

        if (!rr[dst]) {
            continue;
        }
        for (int guard = 0; (incl ? at < g : at <= g) && guard < 8; guard++) {
            at = rule_onset(f, dst, ++y);
        }
        if (at <= to) {
            obs_rule(l, f, dst, at);
        }
    }
    if (!rr[0] || !rr[1]) {
        footer_onsets(l, f, incl ? g : g + 1, to + 366 * TZ_DAY, rr);
    }
}

/* A VTIMEZONE of DAYLIGHT sub-components alone is valid, but Python icalendar 4, reading one
 * whose TZID it does not know, fails on it. Such a description comes from a range that lies
 * within a single summer of the explicit transitions (Asuncion's last, before it kept -03 in
 * October 2024): add the zone's last change before it that does not move the clock forward,
 * which ics.c writes as STANDARD. */
static void obs_standard_before(const oc_tz *tz, tz_obs_list *l)
{
    int64_t first = INT64_MAX;

    for (size_t i = 0; i < l->count; i++) {
        const oc_tz_observance *o = &l->obs[i];

        if (o->offset_to <= o->offset_from) {
            return;
        }
        if (o->dtstart_local - o->offset_from < first) {
            first = o->dtstart_local - o->offset_from;
        }
    }
    for (size_t i = count_upto(tz, tz->timecnt, first - 1); i-- > 0;) {
        const tz_state *before = &tz->types[i > 0 ? tz->idx[i - 1] : tz->pre];
        const tz_state *after = &tz->types[tz->idx[i]];

        if (!same_state(before, after) && after->utoff <= before->utoff) {
            obs_onset(l, tz->times[i], before->utoff, after);
            return;
        }
    }
}

static int obs_cmp(const void *a, const void *b)
{
    const oc_tz_observance *x = a, *y = b;

    if (x->dtstart_local != y->dtstart_local) {
        return x->dtstart_local < y->dtstart_local ? -1 : 1;
    }
    return (int)x->is_dst - (int)y->is_dst;
}

int oc_tz_rules_for_range(const oc_tz *tz, int64_t from, int64_t to, oc_tz_rules *out,
                          oc_error *err)
{
    tz_obs_list l = {0};
    bool has_g = tz->footer.present, incl = tz->g_incl;
    int64_t g = tz->g;
    int rc = -1;

    out->count = 0;
    out->obs = NULL;
    if (from > to || from < TZ_RANGE_MIN || to > TZ_RANGE_MAX) {
        oc_error_set(err, OC_E_VALUE, NULL, (oc_pos){0, 0},
                     "empty time range, or one outside the years 0001..9999, for time zone '%s'",
                     tz->name);
        goto done;
    }

    if (has_g && from >= g) {
        describe_footer(tz, &l, from, to, g);
    } else {
        describe_explicit(tz, &l, from, to, has_g, g, incl);
    }
    obs_standard_before(tz, &l);
    qsort(l.obs, l.count, sizeof(*l.obs), obs_cmp);
    out->count = l.count;
    out->obs = l.obs;
    l.obs = NULL;
    rc = 0;

done:
    free(l.obs);
    return rc;
}

bool oc_tz_rules_equal(const oc_tz_rules *a, const oc_tz_rules *b)
{
    if (a->count != b->count) {
        return false;
    }
    for (size_t i = 0; i < a->count; i++) {
        const oc_tz_observance *x = &a->obs[i], *y = &b->obs[i];

        if (x->is_dst != y->is_dst || x->offset_from != y->offset_from ||
            x->offset_to != y->offset_to || strcmp(x->name, y->name) != 0 ||
            x->dtstart_local != y->dtstart_local || x->has_rule != y->has_rule ||
            x->rule_month != y->rule_month || x->rule_week != y->rule_week ||
            x->rule_weekday != y->rule_weekday || x->rule_monthday != y->rule_monthday ||
            x->rdate_count != y->rdate_count ||
            (x->rdate_count > 0 &&
             memcmp(x->rdates_local, y->rdates_local, x->rdate_count * sizeof(int64_t)) != 0)) {
            return false;
        }
    }
    return true;
}

void oc_tz_rules_free(oc_tz_rules *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->count; i++) {
        free(r->obs[i].rdates_local);
    }
    free(r->obs);
    r->obs = NULL;
    r->count = 0;
}
