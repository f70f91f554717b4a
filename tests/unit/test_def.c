/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the def stage: defaults, and a table of malformed
 * definitions asserting the error code, line and column through both entry
 * points (as libssh's torture_config.c does with its _file/_string wrappers). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ordercal/def.h"

#define MINIMAL                                                                                    \
    "calendar:\n"                                                                                  \
    "  id: test\n"                                                                                 \
    "  name: Test\n"                                                                               \
    "  timezone: Europe/Paris\n"                                                                   \
    "session: {}\n"                                                                                \
    "rhythm:\n"                                                                                    \
    "  - { from: 2023-07-17 }\n"

static oc_def *load_via_file(const char *yaml, oc_error *err)
{
    char path[] = "/tmp/test_def_XXXXXX";
    int fd = mkstemp(path);
    FILE *fp;
    oc_def *def;

    assert_true(fd >= 0);
    fp = fdopen(fd, "w");
    assert_non_null(fp);
    fputs(yaml, fp);
    fclose(fp);
    def = oc_def_load_file(path, err);
    if (def == NULL) {
        /* Messages name the file as given: compare positions only. */
        snprintf(err->file, sizeof(err->file), "def.yaml");
    }
    unlink(path);
    return def;
}

static void test_def_defaults(void **state)
{
    oc_error err;
    oc_def *def;

    (void)state;
    oc_error_init(&err);
    def = oc_def_load_string(MINIMAL, strlen(MINIMAL), "def.yaml", &err);
    assert_non_null(def);
    assert_int_equal(err.code, OC_OK);
    assert_int_equal(def->weekday, 0);
    assert_int_equal(def->length, 2);
    assert_int_equal(def->rules[OC_KIND_DELIVERY].offset, 10);
    assert_int_equal(def->rules[OC_KIND_DELIVERY].length, 2);
    assert_int_equal(def->rules[OC_KIND_CONFIRMATION].offset, 2);
    assert_int_equal(def->rules[OC_KIND_CONFIRMATION].minutes, 18 * 60);
    assert_int_equal(def->rules[OC_KIND_CONFIRMATION].duration, 1800);
    assert_true(def->rules[OC_KIND_CONFIRMATION].has_alarm);
    assert_int_equal(def->rules[OC_KIND_CONFIRMATION].alarm, 0);
    assert_int_equal(def->rules[OC_KIND_APPOINTMENTS].offset, 1);
    assert_int_equal(def->horizon_weeks, 26);
    assert_int_equal(def->refresh, 6 * 3600);
    assert_string_equal(def->language.value, "fr");
    assert_string_equal(def->holidays.value, "fr");
    assert_int_equal(def->feed_count, 1);
    assert_string_equal(def->feeds[0].id.value, "test");
    assert_int_equal(def->feeds[0].kinds, OC_KIND_ALL);
    assert_int_equal(def->period_count, 1);
    assert_int_equal(def->periods[0].every, 1);
    assert_false(def->periods[0].has_until);
    oc_def_free(def);
}

static void test_def_full(void **state)
{
    static const char yaml[] =
        "calendar:\n"
        "  id: grid-1\n"
        "  name: \"Grid, with; specials \\\\ and \\u00e9\"\n"
        "  description: |\n"
        "    two\n"
        "    lines\n"
        "  timezone: Indian/Reunion\n"
        "  language: en\n"
        "  url: https://example.org/a?b=c\n"
        "  reference: REF\n"
        "  refresh: P1D\n"
        "  base_url: https://example.org/feeds\n"
        "  holidays: fr-reunion\n"
        "session:\n"
        "  weekday: wednesday\n"
        "  length: 1\n"
        "  delivery: { offset: 3, length: 1 }\n"
        "  confirmation: { offset: 1, time: \"09:30\", duration: PT1H, alarm: -PT15M }\n"
        "  appointments: { offset: 0 }\n"
        "horizon_weeks: 4\n"
        "rhythm:\n"
        "  - { from: 2024-01-03, every: 3, until: 2024-03-27 }\n"
        "sessions:\n"
        "  - { date: 2024-01-24, state: open, delivery: [2024-01-29, 2024-01-30] }\n"
        "  - { date: 2024-01-03, note: \"first\" }\n"
        "feeds:\n"
        "  - { id: a }\n"
        "  - { id: b, name: B, language: fr, kinds: [delivery, closed] }\n";
    oc_error err;
    oc_def *def;

    (void)state;
    oc_error_init(&err);
    def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    if (def == NULL) {
        fail_msg("%d:%d: %s", err.pos.line, err.pos.column, err.text);
    }
    assert_string_equal(def->name.value, "Grid, with; specials \\ and \xc3\xa9");
    assert_string_equal(def->description.value, "two\nlines\n");
    assert_string_equal(def->base_url.value, "https://example.org/feeds/");
    assert_int_equal(def->weekday, 2);
    assert_int_equal(def->rules[OC_KIND_CONFIRMATION].minutes, 9 * 60 + 30);
    assert_int_equal(def->rules[OC_KIND_CONFIRMATION].alarm, -900);
    assert_int_equal(def->refresh, 86400);
    assert_string_equal(def->refresh_text, "P1D");
    assert_int_equal(def->periods[0].every, 3);
    assert_true(def->periods[0].has_until);
    assert_int_equal(def->exception_count, 2);
    assert_int_equal(def->exceptions[0].state, OC_STATE_OPEN);
    assert_true(def->exceptions[0].has_delivery);
    assert_string_equal(def->exceptions[1].note.value, "first");
    assert_int_equal(def->feed_count, 2);
    assert_int_equal(def->feeds[1].kinds, (1u << OC_KIND_DELIVERY) | (1u << OC_KIND_CLOSED));
    assert_int_equal(def->feeds[1].pos.line, 28);
    assert_int_equal(def->periods[0].from_pos.line, 22);
    assert_int_equal(def->periods[0].from_pos.column, 13);
    oc_def_free(def);
}

static void test_def_alarm_none(void **state)
{
    static const char yaml[] = "calendar: { id: t, name: T, timezone: UTC }\n"
                               "session: { confirmation: { alarm: none } }\n"
                               "rhythm: [ { from: 2023-07-17 } ]\n";
    oc_error err;
    oc_def *def;

    (void)state;
    oc_error_init(&err);
    def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    assert_non_null(def);
    assert_false(def->rules[OC_KIND_CONFIRMATION].has_alarm);
    assert_string_equal(def->holidays.value, "none");
    oc_def_free(def);
}

/* The reminder exists only when its block is given, with its own defaults. */
static void test_def_reminder(void **state)
{
    static const char without[] = "calendar: { id: t, name: T, timezone: UTC }\n"
                                  "session: {}\n"
                                  "rhythm: [ { from: 2023-07-17 } ]\n";
    static const char with[] = "calendar: { id: t, name: T, timezone: UTC }\n"
                               "session: { reminder: { time: \"07:45\" } }\n"
                               "rhythm: [ { from: 2023-07-17 } ]\n";
    const oc_def_rule *r;
    oc_error err;
    oc_def *def;

    (void)state;
    oc_error_init(&err);
    def = oc_def_load_string(without, strlen(without), "def.yaml", &err);
    assert_non_null(def);
    assert_false(def->rules[OC_KIND_REMINDER].on);
    assert_true(def->rules[OC_KIND_CONFIRMATION].on);
    oc_def_free(def);
    def = oc_def_load_string(with, strlen(with), "def.yaml", &err);
    assert_non_null(def);
    r = &def->rules[OC_KIND_REMINDER];
    assert_true(r->on);
    assert_int_equal(r->offset, 0);
    assert_int_equal(r->minutes, 7 * 60 + 45);
    assert_int_equal(r->duration, 15 * 60);
    assert_true(r->has_alarm);
    assert_int_equal(r->alarm, 0);
    assert_int_equal(def->reminder_pos.line, 2);
    assert_int_equal(def->reminder_pos.column, 22);
    oc_def_free(def);
}

typedef struct {
    const char *yaml;
    oc_errcode code;
    int line, column;
    const char *text; /* a substring the message must hold */
} bad_case;

#define CAL "calendar: { id: t, name: T, timezone: Europe/Paris }\n"

static const bad_case bad_cases[] = {
    {"", OC_E_SCHEMA, 1, 1, "empty"},
    {"- a\n- b\n", OC_E_SCHEMA, 1, 1, "must be a mapping"},
    {"calendar: [\n", OC_E_SYNTAX, 2, 1, ""},
    {CAL "session: {}\nrhythm:\n  - { from: 2023-07-17, evry: 2 }\n", OC_E_SCHEMA, 4, 25,
     "unknown key 'evry' in rhythm[0] (expected: from, every, until)"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-18 } ]\n", OC_E_VALUE, 3, 19,
     "is a tuesday, not the session weekday (monday)"},
    {CAL "session: { weekday: mardi }\nrhythm: [ { from: 2023-07-18 } ]\n", OC_E_VALUE, 2, 21,
     "invalid weekday 'mardi' in session"},
    {CAL "session: {}\nrhythm: [ { from: 2023-02-30 } ]\n", OC_E_VALUE, 3, 19,
     "impossible date '2023-02-30'"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17, every: 0 } ]\n", OC_E_VALUE, 3, 38,
     "from 1 to 520"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17, every: \"2\" } ]\n", OC_E_VALUE, 3, 38,
     "whole number"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17, until: 2023-07-10 } ]\n", OC_E_VALUE, 3, 38,
     "before its from"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-24 }, { from: 2023-07-17 } ]\n", OC_E_VALUE, 3, 41,
     "periods ascend"},
    {CAL "session: {}\nrhythm: []\n", OC_E_VALUE, 3, 9, "rhythm is empty"},
    {CAL "session: {}\n", OC_E_SCHEMA, 1, 1, "missing key 'rhythm'"},
    {"calendar: { id: t, name: T }\nsession: {}\nrhythm: [ { from: 2023-07-17 } ]\n", OC_E_SCHEMA,
     1, 11, "missing key 'timezone' in calendar"},
    {"calendar: { id: T, name: T, timezone: UTC }\nsession: {}\nrhythm: [ { from: 2023-07-17 } ]\n",
     OC_E_VALUE, 1, 17, "invalid id 'T' in calendar"},
    {"calendar: { id: t, name: T, timezone: Mars/Olympus }\nsession: {}\n"
     "rhythm: [ { from: 2023-07-17 } ]\n",
     OC_E_VALUE, 1, 39, "invalid timezone 'Mars/Olympus'"},
    {"calendar: { id: t, id: u, name: T, timezone: UTC }\n", OC_E_SCHEMA, 1, 20,
     "duplicate key 'id' in calendar"},
    {"a: &x 1\nb: *x\n", OC_E_SCHEMA, 1, 4, "anchors"},
    {CAL "session: { length: 3, delivery: { offset: 2 } }\nrhythm: [ { from: 2023-07-17 } ]\n",
     OC_E_VALUE, 2, 43, "falls inside the session"},
    {CAL "session: { confirmation: { time: \"25:00\" } }\nrhythm: [ { from: 2023-07-17 } ]\n",
     OC_E_VALUE, 2, 34, "invalid time '25:00'"},
    {CAL "session: { confirmation: { alarm: soon } }\nrhythm: [ { from: 2023-07-17 } ]\n",
     OC_E_VALUE, 2, 35, "invalid alarm 'soon'"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17 } ]\nsessions: [ { date: 2023-07-17 } ]\n",
     OC_E_VALUE, 4, 13, "changes nothing"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17 } ]\n"
         "sessions: [ { date: 2023-07-17, state: closed, delivery: 2023-07-27 } ]\n",
     OC_E_VALUE, 4, 58, "closed session has no delivery"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17 } ]\n"
         "sessions: [ { date: 2023-07-17, delivery: [2023-07-28, 2023-07-27] } ]\n",
     OC_E_VALUE, 4, 56, "ends before it starts"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17 } ]\n"
         "sessions: [ { date: 2023-07-17, delivery: 2023-07-18 } ]\n",
     OC_E_VALUE, 4, 43, "starts before the session"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17 } ]\nfeeds: [ { id: a }, { id: a } ]\n",
     OC_E_VALUE, 4, 27, "already used"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17 } ]\nfeeds: [ { id: a, kinds: [dlivery] } ]\n",
     OC_E_VALUE, 4, 27, "invalid kind 'dlivery'"},
    {"calendar: { id: t, name: \"a\\x01b\", timezone: UTC }\nsession: {}\n"
     "rhythm: [ { from: 2023-07-17 } ]\n",
     OC_E_VALUE, 1, 26, "control character"},
    {"calendar: { id: t, name: T, timezone: UTC, url: \"javascript:alert(1)\" }\n"
     "session: {}\nrhythm: [ { from: 2023-07-17 } ]\n",
     OC_E_VALUE, 1, 49, "invalid url"},
    {CAL "session: {}\nrhythm: [ { from: 9999-01-04 } ]\n", OC_E_VALUE, 3, 19, "to 2549-12-31"},
    {CAL "session: {}\nrhythm: [ { from: 2023-07-17 } ]\n---\nx: 1\n", OC_E_SCHEMA, 4, 1,
     "one YAML document"},
};

static void check_bad(const bad_case *c, oc_def *def, const oc_error *err, const char *how)
{
    if (def != NULL) {
        oc_def_free(def);
        fail_msg("[%s] accepted:\n%s", how, c->yaml);
    }
    if (err->code != c->code || err->pos.line != c->line || err->pos.column != c->column ||
        strstr(err->text, c->text) == NULL) {
        fail_msg("[%s] got code %d at %d:%d '%s'; expected code %d at %d:%d '%s' for:\n%s", how,
                 err->code, err->pos.line, err->pos.column, err->text, c->code, c->line, c->column,
                 c->text, c->yaml);
    }
    assert_string_equal(err->file, "def.yaml");
    assert_null(strchr(err->text, '\n'));
}

static void test_def_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case *c = &bad_cases[i];
        oc_error err;
        oc_def *def;

        oc_error_init(&err);
        def = oc_def_load_string(c->yaml, strlen(c->yaml), "def.yaml", &err);
        check_bad(c, def, &err, "string");
        oc_error_init(&err);
        def = load_via_file(c->yaml, &err);
        check_bad(c, def, &err, "file");
    }
}

static void test_def_first_error_wins(void **state)
{
    oc_error err;

    (void)state;
    oc_error_init(&err);
    oc_error_set(&err, OC_E_VALUE, "a.yaml", (oc_pos){3, 4}, "first");
    oc_error_set(&err, OC_E_IO, "b.yaml", (oc_pos){5, 6}, "second");
    assert_int_equal(err.code, OC_E_VALUE);
    assert_string_equal(err.text, "first");
    assert_int_equal(err.pos.line, 3);
    oc_error_set(NULL, OC_E_IO, NULL, (oc_pos){0, 0}, "ignored");
}

static void test_def_nul_and_size(void **state)
{
    static const char nul[] = "calendar:\n  id: t\0x\n";
    oc_error err;
    char *big;

    (void)state;
    oc_error_init(&err);
    assert_null(oc_def_load_string(nul, sizeof(nul) - 1, "def.yaml", &err));
    assert_int_equal(err.code, OC_E_SYNTAX);
    assert_int_equal(err.pos.line, 2);
    assert_int_equal(err.pos.column, 8);
    big = calloc(1, OC_DEF_MAX_BYTES + 2);
    memset(big, '#', OC_DEF_MAX_BYTES + 1);
    oc_error_init(&err);
    assert_null(oc_def_load_string(big, OC_DEF_MAX_BYTES + 1, "def.yaml", &err));
    assert_int_equal(err.code, OC_E_VALUE);
    free(big);
    oc_error_init(&err);
    assert_null(oc_def_load_file("/nonexistent/def.yaml", &err));
    assert_int_equal(err.code, OC_E_IO);
}

static void test_def_byte_order_mark(void **state)
{
    /* As Windows Notepad saves it: a BOM, then the same positions. */
    static const char yaml[] = "\xEF\xBB\xBF" MINIMAL "horizon_weeks: 0\n";
    oc_error err;

    (void)state;
    oc_error_init(&err);
    assert_null(oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err));
    assert_int_equal(err.code, OC_E_VALUE);
    assert_int_equal(err.pos.line, 8);
    assert_int_equal(err.pos.column, 16);
}

static void test_def_alias_bomb(void **state)
{
    static const char yaml[] = "a: &a [x, x, x, x, x, x, x, x, x]\n"
                               "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                               "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                               "d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
    oc_error err;

    (void)state;
    oc_error_init(&err);
    assert_null(oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err));
    assert_int_equal(err.code, OC_E_SCHEMA);
    assert_int_equal(err.pos.line, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_def_defaults),        cmocka_unit_test(test_def_full),
        cmocka_unit_test(test_def_alarm_none),      cmocka_unit_test(test_def_reminder),
        cmocka_unit_test(test_def_errors),          cmocka_unit_test(test_def_first_error_wins),
        cmocka_unit_test(test_def_nul_and_size),    cmocka_unit_test(test_def_alias_bomb),
        cmocka_unit_test(test_def_byte_order_mark),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
