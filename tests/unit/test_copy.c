/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the copy stage: which rows get a copy (the window around
 * the build's day, open slots only), the file names and the UID pinned
 * against Python's uuid.uuid5, the bytes (METHOD:PUBLISH, no name, the
 * VTIMEZONE, the alarm, the fixed-copy line) read back by libical, the
 * stamps kept over an unchanged rebuild and bumped on a change, and which
 * files are ordercal's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "ordercal/copy.h"

#define DAY 86400
#define JUL24 1690156800 /* 2023-07-24T00:00:00Z */

static const char yaml[] = "calendar:\n"
                           "  id: vaccins-covid19\n"
                           "  name: Vaccins\n"
                           "  timezone: Europe/Paris\n"
                           "session: {}\n"
                           "rhythm:\n"
                           "  - { from: 2023-07-10, every: 1, until: 2023-07-24 }\n"
                           "  - { from: 2023-07-31, every: 2, until: 2023-09-25 }\n";

typedef struct {
    oc_def *def;
    oc_sched *sched;
    oc_tmpl *tmpl;
    oc_copies *copies;
} fixture;

static void load(fixture *f, const char *text, int64_t now)
{
    oc_error err;

    memset(f, 0, sizeof(*f));
    oc_error_init(&err);
    f->def = oc_def_load_string(text, strlen(text), "def.yaml", &err);
    if (f->def == NULL) {
        fail_msg("%s", err.text);
    }
    f->sched = oc_sched_expand(f->def, now, &err);
    assert_non_null(f->sched);
    f->tmpl = oc_tmpl_load(OC_TEST_TEMPLATES, f->def->language.value, &err);
    assert_non_null(f->tmpl);
    f->copies = oc_copies_new(f->def, f->sched, now);
}

static void unload(fixture *f)
{
    oc_copies_free(f->copies);
    oc_tmpl_free(f->tmpl);
    oc_sched_free(f->sched);
    oc_def_free(f->def);
}

/* Renders copy 'i' of 'f' against the previous bytes 'prev_text' (NULL: none). */
static void render(fixture *f, size_t i, const char *prev_text, int64_t now, oc_buf *out)
{
    oc_copy_input in = {f->def, f->tmpl, now, NULL};
    oc_prev *prev = prev_text != NULL ? oc_prev_parse(prev_text, strlen(prev_text)) : NULL;
    oc_error err;

    oc_error_init(&err);
    oc_buf_reset(out);
    if (oc_copy_render(&in, f->copies, i, prev, out, &err) != 0) {
        fail_msg("%s", err.text);
    }
    oc_prev_free(prev);
}

static void assert_has(const char *hay, const char *needle)
{
    if (hay == NULL || strstr(hay, needle) == NULL) {
        fail_msg("missing: %s", needle);
    }
}

/* Open slots whose confirmation is from seven days before the build's day
 * to 56 days after it; the closed weeks of 'every: 2' have none. */
static void test_copy_window(void **state)
{
    fixture f;

    (void)state;
    load(&f, yaml, JUL24);
    /* Confirmations on 19 and 26 July, then 2, 16, 30 August and 13
     * September; not 12 July, not 27 September (57 days on). */
    assert_int_equal(f.copies->count, 6);
    assert_string_equal(f.copies->items[0].name, "events/vaccins-covid19-20230719.ics");
    assert_string_equal(f.copies->items[2].name, "events/vaccins-covid19-20230802.ics");
    assert_string_equal(f.copies->items[3].name, "events/vaccins-covid19-20230816.ics");
    unload(&f);

    /* 19 July is seven days before 26 July, not before the 27th. */
    load(&f, yaml, JUL24 + 2 * DAY + DAY - 1);
    assert_int_equal(f.copies->count, 6);
    unload(&f);
    load(&f, yaml, JUL24 + 3 * DAY);
    assert_int_equal(f.copies->count, 5);
    assert_string_equal(f.copies->items[0].name, "events/vaccins-covid19-20230726.ics");
    unload(&f);

    /* 12 July 2023 is 56 days after 17 May 2023; once all are more than
     * seven days old, nothing is left. */
    load(&f, yaml, JUL24 - 68 * DAY);
    assert_int_equal(f.copies->count, 1);
    unload(&f);
    load(&f, yaml, JUL24 + 90 * DAY);
    assert_int_equal(f.copies->count, 0);
    unload(&f);
}

/* The UID is the version-5 UUID of "<id>/copy/confirmation/<session day>":
 * python3 -c "import uuid; print(uuid.uuid5(
 *   uuid.UUID('2a842644-001d-4466-9ca0-07e6f4f20341'),
 *   'vaccins-covid19/copy/confirmation/20230724'))"
 * never the subscribed event's (37dfb99a-a41d-522d-bbf3-68eb3980424b). */
static void test_copy_uid(void **state)
{
    fixture f;

    (void)state;
    load(&f, yaml, JUL24);
    assert_string_equal(f.copies->items[1].uid, "45ce0add-1686-5127-a40d-b15cf4da083f");
    assert_ptr_equal(f.copies->items[1].slot, &f.sched->slots[2]);
    unload(&f);
}

/* The whole file, as libical reads it back. */
static void test_copy_bytes(void **state)
{
    fixture f;
    oc_buf out = {0};
    icalcomponent *cal, *ev;

    (void)state;
    load(&f, yaml, JUL24);
    render(&f, 1, NULL, JUL24, &out);
    assert_true(strncmp(out.data, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//ordercal//", 50) ==
                0);
    assert_has(out.data, "\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nBEGIN:VTIMEZONE\r\n"
                         "TZID:Europe/Paris\r\n");
    assert_has(out.data, "\r\nBEGIN:VEVENT\r\nUID:45ce0add-1686-5127-a40d-b15cf4da083f\r\n"
                         "DTSTAMP:20230724T000000Z\r\nLAST-MODIFIED:20230724T000000Z\r\n"
                         "SEQUENCE:0\r\nDTSTART;TZID=Europe/Paris:20230726T180000\r\n"
                         "DTEND;TZID=Europe/Paris:20230726T183000\r\n"
                         "SUMMARY:Confirmation de commande disponible\r\n");
    assert_has(out.data, "BEGIN:VALARM\r\nACTION:DISPLAY\r\n");
    assert_has(out.data, "TRIGGER:PT0S\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    assert_null(strstr(out.data, "X-WR-CALNAME"));
    assert_null(strstr(out.data, "\r\nNAME:"));
    assert_null(strstr(out.data, "REFRESH-INTERVAL"));
    assert_true(oc_copy_ours(out.data, out.len));

    cal = icalparser_parse_string(out.data);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    assert_int_equal(icalcomponent_get_method(cal), ICAL_METHOD_PUBLISH);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 1);
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_int_equal(icalcomponent_count_components(ev, ICAL_VALARM_COMPONENT), 1);
    assert_string_equal(icalcomponent_get_uid(ev), "45ce0add-1686-5127-a40d-b15cf4da083f");
    assert_has(icalcomponent_get_description(ev), "Copie fixe, ajoutée depuis la page");
    icalcomponent_free(cal);

    /* The page's texts are the file's. */
    assert_string_equal(f.copies->items[1].summary, "Confirmation de commande disponible");
    assert_has(f.copies->items[1].details, "session du 24-25 juillet 2023");
    assert_has(f.copies->items[1].details,
               "\nCopie fixe, ajoutée depuis la page des calendriers : elle ne suit pas");
    oc_buf_free(&out);
    unload(&f);
}

/* A rebuild keeps the bytes; a change bumps SEQUENCE and stamps it now;
 * 'alarm: none' gives a copy without alarm. */
static void test_copy_stamps(void **state)
{
    static const char noted[] = "calendar:\n"
                                "  id: vaccins-covid19\n"
                                "  name: Vaccins\n"
                                "  timezone: Europe/Paris\n"
                                "session: { confirmation: { alarm: none } }\n"
                                "rhythm:\n"
                                "  - { from: 2023-07-10, every: 1, until: 2023-07-24 }\n"
                                "  - { from: 2023-07-31, every: 2, until: 2023-09-25 }\n";
    fixture f;
    oc_buf first = {0}, again = {0};

    (void)state;
    load(&f, yaml, JUL24);
    render(&f, 1, NULL, JUL24, &first);
    render(&f, 1, first.data, JUL24 + DAY, &again);
    assert_string_equal(first.data, again.data);
    unload(&f);

    load(&f, noted, JUL24 + DAY);
    render(&f, 1, first.data, JUL24 + DAY, &again);
    assert_has(again.data, "DTSTAMP:20230725T000000Z\r\nLAST-MODIFIED:20230725T000000Z\r\n"
                           "SEQUENCE:1\r\n");
    assert_null(strstr(again.data, "VALARM"));
    oc_buf_free(&first);
    oc_buf_free(&again);
    unload(&f);
}

static void test_copy_ours(void **state)
{
    static const char other[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone//EN\r\n";
    static const char feed[] = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
                               "PRODID:-//ordercal//ordercal 0.1.0//EN\r\n";

    (void)state;
    assert_true(oc_copy_ours(feed, strlen(feed)));
    assert_false(oc_copy_ours(other, strlen(other)));
    assert_false(oc_copy_ours("", 0));
    assert_false(oc_copy_ours("PRODID:-//ordercal//", 20));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_window), cmocka_unit_test(test_copy_uid),
        cmocka_unit_test(test_copy_bytes),  cmocka_unit_test(test_copy_stamps),
        cmocka_unit_test(test_copy_ours),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
