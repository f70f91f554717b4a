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
        oc_event_uid("vaccins-covid19", cases[i].kind, day("2023-07-17"), uid);
        assert_string_equal(uid, cases[i].uid);
    }
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
    oc_eventer *fr, *en;
    oc_event a, b;

    (void)state;
    oc_error_init(&err);
    def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    assert_non_null(def);
    s = oc_sched_expand(def, 0, &err);
    assert_non_null(s);
    fr = oc_eventer_new(def, &def->feeds[0], OC_TEST_TEMPLATES, &err);
    en = oc_eventer_new(def, &def->feeds[1], OC_TEST_TEMPLATES, &err);
    assert_non_null(fr);
    assert_non_null(en);

    /* An open slot has no closed event; a closed one only that. */
    assert_int_equal(oc_event_make(fr, &s->slots[0], OC_KIND_CLOSED, &a, &err), 0);
    assert_int_equal(oc_event_make(fr, &s->slots[1], OC_KIND_SESSION, &a, &err), 0);
    assert_int_equal(oc_event_make(fr, &s->slots[1], OC_KIND_DELIVERY, &a, &err), 0);
    assert_int_equal(oc_event_make(fr, &s->slots[1], OC_KIND_CLOSED, &a, &err), 1);
    assert_string_equal(a.summary, "Portail de commande fermé");
    assert_non_null(strstr(a.description, "fermé l'été"));
    assert_non_null(strstr(a.description, "REF-1"));
    assert_int_equal(a.start, day("2023-07-31"));
    assert_int_equal(a.end, day("2023-08-02"));
    oc_event_clear(&a);

    /* The same UID in every language; the texts differ. */
    assert_int_equal(oc_event_make(fr, &s->slots[0], OC_KIND_CONFIRMATION, &a, &err), 1);
    assert_int_equal(oc_event_make(en, &s->slots[0], OC_KIND_CONFIRMATION, &b, &err), 1);
    assert_string_equal(a.uid, b.uid);
    assert_string_equal(a.summary, "Confirmation de commande disponible");
    assert_string_equal(b.summary, "Order confirmation available");
    assert_true(a.timed);
    assert_int_equal(a.local_start, day("2023-07-26") * 86400 + 18 * 3600);
    assert_int_equal(a.utc_start, day("2023-07-26") * 86400 + 16 * 3600);
    assert_true(a.has_alarm);
    assert_int_equal(a.alarm, 0);
    oc_event_clear(&a);
    oc_event_clear(&b);

    assert_int_equal(oc_event_make(en, &s->slots[0], OC_KIND_APPOINTMENTS, &b, &err), 1);
    assert_int_equal(b.start, day("2023-08-05"));
    assert_int_equal(b.end, day("2023-08-06"));
    assert_non_null(strstr(b.description, "on Thursday 3 and Friday 4 August 2023"));
    oc_event_clear(&b);

    oc_eventer_free(fr);
    oc_eventer_free(en);
    oc_sched_free(s);
    oc_def_free(def);
}

static void test_event_language_without_templates(void **state)
{
    static const char yaml[] = "calendar: { id: ev, name: Ev, timezone: UTC, language: de }\n"
                               "session: {}\n"
                               "rhythm: [ { from: 2023-07-24 } ]\n";
    oc_error err;
    oc_def *def;

    (void)state;
    oc_error_init(&err);
    def = oc_def_load_string(yaml, strlen(yaml), "def.yaml", &err);
    assert_non_null(def);
    assert_null(oc_eventer_new(def, &def->feeds[0], OC_TEST_TEMPLATES, &err));
    assert_int_equal(err.code, OC_E_VALUE);
    assert_int_equal(err.pos.line, 1);
    assert_int_equal(err.pos.column, 56);
    oc_def_free(def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_uid_pinned),
        cmocka_unit_test(test_event_kinds_and_languages),
        cmocka_unit_test(test_event_language_without_templates),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
