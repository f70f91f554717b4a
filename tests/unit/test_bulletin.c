/* SPDX-License-Identifier: Apache-2.0 */
/* The bulletin, row by row: reads the table of DGS-URGENT N°2023-11 as the
 * ministry printed it (tests/bulletin/, copied verbatim from the seed), builds
 * the default definition's main feed, parses it back with libical and checks
 * that every row has exactly its events: an open session with its
 * confirmation on the Wednesday at 18:00 Paris time (and its alarm then),
 * its delivery and the appointments marker on the next day; a closed week
 * with nothing else. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libical/ical.h>

#include "ordercal/feed.h"

#define MAX_ROWS 32

typedef struct {
    oc_day first, last;
    bool open;
    oc_day delivery_first, delivery_last;
} row;

static const char *const months[12] = {"janvier",   "février", "mars",     "avril",
                                       "mai",       "juin",    "juillet",  "août",
                                       "septembre", "octobre", "novembre", "décembre"};

static int month_of(const char *s)
{
    for (int i = 0; i < 12; i++) {
        if (strcmp(s, months[i]) == 0) {
            return i + 1;
        }
    }
    fail_msg("unknown month '%s'", s);
    return 0;
}

/* "31 juillet", "1er août" */
static void day_month(const char *s, int *day, char month[32])
{
    char *end;

    *day = (int)strtol(s, &end, 10);
    assert_true(end != s);
    if (strncmp(end, "er", 2) == 0) {
        end += 2;
    }
    assert_int_equal(sscanf(end, " %31s", month), 1);
}

/* "17-18 juillet", "31 juillet – 1er août" (the bulletin's year is 2023). */
static void parse_span(char *s, oc_day *first, oc_day *last)
{
    int d1, d2;
    char m1[32], m2[32];
    oc_date a = {2023, 0, 0}, b = {2023, 0, 0};

    if (sscanf(s, "%d-%d %31s", &d1, &d2, m1) == 3) {
        a.day = d1;
        b.day = d2;
        a.month = b.month = month_of(m1);
    } else {
        char *dash = strstr(s, "\xe2\x80\x93"); /* – */

        assert_non_null(dash);
        *dash = '\0';
        day_month(s, &d1, m1);
        day_month(dash + 3, &d2, m2);
        a.day = d1;
        a.month = month_of(m1);
        b.day = d2;
        b.month = month_of(m2);
    }
    *first = oc_day_from_date(a);
    *last = oc_day_from_date(b);
}

static void trim(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }
}

static size_t read_table(row *rows)
{
    FILE *fp = fopen(OC_TEST_SOURCE_DIR "/tests/bulletin/dgs-urgent-2023-11.table", "r");
    char line[256];
    size_t n = 0;

    assert_non_null(fp);
    assert_non_null(fgets(line, sizeof(line), fp)); /* the header */
    while (fgets(line, sizeof(line), fp) != NULL && n < MAX_ROWS) {
        char *open = strstr(line, " Ouvert "), *closed = strstr(line, " Ferm\xc3\xa9");
        row *r = &rows[n++];

        assert_true((open != NULL) != (closed != NULL));
        r->open = open != NULL;
        if (open != NULL) {
            char *delivery = open + strlen(" Ouvert ");

            *open = '\0';
            trim(delivery);
            parse_span(delivery, &r->delivery_first, &r->delivery_last);
        } else {
            *closed = '\0';
        }
        parse_span(line, &r->first, &r->last);
    }
    fclose(fp);
    return n;
}

static int mem_sink(void *ctx, const char *data, size_t len, oc_error *err)
{
    (void)err;
    oc_buf_add(ctx, data, len);
    return 0;
}

static icalcomponent *find_event(icalcomponent *cal, const char *uid)
{
    icalcomponent *found = NULL;
    int count = 0;

    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
         ev != NULL; ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        if (strcmp(icalcomponent_get_uid(ev), uid) == 0) {
            found = ev;
            count++;
        }
    }
    assert_true(count <= 1);
    return found;
}

static oc_day ical_day(struct icaltimetype t)
{
    oc_date d = {t.year, t.month, t.day};

    assert_true(t.is_date);
    return oc_day_from_date(d);
}

static void assert_all_day(icalcomponent *ev, oc_day first, oc_day last)
{
    assert_non_null(ev);
    assert_int_equal(ical_day(icalcomponent_get_dtstart(ev)), first);
    assert_int_equal(ical_day(icalcomponent_get_dtend(ev)), last + 1); /* exclusive */
}

static void test_bulletin_rows(void **state)
{
    row rows[MAX_ROWS];
    size_t n = read_table(rows), open = 0;
    oc_error err;
    oc_def *def;
    oc_sched *sched;
    oc_events *events;
    oc_tmpl *fr;
    oc_buf text = {0};
    oc_feed_stats stats = {0};
    oc_feed_input in;
    icalcomponent *cal, *vtz;
    icaltimezone *paris = icaltimezone_new();

    (void)state;
    assert_int_equal(n, 13);
    oc_error_init(&err);
    def = oc_def_load_file(OC_TEST_SOURCE_DIR "/schedules/dgs-urgent-2023-11.yaml", &err);
    assert_non_null(def);
    sched = oc_sched_expand(def, 1689638400, &err);
    assert_non_null(sched);
    assert_string_equal(def->feeds[0].id.value, "vaccins-covid19");
    events = oc_events_new(def, sched);
    fr = oc_tmpl_load(OC_TEST_TEMPLATES, "fr", &err);
    assert_non_null(fr);
    in = (oc_feed_input){def, &def->feeds[0], sched, events, def->tz, fr, NULL, 1689638400, NULL};
    assert_int_equal(oc_feed_render(&in, NULL, mem_sink, &text, &stats, &err), 0);
    assert_int_equal(stats.events, 37);
    cal = icalparser_parse_string(text.data);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), 37);
    vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    assert_non_null(vtz);
    assert_true(icaltimezone_set_component(paris, icalcomponent_new_clone(vtz)));

    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        char uid[OC_KIND_COUNT][37];

        for (int k = 0; k < OC_KIND_COUNT; k++) {
            oc_event_uid("vaccins-covid19", oc_kind_uid_name((oc_kind)k), r->first, uid[k]);
        }
        if (!r->open) {
            /* One UID per slot: the closed week's event is the session's. */
            assert_string_equal(uid[OC_KIND_CLOSED], uid[OC_KIND_SESSION]);
            assert_all_day(find_event(cal, uid[OC_KIND_CLOSED]), r->first, r->last);
            assert_null(find_event(cal, uid[OC_KIND_CONFIRMATION]));
            assert_null(find_event(cal, uid[OC_KIND_DELIVERY]));
            assert_null(find_event(cal, uid[OC_KIND_APPOINTMENTS]));
            continue;
        }
        open++;
        assert_all_day(find_event(cal, uid[OC_KIND_SESSION]), r->first, r->last);
        assert_all_day(find_event(cal, uid[OC_KIND_DELIVERY]), r->delivery_first, r->delivery_last);
        assert_all_day(find_event(cal, uid[OC_KIND_APPOINTMENTS]), r->delivery_last + 1,
                       r->delivery_last + 1);
        {
            icalcomponent *c = find_event(cal, uid[OC_KIND_CONFIRMATION]);
            icalcomponent *alarm;
            struct icaltimetype t;
            struct icaltriggertype trig;
            int64_t utc, wednesday = r->first + 2;

            assert_non_null(c);
            t = icalcomponent_get_dtstart(c);
            assert_false(t.is_date);
            assert_int_equal(oc_day_from_date((oc_date){t.year, t.month, t.day}), wednesday);
            assert_int_equal(t.hour, 18);
            assert_int_equal(t.minute, 0);
            t.zone = NULL;
            utc = (int64_t)icaltime_as_timet_with_zone(t, paris);
            /* Summer time all along: 18:00 CEST is 16:00Z. */
            assert_int_equal(utc, wednesday * 86400 + 16 * 3600);
            assert_int_equal(icalcomponent_count_components(c, ICAL_VALARM_COMPONENT), 1);
            alarm = icalcomponent_get_first_component(c, ICAL_VALARM_COMPONENT);
            trig = icalproperty_get_trigger(
                icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY));
            assert_int_equal(icaldurationtype_as_int(trig.duration), 0);
            assert_int_equal(icalproperty_get_action(
                                 icalcomponent_get_first_property(alarm, ICAL_ACTION_PROPERTY)),
                             ICAL_ACTION_DISPLAY);
        }
    }
    assert_int_equal(open, 8);
    icaltimezone_free(paris, 1);
    icalcomponent_free(cal);
    oc_buf_free(&text);
    oc_events_free(events);
    oc_tmpl_free(fr);
    oc_sched_free(sched);
    oc_def_free(def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bulletin_rows),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
