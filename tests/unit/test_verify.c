/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the publish gate (verify): the published-line check, the
 * calendar header, and every event's refusals (a line libical rejects, a
 * lost UID or DTSTAMP, a wrong alarm count, a zoned DTSTART read through
 * the published VTIMEZONE at another instant), the first refusal stopping
 * the feed, and the gate's memos (of accepted lines, of prefixes read line
 * by line) against libical parsing whole events. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "ordercal/event.h"
#include "ordercal/kind.h"
#include "ordercal/sched.h"
#include "ordercal/verify.h"

/* ---- published lines ---------------------------------------------------- */

static void test_verify_lines(void **state)
{
    static const struct {
        const char *text;
        int ok;
    } cases[] = {
        {"A:b\r\n", 1},
        {"A:b\n", 0},
        {"A:b\r\n \r\n", 0},
        {"A:b\r\n \t \r\n", 0},
        {"A:b\r\n c\r\n", 1},
        {"A:b\r\r\n", 0},
        {"A:b", 0},
        {"A:1234567890123456789012345678901234567890123456789012345678901234567890123\r\n", 1},
        {"A:12345678901234567890123456789012345678901234567890123456789012345678901234\r\n", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_error err;
        int rc;

        oc_error_init(&err);
        rc = oc_verify_lines(cases[i].text, strlen(cases[i].text), &err);
        if ((rc == 0) != cases[i].ok) {
            fail_msg("case %zu: oc_verify_lines returned %d (%s)", i, rc, err.text);
        }
        if (!cases[i].ok) {
            assert_int_equal(err.code, OC_E_ICAL);
        }
    }
}

/* ---- the calendar header ------------------------------------------------ */

static void test_verify_header(void **state)
{
    static const char good[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ordercal//test//EN\r\n";
    static const char no_prodid[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n";
    static const char vtz[] = "BEGIN:VTIMEZONE\r\nTZID:Test/Plus1\r\nBEGIN:STANDARD\r\n"
                              "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\n"
                              "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
    oc_buf header = {0}, zone = {0};
    oc_error err;

    (void)state;
    oc_buf_puts(&header, good);
    oc_error_init(&err);
    assert_int_equal(oc_verify_header(&header, &zone, &err), 0);
    oc_buf_puts(&zone, vtz);
    assert_int_equal(oc_verify_header(&header, &zone, &err), 0);

    oc_buf_reset(&header);
    oc_buf_puts(&header, no_prodid);
    assert_int_equal(oc_verify_header(&header, &zone, &err), -1);
    assert_int_equal(err.code, OC_E_ICAL);
    assert_non_null(strstr(err.text, "lacks VERSION or PRODID"));

    /* A bare LF is refused before libical reads it. */
    oc_buf_reset(&header);
    oc_buf_puts(&header, "BEGIN:VCALENDAR\r\nVERSION:2.0\nPRODID:-//ordercal//test//EN\r\n");
    oc_error_init(&err);
    assert_int_equal(oc_verify_header(&header, &zone, &err), -1);
    assert_int_equal(err.code, OC_E_ICAL);
    oc_buf_free(&header);
    oc_buf_free(&zone);
}

/* ---- events ------------------------------------------------------------- */

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

/* The span every all-day test event points at (the gate reads spans only
 * for timed kinds). */
static const oc_span all_day_span = {.on = true, .first = 19555, .last = 19555};

static void gate_event_for(oc_event *e, size_t i)
{
    memset(e, 0, sizeof(*e));
    e->kind = OC_KIND_SESSION;
    e->span = &all_day_span;
    oc_event_uid("gate-test", "session", (oc_day)i, e->uid);
}

/* Runs 'n' events, the ones listed in 'bad' with a broken DTEND, through
 * one gate in feed order, stopping at the first refusal as a feed does.
 * Returns the index of the refused event ('err' set), or 'n' when every
 * event passed ('err' untouched). */
static size_t gate_run(size_t n, const size_t *bad, size_t nbad, oc_error *err)
{
    oc_verify *v = oc_verify_new("Europe/Paris", NULL, 2024, NULL);
    oc_buf block = {0};
    size_t i;

    oc_error_init(err);
    for (i = 0; i < n; i++) {
        bool broken = false;
        oc_event e;

        for (size_t k = 0; k < nbad; k++) {
            broken |= bad[k] == i;
        }
        gate_event_for(&e, i);
        gate_block(&block, e.uid, GOOD_STAMP, broken ? BAD_END : GOOD_END, false);
        if (oc_verify_event(v, block.data, block.len, &e, err) != 0) {
            break;
        }
    }
    oc_verify_free(v);
    oc_buf_free(&block);
    return i;
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

static void test_verify_passes_good_events(void **state)
{
    oc_error err;

    (void)state;
    assert_int_equal(gate_run(1, NULL, 0, &err), 1);
    assert_int_equal(gate_run(1000, NULL, 0, &err), 1000);
    assert_int_equal(err.code, OC_OK);
}

/* A line the gate has seen accepted is skipped only when identical: the
 * same property with another value is parsed, and refused. */
static void test_verify_memo_refuses_a_changed_line(void **state)
{
    static const size_t bad[] = {5};
    static const size_t first[] = {0};
    oc_error err;

    (void)state;
    assert_int_equal(gate_run(10, bad, 1, &err), 5);
    assert_refuses(&err, 5, "libical rejects");

    /* The same line refused with an empty memo too. */
    assert_int_equal(gate_run(10, first, 1, &err), 0);
    assert_refuses(&err, 0, "libical rejects");
}

/* Runs the events 'e[0..n)' with the bytes 'blocks[0..n)' through a new
 * gate; all but the last must pass. Returns the last one's verdict. */
static int gate_blocks(const oc_event *e, const oc_buf *blocks, size_t n, const char *tzid,
                       const oc_buf *zone, oc_error *err)
{
    oc_verify *v = oc_verify_new(tzid, zone, 2024, NULL);
    int rc;

    oc_error_init(err);
    for (size_t i = 0; i + 1 < n; i++) {
        if (oc_verify_event(v, blocks[i].data, blocks[i].len, &e[i], err) != 0) {
            fail_msg("event %zu refused: %s", i, err->text);
        }
    }
    rc = oc_verify_event(v, blocks[n - 1].data, blocks[n - 1].len, &e[n - 1], err);
    oc_verify_free(v);
    return rc;
}

/* A DTSTAMP the memo knows still has to be there. */
static void test_verify_missing_dtstamp(void **state)
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

    /* And with an empty memo. */
    assert_int_equal(gate_blocks(&e[2], &blocks[2], 1, "Europe/Paris", NULL, &err), -1);
    assert_refuses(&err, 2, "lost its UID, DTSTAMP or DTSTART");
    for (size_t i = 0; i < 3; i++) {
        oc_buf_free(&blocks[i]);
    }
}

/* The UID and the alarm count are checked against what was written. */
static void test_verify_uid_and_alarm(void **state)
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

    e.has_alarm = false;
    assert_int_equal(gate_blocks(&e, &block, 1, "Europe/Paris", NULL, &err), -1);
    assert_refuses(&err, 0, "has 1 alarms");
    oc_buf_free(&block);
}

/* The gate checks events in feed order and the first refusal stops the
 * feed: the error names that event, none after it is checked, and the
 * events before it all passed. */
static void test_verify_first_refusal_stops(void **state)
{
    static const size_t bad[] = {2900, 700, 1300};
    oc_error err;

    (void)state;
    assert_int_equal(gate_run(3000, bad, 3, &err), 700);
    assert_refuses(&err, 700, "libical rejects");

    /* A feed that stops before it (the writer's own failure) has no refusal. */
    assert_int_equal(gate_run(700, bad, 3, &err), 700);
    assert_int_equal(err.code, OC_OK);

    /* Past the first, the next one is found. */
    assert_int_equal(gate_run(3000, bad + 2, 1, &err), 1300);
    assert_refuses(&err, 1300, "libical rejects");
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
    if (oc_verify_lines(block->data, block->len, &err) != 0) {
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

/* The gate, after the good events 'blocks[0..3)' and 'e[0..3)', must give
 * the changed event 'blocks[3]' libical's verdict on it whole. */
static void agrees(const oc_event *e, const oc_buf *blocks, size_t *accepted, size_t *refused)
{
    oc_error err;

    if (full_parse_accepts(&blocks[3], &e[3])) {
        ++*accepted;
        if (gate_blocks(e, blocks, 4, "Europe/Paris", NULL, &err) != 0) {
            fail_msg("the gate refuses what libical accepts (%s):\n%s", err.text, blocks[3].data);
        }
    } else {
        ++*refused;
        if (gate_blocks(e, blocks, 4, "Europe/Paris", NULL, &err) != -1) {
            fail_msg("the gate accepts what libical refuses:\n%s", blocks[3].data);
        }
    }
}

static void value_block(oc_buf *b, const char *uid);

/* Four events with an alarm, by 'make', for the agreement tests. */
static void good_events(oc_event e[4], oc_buf blocks[4], void (*make)(oc_buf *, const char *))
{
    for (size_t i = 0; i < 4; i++) {
        gate_event_for(&e[i], i);
        e[i].has_alarm = true;
        make(&blocks[i], e[i].uid);
    }
}

static void alarm_block(oc_buf *b, const char *uid)
{
    gate_block(b, uid, GOOD_STAMP, GOOD_END, true);
}

static uint64_t next_random(uint64_t x) /* xorshift64 */
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* Remembering accepted lines changes no verdict: events with one byte
 * changed, dropped or doubled somewhere, checked after good events filled
 * the memo, are refused exactly when libical parsing them whole refuses. */
static void test_verify_memo_agrees_with_full_parse(void **state)
{
    static const char pool[] = "A:;,=\\\" \r\n\t0Z-x\x7f\xc3";
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    oc_buf blocks[4] = {{0}, {0}, {0}, {0}};
    oc_event e[4];
    size_t refused = 0, accepted = 0;

    (void)state;
    good_events(e, blocks, alarm_block);
    for (int round = 0; round < 3000; round++) {
        oc_buf *b = &blocks[3];
        size_t at;
        char c;
        int op;

        alarm_block(b, e[3].uid);
        rng = next_random(rng);
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
        agrees(e, blocks, &accepted, &refused);
    }
    assert_true(refused > 100 && accepted > 100);
    for (size_t i = 0; i < 4; i++) {
        oc_buf_free(&blocks[i]);
    }
}

/* One event of the lines the line-by-line path reads by their prefix: a
 * folded description with escapes, a zoned time (a TZID, whose value must
 * hold no colon), a property libical splits at commas. */
static void value_block(oc_buf *b, const char *uid)
{
    oc_buf_reset(b);
    oc_buf_puts(b, "BEGIN:VEVENT\r\nUID:");
    oc_buf_puts(b, uid);
    oc_buf_puts(b, "\r\n" GOOD_STAMP "DTSTART;VALUE=DATE:20230717\r\n"
                   "DTEND;TZID=Europe/Paris:20230719T183000\r\n"
                   "SUMMARY:Livraison indicative (commande du 17-18 juillet 2023)\r\n"
                   "DESCRIPTION:Livraison indicative des commandes pass\xc3\xa9"
                   "es lors de la s\r\n"
                   " ession : les jeudi 27 et vendredi 28 juillet 2023.\\nPlanifiez\\, ensui\r\n"
                   " te\\; les rendez-vous.\r\n"
                   "CATEGORIES:Vaccins\\,Covid\r\n"
                   "URL:https://example.org/a/b\r\nTRANSP:TRANSPARENT\r\n"
                   "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT15M\r\n"
                   "END:VALARM\r\nEND:VEVENT\r\n");
}

/* Reading a line by its prefix changes no verdict either: after good events
 * taught the gate their prefixes, events with a value changed (a byte
 * swapped, dropped or added after the line's first colon, or a fold
 * added) are refused exactly when libical parsing them whole refuses. */
static void test_verify_values_agree_with_full_parse(void **state)
{
    static const char pool[] = "0123456789TZ:;,\\\" \t-+/Px\xc3"
                               "\xa9";
    uint64_t rng = 0x2545f4914f6cdd1dULL;
    oc_buf blocks[4] = {{0}, {0}, {0}, {0}};
    oc_event e[4];
    size_t refused = 0, accepted = 0;

    (void)state;
    good_events(e, blocks, value_block);
    for (int round = 0; round < 4000; round++) {
        oc_buf *b = &blocks[3];
        size_t at, line;
        const char *colon;
        int op;

        value_block(b, e[3].uid);
        rng = next_random(rng);

        /* A place in a value: after the first colon of a content line. */
        at = (size_t)(rng % b->len);
        line = at;
        while (line > 0 && !(b->data[line - 1] == '\n' && b->data[line] != ' ')) {
            line--;
        }
        colon = memchr(b->data + line, ':', b->len - line);
        if (colon == NULL || (size_t)(colon - b->data) >= at || b->data[at] == '\r' ||
            b->data[at] == '\n') {
            continue;
        }
        op = (int)((rng >> 32) % 4);
        if (op == 0) {
            b->data[at] = pool[(rng >> 40) % (sizeof(pool) - 1)];
        } else if (op == 1) {
            memmove(b->data + at, b->data + at + 1, b->len - at);
            b->len--;
        } else {
            const char *add = op == 2 ? &pool[(rng >> 40) % (sizeof(pool) - 1)] : "\r\n ";
            size_t n = op == 2 ? 1 : 3;

            oc_buf_grow(b, n);
            memmove(b->data + at + n, b->data + at, b->len - at + 1);
            memcpy(b->data + at, add, n);
            b->len += n;
        }
        agrees(e, blocks, &accepted, &refused);
    }
    assert_true(refused > 100 && accepted > 100);
    for (size_t i = 0; i < 4; i++) {
        oc_buf_free(&blocks[i]);
    }
}

/* Runs the events 'texts[0..n)' through one gate, "@UID@" standing for
 * each one's UID and "@UID0@" for the first's, 'alarms' saying which have
 * one: every verdict must be libical's on the whole event. */
static void sequence_agrees(const char *const *texts, size_t n, const bool *alarms)
{
    oc_verify *v = oc_verify_new("Europe/Paris", NULL, 2024, NULL);
    oc_event first;

    gate_event_for(&first, 0);
    for (size_t i = 0; i < n; i++) {
        oc_buf b = {0};
        oc_event e;
        oc_error err;
        bool whole;
        int gate;

        gate_event_for(&e, i);
        e.has_alarm = alarms[i];
        for (const char *p = texts[i]; *p != '\0';) {
            if (strncmp(p, "@UID@", 5) == 0) {
                oc_buf_puts(&b, e.uid);
                p += 5;
            } else if (strncmp(p, "@UID0@", 6) == 0) {
                oc_buf_puts(&b, first.uid);
                p += 6;
            } else {
                oc_buf_putc(&b, *p++);
            }
        }
        oc_error_init(&err);
        gate = oc_verify_event(v, b.data, b.len, &e, &err);
        whole = full_parse_accepts(&b, &e);
        if ((gate == 0) != whole) {
            fail_msg("event %zu: the gate %s, libical %s:\n%s", i,
                     gate == 0 ? "accepts" : "refuses", whole ? "accepts" : "refuses", b.data);
        }
        oc_buf_free(&b);
    }
    oc_verify_free(v);
}

#define STAMP_START "DTSTAMP:20230718T000000Z\r\nDTSTART;VALUE=DATE:20230717\r\n"
#define ALARM_LINES "ACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:PT0S\r\n"

/* Lines whose bytes say another thing than libical reads (found by review):
 * each is read by libical whole, and the gate gives its verdict. */
static void test_verify_odd_lines_agree(void **state)
{
    /* An empty parameter: libical's split skips the ':' right after ';'. */
    static const char *const empty_param[] = {
        "BEGIN:VEVENT\r\nUID:@UID@\r\nUID;:junk\r\n" STAMP_START "SUMMARY;:x\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID;:@UID@\r\n" STAMP_START "END:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:@UID@\r\n" STAMP_START "SUMMARY;:a:b\r\nEND:VEVENT\r\n",
    };
    /* A name libical reads otherwise: a space before the ':', a fold in it;
     * a BEGIN spelt so. None may be skipped as a line seen before. */
    static const char *const spaced_uid[] = {
        "BEGIN:VEVENT\r\nUID :@UID@\r\n" STAMP_START "END:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID :@UID0@\r\nUID:@UID@\r\n" STAMP_START "END:VEVENT\r\n",
    };
    static const char *const folded_uid[] = {
        "BEGIN:VEVENT\r\nUI\r\n D:@UID@\r\n" STAMP_START "END:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUI\r\n D:@UID0@\r\nUID:@UID@\r\n" STAMP_START "END:VEVENT\r\n",
    };
    static const char *const spaced_stamp[] = {
        "BEGIN:VEVENT\r\nUID:@UID@\r\nDTSTAMP :20230718T000000Z\r\n"
        "DTSTART;VALUE=DATE:20230717\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:@UID@\r\nDTSTAMP :20230718T000000Z\r\n"
        "DTSTART;VALUE=DATE:20230717\r\nEND:VEVENT\r\n",
    };
    static const char *const spaced_begin[] = {
        "BEGIN:VEVENT\r\nUID:@UID@\r\n" STAMP_START "BEGIN :VALARM\r\n" ALARM_LINES
        "END:VALARM\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:@UID@\r\n" STAMP_START "BEGIN :VALARM\r\n" ALARM_LINES
        "END:VALARM\r\nEND:VEVENT\r\n",
    };
    /* The event's UID, DTSTAMP or DTSTART only in its alarm. */
    static const char *const in_alarm[] = {
        "BEGIN:VEVENT\r\nUID:@UID@\r\nDTSTART;VALUE=DATE:20230717\r\nBEGIN:VALARM\r\n" ALARM_LINES
        "DTSTAMP:20230718T000000Z\r\nEND:VALARM\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\n" STAMP_START "BEGIN:VALARM\r\n" ALARM_LINES
        "UID:@UID@\r\nEND:VALARM\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:@UID@\r\nDTSTAMP:20230718T000000Z\r\nBEGIN:VALARM\r\n" ALARM_LINES
        "DTSTART;VALUE=DATE:20230717\r\nEND:VALARM\r\nEND:VEVENT\r\n",
    };
    static const bool none[3] = {false, false, false}, first_alarm[2] = {true, false},
                      all_alarms[3] = {true, true, true};

    (void)state;
    sequence_agrees(empty_param, 3, none);
    sequence_agrees(spaced_uid, 2, none);
    sequence_agrees(folded_uid, 2, none);
    sequence_agrees(spaced_stamp, 2, none);
    sequence_agrees(spaced_begin, 2, first_alarm);
    for (size_t i = 0; i < 3; i++) {
        sequence_agrees(&in_alarm[i], 1, all_alarms); /* each on a gate of its own */
    }
}

/* A TZID libical read up to the last colon of a value is not the prefix's:
 * a later event with that prefix is read for its own TZID. */
static void test_verify_tzid_to_last_colon(void **state)
{
    static const char vtz[] = "BEGIN:VTIMEZONE\r\nTZID:Test/Plus1\r\nBEGIN:STANDARD\r\n"
                              "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\n"
                              "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
    oc_buf zone = {0}, blocks[2] = {{0}, {0}};
    oc_span span;
    oc_event e[2];
    oc_error err;

    (void)state;
    oc_buf_puts(&zone, vtz);
    memset(&span, 0, sizeof(span));
    span.on = true;
    span.utc_start = 1689786000; /* 2023-07-19T17:00:00Z, 18:00 at +01:00 */
    span.utc_end = span.utc_start + 1800;
    gate_event_for(&e[0], 0);
    gate_event_for(&e[1], 1);
    e[1].kind = OC_KIND_CONFIRMATION;
    e[1].span = &span;
    oc_buf_printf(&blocks[0],
                  "BEGIN:VEVENT\r\nUID:%s\r\n" GOOD_STAMP
                  "DTSTART;TZID=Test/Plus1:x:20230719T180000\r\nEND:VEVENT\r\n",
                  e[0].uid);
    oc_buf_printf(&blocks[1],
                  "BEGIN:VEVENT\r\nUID:%s\r\n" GOOD_STAMP
                  "DTSTART;TZID=Test/Plus1:20230719T180000\r\nEND:VEVENT\r\n",
                  e[1].uid);
    assert_int_equal(gate_blocks(e, blocks, 2, "Test/Plus1", &zone, &err), 0);
    oc_buf_free(&zone);
    oc_buf_free(&blocks[0]);
    oc_buf_free(&blocks[1]);
}

/* A zoned DTSTART is read through the published VTIMEZONE and must be the
 * instant the tz database gave; one meant in UTC must be written so. */
static void test_verify_reads_the_zone(void **state)
{
    static const char vtz[] = "BEGIN:VTIMEZONE\r\nTZID:Test/Plus1\r\nBEGIN:STANDARD\r\n"
                              "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0100\r\n"
                              "TZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n";
    static const char event[] =
        "BEGIN:VEVENT\r\nUID:%s\r\n" GOOD_STAMP "DTSTART;TZID=Test/Plus1:20230719T180000\r\n"
        "DTEND;TZID=Test/Plus1:20230719T183000\r\nEND:VEVENT\r\n";
    static const char event_utc[] =
        "BEGIN:VEVENT\r\nUID:%s\r\n" GOOD_STAMP "DTSTART:20230719T170000Z\r\n"
        "DTEND:20230719T173000Z\r\nEND:VEVENT\r\n";
    const int64_t utc = 1689786000; /* 2023-07-19T17:00:00Z */
    oc_buf zone = {0}, block = {0};

    (void)state;
    assert_true(oc_kind_get(OC_KIND_CONFIRMATION)->timed);
    oc_buf_puts(&zone, vtz);
    for (int wrong = 0; wrong <= 1; wrong++) {
        oc_span span;
        oc_event e;
        oc_error err;

        memset(&span, 0, sizeof(span));
        span.on = true;
        span.utc_start = utc + wrong * 3600;
        span.utc_end = span.utc_start + 1800;
        span.local_start = span.utc_start + 3600;
        span.local_end = span.utc_end + 3600;
        gate_event_for(&e, 0);
        e.kind = OC_KIND_CONFIRMATION;
        e.span = &span;
        oc_buf_reset(&block);
        oc_buf_printf(&block, event, e.uid);
        assert_int_equal(gate_blocks(&e, &block, 1, "Test/Plus1", &zone, &err), wrong ? -1 : 0);
        if (wrong) {
            assert_int_equal(err.code, OC_E_INTERNAL);
            assert_non_null(strstr(err.text, "its DTSTART reads as 1689786000"));
        }

        /* Meant in UTC (a repeated wall time): the zoned line is refused,
         * the UTC one read as it is. */
        span.start_utc = span.end_utc = true;
        assert_int_equal(gate_blocks(&e, &block, 1, "Test/Plus1", &zone, &err), -1);
        assert_int_equal(err.code, OC_E_ICAL);
        assert_non_null(strstr(err.text, "is not a UTC time"));
        oc_buf_reset(&block);
        oc_buf_printf(&block, event_utc, e.uid);
        assert_int_equal(gate_blocks(&e, &block, 1, "Test/Plus1", &zone, &err), wrong ? -1 : 0);
        if (wrong) {
            assert_int_equal(err.code, OC_E_INTERNAL);
        }

        /* And a zoned one is expected zoned. */
        span.start_utc = span.end_utc = false;
        assert_int_equal(gate_blocks(&e, &block, 1, "Test/Plus1", &zone, &err), -1);
        assert_int_equal(err.code, OC_E_ICAL);
        assert_non_null(strstr(err.text, "is not a zoned time"));
    }
    oc_buf_free(&zone);
    oc_buf_free(&block);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_lines),
        cmocka_unit_test(test_verify_header),
        cmocka_unit_test(test_verify_passes_good_events),
        cmocka_unit_test(test_verify_memo_refuses_a_changed_line),
        cmocka_unit_test(test_verify_missing_dtstamp),
        cmocka_unit_test(test_verify_uid_and_alarm),
        cmocka_unit_test(test_verify_first_refusal_stops),
        cmocka_unit_test(test_verify_reads_the_zone),
        cmocka_unit_test(test_verify_memo_agrees_with_full_parse),
        cmocka_unit_test(test_verify_values_agree_with_full_parse),
        cmocka_unit_test(test_verify_odd_lines_agree),
        cmocka_unit_test(test_verify_tzid_to_last_colon),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
