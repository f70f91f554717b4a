/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the ics stage: line folding and escaping (including the
 * libical 3.0.16 traps: 73- and 74-octet tails, split escape pairs), whole
 * feeds across both DST changes, parsed back with libical through their own
 * VTIMEZONE, and the direct event writer against libical building and
 * serialising the same events (the oracle below). The publish gate is
 * tested in test_verify.c, the previous-feed memory in test_prev.c. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "feed_fixture.h"
#include "ics_int.h"
#include "ordercal/def.h"
#include "ordercal/event.h"
#include "ordercal/feed.h"
#include "ordercal/ics.h"
#include "ordercal/kind.h"
#include "ordercal/sched.h"
#include "ordercal/tmpl.h"
#include "ordercal/verify.h"

/* ---- folding ------------------------------------------------------------ */

static void assert_lines_ok(const oc_buf *b)
{
    oc_error err;

    oc_error_init(&err);
    if (oc_verify_lines(b->data, b->len, &err) != 0) {
        fail_msg("%s in:\n%s", err.text, b->data);
    }
}

/* Unfolds 'b' (one content line) back into its logical text. */
static char *unfold_one(const oc_buf *b)
{
    oc_buf out = {0};

    for (size_t i = 0; i < b->len; i++) {
        if (b->data[i] == '\r' && b->data[i + 1] == '\n') {
            i += b->data[i + 2] == ' ' ? 2 : 1;
            continue;
        }
        oc_buf_putc(&out, b->data[i]);
    }
    return oc_buf_detach(&out);
}

static void fold_roundtrip(const char *line)
{
    oc_buf b = {0};
    char *back;

    oc_ics_fold(&b, line, strlen(line));
    assert_lines_ok(&b);
    back = unfold_one(&b);
    assert_string_equal(back, line);

    /* No continuation may start inside a UTF-8 character or split "\x". */
    for (size_t i = 0; i + 2 < b.len; i++) {
        if (b.data[i] == '\r' && b.data[i + 1] == '\n' && b.data[i + 2] == ' ' && i + 3 < b.len) {
            unsigned char next = (unsigned char)b.data[i + 3];

            assert_true((next & 0xC0) != 0x80);
            if (i > 0 && b.data[i - 1] == '\\') {
                size_t run = 0;

                for (size_t k = i; k > 0 && b.data[k - 1] == '\\'; k--) {
                    run++;
                }
                assert_true(run % 2 == 0);
            }
        }
    }
    free(back);
    oc_buf_free(&b);
}

static void test_ics_fold_lengths(void **state)
{
    char line[400];

    (void)state;

    /* Every length around one and two folds, among them the tails of 73
     * and 74 octets that libical 3.0.16 breaks (CR CR LF, a blank line). */
    for (size_t n = 1; n < 300; n++) {
        memcpy(line, "SUMMARY:", 8);
        memset(line + 8, 'a', n);
        line[8 + n] = '\0';
        fold_roundtrip(line);
    }
}

static void test_ics_fold_utf8(void **state)
{
    char line[600];

    (void)state;
    for (size_t shift = 0; shift < 4; shift++) {
        size_t o = 0;

        memcpy(line, "DESCRIPTION:", 12);
        o = 12;
        memset(line + o, 'x', shift);
        o += shift;
        for (int i = 0; i < 60; i++) {
            /* é (2 octets), € (3 octets), 😷 (4 octets) */
            static const char *const chars[3] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\xb7"};
            const char *ch = chars[i % 3];

            memcpy(line + o, ch, strlen(ch));
            o += strlen(ch);
        }
        line[o] = '\0';
        fold_roundtrip(line);
    }
}

static void test_ics_fold_escapes(void **state)
{
    char line[300];

    (void)state;

    /* An escape pair placed across every fold position. */
    for (size_t at = 60; at < 160; at++) {
        memcpy(line, "SUMMARY:", 8);
        memset(line + 8, 'b', 200);
        line[8 + at] = '\\';
        line[8 + at + 1] = ',';
        line[8 + at + 2] = '\\';
        line[8 + at + 3] = '\\';
        line[208] = '\0';
        fold_roundtrip(line);
    }
}

static void test_ics_fold_blank_runs(void **state)
{
    char line[400];

    (void)state;

    /* No continuation line may hold only blanks (clients read it as the end
     * of the fold), wherever a run of up to 32 blanks falls, trailing ones
     * included; a definition refuses longer runs. */
    for (size_t run = 1; run <= 32; run++) {
        for (size_t at = 50; at < 170; at++) {
            size_t n = 8;

            memcpy(line, "SUMMARY:", 8);
            while (n < at) {
                line[n] = (char)('a' + n % 26);
                n++;
            }
            for (size_t i = 0; i < run; i++) {
                line[n++] = i % 2 ? '\t' : ' ';
            }
            if (at % 3 != 0) {
                memcpy(line + n, "\\,z", 3);
                n += 3;
            }
            line[n] = '\0';
            fold_roundtrip(line);
        }
    }
}

static void test_ics_escape_text(void **state)
{
    oc_buf b = {0};

    (void)state;
    oc_ics_escape_text(&b, "a,b;c\\d\ne\r\n");
    assert_string_equal(b.data, "a\\,b\\;c\\\\d\\ne\\n");
    oc_buf_free(&b);
}

/* ---- whole feeds -------------------------------------------------------- */

/* Confirmation instants (UTC) read by libical through the feed's own VTIMEZONE. */
static size_t confirmations_utc(const char *text, int64_t *out, size_t max)
{
    icalcomponent *cal = icalparser_parse_string(text);
    icalcomponent *vtz, *ev;
    icaltimezone *zone = icaltimezone_new();
    size_t n = 0;

    assert_non_null(cal);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    assert_non_null(vtz);
    assert_true(icaltimezone_set_component(zone, icalcomponent_new_clone(vtz)));
    for (ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev != NULL;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        struct icaltimetype t = icalproperty_get_dtstart(p);

        if (t.is_date || n == max) {
            continue;
        }
        t.zone = NULL;
        out[n++] = (int64_t)icaltime_as_timet_with_zone(t, zone);
    }
    icaltimezone_free(zone, 1);
    icalcomponent_free(cal);
    return n;
}

static void test_ics_dst_both_changes(void **state)
{
    /* Sessions on the Mondays before and after each change of 2023:
     * Wednesday 22 March 18:00 CET = 17:00Z, 29 March CEST = 16:00Z,
     * 25 October CEST = 16:00Z, 1 November CET = 17:00Z. */
    static const char yaml[] = "calendar: { id: dst, name: DST, timezone: Europe/Paris }\n"
                               "session: {}\n"
                               "rhythm:\n"
                               "  - { from: 2023-03-20, until: 2023-03-27 }\n"
                               "  - { from: 2023-10-23, until: 2023-10-30 }\n"
                               "feeds: [ { id: dst, kinds: [confirmation] } ]\n";
    static const int64_t expected[4] = {1679504400, 1680105600, 1698249600, 1698858000};
    int64_t got[8];
    feed f;

    (void)state;
    render(&f, yaml, NULL, 1700000000);
    assert_int_equal(confirmations_utc(f.text.data, got, 8), 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(got[i], expected[i]);
    }
    assert_non_null(strstr(f.text.data, "DTSTART;TZID=Europe/Paris:20230322T180000\r\n"));
    assert_non_null(strstr(f.text.data, "DTEND;TZID=Europe/Paris:20231101T183000\r\n"));
    assert_non_null(strstr(f.text.data, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\n"));
    assert_non_null(strstr(f.text.data, "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\n"));
    assert_null(strstr(f.text.data, "freeassociation"));
    assert_null(strstr(f.text.data, "METHOD"));
    assert_int_equal(f.stats.events, 4);
    feed_free(&f);
}

static void test_ics_in_the_gap(void **state)
{
    /* A confirmation at 02:30 on the day the clocks spring forward does not
     * exist; RFC 5545 §3.3.5 reads it with the offset before the gap, 01:30Z,
     * which we write as the wall time it is, 03:30: ical.js reads 02:30 an
     * hour early. */
    static const char yaml[] = "calendar: { id: gap, name: Gap, timezone: Europe/Paris }\n"
                               "session: { confirmation: { offset: 6, time: \"02:30\" } }\n"
                               "rhythm: [ { from: 2023-03-20, until: 2023-03-20 } ]\n"
                               "feeds: [ { id: gap, kinds: [confirmation] } ]\n";
    feed f;

    (void)state;
    render(&f, yaml, NULL, 1700000000);
    assert_non_null(strstr(f.text.data, "DTSTART;TZID=Europe/Paris:20230326T033000\r\n"));
    /* 01:30Z + 30 min = 02:00Z = 04:00 CEST */
    assert_non_null(strstr(f.text.data, "DTEND;TZID=Europe/Paris:20230326T040000\r\n"));
    feed_free(&f);
}

static void test_ics_in_the_overlap(void **state)
{
    /* 02:30 on the day the clocks fall back happens twice: RFC 5545 means
     * the first (00:30Z), most clients read the second. Only UTC names one
     * instant for every client; the end, 02:00 CET, is repeated too. */
    static const char yaml[] = "calendar: { id: ovl, name: Overlap, timezone: Europe/Paris }\n"
                               "session: { confirmation: { offset: 6, time: \"02:30\" } }\n"
                               "rhythm: [ { from: 2023-10-23, until: 2023-10-30 } ]\n"
                               "feeds: [ { id: ovl, kinds: [confirmation] } ]\n";
    feed f;

    (void)state;
    render(&f, yaml, NULL, 1700000000);
    assert_non_null(strstr(f.text.data, "DTSTART:20231029T003000Z\r\n"));
    assert_non_null(strstr(f.text.data, "DTEND:20231029T010000Z\r\n"));
    /* The next week is plain local time again. */
    assert_non_null(strstr(f.text.data, "DTSTART;TZID=Europe/Paris:20231105T023000\r\n"));
    feed_free(&f);
}

/* An alarm's days keep the wall time of the start, its hours are exact
 * (RFC 5545 §3.3.6); across a change of the clocks clients count a relative
 * trigger differently, so it is written as its instant. Without a change in
 * between, the relative trigger stays. */
static void test_ics_alarm_across_a_change(void **state)
{
    static const char yaml[] = "calendar: { id: ad, name: AD, timezone: Europe/Paris }\n"
                               "session: { confirmation: { offset: 6, time: \"18:00\", "
                               "alarm: -P1D } }\n"
                               "rhythm: [ { from: 2023-03-20, until: 2023-04-03 } ]\n";
    static const char week[] = "calendar: { id: aw, name: AW, timezone: Europe/Paris }\n"
                               "session: { confirmation: { offset: 6, time: \"18:00\", "
                               "alarm: P1W } }\n"
                               "rhythm: [ { from: 2023-10-16, until: 2023-10-16 } ]\n";
    static const char hours[] = "calendar: { id: ah, name: AH, timezone: Europe/Paris }\n"
                                "session: { confirmation: { offset: 6, time: \"05:00\", "
                                "alarm: -PT4H } }\n"
                                "rhythm: [ { from: 2024-03-25, until: 2024-04-01 } ]\n";
    static const char gap[] = "calendar: { id: ag, name: AG, timezone: Europe/Paris }\n"
                              "session: { weekday: saturday, confirmation: { offset: 2, "
                              "time: \"02:30\", alarm: -P1D } }\n"
                              "rhythm: [ { from: 2024-03-30, until: 2024-03-30 } ]\n";
    const char *abs;
    feed f;

    (void)state;
    /* Sunday 2023-03-26 18:00 CEST (16:00Z): the day before at 18:00 is CET,
     * 17:00Z, 23 hours earlier. */
    render(&f, yaml, NULL, 1679000000);
    assert_non_null(strstr(f.text.data, "DTSTART;TZID=Europe/Paris:20230326T180000\r\n"));
    assert_non_null(strstr(f.text.data, "TRIGGER;VALUE=DATE-TIME:20230325T170000Z\r\n"));
    /* The weeks before and after: 24 hours, the relative trigger. */
    abs = strstr(f.text.data, "TRIGGER;VALUE=DATE-TIME:");
    assert_null(strstr(abs + 1, "TRIGGER;VALUE=DATE-TIME:"));
    assert_non_null(strstr(strstr(f.text.data, "TRIGGER:-P1D\r\n") + 1, "TRIGGER:-P1D\r\n"));
    feed_free(&f);
    /* Sunday 2023-10-22 18:00 CEST (16:00Z) and a week later 18:00 CET
     * (17:00Z): 169 hours. */
    render(&f, week, NULL, 1697000000);
    assert_non_null(strstr(f.text.data, "TRIGGER;VALUE=DATE-TIME:20231029T170000Z\r\n"));
    feed_free(&f);
    /* Sunday 2024-03-31 05:00 CEST (03:00Z), four hours before: 23:00Z, at
     * midnight CET; a week later, no change in between. */
    render(&f, hours, NULL, 1711000000);
    assert_non_null(strstr(f.text.data, "TRIGGER;VALUE=DATE-TIME:20240330T230000Z\r\n"));
    assert_non_null(strstr(f.text.data, "TRIGGER:-PT4H\r\n"));
    feed_free(&f);
    /* Monday 2024-04-01 02:30 CEST (00:30Z): the day before at 02:30 is in
     * the hour the clocks skipped, read with the offset before the gap,
     * 01:30Z (RFC 5545 §3.3.5), where 24 hours and Thunderbird's reading of
     * the skipped time both give 00:30Z; the offsets at either end agree. */
    render(&f, gap, NULL, 1711000000);
    assert_non_null(strstr(f.text.data, "DTSTART;TZID=Europe/Paris:20240401T023000\r\n"));
    assert_non_null(strstr(f.text.data, "TRIGGER;VALUE=DATE-TIME:20240331T013000Z\r\n"));
    feed_free(&f);
}

/* A duration of a day keeps the wall time (RFC 5545 §3.3.6): Saturday
 * 18:00 CET to Sunday 18:00 CEST is 23 hours. */
static void test_ics_day_duration_across_a_change(void **state)
{
    static const char yaml[] = "calendar: { id: dd, name: DD, timezone: Europe/Paris }\n"
                               "session: { confirmation: { offset: 5, time: \"18:00\", "
                               "duration: P1D } }\n"
                               "rhythm: [ { from: 2024-03-25, until: 2024-04-01 } ]\n";
    feed f;

    (void)state;
    render(&f, yaml, NULL, 1711000000);
    assert_non_null(strstr(f.text.data, "DTSTART;TZID=Europe/Paris:20240330T180000\r\n"
                                        "DTEND;TZID=Europe/Paris:20240331T180000\r\n"));
    assert_non_null(strstr(f.text.data, "DTSTART;TZID=Europe/Paris:20240406T180000\r\n"
                                        "DTEND;TZID=Europe/Paris:20240407T180000\r\n"));
    feed_free(&f);
}

static void test_ics_zone_without_dst(void **state)
{
    static const char yaml[] = "calendar: { id: re, name: Réunion, timezone: Indian/Reunion }\n"
                               "session: { confirmation: { alarm: -PT15M } }\n"
                               "rhythm: [ { from: 2023-07-17, until: 2023-07-17 } ]\n";
    int64_t got[2];
    feed f;

    (void)state;
    render(&f, yaml, NULL, 1700000000);
    assert_int_equal(confirmations_utc(f.text.data, got, 2), 1);
    assert_int_equal(got[0], 1689775200); /* 2023-07-19 18:00 +04 = 14:00Z */
    assert_non_null(strstr(f.text.data, "TZOFFSETTO:+0400\r\n"));
    assert_null(strstr(f.text.data, "BEGIN:DAYLIGHT"));
    assert_non_null(strstr(f.text.data, "TRIGGER:-PT15M\r\n"));
    feed_free(&f);
}

static void test_ics_negative_dst_written_traditionally(void **state)
{
    /* tzdata gives Europe/Dublin a negative save (winter GMT is its "DST");
     * clients expect DAYLIGHT to be the summer observance, IST. */
    static const char yaml[] = "calendar: { id: ie, name: Dublin, timezone: Europe/Dublin }\n"
                               "session: {}\n"
                               "rhythm: [ { from: 2023-01-02, until: 2023-12-25 } ]\n";
    feed f;

    (void)state;
    render(&f, yaml, NULL, 1700000000);
    assert_non_null(strstr(f.text.data,
                           "BEGIN:DAYLIGHT\r\nDTSTART:20220327T010000\r\n"
                           "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:IST\r\n"));
    assert_non_null(strstr(f.text.data,
                           "BEGIN:STANDARD\r\nDTSTART:20221030T020000\r\n"
                           "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\n"));
    feed_free(&f);
}

static void test_ics_texts_escaped(void **state)
{
    static const char yaml[] =
        "calendar:\n"
        "  id: esc\n"
        "  name: \"A, B; C \\\\ D\"\n"
        "  description: \"line 1\\nline 2, with; commas\"\n"
        "  timezone: UTC\n"
        "session: {}\n"
        "rhythm: [ { from: 2023-07-17, until: 2023-07-17 } ]\n"
        "sessions: [ { date: 2023-07-17, note: \"a note, with; specials \\\\ and a very long "
        "tail to fold across the line limit of seventy-five octets\" } ]\n";
    feed f;
    icalcomponent *cal;
    icalcomponent *ev;
    bool seen = false;

    (void)state;
    render(&f, yaml, NULL, 1700000000);
    assert_non_null(strstr(f.text.data, "X-WR-CALNAME:A\\, B\\; C \\\\ D\r\n"));
    assert_non_null(strstr(f.text.data, "X-WR-CALDESC:line 1\\nline 2\\, with\\; commas\r\n"));
    cal = icalparser_parse_string(f.text.data);
    assert_non_null(cal);
    for (ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev != NULL;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        const char *d = icalcomponent_get_description(ev);

        assert_non_null(strstr(d, "a note, with; specials \\ and a very long tail"));
        seen = true;
    }
    assert_true(seen);
    icalcomponent_free(cal);
    feed_free(&f);
}

static void test_ics_injection(void **state)
{
    /* Every text that reaches the feed tries to end its line and start a
     * property, a parameter or a component of its own. */
    static const char yaml[] =
        "calendar:\n"
        "  id: inj\n"
        "  name: \"N:END:VCALENDAR;BEGIN:VEVENT;X=1:\\\\n,\"\n"
        "  description: \"D\\nBEGIN:VALARM\\nACTION:AUDIO\\nEND:VALARM\\nX-EVIL;A=\\\"b\\\":c\"\n"
        "  timezone: Europe/Paris\n"
        "  reference: \"R;TZID=Evil:20230101T000000\"\n"
        "  url: \"https://example.org/a;b:c,d\"\n"
        "session: {}\n"
        "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n"
        "sessions: [ { date: 2023-07-24, state: closed,"
        " note: \"x\\nEND:VEVENT\\nBEGIN:VEVENT\\nUID:evil\\nDTSTART:20230101\" } ]\n"
        "feeds: [ { id: inj, name: \"F;METHOD=PUBLISH:\", description: \"E\\nX-Y:z\" } ]\n";
    feed f;
    icalcomponent *cal;
    int events = 0, alarms = 0;

    (void)state;
    render(&f, yaml, NULL, 1700000000);
    assert_null(strstr(f.text.data, "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil"));
    assert_null(strstr(f.text.data, "\r\nMETHOD:"));
    assert_null(strstr(f.text.data, "\r\nX-EVIL"));
    assert_null(strstr(f.text.data, "\r\nACTION:AUDIO"));
    cal = icalparser_parse_string(f.text.data);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    assert_null(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY));
    for (icalproperty *p = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(cal, ICAL_X_PROPERTY)) {
        const char *name = icalproperty_get_x_name(p);

        /* Only our own X-properties, whatever the texts held. */
        assert_true(strncmp(name, "X-WR-", 5) == 0 || strcmp(name, "X-PUBLISHED-TTL") == 0);
    }
    {
        icalproperty *p = icalcomponent_get_first_property(cal, ICAL_NAME_PROPERTY);

        assert_non_null(p);
        assert_string_equal(icalproperty_get_name(p), "F;METHOD=PUBLISH:");
    }
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
         ev != NULL; ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        events++;
        assert_string_not_equal(icalcomponent_get_uid(ev), "evil");
        for (icalcomponent *a = icalcomponent_get_first_component(ev, ICAL_VALARM_COMPONENT);
             a != NULL; a = icalcomponent_get_next_component(ev, ICAL_VALARM_COMPONENT)) {
            alarms++;
            assert_int_equal(
                icalproperty_get_action(icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY)),
                ICAL_ACTION_DISPLAY);
        }
        if (strstr(icalcomponent_get_description(ev), "x\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil") !=
            NULL) {
            /* The note came back as text, line breaks and all. */
            alarms += 100;
        }
    }

    /* One open slot (4 events) and one closed (1): no event more, one
     * alarm, and the note read back as the text it was. */
    assert_int_equal(events, 5);
    assert_int_equal(alarms, 1 + 100);
    icalcomponent_free(cal);
    feed_free(&f);
}

/* ---- the direct writer against libical ---------------------------------- */

/* The oracle: the same event built and serialised by libical, as ordercal
 * wrote every event before the direct writer (libical 3.0.16). */

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

static icalproperty *x_prop(const char *name, const char *value)
{
    icalproperty *p = icalproperty_new_x(value);

    icalproperty_set_x_name(p, name);
    return p;
}

static icalcomponent *build_event(const oc_def *def, const oc_event *e, const oc_event_text *t,
                                  const char *tzid)
{
    icalcomponent *ve = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    const oc_span *sp = e->span;

    icalcomponent_add_property(ve, icalproperty_new_uid(e->uid));
    if (oc_kind_get(e->kind)->timed) {
        /* icalproperty_new_dtstart() would write a floating time: pass the
         * TZID parameter explicitly (libical 3.0.16). */
        if (sp->start_utc) {
            icalcomponent_add_property(ve, icalproperty_new_dtstart(ical_utc(sp->utc_start)));
        } else {
            icalcomponent_add_property(ve, icalproperty_vanew_dtstart(ical_local(sp->local_start),
                                                                      icalparameter_new_tzid(tzid),
                                                                      (void *)0));
        }
        if (sp->end_utc) {
            icalcomponent_add_property(ve, icalproperty_new_dtend(ical_utc(sp->utc_end)));
        } else {
            icalcomponent_add_property(ve, icalproperty_vanew_dtend(ical_local(sp->local_end),
                                                                    icalparameter_new_tzid(tzid),
                                                                    (void *)0));
        }
    } else {
        icalcomponent_add_property(ve, icalproperty_new_dtstart(ical_date(sp->first)));
        icalcomponent_add_property(ve, icalproperty_new_dtend(ical_date(sp->last + 1)));
    }
    icalcomponent_add_property(ve, icalproperty_new_summary(t->summary));
    icalcomponent_add_property(ve, icalproperty_new_description(t->description));
    if (def->url.value != NULL) {
        icalcomponent_add_property(ve, icalproperty_new_url(def->url.value));
    }
    icalcomponent_add_property(ve, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
    icalcomponent_add_property(ve, x_prop("X-MICROSOFT-CDO-BUSYSTATUS", "FREE"));
    if (e->has_alarm) {
        icalcomponent *va = icalcomponent_new(ICAL_VALARM_COMPONENT);
        struct icaltriggertype trig;
        int64_t at;

        memset(&trig, 0, sizeof(trig));
        trig.time = icaltime_null_time();
        trig.duration = icaldurationtype_from_int((int)e->alarm);
        if (oc_ics_alarm_at(def, e, &at)) { /* an instant, when the clocks change in between */
            trig.time =
                icaltime_from_timet_with_zone((time_t)at, 0, icaltimezone_get_utc_timezone());
            trig.duration = icaldurationtype_null_duration();
        }
        icalcomponent_add_property(va, icalproperty_new_action(ICAL_ACTION_DISPLAY));
        icalcomponent_add_property(va, icalproperty_new_description(t->alarm));
        icalcomponent_add_property(va, icalproperty_new_trigger(trig));
        icalcomponent_add_component(ve, va);
    }
    return ve;
}

/* What oc_ics_event_lines() must write, built and serialised by libical. */
static int event_lines_libical(const oc_def *def, const oc_event *e, const oc_event_text *t,
                               const char *tzid, oc_buf *lines, oc_error *err)
{
    icalcomponent *ve;
    int rc;

    icalerror_clear_errno();
    ve = build_event(def, e, t, tzid);
    rc = ical_failed("an event", err) ? -1 : oc_ics_serialise(ve, lines, "an event", err);
    icalcomponent_free(ve);
    return rc;
}

static void test_ics_writer_matches_libical(void **state)
{
    /* The direct event writer must write what libical would, byte for byte,
     * for every shape of event: all-day and timed, local and UTC times,
     * every alarm, with and without URL, texts full of specials. */
    static const char *const yamls[] = {
        "calendar: { id: a, name: A, timezone: Europe/Paris, url: \"https://e.org/x?a=1&b=2\" }\n"
        "session: {}\n"
        "rhythm: [ { from: 2023-03-20, until: 2023-04-03 }, { from: 2023-10-23, every: 2 } ]\n"
        "sessions: [ { date: 2023-03-27, note: \"a,b;c\\\\d\\ne — é 😷 \\\"q\\\"\" } ]\n",
        "calendar: { id: b, name: B, timezone: Europe/Paris, language: en }\n"
        "session: { confirmation: { offset: 6, time: \"02:30\", duration: PT1H30M, alarm: -P7D } "
        "}\n"
        "rhythm: [ { from: 2023-03-20, until: 2023-04-03 }, { from: 2023-10-23, until: 2023-11-06 "
        "} ]\n",
        "calendar: { id: c, name: C, timezone: America/Guadeloupe }\n"
        "session: { weekday: sunday, length: 7, confirmation: { offset: 6, time: \"23:59\","
        " duration: P1D, alarm: P7D } }\n"
        "rhythm: [ { from: 2023-01-01, every: 3, until: 2023-06-25 } ]\n",
        "calendar: { id: d, name: D, timezone: Indian/Reunion }\n"
        "session: { confirmation: { alarm: none } }\n"
        "rhythm: [ { from: 2023-07-17, until: 2023-07-31 } ]\n",
        "calendar: { id: e, name: E, timezone: UTC }\n"
        "session: { confirmation: { alarm: -PT1H30M } }\n"
        "rhythm: [ { from: 2023-07-17, until: 2023-07-31 } ]\n",
    };
    size_t compared = 0, timed_local = 0, timed_utc = 0, alarms = 0, all_day = 0;

    (void)state;
    for (size_t y = 0; y < sizeof(yamls) / sizeof(yamls[0]); y++) {
        oc_error err;
        oc_texter *tx;
        feed f;

        load(&f, yamls[y], 1700000000);
        tx = oc_texter_new(f.def, f.tmpl, oc_def_feed_name(f.def, &f.def->feeds[0]));
        for (size_t i = 0; i < f.events->count; i++) {
            const oc_event *e = &f.events->events[i];
            oc_event_text text;
            oc_buf ours = {0}, theirs = {0};

            oc_error_init(&err);
            if (oc_texter_make(tx, e, &text, &err) != 0) {
                fail_msg("texts: %s", err.text);
            }
            oc_ics_event_lines(f.def, e, &text, f.def->timezone.value, &ours);
            if (event_lines_libical(f.def, e, &text, f.def->timezone.value, &theirs, &err) != 0) {
                fail_msg("libical: %s", err.text);
            }
            assert_string_equal(ours.data, theirs.data);
            compared++;
            if (oc_kind_get(e->kind)->timed) {
                timed_utc += e->span->start_utc || e->span->end_utc;
                timed_local += !e->span->start_utc;
            } else {
                all_day++;
            }
            alarms += e->has_alarm;
            oc_buf_free(&ours);
            oc_buf_free(&theirs);
        }
        oc_texter_free(tx);
        feed_free(&f);
    }

    /* Every shape was compared. */
    assert_true(compared > 60);
    assert_true(all_day > 0 && timed_local > 0 && timed_utc > 0 && alarms > 0);
}

/* The numbers of dates, times and stamps: zero-padded decimal as printf
 * writes it, at every width the writer takes in place and beyond. */
static void test_ics_numbers(void **state)
{
    static const uint64_t values[] = {0,    1,    9,    10,    59,     99,         100,       999,
                                      1000, 2023, 9999, 10000, 123456, UINT32_MAX, UINT64_MAX};

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        for (int width = 0; width <= 6; width++) {
            char want[32];
            oc_buf b = {0};

            snprintf(want, sizeof(want), "%0*llu", width, (unsigned long long)values[i]);
            oc_buf_puts(&b, "x");
            oc_buf_put_uint(&b, values[i], width);
            assert_string_equal(b.data + 1, want);
            assert_int_equal(b.len, 1 + strlen(want));
            oc_buf_free(&b);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ics_numbers),
        cmocka_unit_test(test_ics_fold_lengths),
        cmocka_unit_test(test_ics_fold_utf8),
        cmocka_unit_test(test_ics_fold_escapes),
        cmocka_unit_test(test_ics_fold_blank_runs),
        cmocka_unit_test(test_ics_escape_text),
        cmocka_unit_test(test_ics_dst_both_changes),
        cmocka_unit_test(test_ics_in_the_gap),
        cmocka_unit_test(test_ics_in_the_overlap),
        cmocka_unit_test(test_ics_zone_without_dst),
        cmocka_unit_test(test_ics_alarm_across_a_change),
        cmocka_unit_test(test_ics_day_duration_across_a_change),
        cmocka_unit_test(test_ics_negative_dst_written_traditionally),
        cmocka_unit_test(test_ics_texts_escaped),
        cmocka_unit_test(test_ics_injection),
        cmocka_unit_test(test_ics_writer_matches_libical),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
