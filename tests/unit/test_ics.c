/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the ics stage: line folding and escaping (including the
 * libical 3.0.16 traps: 73- and 74-octet tails, split escape pairs), the
 * previous-feed memory, whole feeds across both DST changes, parsed back
 * with libical through their own VTIMEZONE, and the publish gate: its
 * refusals, their order across threads, and its memo of accepted lines
 * against libical parsing whole events. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "ordercal/ics.h"

#include "ics_int.h"

/* ---- folding ------------------------------------------------------------ */

static void assert_lines_ok(const oc_buf *b)
{
    oc_error err;

    oc_error_init(&err);
    if (oc_ics_check_lines(b->data, b->len, &err) != 0) {
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

static void test_ics_check_lines(void **state)
{
    static const struct {
        const char *text;
        int ok;
    } cases[] = {
        {"A:b\r\n", 1},
        {"A:b\n", 0},
        {"A:b\r\n \r\n", 0},
        {"A:b\r\r\n", 0},
        {"A:b", 0},
        {"A:1234567890123456789012345678901234567890123456789012345678901234567890123\r\n", 1},
        {"A:12345678901234567890123456789012345678901234567890123456789012345678901234\r\n", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_error err;

        oc_error_init(&err);
        assert_int_equal(oc_ics_check_lines(cases[i].text, strlen(cases[i].text), &err) == 0,
                         cases[i].ok);
    }
}

/* ---- the previous feed -------------------------------------------------- */

static void test_ics_prev_parse(void **state)
{
    static const char feed[] = "BEGIN:VCALENDAR\r\n"
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
    oc_ics_prev *p;

    (void)state;

    /* Events that are not ours (no usable stamps) are not remembered. */
    p = oc_ics_prev_parse(feed, strlen(feed));
    assert_int_equal(oc_ics_prev_count(p), 2);
    oc_ics_prev_free(p);
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

        p = oc_ics_prev_parse(bad, strlen(bad));
        assert_int_equal(oc_ics_prev_count(p), 1);
    }
    oc_ics_prev_free(p);
    p = oc_ics_prev_parse("", 0);
    assert_int_equal(oc_ics_prev_count(p), 0);
    oc_ics_prev_free(p);
    p = oc_ics_prev_parse("\x01\x02" "BEGIN:VEVENT\r\n \r\n", 17);
    assert_int_equal(oc_ics_prev_count(p), 0);
    oc_ics_prev_free(p);
}

/* ---- whole feeds -------------------------------------------------------- */

static int mem_sink(void *ctx, const char *data, size_t len, oc_error *err)
{
    (void)err;
    oc_buf_add(ctx, data, len);
    return 0;
}

typedef struct {
    oc_def *def;
    oc_sched *sched;
    oc_eventer *ev;
    oc_buf text;
    oc_ics_stats stats;
} feed;

static void render(feed *f, const char *yaml, const char *prev_text, int64_t now)
{
    oc_error err;
    oc_ics_opts opts = {NULL, now};
    oc_ics_prev *prev = prev_text != NULL ? oc_ics_prev_parse(prev_text, strlen(prev_text)) : NULL;

    memset(f, 0, sizeof(*f));
    oc_error_init(&err);
    f->def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    if (f->def == NULL) {
        fail_msg("%d:%d %s", err.pos.line, err.pos.column, err.text);
    }
    f->sched = oc_sched_expand(f->def, now, &err);
    assert_non_null(f->sched);
    f->ev = oc_eventer_new(f->def, &f->def->feeds[0], OC_TEST_TEMPLATES, &err);
    if (f->ev == NULL) {
        fail_msg("%s", err.text);
    }
    if (oc_ics_render(f->def, &f->def->feeds[0], f->sched, f->ev, prev, &opts, mem_sink, &f->text,
                      &f->stats, &err) != 0) {
        fail_msg("render: %s", err.text);
    }
    oc_ics_prev_free(prev);
    assert_lines_ok(&f->text);
}

static void feed_free(feed *f)
{
    oc_eventer_free(f->ev);
    oc_sched_free(f->sched);
    oc_def_free(f->def);
    oc_buf_free(&f->text);
}

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
    assert_non_null(strstr(f.text.data, "BEGIN:DAYLIGHT\r\nDTSTART:20220327T010000\r\n"
                                        "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:IST\r\n"));
    assert_non_null(strstr(f.text.data, "BEGIN:STANDARD\r\nDTSTART:20221030T020000\r\n"
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
            assert_int_equal(icalproperty_get_action(
                                 icalcomponent_get_first_property(a, ICAL_ACTION_PROPERTY)),
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

static void test_ics_regeneration_memory(void **state)
{
    static const char before[] = "calendar: { id: mem, name: Mem, timezone: Europe/Paris }\n"
                                 "session: {}\n"
                                 "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n";
    static const char after[] = "calendar: { id: mem, name: Mem, timezone: Europe/Paris }\n"
                                "session: {}\n"
                                "rhythm: [ { from: 2023-07-17, until: 2023-07-24 } ]\n"
                                "sessions: [ { date: 2023-07-24, delivery: 2023-08-04 } ]\n";
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
        "session: { confirmation: { offset: 6, time: \"02:30\", duration: PT1H30M, alarm: -P7D } }\n"
        "rhythm: [ { from: 2023-03-20, until: 2023-04-03 }, { from: 2023-10-23, until: 2023-11-06 } ]\n",
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
    size_t compared = 0;

    (void)state;
    for (size_t y = 0; y < sizeof(yamls) / sizeof(yamls[0]); y++) {
        oc_error err;
        oc_def *def;
        oc_sched *s;
        oc_eventer *ev;

        oc_error_init(&err);
        def = oc_def_load_string(yamls[y], strlen(yamls[y]), "def.yaml", &err);
        if (def == NULL) {
            fail_msg("%s", err.text);
        }
        s = oc_sched_expand(def, 1700000000, &err);
        ev = oc_eventer_new(def, &def->feeds[0], OC_TEST_TEMPLATES, &err);
        assert_non_null(s);
        assert_non_null(ev);
        for (size_t i = 0; i < s->count; i++) {
            for (int k = 0; k < OC_KIND_COUNT; k++) {
                oc_event e;
                oc_buf ours = {0}, theirs = {0};

                if (oc_event_make(ev, &s->slots[i], (oc_kind)k, &e, &err) != 1) {
                    continue;
                }
                oc_ics_event_lines(def, &e, def->timezone.value, &ours);
                assert_int_equal(oc_ics_event_lines_libical(def, &e, def->timezone.value,
                                                            &theirs, &err),
                                 0);
                assert_string_equal(ours.data, theirs.data);
                compared++;
                oc_buf_free(&ours);
                oc_buf_free(&theirs);
                oc_event_clear(&e);
            }
        }
        oc_eventer_free(ev);
        oc_sched_free(s);
        oc_def_free(def);
    }
    assert_true(compared > 60);
}

/* ---- the publish gate --------------------------------------------------- */

/* One event's published bytes; 'dtend' and 'dtstamp' may be swapped for
 * broken or missing lines. */
static void gate_block(oc_buf *b, const char *uid, const char *dtstamp, const char *dtend,
                       bool alarm)
{
    oc_buf_reset(b);
    oc_buf_puts(b, "BEGIN:VEVENT\r\nUID:");
    oc_buf_puts(b, uid);
    oc_buf_puts(b, "\r\n");
    oc_buf_puts(b, dtstamp);
    oc_buf_puts(b, "DTSTART;VALUE=DATE:20230717\r\n");
    oc_buf_puts(b, dtend);
    oc_buf_puts(b, "SUMMARY:Portail ouvert\r\nTRANSP:TRANSPARENT\r\n");
    if (alarm) {
        oc_buf_puts(b, "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\n"
                       "TRIGGER:PT0S\r\nEND:VALARM\r\n");
    }
    oc_buf_puts(b, "END:VEVENT\r\n");
}

#define GOOD_STAMP "DTSTAMP:20230718T000000Z\r\n"
#define GOOD_END "DTEND;VALUE=DATE:20230719\r\n"
#define BAD_END "DTEND;VALUE=DATE:2023\r\n" /* libical reads "2023071X" as 20230701 */

static void gate_event_for(oc_event *e, size_t i)
{
    memset(e, 0, sizeof(*e));
    e->kind = OC_KIND_SESSION;
    oc_event_uid("gate-test", OC_KIND_SESSION, (oc_day)i, e->uid);
}

/* Queues 'n' events, the ones listed in 'bad' with a broken DTEND, through
 * a gate of 'threads' workers; returns oc_ics_gate_finish()'s result. */
static int gate_run(int threads, size_t n, const size_t *bad, size_t nbad, size_t before,
                    oc_error *err)
{
    oc_ics_gate *g = oc_ics_gate_new("Europe/Paris", NULL, 2024, threads);
    oc_buf block = {0};
    int rc;

    for (size_t i = 0; i < n; i++) {
        bool broken = false;
        oc_event e;

        for (size_t k = 0; k < nbad; k++) {
            broken |= bad[k] == i;
        }
        gate_event_for(&e, i);
        gate_block(&block, e.uid, GOOD_STAMP, broken ? BAD_END : GOOD_END, false);
        if (oc_ics_gate_event(g, &block, &e) != 0) {
            break;
        }
    }
    oc_error_init(err);
    rc = oc_ics_gate_finish(g, before, err);
    oc_ics_gate_free(g);
    oc_buf_free(&block);
    return rc;
}

static void assert_refuses(const oc_error *err, size_t i, const char *why)
{
    oc_event e;

    gate_event_for(&e, i);
    assert_int_equal(err->code, OC_E_ICAL);
    if (strstr(err->text, e.uid) == NULL || strstr(err->text, why) == NULL) {
        fail_msg("expected event %zu (%s) refused for '%s', got: %s", i, e.uid, why, err->text);
    }
}

static void test_ics_gate_passes_good_events(void **state)
{
    oc_error err;

    (void)state;
    assert_int_equal(gate_run(0, 200, NULL, 0, SIZE_MAX, &err), 0);
    assert_int_equal(gate_run(2, 1000, NULL, 0, SIZE_MAX, &err), 0);
    assert_int_equal(err.code, OC_OK);
}

/* A line the gate has seen accepted is skipped only when identical: the
 * same property with another value is parsed, and refused. */
static void test_ics_gate_memo_refuses_a_changed_line(void **state)
{
    static const size_t bad[] = {5};
    oc_error err;

    (void)state;
    assert_int_equal(gate_run(0, 10, bad, 1, SIZE_MAX, &err), -1);
    assert_refuses(&err, 5, "libical rejects");
}

/* Runs the events 'e[0..n)' with the bytes 'blocks[0..n)' through a new
 * gate without workers; returns oc_ics_gate_finish()'s result. */
static int gate_blocks(const oc_event *e, const oc_buf *blocks, size_t n, const char *tzid,
                       const oc_buf *zone, oc_error *err)
{
    oc_ics_gate *g = oc_ics_gate_new(tzid, zone, 2024, 0);
    int rc;

    for (size_t i = 0; i < n; i++) {
        assert_int_equal(oc_ics_gate_event(g, &blocks[i], &e[i]), 0);
    }
    oc_error_init(err);
    rc = oc_ics_gate_finish(g, SIZE_MAX, err);
    oc_ics_gate_free(g);
    return rc;
}

/* A DTSTAMP the memo knows still has to be there. */
static void test_ics_gate_missing_dtstamp(void **state)
{
    oc_buf blocks[3] = {{0}, {0}, {0}};
    oc_event e[3];
    oc_error err;

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        gate_event_for(&e[i], i);
        gate_block(&blocks[i], e[i].uid, i == 2 ? "" : GOOD_STAMP, GOOD_END, false);
    }
    assert_int_equal(gate_blocks(e, blocks, 3, "Europe/Paris", NULL, &err), -1);
    assert_refuses(&err, 2, "lost its UID, DTSTAMP or DTSTART");
    for (size_t i = 0; i < 3; i++) {
        oc_buf_free(&blocks[i]);
    }
}

/* The UID and the alarm count are checked against what was written. */
static void test_ics_gate_uid_and_alarm(void **state)
{
    oc_buf block = {0};
    oc_event e, other;
    oc_error err;

    (void)state;
    gate_event_for(&e, 0);
    gate_event_for(&other, 1);
    gate_block(&block, other.uid, GOOD_STAMP, GOOD_END, false);
    assert_int_equal(gate_blocks(&e, &block, 1, "Europe/Paris", NULL, &err), -1);
    assert_refuses(&err, 0, "lost its UID");

    e.has_alarm = true;
    gate_block(&block, e.uid, GOOD_STAMP, GOOD_END, false);
    assert_int_equal(gate_blocks(&e, &block, 1, "Europe/Paris", NULL, &err), -1);
    assert_refuses(&err, 0, "has 0 alarms");
    gate_block(&block, e.uid, GOOD_STAMP, GOOD_END, true);
    assert_int_equal(gate_blocks(&e, &block, 1, "Europe/Paris", NULL, &err), 0);
    oc_buf_free(&block);
}

/* Whatever thread finds them, the refusal reported is the first in feed
 * order, and one after the writer's own failure is not reported. */
static void test_ics_gate_first_refusal_in_feed_order(void **state)
{
    static const size_t bad[] = {2900, 700, 1300};
    oc_error err;

    (void)state;
    for (int threads = 0; threads <= 3; threads++) {
        assert_int_equal(gate_run(threads, 3000, bad, 3, SIZE_MAX, &err), -1);
        assert_refuses(&err, 700, "libical rejects");
        assert_int_equal(gate_run(threads, 3000, bad, 3, 700, &err), 0);
        assert_int_equal(err.code, OC_OK);
    }
}

/* The whole-event verdict the gate's memo must agree with: the lines
 * checked, libical parsing all of them, then the same checks. */
static bool full_parse_accepts(const oc_buf *block, const oc_event *e)
{
    icalcomponent *c;
    icalproperty *p;
    oc_error err;
    bool ok;

    oc_error_init(&err);
    if (oc_ics_check_lines(block->data, block->len, &err) != 0) {
        return false;
    }
    c = icalparser_parse_string(block->data);
    if (c == NULL) {
        return false;
    }
    ok = icalcomponent_count_errors(c) == 0 && icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT &&
         (p = icalcomponent_get_first_property(c, ICAL_UID_PROPERTY)) != NULL &&
         strcmp(icalproperty_get_uid(p), e->uid) == 0 &&
         icalcomponent_get_first_property(c, ICAL_DTSTAMP_PROPERTY) != NULL &&
         icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY) != NULL &&
         icalcomponent_count_components(c, ICAL_VALARM_COMPONENT) == (e->has_alarm ? 1 : 0);
    icalcomponent_free(c);
    icalerror_clear_errno();
    return ok;
}

/* Remembering accepted lines changes no verdict: events with one byte
 * changed, dropped or doubled somewhere, checked after good events filled
 * the memo, are refused exactly when libical parsing them whole refuses. */
static void test_ics_gate_memo_agrees_with_full_parse(void **state)
{
    static const char pool[] = "A:;,=\\\" \r\n\t0Z-x\x7f\xc3";
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    oc_buf blocks[4] = {{0}, {0}, {0}, {0}};
    oc_event e[4];
    size_t refused = 0, accepted = 0;

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        gate_event_for(&e[i], i);
        e[i].has_alarm = true;
        gate_block(&blocks[i], e[i].uid, GOOD_STAMP, GOOD_END, true);
    }
    for (int round = 0; round < 3000; round++) {
        oc_buf *b = &blocks[3];
        size_t at;
        char c;
        oc_error err;
        int op;

        gate_block(b, e[3].uid, GOOD_STAMP, GOOD_END, true);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        at = (size_t)(rng % b->len);
        op = (int)((rng >> 32) % 3);
        c = pool[(rng >> 40) % (sizeof(pool) - 1)];
        if (op == 0) {
            b->data[at] = c;
        } else if (op == 1) {
            memmove(b->data + at, b->data + at + 1, b->len - at);
            b->len--;
        } else {
            oc_buf_grow(b, 1);
            memmove(b->data + at + 1, b->data + at, b->len - at + 1);
            b->data[at] = c;
            b->len++;
        }
        if (memchr(b->data, '\0', b->len) != NULL) {
            continue; /* a NUL ends the text for libical: not a published byte */
        }
        if (full_parse_accepts(b, &e[3])) {
            accepted++;
            assert_int_equal(gate_blocks(e, blocks, 4, "Europe/Paris", NULL, &err), 0);
        } else {
            refused++;
            if (gate_blocks(e, blocks, 4, "Europe/Paris", NULL, &err) != -1) {
                fail_msg("the gate accepts what libical refuses:\n%s", b->data);
            }
        }
    }
    assert_true(refused > 100 && accepted > 100);
    for (size_t i = 0; i < 4; i++) {
        oc_buf_free(&blocks[i]);
    }
}

/* A zoned DTSTART is read through the published VTIMEZONE and must be the
 * instant the tz database gave. */
static void test_ics_gate_reads_the_zone(void **state)
{
    static const char vtz[] = "BEGIN:VTIMEZONE\r\nTZID:Test/Plus1\r\nBEGIN:STANDARD\r\n"
                              "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\n"
                              "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
    static const char event[] = "BEGIN:VEVENT\r\nUID:%s\r\n" GOOD_STAMP
                                "DTSTART;TZID=Test/Plus1:20230719T180000\r\n"
                                "DTEND;TZID=Test/Plus1:20230719T183000\r\nEND:VEVENT\r\n";
    const int64_t utc = 1689786000; /* 2023-07-19T17:00:00Z */
    oc_buf zone = {0}, block = {0};

    (void)state;
    oc_buf_puts(&zone, vtz);
    for (int wrong = 0; wrong <= 1; wrong++) {
        oc_event e;
        oc_error err;

        gate_event_for(&e, 0);
        e.kind = OC_KIND_CONFIRMATION;
        e.timed = true;
        e.utc_start = utc + wrong * 3600;
        oc_buf_reset(&block);
        oc_buf_printf(&block, event, e.uid);
        assert_int_equal(gate_blocks(&e, &block, 1, "Test/Plus1", &zone, &err), wrong ? -1 : 0);
        if (wrong) {
            assert_int_equal(err.code, OC_E_INTERNAL);
            assert_non_null(strstr(err.text, "its DTSTART reads as 1689786000"));
        }
    }
    oc_buf_free(&zone);
    oc_buf_free(&block);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ics_fold_lengths),
        cmocka_unit_test(test_ics_fold_utf8),
        cmocka_unit_test(test_ics_fold_escapes),
        cmocka_unit_test(test_ics_fold_blank_runs),
        cmocka_unit_test(test_ics_escape_text),
        cmocka_unit_test(test_ics_check_lines),
        cmocka_unit_test(test_ics_prev_parse),
        cmocka_unit_test(test_ics_dst_both_changes),
        cmocka_unit_test(test_ics_in_the_gap),
        cmocka_unit_test(test_ics_in_the_overlap),
        cmocka_unit_test(test_ics_zone_without_dst),
        cmocka_unit_test(test_ics_negative_dst_written_traditionally),
        cmocka_unit_test(test_ics_texts_escaped),
        cmocka_unit_test(test_ics_injection),
        cmocka_unit_test(test_ics_writer_matches_libical),
        cmocka_unit_test(test_ics_regeneration_memory),
        cmocka_unit_test(test_ics_gate_passes_good_events),
        cmocka_unit_test(test_ics_gate_memo_refuses_a_changed_line),
        cmocka_unit_test(test_ics_gate_missing_dtstamp),
        cmocka_unit_test(test_ics_gate_uid_and_alarm),
        cmocka_unit_test(test_ics_gate_first_refusal_in_feed_order),
        cmocka_unit_test(test_ics_gate_reads_the_zone),
        cmocka_unit_test(test_ics_gate_memo_agrees_with_full_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
