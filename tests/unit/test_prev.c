/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the previous-feed memory (prev): what the reader remembers
 * of a published feed, the stamps a rebuild keeps or renews, and the rule
 * that lets an event published byte for byte as before skip the gate. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "feed_fixture.h"
#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/feed.h"
#include "ordercal/ics.h"
#include "ordercal/prev.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/verify.h"

/* ---- reading ------------------------------------------------------------ */

static void test_prev_parse(void **state)
{
    static const char text[] = "BEGIN:VCALENDAR\r\n"
                               "BEGIN:VEVENT\r\n"
                               "UID:b\r\n"
                               "DTSTAMP:20230101T000000Z\r\n"
                               "LAST-MODIFIED:20230101T000000Z\r\n"
                               "SEQUENCE:3\r\n"
                               "SUMMARY:fol\r\n"
                               " ded\r\n"
                               "END:VEVENT\r\n"
                               "BEGIN:VEVENT\r\n"
                               "UID:a\r\n"
                               "DTSTAMP:garbage\r\n"
                               "END:VEVENT\r\n"
                               "BEGIN:VEVENT\r\n"
                               "UID:c\r\n"
                               "DTSTAMP:20230101T000000Z\r\n"
                               "LAST-MODIFIED:20230101T000000Z\r\n"
                               "SEQUENCE:0\r\n"
                               "END:VEVENT\n"
                               "END:VCALENDAR\r\n";
    oc_prev *p;

    (void)state;

    /* Events that are not ours (no usable stamps) are not remembered. */
    p = oc_prev_parse(text, strlen(text));
    assert_int_equal(oc_prev_count(p), 2);
    oc_prev_free(p);
    /* Stamps that are no real UTC time, and a SEQUENCE past INT32_MAX, are
     * not remembered (so never republished). */
    {
        static const char bad[] = "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20231399T256199Z\r\n"
                                  "LAST-MODIFIED:20230101T000000Z\r\nSEQUENCE:0\r\nEND:VEVENT\r\n"
                                  "BEGIN:VEVENT\r\nUID:y\r\nDTSTAMP:00000000T000000Z\r\n"
                                  "LAST-MODIFIED:20230101T000000Z\r\nSEQUENCE:0\r\nEND:VEVENT\r\n"
                                  "BEGIN:VEVENT\r\nUID:z\r\nDTSTAMP:20230101T000000Z\r\n"
                                  "LAST-MODIFIED:20230101T000000Z\r\nSEQUENCE:2147483648\r\n"
                                  "END:VEVENT\r\n"
                                  "BEGIN:VEVENT\r\nUID:w\r\nDTSTAMP:20230101T000000Z\r\n"
                                  "LAST-MODIFIED:20230101T000000Z\r\nSEQUENCE:2147483647\r\n"
                                  "END:VEVENT\r\n";

        p = oc_prev_parse(bad, strlen(bad));
        assert_int_equal(oc_prev_count(p), 1);
    }
    oc_prev_free(p);
    p = oc_prev_parse("", 0);
    assert_int_equal(oc_prev_count(p), 0);
    oc_prev_free(p);
    p = oc_prev_parse("\x01\x02"
                      "BEGIN:VEVENT\r\n \r\n",
                      17);
    assert_int_equal(oc_prev_count(p), 0);
    oc_prev_free(p);
    assert_int_equal(oc_prev_count(NULL), 0);
}

/* ---- whole feeds -------------------------------------------------------- */

static const char before[] = "calendar: { id: mem, name: Mem, timezone: Europe/Paris }\n"
                             "session: {}\n"
                             "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n";
static const char after[] = "calendar: { id: mem, name: Mem, timezone: Europe/Paris }\n"
                            "session: {}\n"
                            "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n"
                            "sessions: [ { date: 2023-07-24, delivery: 2023-08-04 } ]\n";

static void test_prev_regeneration_memory(void **state)
{
    feed a, b, c;

    (void)state;
    render(&a, before, NULL, 1689638400);
    assert_int_equal(a.stats.added, 8);

    /* Same definition, later clock: byte-identical. */
    render(&b, before, a.text.data, 1689638400 + 86400);
    assert_string_equal(a.text.data, b.text.data);
    assert_int_equal(b.stats.added + b.stats.changed + b.stats.removed, 0);

    /* One delivery moves: its event, the appointments after it and the
     * texts that mention it change (session, confirmation of the second
     * slot); the first slot's four events keep their stamps. */
    render(&c, after, a.text.data, 1689638400 + 86400);
    assert_int_equal(c.stats.added, 0);
    assert_int_equal(c.stats.removed, 0);
    assert_int_equal(c.stats.changed, 4);
    assert_non_null(strstr(c.text.data, "SEQUENCE:1\r\n"));
    assert_non_null(strstr(c.text.data, "DTSTAMP:20230719T000000Z\r\n"));
    assert_non_null(strstr(c.text.data, "DTSTAMP:20230718T000000Z\r\n"));
    feed_free(&a);
    feed_free(&b);
    feed_free(&c);
}

/* ---- republished events ------------------------------------------------- */

/* What the feed of 'f' publishes now for event 'i', against 'prev': its
 * content lines into 'lines', its bytes into 'block', its match into 'm'. */
static void event_bytes(const feed *f, size_t i, oc_prev *prev, int64_t now, oc_buf *lines,
                        oc_buf *block, oc_prev_match *m)
{
    oc_texter *tx = oc_texter_new(f->def, f->tmpl, oc_def_feed_name(f->def, &f->def->feeds[0]));
    const oc_event *e = &f->events->events[i];
    oc_buf stamps = {0};
    oc_event_text text;
    oc_error err;

    oc_error_init(&err);
    if (oc_texter_make(tx, e, &text, &err) != 0) {
        fail_msg("texts: %s", err.text);
    }
    oc_ics_event_lines(f->def, e, &text, oc_tz_name(f->def->tz), lines);
    oc_prev_match_event(prev, e->uid, lines, now, m);
    oc_prev_stamp_lines(m, &stamps);
    oc_ics_event_block(lines, &stamps, block);
    oc_buf_free(&stamps);
    oc_texter_free(tx);
}

/* Replaces the first 'from' of 'text' by 'to'; returns a new string. */
static char *replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    oc_buf out = {0};

    assert_non_null(at);
    oc_buf_add(&out, text, (size_t)(at - text));
    oc_buf_puts(&out, to);
    oc_buf_puts(&out, at + strlen(from));
    return oc_buf_detach(&out);
}

/* ---- cancellation notices, migration, the "modified" line ------------- */

static const char closed[] = "calendar: { id: mem, name: Mem, timezone: Europe/Paris }\n"
                             "session: {}\n"
                             "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n"
                             "sessions: [ { date: 2023-07-24, state: closed } ]\n";

/* How many times 'what' is in 'text' once unfolded. */
static size_t count(const char *text, const char *what)
{
    oc_buf u = {0};
    size_t n = 0;

    for (const char *p = text; *p != '\0'; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 2;
            continue;
        }
        oc_buf_putc(&u, *p);
    }
    for (const char *p = strstr(u.data, what); p != NULL; p = strstr(p + 1, what)) {
        n++;
    }
    oc_buf_free(&u);
    return n;
}

/* Closing a slot late: its session event is updated in place, its other
 * events become notices, kept byte for byte, dropped cancelled_days after
 * their end; reopening updates the same UIDs again. */
static void test_prev_notices(void **state)
{
    const int64_t t0 = 1689638400, day = 86400;
    feed a, b, c, d, e;

    (void)state;
    render(&a, before, NULL, t0);
    render(&b, closed, a.text.data, t0 + day);
    assert_int_equal(b.stats.added, 0);
    assert_int_equal(b.stats.removed, 0);
    assert_int_equal(b.stats.cancelled, 3);
    assert_int_equal(b.stats.changed, 4);
    assert_int_equal(b.stats.events, 8);
    assert_int_equal(count(b.text.data, "\r\n" OC_PREV_NOTICE ":"), 3);
    assert_int_equal(count(b.text.data, "SUMMARY:Annulé : "), 3);
    assert_int_equal(count(b.text.data, "La session du 24-25 juillet 2023 est fermée."), 3);
    assert_int_equal(count(b.text.data, "DESCRIPTION:Modifié le mercredi 19 juillet 2023\\n"), 4);
    assert_int_equal(count(b.text.data, "SEQUENCE:1\r\n"), 4);
    assert_null(strstr(b.text.data, "STATUS:CANCELLED"));
    assert_int_equal(count(b.text.data, "BEGIN:VALARM"), 1); /* the cancelled one has none */

    /* Rebuilt the next day: the same bytes. */
    render(&c, closed, b.text.data, t0 + 2 * day);
    assert_string_equal(b.text.data, c.text.data);
    assert_int_equal(c.stats.changed + c.stats.added + c.stats.removed, 0);
    assert_int_equal(c.stats.notices, 3);

    /* Reopened: the same UIDs, updated again. */
    render(&d, before, b.text.data, t0 + 2 * day);
    assert_int_equal(d.stats.changed, 4);
    assert_int_equal(d.stats.added + d.stats.removed + d.stats.notices, 0);
    assert_int_equal(count(d.text.data, "SEQUENCE:2\r\n"), 4);
    assert_null(strstr(d.text.data, OC_PREV_NOTICE));

    /* The last notice (appointments, 2023-08-05) 15 days after its end. */
    render(&e, closed, b.text.data, t0 + 34 * day);
    assert_int_equal(e.stats.removed, 3);
    assert_int_equal(e.stats.events, 5);
    assert_null(strstr(e.text.data, OC_PREV_NOTICE));
    feed_free(&a);
    feed_free(&b);
    feed_free(&c);
    feed_free(&d);
    feed_free(&e);
}

/* The texts of the removed events are read back from the previous file
 * when asked for: the same as from the bytes in memory; and, should another
 * program cut the file short after it was read, empty for what is gone
 * from it (an event with no UID is never published back). */
static void test_prev_texts_from_file(void **state)
{
    char path[] = "/tmp/oc-test-prev-XXXXXX";
    int fd = mkstemp(path);
    const char *second;
    oc_prev *mem, *file;
    oc_prev_gone *gm, *gf;
    size_t n, cut;
    oc_error err;
    feed a;

    (void)state;
    assert_true(fd >= 0);
    render(&a, before, NULL, 1689638400);
    assert_int_equal(write(fd, a.text.data, a.text.len), (ssize_t)a.text.len);
    oc_error_init(&err);
    mem = oc_prev_parse(a.text.data, a.text.len);
    file = oc_prev_load(path, &err);
    assert_non_null(file);
    n = oc_prev_gone_list(mem, &gm); /* nothing matched: every event is gone */
    assert_int_equal(oc_prev_gone_list(file, &gf), n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(gf[i].uid), 36);
        assert_string_equal(gf[i].uid, gm[i].uid);
        assert_string_equal(gf[i].dtstart, gm[i].dtstart);
        assert_string_equal(gf[i].dtend, gm[i].dtend);
        assert_string_equal(gf[i].summary, gm[i].summary);
        assert_true(strncmp(gf[i].dtstart, "DTSTART", 7) == 0);
    }
    free(gf);
    oc_prev_free(file);

    /* Cut short after the reading: the events past the cut have no texts. */
    file = oc_prev_load(path, &err);
    second = strstr(strstr(a.text.data, "BEGIN:VEVENT") + 1, "BEGIN:VEVENT");
    cut = (size_t)(second - a.text.data);
    assert_int_equal(ftruncate(fd, (off_t)cut), 0);
    assert_int_equal(oc_prev_gone_list(file, &gf), n);
    for (size_t i = 0; i < n; i++) {
        bool kept = gf[i].order < cut;

        assert_string_equal(gf[i].uid, kept ? gm[i].uid : "");
        assert_string_equal(gf[i].dtstart, kept ? gm[i].dtstart : "");
        assert_int_equal(gf[i].len, 0);
    }
    free(gf);
    free(gm);
    oc_prev_free(file);
    oc_prev_free(mem);
    close(fd);
    unlink(path);
    feed_free(&a);
}

/* A notice's bytes are handed out whole, whatever its SUMMARY holds (a NUL
 * byte there ended the texts early, and the bytes began inside them). */
static void test_prev_notice_bytes(void **state)
{
    static const char event[] = "BEGIN:VEVENT\r\n"
                                "UID:4a3b2c1d-0000-5000-8000-000000000001\r\n"
                                "DTSTAMP:20230101T000000Z\r\n"
                                "LAST-MODIFIED:20230101T000000Z\r\n"
                                "SEQUENCE:1\r\n"
                                "DTSTART;VALUE=DATE:20230110\r\n"
                                "DTEND;VALUE=DATE:20230111\r\n"
                                "SUMMARY:a\0b\r\n" OC_PREV_NOTICE ":20230111T000000Z\r\n"
                                "END:VEVENT\r\n";
    oc_buf text = {0};
    oc_prev_gone *g;
    oc_prev *p;

    (void)state;
    oc_buf_puts(&text, "BEGIN:VCALENDAR\r\nPRODID:" OC_ICS_PRODID_OURS "test\r\n");
    oc_buf_add(&text, event, sizeof(event) - 1);
    oc_buf_puts(&text, "END:VCALENDAR\r\n");
    p = oc_prev_parse(text.data, text.len);
    assert_int_equal(oc_prev_gone_list(p, &g), 1);
    assert_true(g[0].notice);
    assert_string_equal(g[0].summary, "a");
    assert_int_equal(g[0].len, sizeof(event) - 1);
    assert_memory_equal(g[0].bytes, event, sizeof(event) - 1);
    free(g);
    oc_prev_free(p);
    oc_buf_free(&text);
}

/* A previous feed with a closed week under its former "closed" UID: the
 * event is replaced once, and nothing else changes. */
static void test_prev_migration(void **state)
{
    const int64_t t0 = 1689638400;
    oc_date d = {2023, 7, 24};
    char uid[37], former[37];
    char *old;
    feed a, b, c;

    (void)state;
    render(&a, closed, NULL, t0);
    oc_event_uid("mem", "session", oc_day_from_date(d), uid);
    oc_event_uid("mem", "closed", oc_day_from_date(d), former);
    assert_non_null(strstr(a.text.data, uid));
    old = replace(a.text.data, uid, former);
    render(&b, closed, old, t0 + 86400);
    assert_int_equal(b.stats.changed, 1);
    assert_int_equal(b.stats.added + b.stats.removed + b.stats.notices, 0);
    assert_null(strstr(b.text.data, former));
    assert_non_null(strstr(b.text.data, uid));
    render(&c, closed, b.text.data, t0 + 2 * 86400);
    assert_string_equal(b.text.data, c.text.data);
    free(old);
    feed_free(&a);
    feed_free(&b);
    feed_free(&c);
}

/* An event with SEQUENCE > 0 that a feed without the "modified" line holds
 * keeps its stamps and gains the line; our own output is then stable. */
static void test_prev_modified_line(void **state)
{
    const int64_t t0 = 1689638400;
    char *old;
    feed a, b, c;

    (void)state;
    render(&a, before, NULL, t0);
    old = replace(a.text.data, "SEQUENCE:0\r\n", "SEQUENCE:5\r\n");
    render(&b, before, old, t0 + 86400);
    assert_int_equal(b.stats.changed + b.stats.added + b.stats.removed, 0);
    assert_int_equal(count(b.text.data, "SEQUENCE:5\r\n"), 1);
    assert_int_equal(count(b.text.data, "DESCRIPTION:Modifié le mardi 18 juillet 2023\\n"), 1);
    render(&c, before, b.text.data, t0 + 2 * 86400);
    assert_string_equal(b.text.data, c.text.data);
    free(old);
    feed_free(&a);
    feed_free(&b);
    feed_free(&c);
}

/* An event whose bytes are those the previous feed, written by ordercal,
 * holds under its UID passed the gate when first published: it is
 * republished. Not when a byte differs (on either side), when the file is
 * not ordercal's, or when the content changed. */
static void test_prev_republished(void **state)
{
    const int64_t now = 1689638400, later = now + 86400;
    oc_buf lines = {0}, block = {0};
    oc_prev_match m;
    oc_prev *prev;
    feed a, c;

    (void)state;
    render(&a, before, NULL, now);
    assert_non_null(strstr(a.text.data, "\r\nPRODID:-//ordercal//"));
    assert_true(a.events->count == 8);

    /* Every event, published again a day later, is the same bytes. */
    prev = oc_prev_parse(a.text.data, a.text.len);
    for (size_t i = 0; i < a.events->count; i++) {
        event_bytes(&a, i, prev, later, &lines, &block, &m);
        assert_int_equal(m.status, OC_PREV_SAME);
        assert_non_null(strstr(a.text.data, block.data));
        assert_true(oc_prev_republished(prev, &m, block.data, block.len));

        /* One byte differs: not the bytes the gate passed. */
        block.data[block.len / 2] ^= 0x20;
        assert_false(oc_prev_republished(prev, &m, block.data, block.len));
        block.data[block.len / 2] ^= 0x20;
        assert_false(oc_prev_republished(prev, &m, block.data, block.len - 1));
        assert_true(oc_prev_republished(prev, &m, block.data, block.len));
    }
    assert_false(oc_prev_republished(NULL, &m, block.data, block.len));
    oc_prev_free(prev);

    /* The previous file folds a line otherwise: same content, so the
     * stamps are kept, but other bytes, so the gate runs again. */
    {
        const char *desc = strstr(a.text.data, "\r\nDESCRIPTION:");
        const char *fold = desc != NULL ? strstr(desc + 2, "\r\n ") : NULL;
        char *refolded;

        assert_non_null(fold);
        refolded = oc_xstrdup(a.text.data);
        /* "ab\r\n cd" -> "a\r\n bcd": the fold one character earlier. */
        {
            size_t at = (size_t)(fold - a.text.data);

            refolded[at - 1] = '\r';
            refolded[at] = '\n';
            refolded[at + 1] = ' ';
            refolded[at + 2] = a.text.data[at - 1];
        }
        prev = oc_prev_parse(refolded, strlen(refolded));
        assert_int_equal(oc_prev_count(prev), 8);
        for (size_t i = 0, same = 0, fresh = 0; i < a.events->count; i++) {
            event_bytes(&a, i, prev, later, &lines, &block, &m);
            assert_int_equal(m.status, OC_PREV_SAME);
            if (oc_prev_republished(prev, &m, block.data, block.len)) {
                same++;
            } else {
                fresh++;
            }
            if (i + 1 == a.events->count) {
                assert_int_equal(same, 7);
                assert_int_equal(fresh, 1);
            }
        }
        oc_prev_free(prev);
        free(refolded);
    }

    /* The same bytes in a file another program wrote. */
    {
        char *foreign = replace(a.text.data, "PRODID:-//ordercal//", "PRODID:-//other//");

        prev = oc_prev_parse(foreign, strlen(foreign));
        assert_int_equal(oc_prev_count(prev), 8);
        for (size_t i = 0; i < a.events->count; i++) {
            event_bytes(&a, i, prev, later, &lines, &block, &m);
            assert_int_equal(m.status, OC_PREV_SAME);
            assert_non_null(strstr(foreign, block.data));
            assert_false(oc_prev_republished(prev, &m, block.data, block.len));
        }
        oc_prev_free(prev);
        free(foreign);
    }

    /* The content changed: the changed events are not republished, even
     * offered the very bytes the previous feed holds under their UID. */
    load(&c, after, later);
    assert_int_equal(c.events->count, a.events->count);
    prev = oc_prev_parse(a.text.data, a.text.len);
    {
        size_t changed = 0;

        for (size_t i = 0; i < c.events->count; i++) {
            oc_buf old_lines = {0}, old_block = {0};
            oc_prev_match old;

            event_bytes(&c, i, prev, later, &lines, &block, &m);
            assert_string_equal(c.events->events[i].uid, a.events->events[i].uid);
            if (m.status == OC_PREV_SAME) {
                assert_true(oc_prev_republished(prev, &m, block.data, block.len));
                continue;
            }
            assert_int_equal(m.status, OC_PREV_CHANGED);
            changed++;
            assert_false(oc_prev_republished(prev, &m, block.data, block.len));

            /* The old bytes, as published, with the match of the new content. */
            {
                oc_prev *fresh = oc_prev_parse(a.text.data, a.text.len);

                event_bytes(&a, i, fresh, later, &old_lines, &old_block, &old);
                assert_int_equal(old.status, OC_PREV_SAME);
                assert_non_null(strstr(a.text.data, old_block.data));
                assert_true(oc_prev_republished(fresh, &old, old_block.data, old_block.len));
                oc_prev_free(fresh);
            }
            assert_false(oc_prev_republished(prev, &m, old_block.data, old_block.len));
            oc_buf_free(&old_lines);
            oc_buf_free(&old_block);
        }
        assert_int_equal(changed, 4);
    }
    oc_prev_free(prev);
    oc_buf_free(&lines);
    oc_buf_free(&block);
    feed_free(&a);
    feed_free(&c);
}

/* A DTSTART or DTEND line of the previous feed is read (and a notice
 * republishes it) only in the forms ordercal writes, parameters included. */
static void test_prev_when_forms(void **state)
{
    static const struct {
        const char *line;
        bool ours;
    } cases[] = {
        {"DTSTART;VALUE=DATE:20231002", true},
        {"DTEND;VALUE=DATE:20231004", true},
        {"DTSTART:20231002T160000Z", true},
        {"DTSTART;TZID=Europe/Paris:20231002T180000", true},
        {"DTSTART;VALUE=DATEX:20231002", false},
        {"DTSTART;VALUE=DATE;X=1:20231002", false},
        {"DTSTART:20231002", false},
        {"DTSTART;X-A=1:20231002T160000Z", false},
        {"DTSTART:20231002T180000", false}, /* floating */
        {"DTSTART;TZID=:20231002T180000", false},
        {"DTSTART;TZID=Europe/Paris;X=1:20231002T180000", false},
        {"DTSTART;TZID=\"Europe/Paris\":20231002T180000", false},
        {"DTSTART;TZID=No/Such_Zone:20231002T180000", false},
        {"DTSTART:00240101T000000Z", false}, /* before 1970: libical's time_t is -1 */
        {"DTSTART;VALUE=DATE:19691231", false},
        {"DTSTART;VALUE=DATE:25500101", false},
        {"DTSTART:20231002T250000Z", false},
        {"DTSTART;VALUE=DATE:19700101", true},
        {"20231002", false},
    };
    oc_error err;
    oc_tz *tz;

    (void)state;
    oc_error_init(&err);
    tz = oc_tz_load("Europe/Paris", &err);
    assert_non_null(tz);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_when w;
        int64_t utc;

        if (oc_prev_when(cases[i].line, tz, &w, &utc) != cases[i].ours) {
            fail_msg("%s: read as %s", cases[i].line, cases[i].ours ? "not ours" : "ours");
        }
    }
    oc_tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prev_parse),        cmocka_unit_test(test_prev_regeneration_memory),
        cmocka_unit_test(test_prev_republished),  cmocka_unit_test(test_prev_notices),
        cmocka_unit_test(test_prev_migration),    cmocka_unit_test(test_prev_modified_line),
        cmocka_unit_test(test_prev_when_forms),   cmocka_unit_test(test_prev_texts_from_file),
        cmocka_unit_test(test_prev_notice_bytes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
