/* ics: the fourth stage. Builds each component with libical, serialises it
 * event by event (flat memory), re-folds every content line ourselves
 * (RFC 5545 §3.1: libical 3.0.16 folds into CR CR LF and splits escapes),
 * parses every piece back before it is published, and reads the previous
 * feed to keep DTSTAMP, LAST-MODIFIED and SEQUENCE of unchanged events (§3.8.7). */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/ics.h"

#include "ics_int.h"

#include <errno.h>
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int oc_ics_check_lines(const char *text, size_t len, oc_error *err)
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

/* A 64-bit digest of an event's content, to compare it with the previous
 * build (MurmurHash64A: eight bytes a step, where FNV-1a's byte-serial
 * multiply cost as much as writing the feed). Computed in this process
 * only, over a whole event at once; the content never comes from an
 * adversary. */
static uint64_t digest(const char *s, size_t len)
{
    const uint64_t m = 0xc6a4a7935bd1e995ULL;
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 0x9747b28cULL ^ (len * m);
    size_t words = len / 8;

    for (size_t i = 0; i < words; i++) {
        uint64_t k;

        memcpy(&k, p + 8 * i, 8);
        k *= m;
        k ^= k >> 47;
        k *= m;
        h ^= k;
        h *= m;
    }
    p += 8 * words;
    if ((len & 7) != 0) {
        for (size_t i = len & 7; i-- > 0;) {
            h ^= (uint64_t)p[i] << (8 * i);
        }
        h *= m;
    }
    h ^= h >> 47;
    h *= m;
    h ^= h >> 47;
    return h;
}

static bool has_name(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);

    return len > n && strncmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ';');
}

/* The properties the previous-feed reader keeps, told apart by their first
 * letter before any comparison: the reader sees every line of the feed. */
typedef enum {
    PREV_OTHER,
    PREV_DTSTAMP,
    PREV_LAST_MODIFIED,
    PREV_SEQUENCE,
    PREV_UID,
    PREV_DTSTART,
    PREV_DTEND,
    PREV_SUMMARY
} prev_prop;

static prev_prop prev_kind(const char *line, size_t len)
{
    switch (len > 0 ? line[0] : '\0') {
    case 'D':
        return has_name(line, len, "DTSTAMP")   ? PREV_DTSTAMP
               : has_name(line, len, "DTSTART") ? PREV_DTSTART
               : has_name(line, len, "DTEND")   ? PREV_DTEND
                                                : PREV_OTHER;
    case 'L':
        return has_name(line, len, "LAST-MODIFIED") ? PREV_LAST_MODIFIED : PREV_OTHER;
    case 'S':
        return has_name(line, len, "SEQUENCE")  ? PREV_SEQUENCE
               : has_name(line, len, "SUMMARY") ? PREV_SUMMARY
                                                : PREV_OTHER;
    case 'U':
        return has_name(line, len, "UID") ? PREV_UID : PREV_OTHER;
    default:
        return PREV_OTHER;
    }
}

/* ---- the previous feed -------------------------------------------------- */

static int64_t stamp_seconds(const char *v);
static void stamp_text(int64_t t, char out[17]);

/* An event being read. */
typedef struct {
    char uid[256];
    char dtstamp[17], last_modified[17];
    char start[20], end[20]; /* DTSTART and DTEND values, for the change report */
    char summary[72];
    long sequence;
} prev_event;

/* What is remembered of it: 48 bytes and its texts in an arena, so that the
 * memory of a 100,000-event feed stays a few megabytes. */
typedef struct {
    uint64_t uid;     /* digest of the UID */
    uint64_t digest;  /* of everything but the stamps */
    int64_t dtstamp, last_modified;
    uint32_t sequence;
    uint32_t order;   /* position in the file, to keep the first of duplicates */
    uint32_t text;    /* offset in 'texts' of "start\0end\0summary\0" */
} prev_entry;

struct oc_ics_prev {
    prev_entry *entries;
    size_t count, cap;
    oc_buf texts;
};

typedef struct {
    oc_ics_prev *prev;
    bool in_event;
    prev_event cur;
    bool cur_ok;
    oc_buf body; /* the event's lines but its stamps, each ending in '\n' */
} prev_reader;

static int num(const char *v, size_t n)
{
    int x = 0;

    for (size_t i = 0; i < n; i++) {
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

/* A stamp we would write ourselves, "20230718T120000Z": a real date from
 * 1970 and a real time. Anything else in an old file is not republished. */
static bool utc_stamp(const char *v, size_t n)
{
    oc_date d;

    if (n != 16 || v[8] != 'T' || v[15] != 'Z') {
        return false;
    }
    for (size_t i = 0; i < 15; i++) {
        if (i != 8 && (v[i] < '0' || v[i] > '9')) {
            return false;
        }
    }
    d.year = num(v, 4);
    d.month = num(v + 4, 2);
    d.day = num(v + 6, 2);
    return d.year >= 1970 && oc_date_valid(d) && num(v + 9, 2) < 24 && num(v + 11, 2) < 60 &&
           num(v + 13, 2) < 60;
}

static void prev_line(prev_reader *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    const char *value = colon != NULL ? colon + 1 : line + len;
    size_t vlen = (size_t)(line + len - value);
    prev_prop kind;

    if (!r->in_event) {
        if (len == 12 && memcmp(line, "BEGIN:VEVENT", 12) == 0) {
            r->in_event = true;
            memset(&r->cur, 0, sizeof(r->cur));
            r->cur.sequence = -1;
            oc_buf_reset(&r->body);
            oc_buf_add(&r->body, "BEGIN:VEVENT\n", 13);
            r->cur_ok = true;
        }
        return;
    }
    kind = prev_kind(line, len);
    if (kind == PREV_DTSTAMP || kind == PREV_LAST_MODIFIED) {
        char *dst = kind == PREV_DTSTAMP ? r->cur.dtstamp : r->cur.last_modified;

        if (utc_stamp(value, vlen)) {
            memcpy(dst, value, 16);
            dst[16] = '\0';
        } else {
            r->cur_ok = false;
        }
        return;
    }
    if (kind == PREV_SEQUENCE) {
        long v = 0;

        if (vlen == 0 || vlen > 10 || strspn(value, "0123456789") < vlen) {
            r->cur_ok = false;
            return;
        }
        for (size_t i = 0; i < vlen; i++) {
            v = v * 10 + (value[i] - '0');
        }
        if (v > INT32_MAX) {
            r->cur_ok = false;
            return;
        }
        r->cur.sequence = v;
        return;
    }
    if (kind == PREV_UID && vlen < sizeof(r->cur.uid)) {
        memcpy(r->cur.uid, value, vlen);
        r->cur.uid[vlen] = '\0';
    } else if (kind == PREV_DTSTART || kind == PREV_DTEND) {
        char *dst = kind == PREV_DTSTART ? r->cur.start : r->cur.end;

        /* Only what a date or time holds: the value reaches the terminal. */
        if (vlen < sizeof(r->cur.start) && strspn(value, "0123456789TZ") >= vlen) {
            memcpy(dst, value, vlen);
            dst[vlen] = '\0';
        }
    } else if (kind == PREV_SUMMARY) {
        size_t o = 0;

        /* Unescaped enough for a one-line report, and safe for a terminal:
         * control characters and bytes that are not UTF-8 become '?'. */
        for (size_t i = 0; i < vlen && o + 5 < sizeof(r->cur.summary);) {
            unsigned char ch = (unsigned char)value[i];
            size_t clen = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;

            if (ch == '\\' && i + 1 < vlen) {
                char next = value[i + 1];

                r->cur.summary[o++] = next == 'n' || next == 'N' ? ' '
                                      : (unsigned char)next < 0x20 || next == 0x7F ? '?'
                                                                                  : next;
                i += 2;
                if ((unsigned char)next >= 0x80) {
                    r->cur.summary[o - 1] = '?';
                }
                continue;
            }
            if (ch < 0x20 || ch == 0x7F) {
                r->cur.summary[o++] = '?';
                i++;
                continue;
            }
            if (ch >= 0x80 && (i + clen > vlen || !oc_utf8_valid(value + i, clen) ||
                               o + clen + 4 > sizeof(r->cur.summary))) {
                r->cur.summary[o++] = '?';
                i++;
                continue;
            }
            memcpy(r->cur.summary + o, value + i, clen);
            o += clen;
            i += clen;
        }
        r->cur.summary[o] = '\0';
    }
    oc_buf_add(&r->body, line, len);
    oc_buf_putc(&r->body, '\n');
    if (len == 10 && memcmp(line, "END:VEVENT", 10) == 0) {
        oc_ics_prev *p = r->prev;

        r->in_event = false;
        if (!r->cur_ok || r->cur.uid[0] == '\0' || r->cur.sequence < 0 ||
            r->cur.dtstamp[0] == '\0' || r->cur.last_modified[0] == '\0') {
            return; /* not one of ours: the event will count as changed */
        }
        if (p->count == p->cap) {
            p->cap = p->cap != 0 ? p->cap * 2 : 64;
            p->entries = oc_xrealloc(p->entries, p->cap * sizeof(*p->entries));
        }
        if (p->texts.len > UINT32_MAX - 256) {
            return; /* past 4 GiB of texts: no file of ours */
        }
        {
            prev_entry *pe = &p->entries[p->count];

            pe->uid = digest(r->cur.uid, strlen(r->cur.uid));
            pe->digest = digest(r->body.data, r->body.len);
            pe->dtstamp = stamp_seconds(r->cur.dtstamp);
            pe->last_modified = stamp_seconds(r->cur.last_modified);
            pe->sequence = (uint32_t)r->cur.sequence;
            pe->order = (uint32_t)p->count;
            pe->text = (uint32_t)p->texts.len;
            oc_buf_add(&p->texts, r->cur.start, strlen(r->cur.start) + 1);
            oc_buf_add(&p->texts, r->cur.end, strlen(r->cur.end) + 1);
            oc_buf_add(&p->texts, r->cur.summary, strlen(r->cur.summary) + 1);
            p->count++;
        }
    }
}

/* The DTSTART (0), DTEND (1) or SUMMARY (2) an entry was read with. */
static const char *prev_text(const oc_ics_prev *p, const prev_entry *pe, int which)
{
    const char *t = p->texts.data + pe->text;

    while (which-- > 0) {
        t += strlen(t) + 1;
    }
    return t;
}

static int cmp_entry(const void *a, const void *b)
{
    const prev_entry *x = a, *y = b;

    if (x->uid != y->uid) {
        return x->uid < y->uid ? -1 : 1;
    }
    return x->order < y->order ? -1 : x->order > y->order;
}

static void prev_finish(oc_ics_prev *p)
{
    size_t o = 0;

    if (p->count == 0) {
        return;
    }
    qsort(p->entries, p->count, sizeof(*p->entries), cmp_entry);

    /* A UID seen twice is ambiguous: keep the first, the other counts as removed. */
    for (size_t i = 0; i < p->count; i++) {
        if (o == 0 || p->entries[o - 1].uid != p->entries[i].uid) {
            p->entries[o++] = p->entries[i];
        }
    }
    p->count = o;
}

/* Feeds physical lines (without their line ending) and joins continuations. */
typedef struct {
    prev_reader r;
    oc_buf logical;
    bool have;
} prev_unfolder;

static void prev_physical(prev_unfolder *u, const char *line, size_t len)
{
    if (len > 0 && (line[0] == ' ' || line[0] == '\t') && u->have) {
        oc_buf_add(&u->logical, line + 1, len - 1);
        return;
    }
    if (u->have) {
        prev_line(&u->r, u->logical.data, u->logical.len);
    }
    oc_buf_reset(&u->logical);
    oc_buf_add(&u->logical, line, len);
    u->have = true;
}

static void prev_end(prev_unfolder *u)
{
    if (u->have) {
        prev_line(&u->r, u->logical.data, u->logical.len);
    }
    oc_buf_free(&u->logical);
    oc_buf_free(&u->r.body);
    prev_finish(u->r.prev);
}

static size_t strip_eol(const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }
    return len;
}

oc_ics_prev *oc_ics_prev_parse(const char *text, size_t len)
{
    prev_unfolder u;
    size_t start = 0;

    memset(&u, 0, sizeof(u));
    u.r.prev = oc_xcalloc(1, sizeof(oc_ics_prev));
    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl != NULL ? (size_t)(nl - text) + 1 : len;

        prev_physical(&u, text + start, strip_eol(text + start, end - start));
        start = end;
    }
    prev_end(&u);
    return u.r.prev;
}

oc_ics_prev *oc_ics_prev_load(const char *path, oc_error *err)
{
    FILE *fp = fopen(path, "rb");
    prev_unfolder u;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (fp == NULL) {
        if (errno == ENOENT) {
            return oc_xcalloc(1, sizeof(oc_ics_prev));
        }
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        return NULL;
    }
    memset(&u, 0, sizeof(u));
    u.r.prev = oc_xcalloc(1, sizeof(oc_ics_prev));
    while ((n = getline(&line, &cap, fp)) != -1) {
        prev_physical(&u, line, strip_eol(line, (size_t)n));
    }
    free(line);
    prev_end(&u);
    if (ferror(fp)) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        fclose(fp);
        oc_ics_prev_free(u.r.prev);
        return NULL;
    }
    fclose(fp);
    return u.r.prev;
}

size_t oc_ics_prev_count(const oc_ics_prev *prev)
{
    return prev != NULL ? prev->count : 0;
}

void oc_ics_prev_free(oc_ics_prev *prev)
{
    if (prev == NULL) {
        return;
    }
    free(prev->entries);
    oc_buf_free(&prev->texts);
    free(prev);
}

static ptrdiff_t prev_find(const oc_ics_prev *prev, const char *uid_text)
{
    size_t lo = 0, hi;
    uint64_t uid = digest(uid_text, strlen(uid_text));

    if (prev == NULL) {
        return -1;
    }
    hi = prev->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (prev->entries[mid].uid == uid) {
            return (ptrdiff_t)mid;
        }
        if (prev->entries[mid].uid < uid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
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

static struct icaltimetype ical_date(oc_day day)
{
    struct icaltimetype t = icaltime_null_date();
    oc_date d = oc_date_from_day(day);

    t.year = d.year;
    t.month = d.month;
    t.day = d.day;
    t.is_date = 1;
    return t;
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

/* An instant as a UTC libical time, written with a trailing Z. */
static struct icaltimetype ical_utc(int64_t utc)
{
    struct icaltimetype t = ical_local(utc);

    t.zone = icaltimezone_get_utc_timezone();
    return t;
}

static void stamp_text(int64_t t, char out[17])
{
    int64_t day = oc_day_floor(t);
    int sec = (int)(t - day * 86400);
    oc_date d = oc_date_from_day(day);
    const int fields[6] = {(d.year % 10000 + 10000) % 10000, d.month, d.day, sec / 3600,
                           sec % 3600 / 60, sec % 60};
    char *p = out;

    for (int i = 0; i < 6; i++) {
        int width = i == 0 ? 4 : 2;
        char text[21];
        size_t n = oc_uint_text((uint64_t)fields[i], width, text);

        memcpy(p, text + n - (size_t)width, (size_t)width);
        p += width;
        if (i == 2) {
            *p++ = 'T';
        }
    }
    *p++ = 'Z';
    *p = '\0';
}

/* The inverse of stamp_text(), for stamps utc_stamp() accepted. */
static int64_t stamp_seconds(const char *v)
{
    oc_date d;
    int64_t secs;

    d.year = num(v, 4);
    d.month = num(v + 4, 2);
    d.day = num(v + 6, 2);
    secs = num(v + 9, 2) * 3600 + num(v + 11, 2) * 60 + num(v + 13, 2);
    return oc_day_from_date(d) * 86400 + secs;
}

static icalproperty *x_prop(const char *name, const char *value)
{
    icalproperty *p = icalproperty_new_x(value);

    icalproperty_set_x_name(p, name);
    return p;
}

static icalcomponent *build_event(const oc_def *def, const oc_event *e, const char *tzid)
{
    icalcomponent *ve = icalcomponent_new(ICAL_VEVENT_COMPONENT);

    icalcomponent_add_property(ve, icalproperty_new_uid(e->uid));
    if (e->timed) {
        /* icalproperty_new_dtstart() would write a floating time: pass the
         * TZID parameter explicitly (libical 3.0.16). */
        if (e->start_utc) {
            icalcomponent_add_property(ve, icalproperty_new_dtstart(ical_utc(e->utc_start)));
        } else {
            icalcomponent_add_property(ve, icalproperty_vanew_dtstart(
                                               ical_local(e->local_start),
                                               icalparameter_new_tzid(tzid), (void *)0));
        }
        if (e->end_utc) {
            icalcomponent_add_property(ve, icalproperty_new_dtend(ical_utc(e->utc_end)));
        } else {
            icalcomponent_add_property(ve, icalproperty_vanew_dtend(ical_local(e->local_end),
                                                                    icalparameter_new_tzid(tzid),
                                                                    (void *)0));
        }
    } else {
        icalcomponent_add_property(ve, icalproperty_new_dtstart(ical_date(e->start)));
        icalcomponent_add_property(ve, icalproperty_new_dtend(ical_date(e->end)));
    }
    icalcomponent_add_property(ve, icalproperty_new_summary(e->summary));
    icalcomponent_add_property(ve, icalproperty_new_description(e->description));
    if (def->url.value != NULL) {
        icalcomponent_add_property(ve, icalproperty_new_url(def->url.value));
    }
    icalcomponent_add_property(ve, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));

    /* Outlook reads its own busy status before TRANSP. */
    icalcomponent_add_property(ve, x_prop("X-MICROSOFT-CDO-BUSYSTATUS", "FREE"));
    if (e->has_alarm) {
        icalcomponent *va = icalcomponent_new(ICAL_VALARM_COMPONENT);
        struct icaltriggertype trig;

        memset(&trig, 0, sizeof(trig));
        trig.time = icaltime_null_time();
        trig.duration = icaldurationtype_from_int((int)e->alarm);
        icalcomponent_add_property(va, icalproperty_new_action(ICAL_ACTION_DISPLAY));
        icalcomponent_add_property(va, icalproperty_new_description(e->alarm_text));
        icalcomponent_add_property(va, icalproperty_new_trigger(trig));
        icalcomponent_add_component(ve, va);
    }
    return ve;
}

/* ---- events, written directly ------------------------------------------- */

static int serialise(icalcomponent *comp, oc_buf *lines, const char *what, oc_error *err);

static void put_ymd(oc_buf *b, oc_date d)
{
    oc_buf_put_uint(b, (uint64_t)d.year, 4);
    oc_buf_put_uint(b, (uint64_t)d.month, 2);
    oc_buf_put_uint(b, (uint64_t)d.day, 2);
}

static void put_date(oc_buf *b, const char *name, oc_day day)
{
    oc_buf_puts(b, name);
    oc_buf_puts(b, ";VALUE=DATE:");
    put_ymd(b, oc_date_from_day(day));
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
    put_ymd(b, oc_date_from_day(day));
    oc_buf_putc(b, 'T');
    oc_buf_put_uint(b, (uint64_t)sec / 3600, 2);
    oc_buf_put_uint(b, (uint64_t)sec % 3600 / 60, 2);
    oc_buf_put_uint(b, (uint64_t)sec % 60, 2);
    oc_buf_puts(b, tzid != NULL ? "\n" : "Z\n");
}

static void put_text(oc_buf *b, const char *name, const char *text)
{
    oc_buf_puts(b, name);
    oc_buf_putc(b, ':');
    oc_ics_escape_text(b, text);
    oc_buf_putc(b, '\n');
}

/* An event's logical lines, exactly as libical 3.0.16 serialises
 * build_event()'s component once unfolded (tests/unit/test_ics.c compares
 * the two): libical builds the calendar header and the VTIMEZONE and reads
 * everything back, but writing 100,000 events through its tree costs more
 * than the rest of a build. */
void oc_ics_event_lines(const oc_def *def, const oc_event *e, const char *tzid, oc_buf *lines)
{
    oc_buf_reset(lines);
    oc_buf_puts(lines, "BEGIN:VEVENT\nUID:");
    oc_buf_puts(lines, e->uid);
    oc_buf_putc(lines, '\n');
    if (e->timed) {
        put_time(lines, "DTSTART", e->start_utc ? e->utc_start : e->local_start,
                 e->start_utc ? NULL : tzid);
        put_time(lines, "DTEND", e->end_utc ? e->utc_end : e->local_end, e->end_utc ? NULL : tzid);
    } else {
        put_date(lines, "DTSTART", e->start);
        put_date(lines, "DTEND", e->end);
    }
    put_text(lines, "SUMMARY", e->summary);
    put_text(lines, "DESCRIPTION", e->description);
    if (def->url.value != NULL) {
        oc_buf_puts(lines, "URL:");
        oc_buf_puts(lines, def->url.value);
        oc_buf_putc(lines, '\n');
    }
    oc_buf_puts(lines, "TRANSP:TRANSPARENT\nX-MICROSOFT-CDO-BUSYSTATUS:FREE\n");
    if (e->has_alarm) {
        char trigger[32];

        oc_buf_puts(lines, "BEGIN:VALARM\nACTION:DISPLAY\n");
        put_text(lines, "DESCRIPTION", e->alarm_text);
        oc_ics_trigger_text(e->alarm, trigger, sizeof(trigger));
        oc_buf_puts(lines, "TRIGGER:");
        oc_buf_puts(lines, trigger);
        oc_buf_puts(lines, "\nEND:VALARM\n");
    }
    oc_buf_puts(lines, "END:VEVENT\n");
}

int oc_ics_event_lines_libical(const oc_def *def, const oc_event *e, const char *tzid,
                               oc_buf *lines, oc_error *err)
{
    icalcomponent *ve;
    int rc;

    icalerror_clear_errno();
    ve = build_event(def, e, tzid);
    rc = ical_failed("an event", err) ? -1 : serialise(ve, lines, "an event", err);
    icalcomponent_free(ve);
    return rc;
}

/* A VALARM trigger as libical writes a duration (icaldurationtype_as_ical_string_r). */
void oc_ics_trigger_text(int64_t seconds, char *out, size_t size)
{
    struct icaldurationtype d = icaldurationtype_from_int((int)seconds);
    char *s = icaldurationtype_as_ical_string_r(d);

    snprintf(out, size, "%s", s != NULL ? s : "PT0S");
    icalmemory_free_buffer(s);
}

/* Serialises 'comp' into logical lines in 'lines' (each ending in '\n'). */
static int serialise(icalcomponent *comp, oc_buf *lines, const char *what, oc_error *err)
{
    char *s;

    icalerror_clear_errno();
    s = icalcomponent_as_ical_string_r(comp);
    if (s == NULL || ical_failed(what, err)) {
        if (s != NULL) {
            icalmemory_free_buffer(s);
        }
        oc_error_set(err, OC_E_ICAL, NULL, (oc_pos){0, 0}, "libical could not serialise %s",
                     what);
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
        icalcomponent *c = icalcomponent_new(daylight ? ICAL_XDAYLIGHT_COMPONENT
                                                      : ICAL_XSTANDARD_COMPONENT);

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
            icalcomponent_add_property(c,
                                       icalproperty_new_rrule(icalrecurrencetype_from_string(rule)));
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

/* ---- the change report ------------------------------------------------- */

/* "20230727" -> "2023-07-27", "20230719T180000" -> "2023-07-19 18:00". */
static void ical_when(oc_buf *out, const char *v)
{
    size_t n = strlen(v);

    if (n >= 8 && strspn(v, "0123456789") >= 8) {
        oc_buf_printf(out, "%.4s-%.2s-%.2s", v, v + 4, v + 6);
        if (n >= 13 && v[8] == 'T' && strspn(v + 9, "0123456789") >= 4) {
            oc_buf_printf(out, " %.2s:%.2s", v + 9, v + 11);
        }
    } else {
        oc_buf_puts(out, "?");
    }
}

static void day_text(oc_buf *out, oc_day day)
{
    oc_date d = oc_date_from_day(day);

    oc_buf_printf(out, "%04d-%02d-%02d", d.year, d.month, d.day);
}

static void event_when(oc_buf *out, const oc_event *e)
{
    if (e->timed) {
        oc_date d = oc_date_from_day(e->local_start / 86400);
        int64_t sec = e->local_start % 86400;

        oc_buf_printf(out, "%04d-%02d-%02d %02d:%02d", d.year, d.month, d.day,
                      (int)(sec / 3600), (int)(sec % 3600 / 60));
        return;
    }
    day_text(out, e->start);
    if (e->end - 1 != e->start) {
        oc_buf_puts(out, "..");
        day_text(out, e->end - 1);
    }
}

/* The previous event's span in the same form; DTEND is exclusive. */
static void prev_when(oc_buf *out, const oc_ics_prev *prev, const prev_entry *pe)
{
    const char *start = prev_text(prev, pe, 0), *end = prev_text(prev, pe, 1);
    oc_buf first = {0}, last = {0};

    ical_when(&first, start);
    oc_buf_add(out, first.data, first.len);
    if (strlen(start) == 8 && strspn(start, "0123456789") == 8 && strlen(end) == 8 &&
        strspn(end, "0123456789") == 8) {
        oc_date d;

        d.year = num(end, 4);
        d.month = num(end + 4, 2);
        d.day = num(end + 6, 2);
        if (oc_date_valid(d)) {
            day_text(&last, oc_day_from_date(d) - 1);
            if (strcmp(last.data, first.data) != 0) {
                oc_buf_puts(out, "..");
                oc_buf_add(out, last.data, last.len);
            }
        }
    }
    oc_buf_free(&first);
    oc_buf_free(&last);
}

static void report_event(oc_buf *report, char sign, const oc_event *e, const oc_ics_prev *prev,
                         const prev_entry *pe)
{
    oc_buf_printf(report, "%c %-12s ", sign, oc_kind_name(e->kind));
    if (pe != NULL) {
        oc_buf before = {0}, after = {0};

        prev_when(&before, prev, pe);
        event_when(&after, e);
        if (strcmp(before.data, after.data) != 0) {
            oc_buf_printf(report, "%s -> %s", before.data, after.data);
        } else {
            oc_buf_printf(report, "%s, text changed", after.data);
        }
        oc_buf_free(&before);
        oc_buf_free(&after);
    } else {
        event_when(report, e);
    }
    oc_buf_puts(report, " (session ");
    day_text(report, e->session);
    oc_buf_puts(report, ")\n");
}

/* ---- the feed ----------------------------------------------------------- */

static void header_lines(const oc_def *def, const oc_def_feed *feed, const oc_ics_opts *opts,
                         oc_buf *lines, oc_buf *out, oc_error *err)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
    const char *name = feed->name.value != NULL ? feed->name.value : def->name.value;
    const char *desc =
        feed->description.value != NULL ? feed->description.value : def->description.value;
    char ttl[32];

    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//ordercal//ordercal " OC_VERSION
                                                            "//EN"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(cal, icalproperty_new_name(name));
    if (desc != NULL) {
        icalcomponent_add_property(cal, icalproperty_new_description(desc));
    }
    if (def->url.value != NULL) {
        icalcomponent_add_property(cal, icalproperty_new_url(def->url.value));
    }
    if (opts->base_url != NULL) {
        oc_buf src = {0};

        oc_buf_printf(&src, "%s%s.ics", opts->base_url, feed->id.value);
        icalcomponent_add_property(cal, icalproperty_new_source(src.data));
        oc_buf_free(&src);
    }
    icalcomponent_add_property(cal, icalproperty_new_refreshinterval(
                                        icaldurationtype_from_int((int)def->refresh)));
    if (serialise(cal, lines, "the calendar header", err) == 0) {
        /* All but END:VCALENDAR: the zone and the events follow. */
        fold_lines(lines, out, 1);

        /* X-properties are written by hand: libical 3.0.16 does not escape
         * ',' and ';' in them. */
        oc_duration_format(def->refresh, ttl, sizeof(ttl));
        oc_buf_printf(out, "X-PUBLISHED-TTL:%s\r\n", ttl);
        text_line(out, "X-WR-CALNAME", name);
        if (desc != NULL) {
            text_line(out, "X-WR-CALDESC", desc);
        }
        text_line(out, "X-WR-TIMEZONE", def->timezone.value);
    }
    icalcomponent_free(cal);
}

typedef struct {
    oc_ics_sink sink;
    void *ctx;
} sink_t;

static int emit(sink_t *s, const oc_buf *b, oc_error *err)
{
    return b->len != 0 ? s->sink(s->ctx, b->data, b->len, err) : 0;
}

static bool feed_has(const oc_def_feed *feed, oc_kind kind)
{
    return (feed->kinds & (1u << kind)) != 0;
}

int oc_ics_render(const oc_def *def, const oc_def_feed *feed, const oc_sched *sched,
                  oc_eventer *ev, const oc_ics_prev *prev, const oc_ics_opts *opts,
                  oc_ics_sink sink_fn, void *sink_ctx, oc_ics_stats *stats, oc_error *err)
{
    const oc_tz *tz = oc_eventer_tz(ev);
    const char *tzid = oc_tz_name(tz);
    oc_buf lines = {0}, header = {0}, vtz_text = {0}, block = {0};
    oc_tz_rules rules = {0, NULL};
    oc_ics_gate *gate = NULL;
    oc_error gate_err;
    size_t writer_at = SIZE_MAX; /* the event the writer failed on */
    bool *matched = NULL;
    bool timed = false;
    int64_t tmin = 0, tmax = 0;
    sink_t sink = {sink_fn, sink_ctx};
    oc_event e;
    int rc = -1;
    char now_text[17], kept_stamp[17], kept_modified[17];

    {
        oc_buf *report = stats->report;

        memset(stats, 0, sizeof(*stats));
        stats->report = report;
    }
    memset(&e, 0, sizeof(e));
    icalerror_set_errors_are_fatal(0);
    icalerror_clear_errno();
    stamp_text(opts->now, now_text);

    /* The zone's observances need the span of the timed events first. */
    if (feed_has(feed, OC_KIND_CONFIRMATION)) {
        for (size_t i = 0; i < sched->count; i++) {
            const oc_slot *s = &sched->slots[i];
            int64_t local, utc;

            if (!s->open) {
                continue;
            }
            local = s->confirmation * 86400 + def->confirmation_minutes * 60;
            utc = oc_tz_local_to_utc(tz, local);
            if (!timed || utc < tmin) {
                tmin = utc;
            }
            if (!timed || utc + def->confirmation_duration > tmax) {
                tmax = utc + def->confirmation_duration;
            }
            timed = true;
        }
    }
    header_lines(def, feed, opts, &lines, &header, err);
    if (err->code != OC_OK) {
        goto done;
    }
    if (timed) {
        icalcomponent *vtz;

        if (oc_tz_rules_for_range(tz, tmin, tmax, &rules, err) != 0) {
            goto done;
        }
        vtz = build_vtimezone(tz, &rules);
        if (serialise(vtz, &lines, "the VTIMEZONE", err) != 0) {
            icalcomponent_free(vtz);
            goto done;
        }
        icalcomponent_free(vtz);
        fold_lines(&lines, &vtz_text, 0);
    }
    if (oc_ics_gate_header(&header, &vtz_text, err) != 0 || emit(&sink, &header, err) != 0 ||
        emit(&sink, &vtz_text, err) != 0) {
        goto done;
    }
    gate = oc_ics_gate_new(tzid, &vtz_text, oc_date_from_day(oc_day_floor(tmax)).year + 1, -1);
    matched = oc_xcalloc(oc_ics_prev_count(prev) + 1, sizeof(*matched));
    for (size_t i = 0; i < sched->count; i++) {
        for (int k = 0; k < OC_KIND_COUNT; k++) {
            uint64_t content;
            ptrdiff_t at;
            const char *stamp = now_text, *modified = now_text;
            long sequence = 0;
            size_t start = 0, index = 0;
            int made = oc_event_make(ev, &sched->slots[i], (oc_kind)k, &e, err);

            if (made < 0) {
                writer_at = stats->events;
                goto written;
            }
            if (made == 0) {
                continue;
            }
            oc_ics_event_lines(def, &e, tzid, &lines);
            content = digest(lines.data, lines.len);
            at = prev_find(prev, e.uid);
            if (at >= 0) {
                const prev_entry *pe = &prev->entries[at];

                matched[at] = true;
                if (pe->digest == content) {
                    stamp_text(pe->dtstamp, kept_stamp);
                    stamp_text(pe->last_modified, kept_modified);
                    stamp = kept_stamp;
                    modified = kept_modified;
                    sequence = (long)pe->sequence;
                } else {
                    /* SEQUENCE is an integer (RFC 5545 §3.8.7.4): it stops
                     * at the largest one clients read as such. */
                    sequence = pe->sequence < INT32_MAX ? (long)pe->sequence + 1 : INT32_MAX;
                    stats->changed++;
                    if (stats->report != NULL) {
                        report_event(stats->report, '~', &e, prev, pe);
                    }
                }
            } else {
                stats->added++;
                /* A first build lists nothing: everything is new. */
                if (stats->report != NULL && oc_ics_prev_count(prev) > 0) {
                    report_event(stats->report, '+', &e, NULL, NULL);
                }
            }

            /* UID first, then the stamps, then the rest as libical wrote it:
             * the order the previous-feed reader digests. */
            oc_buf_reset(&block);
            while (start < lines.len) {
                const char *nl = memchr(lines.data + start, '\n', lines.len - start);
                size_t end = nl != NULL ? (size_t)(nl - lines.data) : lines.len;

                oc_ics_fold(&block, lines.data + start, end - start);
                if (index == 1) {
                    oc_buf_puts(&block, "DTSTAMP:");
                    oc_buf_puts(&block, stamp);
                    oc_buf_puts(&block, "\r\nLAST-MODIFIED:");
                    oc_buf_puts(&block, modified);
                    oc_buf_puts(&block, "\r\nSEQUENCE:");
                    oc_buf_put_uint(&block, (uint64_t)sequence, 0);
                    oc_buf_puts(&block, "\r\n");
                }
                index++;
                start = end + 1;
            }
            /* The gate checks the event while the next ones are written: the
             * feed is renamed into place only once every event has passed. */
            if (oc_ics_gate_event(gate, &block, &e) != 0) {
                goto written;
            }
            if (emit(&sink, &block, err) != 0) {
                writer_at = stats->events + 1;
                goto written;
            }
            if (stamp_seconds(modified) > stats->last_modified) {
                stats->last_modified = stamp_seconds(modified);
            }
            stats->events++;
            oc_event_clear(&e);
        }
    }
written:

    /* Errors in feed order: a refusal of an event written before the
     * writer's own failure is the one a sequential build would have met. */
    oc_error_init(&gate_err);
    if (oc_ics_gate_finish(gate, writer_at, &gate_err) != 0) {
        *err = gate_err;
        goto done;
    }
    if (writer_at != SIZE_MAX) {
        goto done;
    }
    for (size_t i = 0; i < oc_ics_prev_count(prev); i++) {
        const prev_entry *pe = &prev->entries[i];

        if (matched[i]) {
            continue;
        }
        stats->removed++;
        if (stats->report != NULL) {
            oc_buf_puts(stats->report, "- ");
            prev_when(stats->report, prev, pe);
            oc_buf_printf(stats->report, " \"%s\"\n", prev_text(prev, pe, 2));
        }
    }
    oc_buf_reset(&block);
    oc_buf_puts(&block, "END:VCALENDAR\r\n");
    if (emit(&sink, &block, err) != 0) {
        goto done;
    }
    rc = 0;
done:
    oc_event_clear(&e);
    free(matched);
    oc_tz_rules_free(&rules);
    oc_ics_gate_free(gate);
    oc_buf_free(&lines);
    oc_buf_free(&header);
    oc_buf_free(&vtz_text);
    oc_buf_free(&block);
    icalerror_clear_errno();
    return rc;
}
