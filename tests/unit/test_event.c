/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the event stage: version-5 UIDs pinned against an
 * independent implementation (Python's uuid.uuid5 with the project's
 * namespace), the same in every feed and language, and the texts of each kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ordercal/event.h"

static oc_day day(const char *s)
{
    oc_date d;

    assert_true(oc_date_parse(s, &d));
    return oc_day_from_date(d);
}

static void test_event_uid_pinned(void **state)
{
    /* python3 -c "import uuid; print(uuid.uuid5(
     *   uuid.UUID('2a842644-001d-4466-9ca0-07e6f4f20341'), 'vaccins-covid19/session/20230717'))" */
    static const struct {
        oc_kind kind;
        const char *uid;
    } cases[] = {
        {OC_KIND_SESSION, "1308b9e3-9d9d-566c-8a21-4182377861dd"},
        {OC_KIND_CONFIRMATION, "32ec08fa-4cc3-5d31-94ab-9a94378dba5c"},
        {OC_KIND_DELIVERY, "be28dfdf-6327-51c3-9252-68141a6ee3dd"},
    };
    char uid[37];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_event_uid("vaccins-covid19", oc_kind_uid_name(cases[i].kind), day("2023-07-17"), uid);
        assert_string_equal(uid, cases[i].uid);
    }

    /* A closed slot's event has the session's UID (DESIGN §3); its former
     * one, the "closed" name's, is what a migration recognises. */
    assert_string_equal(oc_kind_uid_name(OC_KIND_CLOSED), "session");
    oc_event_uid("vaccins-covid19", oc_kind_uid_name(OC_KIND_CLOSED), day("2023-07-17"), uid);
    assert_string_equal(uid, "1308b9e3-9d9d-566c-8a21-4182377861dd");
}

/* The event of 'kind' for the slot starting on 'first', or NULL. */
static const oc_event *find(const oc_events *ev, oc_kind kind, oc_day first)
{
    for (size_t i = 0; i < ev->count; i++) {
        if (ev->events[i].kind == kind && ev->events[i].slot->first == first) {
            return &ev->events[i];
        }
    }
    return NULL;
}

static void test_event_kinds_and_languages(void **state)
{
    static const char yaml[] = "calendar: { id: ev, name: Ev, timezone: Europe/Paris,"
                               " reference: REF-1 }\n"
                               "session: {}\n"
                               "rhythm: [ { from: 2023-07-24, every: 2, until: 2023-07-31 } ]\n"
                               "sessions: [ { date: 2023-07-31, note: \"fermé l'été\" } ]\n"
                               "feeds: [ { id: fr }, { id: en, language: en } ]\n";
    oc_error err;
    oc_def *def;
    oc_sched *s;
    oc_events *ev;
    oc_tmpl *tfr, *ten;
    oc_texter *fr, *en;
    oc_event_text a, b;
    const oc_event *e;

    (void)state;
    oc_error_init(&err);
    def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    assert_non_null(def);
    s = oc_sched_expand(def, 0, &err);
    assert_non_null(s);
    ev = oc_events_new(def, s);
    tfr = oc_tmpl_load(OC_TEST_TEMPLATES, "fr", &err);
    ten = oc_tmpl_load(OC_TEST_TEMPLATES, "en", &err);
    assert_non_null(tfr);
    assert_non_null(ten);
    fr = oc_texter_new(def, tfr, "Ev");
    en = oc_texter_new(def, ten, "Ev");

    /* An open slot has four events and no closed one; a closed one only that. */
    assert_int_equal(ev->count, 5);
    assert_null(find(ev, OC_KIND_CLOSED, day("2023-07-24")));
    assert_null(find(ev, OC_KIND_SESSION, day("2023-07-31")));
    assert_null(find(ev, OC_KIND_DELIVERY, day("2023-07-31")));
    e = find(ev, OC_KIND_CLOSED, day("2023-07-31"));
    assert_non_null(e);
    assert_int_equal(oc_texter_make(fr, e, &a, &err), 0);
    assert_string_equal(a.summary, "Portail de commande fermé");
    assert_non_null(strstr(a.description, "fermé l'été"));
    assert_non_null(strstr(a.description, "REF-1"));
    assert_null(a.alarm);
    assert_int_equal(e->span->first, day("2023-07-31"));
    assert_int_equal(e->span->last, day("2023-08-01"));

    /* The same UID in every language; the texts differ. */
    e = find(ev, OC_KIND_CONFIRMATION, day("2023-07-24"));
    assert_non_null(e);
    assert_int_equal(oc_texter_make(fr, e, &a, &err), 0);
    assert_string_equal(a.summary, "Confirmation de commande disponible");
    assert_int_equal(oc_texter_make(en, e, &b, &err), 0);
    assert_string_equal(b.summary, "Order confirmation available");
    assert_non_null(b.alarm);
    assert_true(oc_kind_get(e->kind)->timed);
    assert_int_equal(e->span->local_start, day("2023-07-26") * 86400 + 18 * 3600);
    assert_int_equal(e->span->utc_start, day("2023-07-26") * 86400 + 16 * 3600);
    assert_true(e->has_alarm);
    assert_int_equal(e->alarm, 0);

    e = find(ev, OC_KIND_APPOINTMENTS, day("2023-07-24"));
    assert_non_null(e);
    assert_int_equal(oc_texter_make(en, e, &b, &err), 0);
    assert_int_equal(e->span->first, day("2023-08-05"));
    assert_int_equal(e->span->last, day("2023-08-05"));
    assert_non_null(strstr(b.description, "on Thursday 3 and Friday 4 August 2023"));

    oc_texter_free(fr);
    oc_texter_free(en);
    oc_tmpl_free(tfr);
    oc_tmpl_free(ten);
    oc_events_free(ev);
    oc_sched_free(s);
    oc_def_free(def);
}

/* A template bound once expands as oc_tmpl_expand() does, whatever the
 * values, a brace that opens no placeholder included; an unknown variable
 * is refused with the same message. */
static void test_event_bound_template(void **state)
{
    static const char *const keys[] = {"description.session", "description.confirmation",
                                       "summary.delivery",    "alarm.reminder",
                                       "description.closed",  "line.holiday"};
    oc_var v[] = {{"calendar", "Cal"},   {"session", "lundi {17}"},
                  {"delivery", NULL},    {"confirmation", "18h00"},
                  {"appointments", ""},  {"reference", "R"},
                  {"url", "https://x/"}, {"note", "n"},
                  {"extra", "\n+"},      {"session_short", "a"},
                  {"session_last", "b"}, {"delivery_short", "c"},
                  {"date", "d"},         {"holiday", "h"}};
    size_t nv = sizeof(v) / sizeof(v[0]);
    oc_error err;
    oc_tmpl *t;

    (void)state;
    oc_error_init(&err);
    t = oc_tmpl_load(OC_TEST_TEMPLATES, "fr", &err);
    assert_non_null(t);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        oc_buf a = {0}, b = {0};
        oc_tmpl_bound *bound = oc_tmpl_bind(t, keys[i], v, nv, &err);

        assert_non_null(bound);
        assert_int_equal(oc_tmpl_expand(t, keys[i], v, nv, &a, &err), 0);
        oc_tmpl_bound_expand(bound, v, &b);
        assert_string_equal(a.data != NULL ? a.data : "", b.data != NULL ? b.data : "");
        oc_tmpl_bound_free(bound);
        oc_buf_free(&a);
        oc_buf_free(&b);
    }

    /* Without the variable it uses: refused as an expansion is. */
    {
        oc_error e1, e2;
        oc_buf a = {0};

        oc_error_init(&e1);
        oc_error_init(&e2);
        assert_null(oc_tmpl_bind(t, "description.session", v, 2, &e1));
        assert_int_equal(oc_tmpl_expand(t, "description.session", v, 2, &a, &e2), -1);
        assert_string_equal(e1.text, e2.text);
        assert_non_null(strstr(e1.text, "uses unknown variable"));
        oc_error_init(&e1);
        assert_null(oc_tmpl_bind(t, "no.such.key", v, nv, &e1));
        assert_non_null(strstr(e1.text, "do not define 'no.such.key'"));
        oc_buf_free(&a);
    }
    oc_tmpl_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_uid_pinned),
        cmocka_unit_test(test_event_kinds_and_languages),
        cmocka_unit_test(test_event_bound_template),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
