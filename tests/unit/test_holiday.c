/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the holiday module: Easter against published tables, every
 * French public holiday of 2023-2030 against published calendars, the local
 * days of Alsace-Moselle and the overseas departments, and the texts of every
 * key in templates/{fr,en}/holidays.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ordercal/holiday.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static oc_day day(const char *s)
{
    oc_date d;

    assert_true(oc_date_parse(s, &d));
    return oc_day_from_date(d);
}

/* "2023-05-18 ascension", or "2023-05-18 -" when the day is no holiday. */
static void describe(oc_holidays set, oc_day n, char *out, size_t size)
{
    oc_date d = oc_date_from_day(n);
    const char *key = NULL;

    if (!oc_holiday_on(set, n, &key)) {
        key = "-";
    }
    snprintf(out, size, "%04d-%02d-%02d %s", d.year, d.month, d.day, key);
}

static void test_holiday_easter_2000_2035(void **state)
{
    /* Western Easter Sunday as published in two independent tables:
     * jtsoftware.tripod.com/easter ("List of Easter Sunday Dates 2000-2099")
     * and a 2000-2100 listing on Yahoo Answers (qid 20080324162255AAYOmz6);
     * both agree on every year below. */
    static const char *const easter[] = {
        "2000-04-23", "2001-04-15", "2002-03-31", "2003-04-20", "2004-04-11", "2005-03-27",
        "2006-04-16", "2007-04-08", "2008-03-23", "2009-04-12", "2010-04-04", "2011-04-24",
        "2012-04-08", "2013-03-31", "2014-04-20", "2015-04-05", "2016-03-27", "2017-04-16",
        "2018-04-01", "2019-04-21", "2020-04-12", "2021-04-04", "2022-04-17", "2023-04-09",
        "2024-03-31", "2025-04-20", "2026-04-05", "2027-03-28", "2028-04-16", "2029-04-01",
        "2030-04-21", "2031-04-13", "2032-03-28", "2033-04-17", "2034-04-09", "2035-03-25",
    };

    (void)state;
    for (size_t i = 0; i < COUNT(easter); i++) {
        oc_day e = oc_easter(2000 + (int)i);

        assert_int_equal(e, day(easter[i]));
        assert_int_equal(oc_day_weekday(e), 6); /* a Sunday */
    }
}

static void test_holiday_easter_monday_1970_2099(void **state)
{
    /* Easter Monday from gadael/icsdb build/fr-FR/france-nonworkingdays.ics
     * ("Le lundi de Pâques" RDATE, unfolded). Only this list is used: the same
     * file's Ascension and Whit Monday lists are off by one and two days
     * (20230519, 20230531 instead of 18 and 29 May 2023). */
    static const char rdate[] =
        "19700330,19710412,19720403,19730423,19740415,19750331,19760419,19770411,19780327,"
        "19790416,19800407,19810420,19820412,19830404,19840423,19850408,19860331,19870420,"
        "19880404,19890327,19900416,19910401,19920420,19930412,19940404,19950417,19960408,"
        "19970331,19980413,19990405,20000424,20010416,20020401,20030421,20040412,20050328,"
        "20060417,20070409,20080324,20090413,20100405,20110425,20120409,20130401,20140421,"
        "20150406,20160328,20170417,20180402,20190422,20200413,20210405,20220418,20230410,"
        "20240401,20250421,20260406,20270329,20280417,20290402,20300422,20310414,20320329,"
        "20330418,20340410,20350326,20360414,20370406,20380426,20390411,20400402,20410422,"
        "20420407,20430330,20440418,20450410,20460326,20470415,20480406,20490419,20500411,"
        "20510403,20520422,20530407,20540330,20550419,20560403,20570423,20580415,20590331,"
        "20600419,20610411,20620327,20630416,20640407,20650330,20660412,20670404,20680423,"
        "20690415,20700331,20710420,20720411,20730327,20740416,20750408,20760420,20770412,"
        "20780404,20790424,20800408,20810331,20820420,20830405,20840327,20850416,20860401,"
        "20870421,20880412,20890404,20900417,20910409,20920331,20930413,20940405,20950425,"
        "20960416,20970401,20980421,20990413";
    int year = 1970;

    (void)state;
    for (const char *p = rdate; *p != '\0'; p += p[8] == ',' ? 9 : 8, year++) {
        oc_date d;
        const char *key = NULL;

        assert_int_equal(sscanf(p, "%4d%2d%2d", &d.year, &d.month, &d.day), 3);
        assert_int_equal(d.year, year);
        assert_int_equal(oc_easter(d.year) + 1, oc_day_from_date(d));
        assert_true(oc_holiday_on(OC_HOLIDAYS_FR, oc_day_from_date(d), &key));
        assert_string_equal(key, "easter-monday");
    }
    assert_int_equal(year, 2100);
}

static void test_holiday_fr_2023_2030_every_date(void **state)
{
    /* Every public holiday of metropolitan France, checked against published
     * calendars: caard.fr/jours-feries/2023; public-holidays.us FR 2024;
     * 20minutes.fr and press articles for 2025; fo-fonctionnaires.fr and
     * vacances-scolaires.education for 2026; jours-feries-france.fr 2027;
     * 2028 and 2029 movable days from timesles.com, asia-home.com and
     * jours-feries.ch (same Gregorian Easter); calendriergratuit.fr 2030. */
    static const char *const expected[] = {
        "2023-01-01 new-year",     "2023-04-10 easter-monday", "2023-05-01 labour-day",
        "2023-05-08 victory-1945", "2023-05-18 ascension",     "2023-05-29 whit-monday",
        "2023-07-14 bastille-day", "2023-08-15 assumption",    "2023-11-01 all-saints",
        "2023-11-11 armistice",    "2023-12-25 christmas",

        "2024-01-01 new-year",     "2024-04-01 easter-monday", "2024-05-01 labour-day",
        "2024-05-08 victory-1945", "2024-05-09 ascension",     "2024-05-20 whit-monday",
        "2024-07-14 bastille-day", "2024-08-15 assumption",    "2024-11-01 all-saints",
        "2024-11-11 armistice",    "2024-12-25 christmas",

        "2025-01-01 new-year",     "2025-04-21 easter-monday", "2025-05-01 labour-day",
        "2025-05-08 victory-1945", "2025-05-29 ascension",     "2025-06-09 whit-monday",
        "2025-07-14 bastille-day", "2025-08-15 assumption",    "2025-11-01 all-saints",
        "2025-11-11 armistice",    "2025-12-25 christmas",

        "2026-01-01 new-year",     "2026-04-06 easter-monday", "2026-05-01 labour-day",
        "2026-05-08 victory-1945", "2026-05-14 ascension",     "2026-05-25 whit-monday",
        "2026-07-14 bastille-day", "2026-08-15 assumption",    "2026-11-01 all-saints",
        "2026-11-11 armistice",    "2026-12-25 christmas",

        "2027-01-01 new-year",     "2027-03-29 easter-monday", "2027-05-01 labour-day",
        "2027-05-06 ascension",    "2027-05-08 victory-1945",  "2027-05-17 whit-monday",
        "2027-07-14 bastille-day", "2027-08-15 assumption",    "2027-11-01 all-saints",
        "2027-11-11 armistice",    "2027-12-25 christmas",

        "2028-01-01 new-year",     "2028-04-17 easter-monday", "2028-05-01 labour-day",
        "2028-05-08 victory-1945", "2028-05-25 ascension",     "2028-06-05 whit-monday",
        "2028-07-14 bastille-day", "2028-08-15 assumption",    "2028-11-01 all-saints",
        "2028-11-11 armistice",    "2028-12-25 christmas",

        "2029-01-01 new-year",     "2029-04-02 easter-monday", "2029-05-01 labour-day",
        "2029-05-08 victory-1945", "2029-05-10 ascension",     "2029-05-21 whit-monday",
        "2029-07-14 bastille-day", "2029-08-15 assumption",    "2029-11-01 all-saints",
        "2029-11-11 armistice",    "2029-12-25 christmas",

        "2030-01-01 new-year",     "2030-04-22 easter-monday", "2030-05-01 labour-day",
        "2030-05-08 victory-1945", "2030-05-30 ascension",     "2030-06-10 whit-monday",
        "2030-07-14 bastille-day", "2030-08-15 assumption",    "2030-11-01 all-saints",
        "2030-11-11 armistice",    "2030-12-25 christmas",
    };
    size_t found = 0;
    char got[64];

    (void)state;

    /* Walk every day, so a holiday too many fails as surely as one missing. */
    for (oc_day n = day("2023-01-01"); n <= day("2030-12-31"); n++) {
        if (!oc_holiday_on(OC_HOLIDAYS_FR, n, NULL)) {
            continue;
        }
        describe(OC_HOLIDAYS_FR, n, got, sizeof(got));
        assert_true(found < COUNT(expected));
        assert_string_equal(got, expected[found]);
        found++;
    }
    assert_int_equal(found, COUNT(expected));
}

static void test_holiday_local_days_only_in_their_set(void **state)
{
    /* Good Friday: bonsplansmagazine.com (2023), Ouest-France (29 March 2024),
     * 2025 press (18 April), calendriergratuit.fr (19 April 2030). Abolition
     * days: décret n° 83-1003 as listed by legisocial.fr; public-holidays.us
     * (Guyane, 10 June 2024) and 2025 press lists for the other dates. */
    static const struct {
        oc_holidays set;
        const char *date;
        const char *key;
    } cases[] = {
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, "2023-04-07", "good-friday"},
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, "2024-03-29", "good-friday"},
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, "2025-04-18", "good-friday"},
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, "2030-04-19", "good-friday"},
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, "2023-12-26", "st-stephen"},
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, "2030-12-26", "st-stephen"},
        {OC_HOLIDAYS_FR_GUADELOUPE, "2025-05-27", "abolition-slavery"},
        {OC_HOLIDAYS_FR_MARTINIQUE, "2025-05-22", "abolition-slavery"},
        {OC_HOLIDAYS_FR_GUYANE, "2024-06-10", "abolition-slavery"},
        {OC_HOLIDAYS_FR_GUYANE, "2025-06-10", "abolition-slavery"},
        {OC_HOLIDAYS_FR_REUNION, "2025-12-20", "abolition-slavery"},
        {OC_HOLIDAYS_FR_MAYOTTE, "2025-04-27", "abolition-slavery"},
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        for (int s = OC_HOLIDAYS_NONE; s <= OC_HOLIDAYS_FR_MAYOTTE; s++) {
            const char *key = NULL;
            bool hit = oc_holiday_on((oc_holidays)s, day(cases[i].date), &key);

            if (s == (int)cases[i].set) {
                assert_true(hit);
                assert_string_equal(key, cases[i].key);
            } else {
                assert_false(hit);
            }
        }
    }
}

static void test_holiday_count_per_set(void **state)
{
    /* 2025 has no two holidays on one day in any set. */
    static const struct {
        oc_holidays set;
        int count;
    } cases[] = {
        {OC_HOLIDAYS_NONE, 0},
        {OC_HOLIDAYS_FR, 11},
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, 13},
        {OC_HOLIDAYS_FR_GUADELOUPE, 12},
        {OC_HOLIDAYS_FR_MARTINIQUE, 12},
        {OC_HOLIDAYS_FR_GUYANE, 12},
        {OC_HOLIDAYS_FR_REUNION, 12},
        {OC_HOLIDAYS_FR_MAYOTTE, 12},
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        int count = 0;

        for (oc_day n = day("2025-01-01"); n <= day("2025-12-31"); n++) {
            count += oc_holiday_on(cases[i].set, n, NULL);
        }
        assert_int_equal(count, cases[i].count);
    }
}

static void test_holiday_ordinary_day_is_not_one(void **state)
{
    static const struct {
        oc_holidays set;
        const char *date;
    } cases[] = {
        {OC_HOLIDAYS_FR, "2025-01-02"},
        {OC_HOLIDAYS_FR, "2025-05-02"},
        {OC_HOLIDAYS_FR, "2024-12-24"},
        {OC_HOLIDAYS_FR, "2025-04-20"}, /* Easter Sunday itself is not listed */
        {OC_HOLIDAYS_FR, "2025-06-08"}, /* nor is Whit Sunday */
        {OC_HOLIDAYS_FR, "2025-04-18"}, /* Good Friday outside Alsace-Moselle */
        {OC_HOLIDAYS_FR, "2025-12-26"},
        {OC_HOLIDAYS_FR_ALSACE_MOSELLE, "2025-04-19"},
        {OC_HOLIDAYS_NONE, "2025-12-25"},
        {(oc_holidays)8, "2025-12-25"},
        {(oc_holidays)-1, "2025-12-25"},
        {OC_HOLIDAYS_FR, "1969-12-25"}, /* before OC_HOLIDAY_YEAR_MIN */
        {OC_HOLIDAYS_FR, "3000-01-01"}, /* after OC_HOLIDAY_YEAR_MAX */
    };
    const char *sentinel = "untouched";

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *key = sentinel;

        assert_false(oc_holiday_on(cases[i].set, day(cases[i].date), &key));
        assert_ptr_equal(key, sentinel);
    }
    assert_false(oc_holiday_on(OC_HOLIDAYS_FR, INT64_MAX, NULL));
    assert_false(oc_holiday_on(OC_HOLIDAYS_FR, INT64_MIN, NULL));
}

static void test_holiday_range_and_history(void **state)
{
    static const struct {
        oc_holidays set;
        const char *date;
        const char *key; /* NULL: not a holiday */
    } cases[] = {
        {OC_HOLIDAYS_FR, "1970-01-01", "new-year"},
        {OC_HOLIDAYS_FR, "2999-12-25", "christmas"},

        /* 8 May was no holiday from 1959 until a 1981 law restored it. */
        {OC_HOLIDAYS_FR, "1980-05-08", NULL},
        {OC_HOLIDAYS_FR, "1981-05-08", NULL},
        {OC_HOLIDAYS_FR, "1982-05-08", "victory-1945"},

        /* Abolition days start with décret n° 83-1003 du 23 novembre 1983. */
        {OC_HOLIDAYS_FR_GUADELOUPE, "1983-05-27", NULL},
        {OC_HOLIDAYS_FR_REUNION, "1983-12-20", "abolition-slavery"},
        {OC_HOLIDAYS_FR_GUADELOUPE, "1984-05-27", "abolition-slavery"},
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *key = NULL;
        bool hit = oc_holiday_on(cases[i].set, day(cases[i].date), &key);

        if (cases[i].key == NULL) {
            assert_false(hit);
        } else {
            assert_true(hit);
            assert_string_equal(key, cases[i].key);
        }
    }
}

static void test_holiday_shared_day_gives_first_key(void **state)
{
    /* Easter 2008 was 23 March, so Ascension fell on 1 May; Easter 2059 is
     * 30 March, so Ascension falls on 8 May (jeunediplome.net lists 2059). */
    static const struct {
        const char *date;
        const char *key;
        int easter_offset;
    } cases[] = {
        {"2008-05-01", "labour-day", 39},
        {"2059-05-08", "victory-1945", 39},
    };

    (void)state;
    for (size_t i = 0; i < COUNT(cases); i++) {
        oc_day n = day(cases[i].date);
        const char *key = NULL;

        assert_int_equal(n, oc_easter(oc_date_from_day(n).year) + cases[i].easter_offset);
        assert_true(oc_holiday_on(OC_HOLIDAYS_FR, n, &key));
        assert_string_equal(key, cases[i].key);
    }
}

static void test_holiday_set_names_round_trip(void **state)
{
    static const char *const names[] = {
        "none",          "fr",        "fr-alsace-moselle", "fr-guadeloupe",
        "fr-martinique", "fr-guyane", "fr-reunion",        "fr-mayotte",
    };
    static const char *const unknown[] = {
        "", "FR", "Fr", "fr-", "france", "fr-alsace", "fr-réunion", "fr ", " fr", "none\n",
    };

    (void)state;
    assert_int_equal(COUNT(names), OC_HOLIDAYS_FR_MAYOTTE + 1);
    for (size_t i = 0; i < COUNT(names); i++) {
        assert_string_equal(oc_holidays_name((oc_holidays)i), names[i]);
        assert_int_equal(oc_holidays_parse(names[i]), (int)i);
    }
    assert_int_equal(oc_holidays_parse("none"), OC_HOLIDAYS_NONE);
    for (size_t i = 0; i < COUNT(unknown); i++) {
        assert_int_equal(oc_holidays_parse(unknown[i]), -1);
    }
    assert_int_equal(oc_holidays_parse(NULL), -1);
    assert_null(oc_holidays_name((oc_holidays)(OC_HOLIDAYS_FR_MAYOTTE + 1)));
    assert_null(oc_holidays_name((oc_holidays)-1));
}

static bool is_key(const char *key)
{
    for (size_t i = 0; oc_holiday_key(i) != NULL; i++) {
        if (strcmp(oc_holiday_key(i), key) == 0) {
            return true;
        }
    }
    return false;
}

static void test_holiday_every_key_is_listed_and_used(void **state)
{
    bool used[64] = {false};
    size_t nkeys = 0;

    (void)state;
    while (oc_holiday_key(nkeys) != NULL) {
        nkeys++;
    }
    assert_int_equal(nkeys, 14);
    assert_true(nkeys <= COUNT(used));

    /* Every key oc_holiday_on() can return is listed, and every listed key
     * is returned on some day of the range. */
    for (int s = OC_HOLIDAYS_FR; s <= OC_HOLIDAYS_FR_MAYOTTE; s++) {
        for (int y = OC_HOLIDAY_YEAR_MIN; y <= OC_HOLIDAY_YEAR_MAX; y += 7) {
            for (oc_day n = oc_day_from_date((oc_date){y, 1, 1});
                 n <= oc_day_from_date((oc_date){y, 12, 31}); n++) {
                const char *key = NULL;

                if (!oc_holiday_on((oc_holidays)s, n, &key)) {
                    continue;
                }
                assert_true(is_key(key));
                for (size_t i = 0; i < nkeys; i++) {
                    used[i] = used[i] || strcmp(oc_holiday_key(i), key) == 0;
                }
            }
        }
    }
    for (size_t i = 0; i < nkeys; i++) {
        assert_true(used[i]);
    }
}

/* Strips leading and trailing blanks (spaces, tabs, CR, LF) in place. */
static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t') {
        s++;
    }
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) {
        end--;
    }
    *end = '\0';
    return s;
}

static void test_holiday_every_key_has_a_text(void **state)
{
    static const char *const languages[] = {"fr", "en"};

    (void)state;
    for (size_t l = 0; l < COUNT(languages); l++) {
        char path[1024], line[1024];
        bool seen[64] = {false};
        FILE *fp;
        int lineno = 0;

        snprintf(path, sizeof(path), "%s/%s/holidays.txt", OC_TEST_TEMPLATES, languages[l]);
        fp = fopen(path, "r");
        if (fp == NULL) {
            fail_msg("cannot read %s", path);
        }

        /* The format of src/tmpl.c: "key = value", '#' comments, blank lines. */
        while (fgets(line, sizeof(line), fp) != NULL) {
            char *s, *eq, *key, *value;
            size_t i;

            lineno++;
            if (strchr(line, '\n') == NULL && !feof(fp)) {
                fail_msg("%s:%d: line longer than the test's buffer", path, lineno);
            }
            s = trim(line);
            if (*s == '\0' || *s == '#') {
                continue;
            }
            eq = strchr(s, '=');
            if (eq == NULL) {
                fail_msg("%s:%d: expected 'key = value'", path, lineno);
            }
            *eq = '\0';
            key = trim(s);
            value = trim(eq + 1);
            if (strncmp(key, "holiday.", 8) != 0) {
                fail_msg("%s:%d: key '%s' is not holiday.<key>", path, lineno, key);
            }
            for (i = 0; oc_holiday_key(i) != NULL; i++) {
                if (strcmp(oc_holiday_key(i), key + 8) == 0) {
                    break;
                }
            }
            if (oc_holiday_key(i) == NULL) {
                fail_msg("%s:%d: '%s' names no holiday", path, lineno, key);
            }
            if (seen[i]) {
                fail_msg("%s:%d: '%s' is defined twice", path, lineno, key);
            }
            if (*value == '\0' || !oc_utf8_valid(value, strlen(value))) {
                fail_msg("%s:%d: '%s' has no UTF-8 text", path, lineno, key);
            }
            seen[i] = true;
        }
        assert_false(ferror(fp));
        fclose(fp);
        for (size_t i = 0; oc_holiday_key(i) != NULL; i++) {
            if (!seen[i]) {
                fail_msg("%s: no text for holiday.%s", path, oc_holiday_key(i));
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holiday_easter_2000_2035),
        cmocka_unit_test(test_holiday_easter_monday_1970_2099),
        cmocka_unit_test(test_holiday_fr_2023_2030_every_date),
        cmocka_unit_test(test_holiday_local_days_only_in_their_set),
        cmocka_unit_test(test_holiday_count_per_set),
        cmocka_unit_test(test_holiday_ordinary_day_is_not_one),
        cmocka_unit_test(test_holiday_range_and_history),
        cmocka_unit_test(test_holiday_shared_day_gives_first_key),
        cmocka_unit_test(test_holiday_set_names_round_trip),
        cmocka_unit_test(test_holiday_every_key_is_listed_and_used),
        cmocka_unit_test(test_holiday_every_key_has_a_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
