/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the sched stage: rhythm periods (every 1, 2, 3), until,
 * the horizon of an open-ended period, and per-session exceptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ordercal/sched.h"

static oc_day day(const char *s)
{
    oc_date d;

    assert_true(oc_date_parse(s, &d));
    return oc_day_from_date(d);
}

static oc_sched *expand(const char *yaml, int64_t now, oc_def **def, oc_error *err)
{
    oc_error_init(err);
    *def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", err);
    if (*def == NULL) {
        fail_msg("%d:%d: %s", err->pos.line, err->pos.column, err->text);
    }
    return oc_sched_expand(*def, now, err);
}

/* "o" open, "c" closed, one letter per slot. */
static void assert_pattern(const oc_sched *s, const char *pattern)
{
    char got[256];
    size_t i;

    for (i = 0; i < s->count && i < sizeof(got) - 1; i++) {
        got[i] = s->slots[i].open ? 'o' : 'c';
    }
    got[i] = '\0';
    assert_string_equal(got, pattern);
}

static void test_sched_bulletin(void **state)
{
    static const char yaml[] = "calendar: { id: t, name: T, timezone: Europe/Paris }\n"
                               "session: {}\n"
                               "rhythm:\n"
                               "  - { from: 2023-07-17, every: 1 }\n"
                               "  - { from: 2023-07-24, every: 2 }\n"
                               "  - { from: 2023-10-02, every: 1, until: 2023-10-09 }\n";
    oc_def *def;
    oc_error err;
    oc_sched *s = expand(yaml, 0, &def, &err);

    (void)state;
    assert_non_null(s);
    assert_int_equal(s->count, 13);
    assert_int_equal(s->open_count, 8);
    assert_pattern(s, "ooco"
                      "coco"
                      "coco"
                      "o");
    assert_int_equal(s->slots[0].first, day("2023-07-17"));
    assert_int_equal(s->slots[0].last, day("2023-07-18"));
    assert_int_equal(s->slots[0].spans[OC_KIND_DELIVERY].first, day("2023-07-27"));
    assert_int_equal(s->slots[0].spans[OC_KIND_DELIVERY].last, day("2023-07-28"));
    assert_int_equal(s->slots[0].spans[OC_KIND_CONFIRMATION].first, day("2023-07-19"));
    assert_int_equal(s->slots[0].spans[OC_KIND_APPOINTMENTS].first, day("2023-07-29"));
    assert_int_equal(s->slots[5].first, day("2023-08-21"));
    assert_int_equal(s->slots[5].spans[OC_KIND_DELIVERY].first, day("2023-08-31"));
    assert_int_equal(s->slots[5].spans[OC_KIND_DELIVERY].last, day("2023-09-01"));
    assert_int_equal(s->slots[12].first, day("2023-10-09"));
    oc_sched_free(s);
    oc_def_free(def);
}

static void test_sched_every_three_until(void **state)
{
    static const char yaml[] = "calendar: { id: t, name: T, timezone: UTC }\n"
                               "session: { weekday: thursday, length: 1,"
                               " delivery: { offset: 4, length: 1 } }\n"
                               "rhythm:\n"
                               "  - { from: 2024-01-04, every: 3, until: 2024-02-29 }\n";
    oc_def *def;
    oc_error err;
    oc_sched *s = expand(yaml, 0, &def, &err);

    (void)state;
    assert_non_null(s);
    assert_pattern(s, "occoccocc");
    assert_int_equal(s->slots[3].first, day("2024-01-25"));
    assert_int_equal(s->slots[3].spans[OC_KIND_DELIVERY].first, day("2024-01-29"));
    assert_int_equal(s->slots[3].spans[OC_KIND_APPOINTMENTS].first, day("2024-01-30"));
    assert_int_equal(s->slots[8].first, day("2024-02-29"));
    oc_sched_free(s);
    oc_def_free(def);
}

static void test_sched_horizon(void **state)
{
    static const char yaml[] = "calendar: { id: t, name: T, timezone: UTC }\n"
                               "session: {}\n"
                               "horizon_weeks: 4\n"
                               "rhythm: [ { from: 2024-01-01, every: 2 } ]\n";
    oc_def *def;
    oc_error err;
    /* now = 2024-01-10 12:00 UTC: the horizon is 2024-02-07, the last slot 2024-02-05. */
    oc_sched *s = expand(yaml, day("2024-01-10") * 86400 + 43200, &def, &err);

    (void)state;
    assert_non_null(s);
    assert_pattern(s, "ocococ");
    assert_int_equal(s->slots[5].first, day("2024-02-05"));
    oc_sched_free(s);
    oc_def_free(def);
}

static void test_sched_gap_between_periods(void **state)
{
    static const char yaml[] = "calendar: { id: t, name: T, timezone: UTC }\n"
                               "session: {}\n"
                               "rhythm:\n"
                               "  - { from: 2024-01-01, until: 2024-01-08 }\n"
                               "  - { from: 2024-02-05, every: 2, until: 2024-02-19 }\n";
    oc_def *def;
    oc_error err;
    oc_sched *s = expand(yaml, 0, &def, &err);

    (void)state;
    assert_non_null(s);
    assert_pattern(s, "oooco");
    assert_int_equal(s->count, 5);
    assert_int_equal(s->slots[2].first, day("2024-02-05"));
    oc_sched_free(s);
    oc_def_free(def);
}

static void test_sched_exceptions(void **state)
{
    static const char yaml[] = "calendar: { id: t, name: T, timezone: Europe/Paris }\n"
                               "session: {}\n"
                               "rhythm: [ { from: 2023-07-24, every: 2, until: 2023-09-25 } ]\n"
                               "sessions:\n"
                               "  - { date: 2023-08-14, state: closed, note: \"15 août\" }\n"
                               "  - { date: 2023-08-07, state: closed }\n"
                               "  - { date: 2023-08-28, state: open }\n"
                               "  - { date: 2023-09-18, delivery: [2023-09-29, 2023-09-29] }\n";
    oc_def *def;
    oc_error err;
    oc_sched *s = expand(yaml, 0, &def, &err);

    (void)state;
    assert_non_null(s);
    assert_pattern(s, "occcooococ");
    assert_string_equal(s->slots[3].note, "15 août");
    assert_int_equal(s->slots[3].exception, 0);
    assert_null(s->slots[0].note);
    assert_int_equal(s->slots[5].spans[OC_KIND_DELIVERY].first, day("2023-09-07"));
    assert_int_equal(s->slots[8].spans[OC_KIND_DELIVERY].first, day("2023-09-29"));
    assert_int_equal(s->slots[8].spans[OC_KIND_DELIVERY].last, day("2023-09-29"));
    assert_int_equal(s->slots[8].spans[OC_KIND_APPOINTMENTS].first, day("2023-09-30"));
    oc_sched_free(s);
    oc_def_free(def);
}

static void test_sched_exception_errors(void **state)
{
    static const struct {
        const char *sessions;
        int line, column;
        const char *text;
    } cases[] = {
        {"  - { date: 2023-10-02, state: open }\n", 5, 13, "not a slot of the rhythm (after"},
        {"  - { date: 2023-07-10, state: open }\n", 5, 13, "not a slot of the rhythm"},
        {"  - { date: 2023-07-31, delivery: 2023-08-10 }\n", 5, 35, "closed slot"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char yaml[512];
        oc_def *def;
        oc_error err;
        oc_sched *s;

        snprintf(yaml, sizeof(yaml),
                 "calendar: { id: t, name: T, timezone: Europe/Paris }\n"
                 "session: {}\n"
                 "rhythm: [ { from: 2023-07-24, every: 2, until: 2023-09-25 } ]\n"
                 "sessions:\n%s",
                 cases[i].sessions);
        s = expand(yaml, 0, &def, &err);
        assert_null(s);
        assert_int_equal(err.code, OC_E_VALUE);
        assert_int_equal(err.pos.line, cases[i].line);
        assert_int_equal(err.pos.column, cases[i].column);
        if (strstr(err.text, cases[i].text) == NULL) {
            fail_msg("'%s' lacks '%s'", err.text, cases[i].text);
        }
        oc_def_free(def);
    }
}

static void test_sched_holiday_clashes(void **state)
{
    /* May 2024: 1 May and 8 May (Wednesdays: confirmations), Ascension on
     * Thursday 9 May (a delivery), Whit Monday 20 May (a session day). */
    static const char yaml[] = "calendar: { id: t, name: T, timezone: Europe/Paris }\n"
                               "session: {}\n"
                               "rhythm:\n"
                               "  - { from: 2024-04-22, every: 1, until: 2024-05-27 }\n"
                               "sessions:\n"
                               "  - { date: 2024-05-13, delivery: [2024-05-24, 2024-05-24] }\n";
    static const struct {
        oc_kind kind;
        const char *day, *key;
        int line;
    } expected[] = {
        {OC_KIND_CONFIRMATION, "2024-05-01", "labour-day", 4},
        {OC_KIND_DELIVERY, "2024-05-09", "ascension", 4},
        {OC_KIND_CONFIRMATION, "2024-05-08", "victory-1945", 4},
        {OC_KIND_SESSION, "2024-05-20", "whit-monday", 4},
    };
    oc_def *def;
    oc_error err;
    oc_sched *s = expand(yaml, 0, &def, &err);
    oc_clash *c = NULL;
    size_t n;

    (void)state;
    assert_non_null(s);
    n = oc_sched_clashes(def, s, &c);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c[i].kind, expected[i].kind);
        assert_int_equal(c[i].day, day(expected[i].day));
        assert_string_equal(c[i].key, expected[i].key);
        assert_int_equal(c[i].pos.line, expected[i].line);
    }
    free(c);

    /* holidays: none silences them all. */
    free(def->holidays.value);
    def->holidays.value = NULL;
    def->holiday_set = 0;
    assert_int_equal(oc_sched_clashes(def, s, &c), 0);
    assert_null(c);
    oc_sched_free(s);
    oc_def_free(def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sched_bulletin),
        cmocka_unit_test(test_sched_every_three_until),
        cmocka_unit_test(test_sched_horizon),
        cmocka_unit_test(test_sched_gap_between_periods),
        cmocka_unit_test(test_sched_exceptions),
        cmocka_unit_test(test_sched_exception_errors),
        cmocka_unit_test(test_sched_holiday_clashes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
