/* SPDX-License-Identifier: Apache-2.0 */
/* prev: the previous feed as memory (DESIGN §4). Reads the feed ordercal
 * published last time and remembers, per UID, its DTSTAMP, LAST-MODIFIED,
 * SEQUENCE and digests of its content, so that an unchanged event keeps its
 * stamps (RFC 5545 §3.8.7) and an event published byte for byte as before
 * need not pass the publish gate again. This file owns that contract: the
 * digest, the stamp lines and their reading, and the change report. */
#define _POSIX_C_SOURCE 200809L

#include "ordercal/prev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ordercal/ics.h"

static int num(const char *v, size_t n)
{
    int x = 0;

    for (size_t i = 0; i < n; i++) {
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

/* The date of a value that begins "yyyymmdd": false unless those eight
 * characters are digits of a real date. */
static bool ymd_date(const char *v, oc_date *d)
{
    if (strspn(v, "0123456789") < 8) {
        return false;
    }
    d->year = num(v, 4);
    d->month = num(v + 4, 2);
    d->day = num(v + 6, 2);
    return oc_date_valid(*d);
}

static void stamp_text(int64_t t, char out[17])
{
    int64_t day = oc_day_floor(t);
    int sec = (int)(t - day * 86400);
    oc_date d = oc_date_from_day(day);
    const int fields[6] = {
        (d.year % 10000 + 10000) % 10000, d.month, d.day, sec / 3600, sec % 3600 / 60, sec % 60};
    char *p = out;

    /* Digits in place: two stamps are written for every event. */
    for (int i = 0; i < 6; i++) {
        int width = i == 0 ? 4 : 2;

        oc_digits(p, (uint64_t)fields[i], width);
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

    ymd_date(v, &d);
    secs = num(v + 9, 2) * 3600 + num(v + 11, 2) * 60 + num(v + 13, 2);
    return oc_day_from_date(d) * 86400 + secs;
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
    PREV_SUMMARY,
    PREV_DESCRIPTION,
    PREV_NOTICE,
    PREV_ALARM
} prev_prop;

static prev_prop prev_kind(const char *line, size_t len)
{
    switch (len > 0 ? line[0] : '\0') {
    case 'D':
        return has_name(line, len, "DTSTAMP")       ? PREV_DTSTAMP
               : has_name(line, len, "DTSTART")     ? PREV_DTSTART
               : has_name(line, len, "DTEND")       ? PREV_DTEND
               : has_name(line, len, "DESCRIPTION") ? PREV_DESCRIPTION
                                                    : PREV_OTHER;
    case 'B':
        return len == 12 && memcmp(line, "BEGIN:VALARM", 12) == 0 ? PREV_ALARM : PREV_OTHER;
    case 'X':
        return has_name(line, len, OC_PREV_NOTICE) ? PREV_NOTICE : PREV_OTHER;
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

/* An event being read. */
typedef struct {
    uint64_t at; /* where its BEGIN:VEVENT line starts in the source */
    char uid[256];
    char dtstamp[17], last_modified[17];
    char start[128], end[128]; /* DTSTART and DTEND lines, for notices and the report */
    long sequence;
    bool notice; /* a cancellation notice: OC_PREV_NOTICE gives its event's end */
    int64_t notice_end;
    bool alarm;
    size_t desc_at, desc_len; /* the DESCRIPTION line in the body, when there is one */
} prev_event;

/* What is remembered of it: 72 bytes, so that the memory of a 100,000-event
 * feed stays a few megabytes. Its texts are read again from the source when
 * something asks for them (prev_text()): the events a build removes or
 * changes, a few of the many it republishes. */
typedef struct {
    uint64_t uid;    /* digest of the UID */
    uint64_t digest; /* of everything but the stamps (and the line they date) */
    uint64_t plain;  /* of everything but the stamps, as published */
    int64_t dtstamp, last_modified;
    int64_t notice_end; /* a notice: the end of the event it cancels; else INT64_MIN */
    uint64_t at;        /* its bytes as published: 'len' bytes at 'at' in the source, */
    uint64_t raw;       /* and their digest, stamps included; 'at' is also its place in */
    uint32_t len;       /* the file, which keeps the first of duplicates */
    uint32_t sequence;
} prev_entry;

/* Texts read back from the source, in blocks that never move: what
 * oc_prev_gone_list() hands out stays valid while the memory lives. */
typedef struct text_block {
    struct text_block *next;
    char data[];
} text_block;

/* Where the entries' texts are read from, and what was read. Reached through
 * a pointer, so that reading them on demand leaves the memory const. */
typedef struct {
    FILE *fp;   /* oc_prev_load(): the file, kept open */
    char *copy; /* oc_prev_parse(): a copy of the text */
    size_t copy_len;
    const char **text; /* per entry, once read: "uid\0dtstart\0dtend\0summary\0" */
    text_block *blocks;
} prev_source;

struct oc_prev {
    prev_entry *entries;
    size_t count, cap;
    bool keep_texts; /* in 'texts' at once (the re-reading of one event) */
    oc_buf texts;
    prev_source *source;
    bool ours;  /* its PRODID is ordercal's: every event in it passed the publish gate */
    bool *seen; /* per entry: the definition still makes it, or it was accounted for */
};

typedef struct {
    oc_prev *prev;
    bool in_event;
    prev_event cur;
    bool cur_ok;
    oc_buf body;    /* the event's lines but its stamps, each ending in '\n' */
    oc_buf raw;     /* the event's bytes as they are in the file */
    oc_buf summary; /* the SUMMARY value as published */
    oc_buf scratch;
    uint64_t line_at; /* where the logical line being read starts */
} prev_reader;

/* A stamp we would write ourselves, "20230718T120000Z": a real date from
 * 1970 and a real time. Anything else in an old file is not republished. */
/* Whether the six digits at 'v' are a time of day, "hhmmss". */
static bool clock_time(const char *v)
{
    return num(v, 2) < 24 && num(v + 2, 2) < 60 && num(v + 4, 2) < 60;
}

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
    return ymd_date(v, &d) && d.year >= 1970 && clock_time(v + 9);
}

/* The digest of an event published with SEQUENCE > 0 without the first line
 * of its DESCRIPTION, the "modified on" line that its stamps date (DESIGN
 * §4): what this build digests of the same event before it is stamped. */
static uint64_t content_digest(prev_reader *r)
{
    const char *body = r->body.data;
    size_t at = r->cur.desc_at, n = r->cur.desc_len, value = sizeof("DESCRIPTION:") - 1, cut;

    if (n == 0 || n <= value) {
        return oc_digest(body, r->body.len);
    }
    /* Up to the first line break the value holds ("\n", not a "\\n"). */
    for (cut = at + value; cut < at + n; cut++) {
        if (body[cut] == '\\' && cut + 1 < at + n) {
            if (body[cut + 1] == 'n' || body[cut + 1] == 'N') {
                cut += 2;
                break;
            }
            cut++;
        }
    }
    oc_buf_reset(&r->scratch);
    oc_buf_add(&r->scratch, body, at + value);
    oc_buf_add(&r->scratch, body + cut, r->body.len - cut);
    return oc_digest(r->scratch.data, r->scratch.len);
}

/* The event that ends here is one of ours: remember it. */
static void store_entry(prev_reader *r)
{
    oc_prev *p = r->prev;

    if (!r->cur_ok || r->cur.uid[0] == '\0' || r->cur.sequence < 0 || r->cur.dtstamp[0] == '\0' ||
        r->cur.last_modified[0] == '\0') {
        return; /* not one of ours: the event will count as changed */
    }
    if (p->count == p->cap) {
        p->cap = p->cap != 0 ? p->cap * 2 : 64;
        p->entries = oc_xrealloc(p->entries, p->cap * sizeof(*p->entries));
    }
    if (r->raw.len > UINT32_MAX - 1024) {
        return; /* an event of 4 GiB: no file of ours */
    }
    {
        prev_entry *pe = &p->entries[p->count];

        pe->uid = oc_digest(r->cur.uid, strlen(r->cur.uid));
        pe->plain = oc_digest(r->body.data, r->body.len);
        pe->digest = r->cur.sequence > 0 ? content_digest(r) : pe->plain;
        pe->dtstamp = stamp_seconds(r->cur.dtstamp);
        pe->last_modified = stamp_seconds(r->cur.last_modified);
        pe->notice_end = r->cur.notice && p->ours ? r->cur.notice_end : INT64_MIN;
        pe->sequence = (uint32_t)r->cur.sequence;
        pe->at = r->cur.at;
        pe->len = (uint32_t)r->raw.len;
        pe->raw = oc_digest(r->raw.data, r->raw.len);
        if (p->keep_texts) {
            oc_buf_add(&p->texts, r->cur.uid, strlen(r->cur.uid) + 1);
            oc_buf_add(&p->texts, r->cur.start, strlen(r->cur.start) + 1);
            oc_buf_add(&p->texts, r->cur.end, strlen(r->cur.end) + 1);
            /* Up to a NUL byte, which would end it early (see entry_texts()). */
            oc_buf_add(&p->texts, r->summary.data != NULL ? r->summary.data : "",
                       r->summary.data != NULL ? strnlen(r->summary.data, r->summary.len) : 0);
            oc_buf_putc(&p->texts, '\0');
        }
        p->count++;
    }
}

/* The SUMMARY value, for the change report: at most 'size' - 1 bytes. */
static void read_summary(char *summary, size_t size, const char *value, size_t vlen)
{
    size_t o = 0;

    /* Unescaped enough for a one-line report, and safe for a terminal:
     * control characters and bytes that are not UTF-8 become '?'. */
    for (size_t i = 0; i < vlen && o + 5 < size;) {
        unsigned char ch = (unsigned char)value[i];
        size_t clen = ch < 0x80 ? 1 : ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : 2;

        if (ch == '\\' && i + 1 < vlen) {
            char next = value[i + 1];

            summary[o++] = next == 'n' || next == 'N'                   ? ' '
                           : (unsigned char)next < 0x20 || next == 0x7F ? '?'
                                                                        : next;
            i += 2;
            if ((unsigned char)next >= 0x80) {
                summary[o - 1] = '?';
            }
            continue;
        }
        if (ch < 0x20 || ch == 0x7F) {
            summary[o++] = '?';
            i++;
            continue;
        }
        if (ch >= 0x80 &&
            (i + clen > vlen || !oc_utf8_valid(value + i, clen) || o + clen + 4 > size)) {
            summary[o++] = '?';
            i++;
            continue;
        }
        memcpy(summary + o, value + i, clen);
        o += clen;
        i += clen;
    }
    summary[o] = '\0';
}

static bool printable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7F) {
            return false;
        }
    }
    return true;
}

static void prev_line(prev_reader *r, const char *line, size_t len, const char *raw, size_t rawlen)
{
    const char *colon = memchr(line, ':', len);
    const char *value = colon != NULL ? colon + 1 : line + len;
    size_t vlen = (size_t)(line + len - value);
    prev_prop kind;

    if (!r->in_event) {
        if (len == 12 && memcmp(line, "BEGIN:VEVENT", 12) == 0) {
            r->in_event = true;
            memset(&r->cur, 0, sizeof(r->cur));
            r->cur.at = r->line_at;
            r->cur.sequence = -1;
            oc_buf_reset(&r->summary);
            oc_buf_reset(&r->body);
            oc_buf_add(&r->body, "BEGIN:VEVENT\n", 13);
            oc_buf_reset(&r->raw);
            oc_buf_add(&r->raw, raw, rawlen);
            r->cur_ok = true;
        } else if (has_name(line, len, "PRODID") && vlen >= strlen(OC_ICS_PRODID_OURS) &&
                   memcmp(value, OC_ICS_PRODID_OURS, strlen(OC_ICS_PRODID_OURS)) == 0) {
            r->prev->ours = true;
        }
        return;
    }
    oc_buf_add(&r->raw, raw, rawlen);
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
    if (kind == PREV_UID) {
        /* A UID is republished as it is read (a notice, a migration): one
         * that libical reads otherwise (TEXT escaping: "b\9e" is "b9e";
         * the white space at its edges is stripped) is not one ordercal
         * wrote, and could not be published back. */
        if (vlen < sizeof(r->cur.uid) && printable(value, vlen) &&
            strcspn(value, " \\;,") >= vlen) {
            memcpy(r->cur.uid, value, vlen);
            r->cur.uid[vlen] = '\0';
        } else {
            r->cur_ok = false;
        }
    } else if (kind == PREV_DTSTART || kind == PREV_DTEND) {
        char *dst = kind == PREV_DTSTART ? r->cur.start : r->cur.end;

        /* Only what a date or time holds (the value reaches the terminal,
         * the line a notice), with printable parameters. */
        if (len < sizeof(r->cur.start) && strspn(value, "0123456789TZ") >= vlen &&
            printable(line, len)) {
            memcpy(dst, line, len);
            dst[len] = '\0';
        }
    } else if (kind == PREV_SUMMARY) {
        oc_buf_reset(&r->summary);
        oc_buf_add(&r->summary, value, vlen);
    } else if (kind == PREV_DESCRIPTION && !r->cur.alarm && r->cur.desc_len == 0) {
        /* The event's own, not its alarm's. */
        r->cur.desc_at = r->body.len;
        r->cur.desc_len = len;
    } else if (kind == PREV_NOTICE && utc_stamp(value, vlen)) {
        r->cur.notice = true;
        r->cur.notice_end = stamp_seconds(value);
    } else if (kind == PREV_ALARM) {
        r->cur.alarm = true;
    }
    oc_buf_add(&r->body, line, len);
    oc_buf_putc(&r->body, '\n');
    if (len == 10 && memcmp(line, "END:VEVENT", 10) == 0) {
        r->in_event = false;
        store_entry(r);
    }
}

static const char *entry_texts(const oc_prev *p, const prev_entry *pe);

/* The UID (0), DTSTART line (1), DTEND line (2) or SUMMARY value (3) an
 * entry was read with. */
static const char *prev_text(const oc_prev *p, const prev_entry *pe, int which)
{
    const char *t = entry_texts(p, pe);

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
    return x->at < y->at ? -1 : x->at > y->at;
}

static void prev_finish(oc_prev *p)
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

/* Feeds physical lines and joins continuations; each logical line goes to
 * prev_line() with its physical bytes, line endings and folds included. */
typedef struct {
    prev_reader r;
    oc_buf logical, raw;
    bool have;
    uint64_t pos, line_at; /* of the next physical line, of the logical line */
} prev_unfolder;

static size_t strip_eol(const char *line, size_t len)
{
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }
    return len;
}

static void prev_physical(prev_unfolder *u, const char *line, size_t rawlen)
{
    size_t len = strip_eol(line, rawlen);

    u->pos += rawlen;
    if (len > 0 && (line[0] == ' ' || line[0] == '\t') && u->have) {
        oc_buf_add(&u->logical, line + 1, len - 1);
        oc_buf_add(&u->raw, line, rawlen);
        return;
    }
    if (u->have) {
        u->r.line_at = u->line_at;
        prev_line(&u->r, u->logical.data, u->logical.len, u->raw.data, u->raw.len);
    }
    u->line_at = u->pos - rawlen;
    oc_buf_reset(&u->logical);
    oc_buf_add(&u->logical, line, len);
    oc_buf_reset(&u->raw);
    oc_buf_add(&u->raw, line, rawlen);
    u->have = true;
}

static void prev_end(prev_unfolder *u)
{
    if (u->have) {
        u->r.line_at = u->line_at;
        prev_line(&u->r, u->logical.data, u->logical.len, u->raw.data, u->raw.len);
    }
    oc_buf_free(&u->logical);
    oc_buf_free(&u->raw);
    oc_buf_free(&u->r.body);
    oc_buf_free(&u->r.raw);
    oc_buf_free(&u->r.summary);
    oc_buf_free(&u->r.scratch);
    prev_finish(u->r.prev);
}

static oc_prev *prev_new(void)
{
    oc_prev *p = oc_xcalloc(1, sizeof(oc_prev));

    p->source = oc_xcalloc(1, sizeof(prev_source));
    return p;
}

/* Reads 'text' into 'p'. */
static void prev_read(oc_prev *p, const char *text, size_t len)
{
    prev_unfolder u;
    size_t start = 0;

    memset(&u, 0, sizeof(u));
    u.r.prev = p;
    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl != NULL ? (size_t)(nl - text) + 1 : len;

        prev_physical(&u, text + start, end - start);
        start = end;
    }
    prev_end(&u);
}

oc_prev *oc_prev_parse(const char *text, size_t len)
{
    oc_prev *p = prev_new();

    /* The texts are read again from it on demand. */
    p->source->copy = oc_xmalloc(len + 1);
    if (len > 0) {
        memcpy(p->source->copy, text, len);
    }
    p->source->copy_len = len;
    prev_read(p, p->source->copy, len);
    return p;
}

/* Reads the 'len' bytes at 'at' in the source into 'out'; false when they
 * cannot all be read. */
static bool source_bytes(const prev_source *s, uint64_t at, size_t len, oc_buf *out)
{
    size_t done = 0;

    if (s->copy != NULL) {
        if (at > s->copy_len || len > s->copy_len - at) {
            return false;
        }
        oc_buf_add(out, s->copy + at, len);
        return true;
    }
    if (s->fp == NULL) {
        return false;
    }
    oc_buf_grow(out, len + 1);
    while (done < len) {
        ssize_t n = pread(fileno(s->fp), out->data + done, len - done, (off_t)(at + done));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        done += (size_t)n;
    }
    out->len = len;
    out->data[len] = '\0';
    return true;
}

/* Entry 'pe''s texts, read again from the source the first time they are
 * asked for: "uid\0dtstart\0dtend\0summary\0", then a notice's bytes. Bytes
 * that can no longer be read, or no longer give the same event (the file
 * was changed by another program since), give empty texts: what the reader
 * keeps of what it cannot use. */
static const char *entry_texts(const oc_prev *p, const prev_entry *pe)
{
    static const char none[] = "\0\0\0"; /* four empty texts */
    prev_source *s = p->source;
    size_t i = (size_t)(pe - p->entries);
    oc_buf bytes = {0};
    oc_prev *one = NULL;
    const char *texts = none;
    size_t n = sizeof(none), raw = 0;
    text_block *b;

    if (s->text == NULL) {
        s->text = oc_xcalloc(p->count, sizeof(*s->text));
    }
    if (s->text[i] != NULL) {
        return s->text[i];
    }
    if (source_bytes(s, pe->at, pe->len, &bytes)) {
        one = oc_xcalloc(1, sizeof(oc_prev));
        one->keep_texts = true;
        prev_read(one, bytes.data, bytes.len);
        if (one->count == 1 && one->entries[0].uid == pe->uid && one->entries[0].raw == pe->raw) {
            texts = one->texts.data;
            n = one->texts.len;
            raw = pe->notice_end != INT64_MIN ? pe->len : 0;
        }
    }
    b = oc_xmalloc(sizeof(*b) + n + raw);
    memcpy(b->data, texts, n);
    if (raw > 0) {
        memcpy(b->data + n, bytes.data, raw);
    }
    b->next = s->blocks;
    s->blocks = b;
    oc_prev_free(one);
    oc_buf_free(&bytes);
    return s->text[i] = b->data;
}

oc_prev *oc_prev_load(const char *path, oc_error *err)
{
    FILE *fp = fopen(path, "rbe"); /* e: close-on-exec, as out.c opens everything */
    prev_unfolder u;
    oc_buf chunk = {0};
    size_t n;

    if (fp == NULL) {
        if (errno == ENOENT) {
            return prev_new();
        }
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        return NULL;
    }
    memset(&u, 0, sizeof(u));
    u.r.prev = prev_new();

    /* 64 KiB at a time, whole lines to the reader: memory stays flat
     * whatever the feed's size. */
    oc_buf_grow(&chunk, 65536);
    while ((n = fread(chunk.data + chunk.len, 1, chunk.cap - chunk.len - 1, fp)) > 0) {
        size_t start = 0;

        chunk.len += n;
        for (;;) {
            const char *nl = memchr(chunk.data + start, '\n', chunk.len - start);

            if (nl == NULL) {
                break;
            }
            prev_physical(&u, chunk.data + start, (size_t)(nl - chunk.data) + 1 - start);
            start = (size_t)(nl - chunk.data) + 1;
        }
        memmove(chunk.data, chunk.data + start, chunk.len - start);
        chunk.len -= start;
        if (chunk.cap - chunk.len < 4096) {
            oc_buf_grow(&chunk, chunk.cap);
        }
    }
    if (chunk.len > 0) {
        prev_physical(&u, chunk.data, chunk.len);
    }
    oc_buf_free(&chunk);
    prev_end(&u);
    if (ferror(fp)) {
        oc_error_set(err, OC_E_IO, NULL, (oc_pos){0, 0}, "cannot read %s: %s", path,
                     strerror(errno));
        fclose(fp);
        oc_prev_free(u.r.prev);
        return NULL;
    }
    u.r.prev->source->fp = fp; /* the texts are read again from it on demand */
    return u.r.prev;
}

size_t oc_prev_count(const oc_prev *prev)
{
    return prev != NULL ? prev->count : 0;
}

void oc_prev_free(oc_prev *prev)
{
    if (prev == NULL) {
        return;
    }
    if (prev->source != NULL) {
        prev_source *s = prev->source;

        while (s->blocks != NULL) {
            text_block *next = s->blocks->next;

            free(s->blocks);
            s->blocks = next;
        }
        if (s->fp != NULL) {
            fclose(s->fp);
        }
        free(s->copy);
        free(s->text);
        free(s);
    }
    free(prev->entries);
    free(prev->seen);
    oc_buf_free(&prev->texts);
    free(prev);
}

static ptrdiff_t prev_find(const oc_prev *prev, const char *uid_text)
{
    size_t lo = 0, hi;
    uint64_t uid = oc_digest(uid_text, strlen(uid_text));

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

/* ---- the change report -------------------------------------------------- */

/* "20230727" -> "2023-07-27", "20230719T180000" -> "2023-07-19 18:00". */
static void ical_when(oc_buf *out, const char *v)
{
    size_t n = strlen(v);

    if (n >= 8 && strspn(v, "0123456789") >= 8) {
        oc_buf_printf(out, "%.4s-%.2s-%.2s", v, v + 4, v + 6);
        if (n >= 13 && v[8] == 'T' && strspn(v + 9, "0123456789") >= 4) {
            /* A time in UTC (a notice's, or one the clocks repeat) says so. */
            oc_buf_printf(out, " %.2s:%.2s%s", v + 9, v + 11, v[n - 1] == 'Z' ? " UTC" : "");
        }
    } else {
        oc_buf_puts(out, "?");
    }
}

static void day_text(oc_buf *out, oc_day day)
{
    char text[16];

    oc_buf_puts(out, oc_day_text(day, text));
}

static void event_when(oc_buf *out, const oc_event *e)
{
    const oc_span *sp = e->span;

    if (oc_kind_get(e->kind)->timed) {
        oc_date d = oc_date_from_day(sp->local_start / 86400);
        int64_t sec = sp->local_start % 86400;

        oc_buf_printf(out, "%04d-%02d-%02d %02d:%02d", d.year, d.month, d.day, (int)(sec / 3600),
                      (int)(sec % 3600 / 60));
        return;
    }
    day_text(out, sp->first);
    if (sp->last != sp->first) {
        oc_buf_puts(out, "..");
        day_text(out, sp->last);
    }
}

/* The previous event's span in the same form; DTEND is exclusive. */
/* The value of a DTSTART or DTEND line. */
static const char *line_value(const char *line)
{
    const char *colon = strrchr(line, ':');

    return colon != NULL ? colon + 1 : line;
}

static void prev_when(oc_buf *out, const oc_prev *prev, const prev_entry *pe)
{
    const char *start = line_value(prev_text(prev, pe, 1));
    const char *end = line_value(prev_text(prev, pe, 2));
    oc_buf first = {0}, last = {0};
    oc_date d;

    ical_when(&first, start);
    oc_buf_add(out, first.data, first.len);
    if (strlen(start) == 8 && strspn(start, "0123456789") == 8 && strlen(end) == 8 &&
        ymd_date(end, &d)) {
        day_text(&last, oc_day_from_date(d) - 1);
        if (strcmp(last.data, first.data) != 0) {
            oc_buf_puts(out, "..");
            oc_buf_add(out, last.data, last.len);
        }
    }
    oc_buf_free(&first);
    oc_buf_free(&last);
}

/* A remembered event in the report: its days or time and its summary. */
static void prev_report_gone(oc_buf *out, const oc_prev *prev, const prev_entry *pe)
{
    char summary[72];
    const char *v = prev_text(prev, pe, 3);

    read_summary(summary, sizeof(summary), v, strlen(v));
    prev_when(out, prev, pe);
    oc_buf_printf(out, " \"%s\"", summary);
}

void oc_prev_report(oc_buf *report, const oc_event *e, const oc_prev *prev, const oc_prev_match *m)
{
    const prev_entry *pe = m->status == OC_PREV_CHANGED ? &prev->entries[m->at] : NULL;
    char sign = pe != NULL || m->migrated ? '~' : '+';

    oc_buf_printf(report, "%c %-12s ", sign, oc_kind_name(e->kind));
    if (m->migrated) {
        event_when(report, e);
        oc_buf_puts(report, ", UID migrated to the slot's");
    } else if (pe != NULL && pe->notice_end != INT64_MIN) {
        event_when(report, e);
        oc_buf_puts(report, ", restored");
    } else if (pe != NULL) {
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
    day_text(report, e->slot->first);
    oc_buf_puts(report, ")\n");
}

/* ---- the stamps of this build ----------------------------------------- */

uint64_t oc_prev_digest(const char *data, size_t len)
{
    return oc_digest(data, len);
}

void oc_prev_match_event(oc_prev *prev, const char *uid, const oc_buf *lines, int64_t now,
                         oc_prev_match *m)
{
    ptrdiff_t at = prev_find(prev, uid);

    m->at = at;
    m->migrated = false;
    m->dtstamp = m->last_modified = now;
    m->sequence = 0;
    m->status = OC_PREV_NEW;
    if (at < 0) {
        return;
    }
    {
        const prev_entry *pe = &prev->entries[at];

        if (prev->seen == NULL) {
            prev->seen = oc_xcalloc(prev->count, sizeof(*prev->seen));
        }
        prev->seen[at] = true;
        uint64_t d = oc_digest(lines->data, lines->len);

        /* 'plain': an event whose stamps no line of its own dated yet
         * (ordercal before 0.2) is the same event: it only gains that line. */
        if (pe->digest == d || (pe->sequence > 0 && pe->plain == d)) {
            m->status = OC_PREV_SAME;
            m->dtstamp = pe->dtstamp;
            m->last_modified = pe->last_modified;
            m->sequence = pe->sequence;
        } else {
            /* SEQUENCE is an integer (RFC 5545 §3.8.7.4): it stops at the
             * largest one clients read as such. */
            m->status = OC_PREV_CHANGED;
            m->sequence = pe->sequence < INT32_MAX ? pe->sequence + 1 : INT32_MAX;
        }
    }
}

void oc_prev_stamp_lines(const oc_prev_match *m, oc_buf *out)
{
    char text[17];

    stamp_text(m->dtstamp, text);
    oc_buf_puts(out, "DTSTAMP:");
    oc_buf_add(out, text, 16);
    if (m->last_modified != m->dtstamp) {
        stamp_text(m->last_modified, text);
    }
    oc_buf_puts(out, "\r\nLAST-MODIFIED:");
    oc_buf_add(out, text, 16);
    oc_buf_puts(out, "\r\nSEQUENCE:");
    oc_buf_put_uint(out, m->sequence, 0);
    oc_buf_puts(out, "\r\n");
}

bool oc_prev_republished(const oc_prev *prev, const oc_prev_match *m, const char *bytes, size_t len)
{
    return prev != NULL && prev->ours && m->status == OC_PREV_SAME &&
           prev->entries[m->at].raw == oc_digest(bytes, len);
}

/* ---- removed events ------------------------------------------------------ */

/* How many days a session's first day may precede the start of one of its
 * events: the appointments after the latest, longest delivery. */
#define SESSION_BACK (2 * OC_DEF_MAX_OFFSET + 28)

/* An event this definition would make, told by its UID's digest. */
typedef struct {
    uint64_t uid;
    oc_day session;
    oc_kind kind;
} prev_candidate;

static int cmp_candidate(const void *a, const void *b)
{
    const prev_candidate *x = a, *y = b;

    return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int cmp_day(const void *a, const void *b)
{
    const oc_day *x = a, *y = b;

    return *x < *y ? -1 : *x > *y;
}

/* The day of a DTSTART value ("20231011", "20231011T180000", "...Z"). */
static bool start_day(const char *v, oc_day *out)
{
    oc_date d;

    if (!ymd_date(v, &d)) {
        return false;
    }
    *out = oc_day_from_date(d);
    return true;
}

/* Every event of 'def' whose session, on its weekday, may have made an event
 * starting on one of the 'n' sorted 'days' (UTC dates of a start are a day
 * off at most): the kinds and sessions the removed events' UIDs can name. */
static size_t candidates(const oc_def *def, const oc_day *days, size_t n, prev_candidate **out)
{
    size_t count = 0, cap = 0;
    oc_day next = INT64_MIN; /* the first session not listed yet */

    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        oc_day s = days[i] - SESSION_BACK;

        s = s > next ? s : next;
        s += ((def->weekday - oc_day_weekday(s)) % 7 + 7) % 7;
        for (; s <= days[i] + 1; s += 7) {
            for (int k = 0; k < OC_KIND_COUNT; k++) {
                char uid[37];

                if (count == cap) {
                    cap = cap != 0 ? 2 * cap : 256;
                    *out = oc_xrealloc(*out, cap * sizeof(**out));
                }
                oc_event_uid(def->id.value, oc_kind_get((oc_kind)k)->uid, s, uid);
                (*out)[count++] = (prev_candidate){oc_digest(uid, strlen(uid)), s, (oc_kind)k};
            }
        }
        next = s;
    }
    if (count > 1) { /* none: no array at all */
        qsort(*out, count, sizeof(**out), cmp_candidate);
    }
    return count;
}

/* A removed event: its place in the previous feed, its entry. */
typedef struct {
    uint64_t order;
    size_t at;
} prev_removed;

static int cmp_removed(const void *a, const void *b)
{
    const prev_removed *x = a, *y = b;

    return x->order < y->order ? -1 : x->order > y->order;
}

/* One line per removed event, in the previous feed's order: its kind and
 * session when its UID is one 'def' could make, else its summary. */
static void report_removed(const oc_prev *prev, const oc_def *def, prev_removed *removed, size_t n,
                           oc_buf *report)
{
    oc_day *days = oc_xcalloc(n + 1, sizeof(*days));
    prev_candidate *cands = NULL;
    size_t ndays = 0, ncands;

    for (size_t i = 0; i < n; i++) {
        ndays +=
            start_day(line_value(prev_text(prev, &prev->entries[removed[i].at], 1)), &days[ndays]);
    }
    qsort(days, ndays, sizeof(*days), cmp_day);
    ncands = candidates(def, days, ndays, &cands);
    qsort(removed, n, sizeof(*removed), cmp_removed);
    for (size_t i = 0; i < n; i++) {
        const prev_entry *pe = &prev->entries[removed[i].at];
        prev_candidate key = {pe->uid, 0, OC_KIND_SESSION};
        const prev_candidate *c =
            ncands > 0 ? bsearch(&key, cands, ncands, sizeof(*cands), cmp_candidate) : NULL;

        if (c != NULL) {
            oc_buf_printf(report, "- %-12s ", oc_kind_name(c->kind));
            prev_when(report, prev, pe);
            oc_buf_puts(report, " (session ");
            day_text(report, c->session);
            oc_buf_puts(report, ")\n");
        } else {
            oc_buf_puts(report, "- ");
            prev_report_gone(report, prev, pe);
            oc_buf_puts(report, "\n");
        }
    }
    free(cands);
    free(days);
}

size_t oc_prev_report_removed(const oc_prev *prev, const oc_def *def, oc_buf *report)
{
    prev_removed *removed = NULL;
    size_t n = 0, cap = 0;

    for (size_t i = 0; prev != NULL && i < prev->count; i++) {
        if (prev->seen == NULL || !prev->seen[i]) {
            if (n == cap) {
                cap = cap != 0 ? 2 * cap : 16;
                removed = oc_xrealloc(removed, cap * sizeof(*removed));
            }
            removed[n++] = (prev_removed){prev->entries[i].at, i};
        }
    }
    if (report != NULL && n > 0) {
        report_removed(prev, def, removed, n, report);
    }
    free(removed);
    return n;
}

/* ---- what the definition no longer makes ------------------------------ */

static bool *seen_of(oc_prev *prev)
{
    if (prev->seen == NULL) {
        prev->seen = oc_xcalloc(prev->count != 0 ? prev->count : 1, sizeof(*prev->seen));
    }
    return prev->seen;
}

bool oc_prev_migrate(oc_prev *prev, const char *calendar_id, const oc_event *e, oc_prev_match *m)
{
    const char *uid_name = oc_kind_uid_name(e->kind);

    if (prev == NULL || prev->count == 0 || m->status != OC_PREV_NEW) {
        return false;
    }
    /* The kinds that share this UID name under another name of their own
     * had UIDs of that name before (DESIGN §3: "closed"). */
    for (int k = 0; k < OC_KIND_COUNT; k++) {
        const char *name = oc_kind_name((oc_kind)k);
        char former[37];
        ptrdiff_t at;

        if (strcmp(oc_kind_uid_name((oc_kind)k), uid_name) != 0 || strcmp(name, uid_name) == 0) {
            continue;
        }
        oc_event_uid(calendar_id, name, e->slot->first, former);
        at = prev_find(prev, former);
        if (at >= 0 && !seen_of(prev)[at]) {
            prev->seen[at] = true;
            m->migrated = true;
            return true;
        }
    }
    return false;
}

bool oc_prev_is_notice(const oc_prev *prev, ptrdiff_t at)
{
    return prev != NULL && at >= 0 && prev->entries[at].notice_end != INT64_MIN;
}

static int cmp_order(const void *a, const void *b)
{
    const oc_prev_gone *x = a, *y = b;

    return x->order < y->order ? -1 : x->order > y->order;
}

size_t oc_prev_gone_list(const oc_prev *prev, oc_prev_gone **out)
{
    size_t n = 0;

    *out = NULL;
    for (size_t i = 0; prev != NULL && i < prev->count; i++) {
        const prev_entry *pe = &prev->entries[i];
        oc_prev_gone *g;

        if (prev->seen != NULL && prev->seen[i]) {
            continue;
        }
        *out = oc_xrealloc(*out, (n + 1) * sizeof(**out));
        g = &(*out)[n++];
        g->at = i;
        g->order = pe->at;
        g->uid = prev_text(prev, pe, 0);
        g->dtstart = prev_text(prev, pe, 1);
        g->dtend = prev_text(prev, pe, 2);
        g->summary = prev_text(prev, pe, 3);
        g->sequence = pe->sequence;
        g->last_modified = pe->last_modified;
        g->notice = pe->notice_end != INT64_MIN;
        g->end = pe->notice_end;
        g->bytes = g->summary + strlen(g->summary) + 1;
        g->len = g->notice && g->uid[0] != '\0' ? pe->len : 0; /* see entry_texts() */
    }
    if (n > 1) {
        qsort(*out, n, sizeof(**out), cmp_order);
    }
    return n;
}

ptrdiff_t oc_prev_find_gone(const oc_prev *prev, const char *uid)
{
    ptrdiff_t at = prev_find(prev, uid);

    return at >= 0 && (prev->seen == NULL || !prev->seen[at]) ? at : -1;
}

void oc_prev_settle(oc_prev *prev, size_t at)
{
    seen_of(prev)[at] = true;
}

void oc_prev_report_gone(const oc_prev *prev, size_t at, oc_buf *report)
{
    prev_report_gone(report, prev, &prev->entries[at]);
}

/* ---- what changed, for pharmacists -------------------------------------- */

void oc_changes_add(oc_changes *list, const oc_change *c)
{
    oc_change *n;

    list->items = oc_xrealloc(list->items, (list->count + 1) * sizeof(*list->items));
    n = &list->items[list->count++];
    *n = *c;
    n->uid = oc_xstrdup(c->uid != NULL ? c->uid : "");
    n->summary = oc_xstrdup(c->summary != NULL ? c->summary : "");
}

void oc_changes_clear(oc_changes *list)
{
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].uid);
        free(list->items[i].summary);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}

/* "yyyymmdd" or "yyyymmddThhmmss" into seconds "as if UTC"; false otherwise. */
static bool when_value(const char *v, size_t n, bool *date, int64_t *secs)
{
    oc_date d;

    if ((n != 8 && n != 15) || (n == 15 && (v[8] != 'T' || strspn(v + 9, "0123456789") < 6)) ||
        !ymd_date(v, &d)) {
        return false;
    }
    /* The years of a definition: libical reads no other as we wrote it
     * (before 1970 its time_t is -1). */
    if (d.year < OC_DEF_MIN_YEAR || d.year > OC_DEF_MAX_YEAR || (n == 15 && !clock_time(v + 9))) {
        return false;
    }
    *date = n == 8;
    *secs = oc_day_from_date(d) * 86400;
    if (n == 15) {
        *secs += num(v + 9, 2) * 3600 + num(v + 11, 2) * 60 + num(v + 13, 2);
    }
    return true;
}

bool oc_prev_when(const char *line, const oc_tz *tz, oc_when *w, int64_t *utc)
{
    const char *value = line_value(line), *colon = value - 1;
    const char *semi = value > line ? memchr(line, ';', (size_t)(colon - line)) : NULL;
    const char *params = semi != NULL ? semi + 1 : colon;
    size_t n = strlen(value), plen = (size_t)(colon - params);
    bool z = n == 16 && value[15] == 'Z', date;
    int64_t secs;
    oc_tz *other = NULL;

    /* Only the three forms ordercal writes, parameters included: a notice
     * republishes the line as it is, and libical must read it so
     * ("VALUE=DATEX" would be refused, and every later build with it). */
    w->form = OC_WHEN_NONE;
    if (value == line || !when_value(value, z ? 15 : n, &date, &secs)) {
        return false;
    }
    if (date ? plen != 10 || memcmp(params, "VALUE=DATE", 10) != 0
        : z  ? plen != 0
             : plen <= 5 || memcmp(params, "TZID=", 5) != 0 ||
                  strcspn(params + 5, ";\"") < plen - 5) {
        return false;
    }
    if (!z && !date) {
        size_t len = plen - 5;
        char name[128];

        if (len >= sizeof(name)) {
            return false;
        }
        memcpy(name, params + 5, len);
        name[len] = '\0';
        if (strcmp(name, oc_tz_name(tz)) != 0 && (other = oc_tz_load(name, NULL)) == NULL) {
            return false;
        }
    }
    if (z) {
        *utc = secs;
        secs += oc_tz_offset_at(tz, secs);
    } else {
        *utc = oc_tz_local_to_utc(other != NULL ? other : tz, secs);
        if (other != NULL) {
            secs = *utc + oc_tz_offset_at(tz, *utc);
        }
    }
    oc_tz_free(other);
    w->form = date ? OC_WHEN_DAYS : OC_WHEN_TIME;
    w->first = w->last = oc_day_floor(secs);
    w->local = secs;
    return true;
}

static void event_when_of(const oc_event *e, oc_when *w)
{
    if (oc_kind_get(e->kind)->timed) {
        w->form = OC_WHEN_TIME;
        w->local = e->span->local_start;
        w->first = w->last = oc_day_floor(w->local);
    } else {
        w->form = OC_WHEN_DAYS;
        w->first = e->span->first;
        w->last = e->span->last;
        w->local = 0;
    }
}

/* The days or time entry 'pe' had. */
static void entry_when(const oc_prev *prev, const prev_entry *pe, const oc_tz *tz, oc_when *w)
{
    oc_when end;
    int64_t utc;

    if (oc_prev_when(prev_text(prev, pe, 1), tz, w, &utc) && w->form == OC_WHEN_DAYS &&
        oc_prev_when(prev_text(prev, pe, 2), tz, &end, &utc) && end.form == OC_WHEN_DAYS &&
        end.first > w->first) {
        w->last = end.first - 1;
    }
    if (w->form == OC_WHEN_DAYS) {
        w->local = 0;
    }
}

void oc_prev_change(oc_changes *list, const oc_event *e, const char *summary, const char *language,
                    const oc_prev *prev, const oc_prev_match *m, const oc_tz *tz)
{
    oc_change c;

    memset(&c, 0, sizeof(c));
    c.uid = (char *)e->uid;
    c.kind = (int)e->kind;
    c.has_slot = true;
    c.first = e->slot->first;
    c.last = e->slot->last;
    c.open = e->slot->open;
    c.summary = (char *)summary;
    c.language = language;
    event_when_of(e, &c.after);
    c.type = m->migrated ? OC_CHANGE_MIGRATED : OC_CHANGE_ADDED;
    if (m->status == OC_PREV_CHANGED) {
        const prev_entry *pe = &prev->entries[m->at];

        entry_when(prev, pe, tz, &c.before);
        c.type = pe->notice_end != INT64_MIN ? OC_CHANGE_RESTORED
                 : c.before.form != c.after.form || c.before.first != c.after.first ||
                         c.before.last != c.after.last || c.before.local != c.after.local
                     ? OC_CHANGE_MOVED
                     : OC_CHANGE_TEXT;
    }
    oc_changes_add(list, &c);
}
