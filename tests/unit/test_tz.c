/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/tz.c: TZif loading (RFC 8536), offsets, RFC 5545 §3.3.5 local-time
 * conversion, and the VTIMEZONE description (RFC 5545 §3.6.5), checked by evaluating the
 * observances and comparing with oc_tz_offset_at(). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ordercal/diag.h"
#include "ordercal/tz.h"
#include "ordercal/util.h"

#define DAY INT64_C(86400)
#define HOUR INT64_C(3600)

/* What the failing check was about, when the zone's name does not say it. */
static const char *context;

static int64_t at(int y, int mo, int d, int h, int mi, int s)
{
    oc_date date = {y, mo, d};

    return oc_day_from_date(date) * DAY + h * HOUR + mi * 60 + s;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if (a % b != 0 && (a < 0) != (b < 0)) {
        q--;
    }
    return q;
}

static oc_tz *load(const char *name)
{
    oc_error err;
    oc_tz *tz;

    oc_error_init(&err);
    tz = oc_tz_load(name, &err);
    if (tz == NULL) {
        print_error("loading %s: %s\n", name, err.text);
    }
    assert_non_null(tz);
    assert_int_equal(err.code, OC_OK);
    return tz;
}

/* ---- An independent evaluator of the description ---- */

/* Onset in 'year' of a yearly rule, at the time of day of DTSTART (local, offset_from). */
static int64_t rule_local(const oc_tz_observance *o, int year)
{
    oc_date first = {year, o->rule_month, 1};
    oc_day d = oc_day_from_date(first);
    int64_t tod = o->dtstart_local - floor_div(o->dtstart_local, DAY) * DAY;
    int wd;

    if (o->rule_week == 0) {
        /* BYDAY=<weekday>;BYMONTHDAY=<seven days>: the one of them on that weekday */
        d += o->rule_monthday - 1;
        while ((oc_day_weekday(d) + 1) % 7 != o->rule_weekday) {
            d++;
        }
    } else if (o->rule_week > 0) {
        wd = (oc_day_weekday(d) + 1) % 7;
        d += (o->rule_weekday - wd + 7) % 7 + 7 * (o->rule_week - 1);
    } else {
        d += oc_days_in_month(year, o->rule_month) - 1;
        wd = (oc_day_weekday(d) + 1) % 7;
        d -= (wd - o->rule_weekday + 7) % 7;
    }
    return d * DAY + tod;
}

static int year_of(int64_t t)
{
    return oc_date_from_day(floor_div(t, DAY)).year;
}

/* Latest onset (UTC) of 'o' at or before 't'; false when 'o' has not started. */
static bool latest_onset(const oc_tz_observance *o, int64_t t, int64_t *out)
{
    int64_t start = o->dtstart_local - o->offset_from;
    bool found = false;

    if (start > t) {
        return false;
    }
    *out = start;
    found = true;
    if (o->has_rule) {
        for (int y = year_of(t) - 1; y <= year_of(t) + 1; y++) {
            int64_t local = rule_local(o, y);
            int64_t u = local - o->offset_from;

            if (local >= o->dtstart_local && u <= t && u > *out) {
                *out = u;
            }
        }
        return found;
    }

    /* rdates are sorted: binary search for the last one at or before 't'. */
    size_t lo = 0, hi = o->rdate_count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (o->rdates_local[mid] - o->offset_from <= t) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo > 0 && o->rdates_local[lo - 1] - o->offset_from > *out) {
        *out = o->rdates_local[lo - 1] - o->offset_from;
    }
    return found;
}

/* The offset the description gives at 't': the observance with the latest onset wins.
 * Fails the test when no observance is in force or two start at the same instant. */
static int32_t eval_rules(const oc_tz_rules *r, int64_t t)
{
    int64_t best = 0;
    int32_t off = 0;
    bool found = false, tie = false;

    for (size_t i = 0; i < r->count; i++) {
        int64_t onset;

        if (!latest_onset(&r->obs[i], t, &onset)) {
            continue;
        }
        if (!found || onset > best) {
            best = onset;
            off = r->obs[i].offset_to;
            found = true;
            tie = false;
        } else if (onset == best && r->obs[i].offset_to != off) {
            tie = true;
        }
    }
    if (!found || tie) {
        print_error("no single observance in force at %lld (%s)\n", (long long)t,
                    context != NULL ? context : "-");
    }
    assert_true(found);
    assert_false(tie);
    return off;
}

/* Checks the shape RFC 5545 needs: sorted, rule fields in range, DTSTART on the rule. */
static void check_shape(const oc_tz_rules *r)
{
    for (size_t i = 0; i < r->count; i++) {
        const oc_tz_observance *o = &r->obs[i];

        if (i > 0) {
            assert_true(r->obs[i - 1].dtstart_local <= o->dtstart_local);
        }
        assert_true(strlen(o->name) < sizeof(o->name));
        if (o->has_rule) {
            assert_int_equal(o->rdate_count, 0);
            assert_in_range(o->rule_month, 1, 12);
            assert_true(o->rule_week == -1 || (o->rule_week >= 0 && o->rule_week <= 4));
            assert_in_range(o->rule_weekday, 0, 6);
            if (o->rule_week == 0) {
                /* the seven days must exist in every year's month */
                assert_in_range(o->rule_monthday, 1, oc_days_in_month(2001, o->rule_month) - 6);
            } else {
                assert_int_equal(o->rule_monthday, 0);
            }
            assert_true(rule_local(o, year_of(o->dtstart_local)) == o->dtstart_local);
        }
        for (size_t k = 0; k < o->rdate_count; k++) {
            assert_true(o->rdates_local[k] > (k == 0 ? o->dtstart_local : o->rdates_local[k - 1]));
        }
    }
}

static void check_at(const oc_tz *tz, const oc_tz_rules *r, int64_t t)
{
    int32_t want = oc_tz_offset_at(tz, t);
    int32_t got = eval_rules(r, t);

    if (want != got) {
        print_error("%s (%s) at %lld: description gives %d, zone %d\n", oc_tz_name(tz),
                    context != NULL ? context : "-", (long long)t, (int)got, (int)want);
    }
    assert_int_equal(got, want);
}

/* The property: the description and oc_tz_offset_at() agree every 'step' seconds and on
 * both sides of every onset the description lists inside the range. */
static void check_rules_match(const oc_tz *tz, int64_t from, int64_t to, int64_t step)
{
    oc_tz_rules r = {0};
    oc_error err;

    oc_error_init(&err);
    assert_int_equal(oc_tz_rules_for_range(tz, from, to, &r, &err), 0);
    assert_int_equal(err.code, OC_OK);
    assert_true(r.count > 0);
    check_shape(&r);
    for (int64_t t = from; t <= to; t += step) {
        check_at(tz, &r, t);
    }
    check_at(tz, &r, to);
    for (size_t i = 0; i < r.count; i++) {
        const oc_tz_observance *o = &r.obs[i];
        int64_t u = o->dtstart_local - o->offset_from;

        if (u > from && u <= to) {
            check_at(tz, &r, u - 1);
            check_at(tz, &r, u);
        }
        for (size_t k = 0; k < o->rdate_count; k++) {
            u = o->rdates_local[k] - o->offset_from;
            if (u > from && u <= to) {
                check_at(tz, &r, u - 1);
                check_at(tz, &r, u);
            }
        }
        for (int y = year_of(from); o->has_rule && y <= year_of(to); y++) {
            u = rule_local(o, y) - o->offset_from;
            if (u > from && u <= to) {
                check_at(tz, &r, u - 1);
                check_at(tz, &r, u);
            }
        }
    }
    oc_tz_rules_free(&r);
    assert_null(r.obs);
}

/* local_to_utc(local(t)) is an instant with the same wall time, and the first one. */
static void check_roundtrip(const oc_tz *tz, int64_t from, int64_t to, int64_t step)
{
    for (int64_t t = from; t <= to; t += step) {
        int64_t local = t + oc_tz_offset_at(tz, t);
        int64_t u = oc_tz_local_to_utc(tz, local);

        assert_int_equal(u + oc_tz_offset_at(tz, u), local);
        assert_true(u <= t);
    }
}

/* ---- Loading ---- */

static void test_tz_load_rejects_unknown_names(void **state)
{
    static const char *const names[] = {
        "Europe/Pariss",
        "../etc/passwd",
        "",
        "/etc/localtime",
        "Europe",
        "Europe/Paris ",
        "Europe/./Paris",
        "zone.tab",
        "iso3166.tab",
        "Europe/Paris/",
        "leapseconds",
        "right/Europe/Paris", /* leap seconds: iCalendar has none */
        "Europe/Paris\n",
        "Europe\\Paris",
        "Europe/Paris;rm",
    };
    char longname[300];

    (void)state;
    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    for (size_t i = 0; i <= sizeof(names) / sizeof(names[0]); i++) {
        const char *name = i < sizeof(names) / sizeof(names[0]) ? names[i] : longname;
        char want[600];
        oc_error err;

        oc_error_init(&err);
        assert_null(oc_tz_load(name, &err));
        snprintf(want, sizeof(want), "unknown time zone '%s'", name);
        assert_int_equal(err.code, OC_E_VALUE);
        assert_string_equal(err.text, want);
        assert_string_equal(err.file, "");
        assert_int_equal(err.pos.line, 0);
        assert_int_equal(err.pos.column, 0);
    }
}

static void test_tz_load_keeps_first_error(void **state)
{
    oc_error err;

    (void)state;
    oc_error_init(&err);
    oc_error_set(&err, OC_E_SCHEMA, "def.yaml", (oc_pos){3, 7}, "earlier");
    assert_null(oc_tz_load("Nowhere/Atlantis", &err));
    assert_int_equal(err.code, OC_E_SCHEMA);
    assert_string_equal(err.text, "earlier");
    assert_null(oc_tz_load("Nowhere/Atlantis", NULL));
    oc_tz_free(NULL);
}

static void test_tz_load_names_zone(void **state)
{
    oc_tz *tz = load("America/Guadeloupe");

    (void)state;
    assert_string_equal(oc_tz_name(tz), "America/Guadeloupe");
    oc_tz_free(tz);
}

/* ---- Offsets and conversions ---- */

typedef struct {
    const char *zone;
    int64_t utc;
    int32_t offset;
} offset_case;

static void test_tz_offset_at_transitions(void **state)
{
    const offset_case cases[] = {
        {"Europe/Paris", at(2023, 3, 26, 0, 59, 59), 3600},
        {"Europe/Paris", at(2023, 3, 26, 1, 0, 0), 7200},
        {"Europe/Paris", at(2023, 10, 29, 0, 59, 59), 7200},
        {"Europe/Paris", at(2023, 10, 29, 1, 0, 0), 3600},
        {"Europe/Paris", at(1850, 1, 1, 0, 0, 0), 561},  /* LMT, before any transition */
        {"Europe/Paris", at(2100, 7, 1, 0, 0, 0), 7200}, /* past the fat table: footer */
        {"Europe/Paris", at(2100, 12, 1, 0, 0, 0), 3600},
        {"America/New_York", at(2023, 3, 12, 6, 59, 59), -18000},
        {"America/New_York", at(2023, 3, 12, 7, 0, 0), -14400},
        {"America/New_York", at(2023, 11, 5, 5, 59, 59), -14400},
        {"America/New_York", at(2023, 11, 5, 6, 0, 0), -18000},
        {"Australia/Sydney", at(2023, 9, 30, 16, 0, 0), 39600}, /* Oct 1, 03:00 AEDT */
        {"Australia/Sydney", at(2023, 9, 30, 15, 59, 59), 36000},
        {"Australia/Sydney", at(2023, 4, 1, 15, 59, 59), 39600},
        {"Australia/Sydney", at(2023, 4, 1, 16, 0, 0), 36000}, /* 03:00 AEDT -> 02:00 AEST */
        {"Europe/Dublin", at(2023, 1, 15, 12, 0, 0), 0},
        {"Europe/Dublin", at(2023, 7, 15, 12, 0, 0), 3600},
        {"Indian/Reunion", at(2023, 7, 1, 0, 0, 0), 14400},
        {"America/Guadeloupe", at(2023, 7, 1, 0, 0, 0), -14400},
        {"Asia/Kolkata", at(2023, 7, 1, 0, 0, 0), 19800},
        {"Pacific/Chatham", at(2023, 1, 1, 0, 0, 0), 49500},
        {"Australia/Lord_Howe", at(2023, 1, 1, 0, 0, 0), 39600},
        {"Australia/Lord_Howe", at(2023, 7, 1, 0, 0, 0), 37800},
        {"UTC", at(2023, 7, 1, 0, 0, 0), 0},
        {"Etc/GMT+5", at(2023, 7, 1, 0, 0, 0), -18000},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_tz *tz = load(cases[i].zone);

        if (oc_tz_offset_at(tz, cases[i].utc) != cases[i].offset) {
            print_error("%s at %lld\n", cases[i].zone, (long long)cases[i].utc);
        }
        assert_int_equal(oc_tz_offset_at(tz, cases[i].utc), cases[i].offset);
        oc_tz_free(tz);
    }
}

typedef struct {
    const char *zone;
    int64_t local;
    int64_t utc;
} local_case;

static void test_tz_local_to_utc_gap_and_overlap(void **state)
{
    const local_case cases[] = {
        /* spring-forward gap: read with the offset before it (03:30 CEST) */
        {"Europe/Paris", at(2023, 3, 26, 2, 30, 0), at(2023, 3, 26, 1, 30, 0)},
        {"Europe/Paris", at(2023, 3, 26, 2, 0, 0), at(2023, 3, 26, 1, 0, 0)},
        {"Europe/Paris", at(2023, 3, 26, 3, 0, 0), at(2023, 3, 26, 1, 0, 0)},
        {"Europe/Paris", at(2023, 3, 26, 1, 59, 59), at(2023, 3, 26, 0, 59, 59)},
        /* fall-back overlap: the first occurrence, still CEST */
        {"Europe/Paris", at(2023, 10, 29, 2, 30, 0), at(2023, 10, 29, 0, 30, 0)},
        {"Europe/Paris", at(2023, 10, 29, 2, 0, 0), at(2023, 10, 29, 0, 0, 0)},
        {"Europe/Paris", at(2023, 10, 29, 3, 0, 0), at(2023, 10, 29, 2, 0, 0)},
        {"Europe/Paris", at(2023, 7, 19, 18, 0, 0), at(2023, 7, 19, 16, 0, 0)},
        {"Europe/Paris", at(2023, 1, 19, 18, 0, 0), at(2023, 1, 19, 17, 0, 0)},
        {"America/New_York", at(2023, 3, 12, 2, 30, 0), at(2023, 3, 12, 7, 30, 0)},
        {"America/New_York", at(2023, 11, 5, 1, 30, 0), at(2023, 11, 5, 5, 30, 0)},
        {"Australia/Sydney", at(2023, 10, 1, 2, 30, 0), at(2023, 9, 30, 16, 30, 0)},
        {"Australia/Sydney", at(2023, 4, 2, 2, 30, 0), at(2023, 4, 1, 15, 30, 0)},
        {"Australia/Lord_Howe", at(2023, 4, 2, 1, 45, 0), at(2023, 4, 1, 14, 45, 0)},
        {"Indian/Reunion", at(2023, 7, 19, 18, 0, 0), at(2023, 7, 19, 14, 0, 0)},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_tz *tz = load(cases[i].zone);

        assert_int_equal(oc_tz_local_to_utc(tz, cases[i].local), cases[i].utc);
        oc_tz_free(tz);
    }
}

/* ---- VTIMEZONE description ---- */

typedef struct {
    const char *zone;
    int32_t offset;
    const char *name;
} fixed_case;

static void test_tz_rules_fixed_zone_is_one_standard(void **state)
{
    const fixed_case cases[] = {
        {"Indian/Reunion", 14400, "+04"}, {"America/Guadeloupe", -14400, "AST"},
        {"Asia/Kolkata", 19800, "IST"},   {"UTC", 0, "UTC"},
        {"Etc/GMT+5", -18000, "-05"},     {"America/Sao_Paulo", -10800, "-03"},
        {"Asia/Tehran", 12600, "+0330"},  {"Pacific/Tahiti", -36000, "-10"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_tz *tz = load(cases[i].zone);
        oc_tz_rules r = {0};
        oc_error err;

        oc_error_init(&err);
        assert_int_equal(
            oc_tz_rules_for_range(tz, at(2023, 1, 1, 0, 0, 0), at(2025, 12, 31, 0, 0, 0), &r, &err),
            0);
        assert_int_equal(r.count, 1);
        assert_false(r.obs[0].is_dst);
        assert_false(r.obs[0].has_rule);
        assert_int_equal(r.obs[0].rdate_count, 0);
        assert_int_equal(r.obs[0].offset_from, cases[i].offset);
        assert_int_equal(r.obs[0].offset_to, cases[i].offset);
        assert_string_equal(r.obs[0].name, cases[i].name);
        assert_int_equal(r.obs[0].dtstart_local, 0);
        oc_tz_rules_free(&r);
        oc_tz_free(tz);
    }
}

typedef struct {
    const char *zone;
    int32_t std_off, dst_off;
    const char *std_name, *dst_name;
    int std_month, std_week, dst_month, dst_week;
    int64_t std_start, dst_start;
} yearly_case;

static void test_tz_rules_yearly_zones(void **state)
{
    const yearly_case cases[] = {
        /* For a 2023 range the rules start the year before: a client expands
         * them from there, not from when they began (1996, 2007, 2008). */
        {"Europe/Paris", 3600, 7200, "CET", "CEST", 10, -1, 3, -1, at(2022, 10, 30, 3, 0, 0),
         at(2022, 3, 27, 2, 0, 0)},
        {"America/New_York", -18000, -14400, "EST", "EDT", 11, 1, 3, 2, at(2022, 11, 6, 2, 0, 0),
         at(2022, 3, 13, 2, 0, 0)},
        /* southern hemisphere: DAYLIGHT begins in October */
        {"Australia/Sydney", 36000, 39600, "AEST", "AEDT", 4, 1, 10, 1, at(2022, 4, 3, 3, 0, 0),
         at(2022, 10, 2, 2, 0, 0)},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const yearly_case *c = &cases[i];
        oc_tz *tz = load(c->zone);
        oc_tz_rules r = {0};
        const oc_tz_observance *std = NULL, *dst = NULL;

        assert_int_equal(oc_tz_rules_for_range(tz, at(2023, 1, 1, 0, 0, 0),
                                               at(2023, 12, 31, 23, 59, 59), &r, NULL),
                         0);
        assert_int_equal(r.count, 2);
        for (size_t k = 0; k < 2; k++) {
            if (r.obs[k].is_dst) {
                dst = &r.obs[k];
            } else {
                std = &r.obs[k];
            }
        }
        assert_non_null(std);
        assert_non_null(dst);
        assert_true(std->has_rule && dst->has_rule);
        assert_int_equal(std->offset_from, c->dst_off);
        assert_int_equal(std->offset_to, c->std_off);
        assert_int_equal(dst->offset_from, c->std_off);
        assert_int_equal(dst->offset_to, c->dst_off);
        assert_string_equal(std->name, c->std_name);
        assert_string_equal(dst->name, c->dst_name);
        assert_int_equal(std->rule_month, c->std_month);
        assert_int_equal(std->rule_week, c->std_week);
        assert_int_equal(dst->rule_month, c->dst_month);
        assert_int_equal(dst->rule_week, c->dst_week);
        assert_int_equal(std->rule_weekday, 0);
        assert_int_equal(dst->rule_weekday, 0);
        assert_int_equal(std->dtstart_local, c->std_start);
        assert_int_equal(dst->dtstart_local, c->dst_start);
        oc_tz_rules_free(&r);
        oc_tz_free(tz);
    }
}

typedef struct {
    int month, week, weekday, monthday; /* week -2: no rule, onsets */
    int64_t start;
} shifted_rule;

typedef struct {
    const char *zone;
    shifted_rule dst, std;
} shifted_case;

static void check_shifted(const oc_tz_rules *r, bool dst, const shifted_rule *want)
{
    for (size_t i = 0; i < r->count; i++) {
        const oc_tz_observance *o = &r->obs[i];

        if (o->is_dst != dst || o->has_rule != (want->week != -2)) {
            continue;
        }
        if (!o->has_rule) {
            return;
        }
        assert_int_equal(o->rule_month, want->month);
        assert_int_equal(o->rule_week, want->week);
        assert_int_equal(o->rule_weekday, want->weekday);
        assert_int_equal(o->rule_monthday, want->monthday);
        assert_int_equal(o->dtstart_local, want->start);
        return;
    }
    print_error("%s: no %s observance of the expected kind\n", context, dst ? "DST" : "standard");
    fail();
}

/* POSIX times outside 0..24 h move the onset by whole days: RRULEs on the weekday that many
 * days later, among seven BYMONTHDAYs, unless the days leave the month. */
static void test_tz_rules_shifted_days(void **state)
{
    const shifted_case cases[] = {
        /* M9.1.6/24, M4.1.6/24: the Sunday after the first Saturday, 00:00 */
        {"America/Santiago",
         {9, 0, 0, 2, at(2024, 9, 8, 0, 0, 0)},
         {4, 0, 0, 2, at(2024, 4, 7, 0, 0, 0)}},
        /* M3.5.0/-1: the Saturday before the last Sunday, 23:00; M10.5.0/0 stays */
        {"America/Nuuk",
         {3, 0, 6, 24, at(2024, 3, 30, 23, 0, 0)},
         {10, -1, 0, 0, at(2024, 10, 27, 0, 0, 0)}},
        /* M3.4.4/26: the Friday after the fourth Thursday, 02:00 */
        {"Asia/Jerusalem",
         {3, 0, 5, 23, at(2024, 3, 29, 2, 0, 0)},
         {10, -1, 0, 0, at(2024, 10, 27, 2, 0, 0)}},
        /* M10.5.4/24: the Friday after the last Thursday can be 1 November: onsets */
        {"Africa/Cairo", {4, -1, 5, 0, at(2024, 4, 26, 0, 0, 0)}, {0, -2, 0, 0, 0}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_tz *tz = load(cases[i].zone);
        oc_tz_rules r = {0};

        context = cases[i].zone;
        assert_int_equal(oc_tz_rules_for_range(tz, at(2025, 1, 1, 0, 0, 0),
                                               at(2025, 12, 31, 23, 59, 59), &r, NULL),
                         0);
        check_shifted(&r, true, &cases[i].dst);
        check_shifted(&r, false, &cases[i].std);
        oc_tz_rules_free(&r);
        check_rules_match(tz, at(2025, 1, 1, 0, 0, 0), at(2030, 12, 31, 0, 0, 0), 6 * HOUR);
        oc_tz_free(tz);
    }
    context = NULL;
}

/* A range within one summer of the explicit transitions still gets a sub-component that does
 * not move the clock forward: Python icalendar fails on DAYLIGHT ones alone. */
static void test_tz_rules_summer_alone_keeps_standard(void **state)
{
    const struct {
        const char *zone;
        int64_t from, to;
    } cases[] = {
        {"America/Asuncion", at(2024, 10, 7, 12, 0, 0), at(2024, 10, 14, 12, 0, 0)},
        {"America/Asuncion", at(2023, 12, 1, 0, 0, 0), at(2024, 1, 31, 0, 0, 0)},
        {"Europe/Paris", at(1990, 6, 1, 0, 0, 0), at(1990, 6, 30, 0, 0, 0)},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_tz *tz = load(cases[i].zone);
        oc_tz_rules r = {0};
        bool standard = false;

        assert_int_equal(oc_tz_rules_for_range(tz, cases[i].from, cases[i].to, &r, NULL), 0);
        for (size_t k = 0; k < r.count; k++) {
            standard |= r.obs[k].offset_to <= r.obs[k].offset_from;
        }
        assert_true(standard);
        oc_tz_rules_free(&r);
        check_rules_match(tz, cases[i].from, cases[i].to, HOUR);
        oc_tz_free(tz);
    }
}

static void test_tz_rules_casablanca_irregular(void **state)
{
    oc_tz *tz = load("Africa/Casablanca");
    oc_tz_rules r = {0};

    (void)state;
    assert_int_equal(
        oc_tz_rules_for_range(tz, at(2023, 1, 1, 0, 0, 0), at(2024, 12, 31, 23, 59, 59), &r, NULL),
        0);

    /* Ramadan moves every year: no yearly rule, two grouped observances holding the onset
     * in force on 2023-01-01 and the four of 2023-2024. */
    assert_int_equal(r.count, 2);
    assert_false(r.obs[0].has_rule);
    assert_false(r.obs[1].has_rule);
    assert_int_equal(r.obs[0].rdate_count + r.obs[1].rdate_count, 3);
    oc_tz_rules_free(&r);
    check_rules_match(tz, at(2023, 1, 1, 0, 0, 0), at(2024, 12, 31, 23, 59, 59), 6 * HOUR);
    oc_tz_free(tz);
}

static const char *const property_zones[] = {
    "Europe/Paris",        "Europe/London",
    "America/New_York",    "America/Sao_Paulo",
    "America/Santiago",    "Asia/Tehran",
    "Australia/Lord_Howe", "Pacific/Chatham",
    "Pacific/Noumea",      "Indian/Reunion",
    "America/Cayenne",     "Pacific/Tahiti",
    "Asia/Kolkata",        "UTC",
    "Etc/GMT+5",           "Africa/Casablanca",
    "Asia/Gaza",           "America/Godthab",
    "America/Nuuk",        "Europe/Dublin",
    "Antarctica/Troll",    "Australia/Sydney",
    "America/Guadeloupe",  "Asia/Hebron",
    "Africa/Cairo",        "America/Asuncion",
    "Europe/Moscow",       "America/Havana",
    "Asia/Jerusalem",      "America/Scoresbysund",
    "Pacific/Easter",      "Asia/Beirut",
};

static void test_tz_rules_match_offsets_2023_2025(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(property_zones) / sizeof(property_zones[0]); i++) {
        oc_tz *tz = load(property_zones[i]);

        check_rules_match(tz, at(2023, 1, 1, 0, 0, 0), at(2025, 12, 31, 0, 0, 0), 6 * HOUR);
        oc_tz_free(tz);
    }
}

/* Ranges that start before the footer governs mix explicit onsets and the yearly rules. */
static void test_tz_rules_match_offsets_long_ranges(void **state)
{
    static const int64_t ranges[][2] = {
        {INT64_C(-2208988800), INT64_C(-1577923200)}, /* 1900..1920 */
        {INT64_C(631152000), INT64_C(1893456000)},    /* 1990..2030 */
        {INT64_C(1893456000), INT64_C(2524608000)},   /* 2030..2050 */
        {INT64_C(1700000000), INT64_C(1700000000)},   /* a single instant */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(property_zones) / sizeof(property_zones[0]); i++) {
        oc_tz *tz = load(property_zones[i]);

        for (size_t k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++) {
            check_rules_match(tz, ranges[k][0], ranges[k][1], 7 * HOUR + 13 * 60);
        }
        oc_tz_free(tz);
    }
}

static void test_tz_local_to_utc_roundtrips(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(property_zones) / sizeof(property_zones[0]); i++) {
        oc_tz *tz = load(property_zones[i]);

        check_roundtrip(tz, at(1995, 1, 1, 0, 0, 0), at(2040, 1, 1, 0, 0, 0), 5 * HOUR + 7);
        oc_tz_free(tz);
    }
}

static void test_tz_rules_rejects_bad_range(void **state)
{
    oc_tz *tz = load("Europe/Paris");
    oc_tz_rules r = {0};
    oc_error err;

    (void)state;
    oc_error_init(&err);
    assert_int_equal(oc_tz_rules_for_range(tz, 10, 5, &r, &err), -1);
    assert_int_equal(err.code, OC_E_VALUE);
    assert_int_equal(r.count, 0);
    assert_null(r.obs);
    oc_error_init(&err);
    assert_int_equal(oc_tz_rules_for_range(tz, INT64_MIN, 0, &r, &err), -1);
    assert_int_equal(err.code, OC_E_VALUE);
    oc_tz_rules_free(&r);
    oc_tz_rules_free(NULL);
    oc_tz_free(tz);
}

/* ---- Hand-made and hostile files under $TZDIR ---- */

typedef struct {
    char dir[64];
} tzdir_state;

static int tzdir_setup(void **state)
{
    tzdir_state *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return -1;
    }
    snprintf(s->dir, sizeof(s->dir), "/tmp/test_tz.XXXXXX");
    if (mkdtemp(s->dir) == NULL || setenv("TZDIR", s->dir, 1) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int tzdir_teardown(void **state)
{
    tzdir_state *s = *state;
    char path[128];

    snprintf(path, sizeof(path), "%s/Zone", s->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/Fifo", s->dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/Dir", s->dir);
    rmdir(path);
    rmdir(s->dir);
    unsetenv("TZDIR");
    free(s);
    return 0;
}

static void write_zone(const tzdir_state *s, const void *data, size_t len)
{
    char path[128];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/Zone", s->dir);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void put32(oc_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    oc_buf_add(b, p, 4);
}

static void put64(oc_buf *b, int64_t v)
{
    put32(b, (uint32_t)((uint64_t)v >> 32));
    put32(b, (uint32_t)(uint64_t)v);
}

typedef struct {
    int32_t utoff;
    bool isdst;
    const char *abbr;
} type_spec;

/* A TZif file: version 0 writes only the 32-bit block; version '2' writes a slim v1 block,
 * the 64-bit block and the footer, as zic -b slim does. */
static void build_tzif(oc_buf *b, char version, const type_spec *types, size_t ntypes,
                       const int64_t *times, const unsigned char *idx, size_t ntimes,
                       const char *footer)
{
    size_t charcnt = 0;
    int tsize = version == 0 ? 4 : 8;

    for (size_t i = 0; i < ntypes; i++) {
        charcnt += strlen(types[i].abbr) + 1;
    }
    if (version != 0) {
        oc_buf_add(b, "TZif", 4);
        oc_buf_putc(b, version);
        oc_buf_add(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15);
        put32(b, 0);
        put32(b, 0);
        put32(b, 0);
        put32(b, 0);
        put32(b, 1);
        put32(b, 1);
        oc_buf_add(b, "\0\0\0\0\0\0\0", 7);
    }
    oc_buf_add(b, "TZif", 4);
    oc_buf_putc(b, version);
    oc_buf_add(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15);
    put32(b, 0);
    put32(b, 0);
    put32(b, 0);
    put32(b, (uint32_t)ntimes);
    put32(b, (uint32_t)ntypes);
    put32(b, (uint32_t)charcnt);
    for (size_t i = 0; i < ntimes; i++) {
        if (tsize == 4) {
            put32(b, (uint32_t)(int32_t)times[i]);
        } else {
            put64(b, times[i]);
        }
    }
    oc_buf_add(b, idx, ntimes);
    charcnt = 0;
    for (size_t i = 0; i < ntypes; i++) {
        put32(b, (uint32_t)types[i].utoff);
        oc_buf_putc(b, types[i].isdst ? 1 : 0);
        oc_buf_putc(b, (char)charcnt);
        charcnt += strlen(types[i].abbr) + 1;
    }
    for (size_t i = 0; i < ntypes; i++) {
        oc_buf_add(b, types[i].abbr, strlen(types[i].abbr) + 1);
    }
    if (version != 0) {
        oc_buf_printf(b, "\n%s\n", footer);
    }
}

static void write_footer_zone(const tzdir_state *s, const char *footer)
{
    static const type_spec type = {-18000, false, "EST"};
    oc_buf b = {0};

    build_tzif(&b, '2', &type, 1, NULL, NULL, 0, footer);
    write_zone(s, b.data, b.len);
    oc_buf_free(&b);
}

typedef struct {
    const char *footer;
    int64_t utc;
    int32_t offset;
} footer_case;

/* Footer forms no current zone uses: Jn and n dates, negative and >24 h rule times, DST
 * all year. The description falls back to RDATEs where an RRULE cannot say it. */
static void test_tz_footer_forms(void **state)
{
    const footer_case cases[] = {
        {"EST5EDT,J60/2,J300/2", at(2024, 3, 1, 6, 59, 59), -18000},
        {"EST5EDT,J60/2,J300/2", at(2024, 3, 1, 7, 0, 0), -14400}, /* J60 skips Feb 29 */
        {"EST5EDT,J60/2,J300/2", at(2023, 10, 27, 5, 59, 59), -14400},
        {"EST5EDT,J60/2,J300/2", at(2023, 10, 27, 6, 0, 0), -18000},
        {"EST5EDT,59/2,299/2", at(2024, 2, 29, 7, 0, 0), -14400}, /* n counts Feb 29 */
        {"EST5EDT,59/2,299/2", at(2023, 2, 28, 12, 0, 0), -18000},
        {"EST5EDT,59/2,299/2", at(2023, 3, 1, 7, 0, 0), -14400},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", at(2024, 3, 31, 0, 59, 59), -7200},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", at(2024, 3, 31, 1, 0, 0), -3600},
        {"<-02>2<-01>,M3.5.0/-1,M10.5.0/0", at(2024, 10, 27, 1, 0, 0), -7200},
        {"EET-2EEST,M3.4.4/50,M10.4.4/50", at(2024, 3, 29, 23, 59, 59), 7200},
        {"EET-2EEST,M3.4.4/50,M10.4.4/50", at(2024, 3, 30, 0, 0, 0), 10800},
        {"EST5EDT,0/0,J365/25", at(2023, 1, 1, 0, 0, 0), -14400}, /* DST all year */
        {"EST5EDT,0/0,J365/25", at(2024, 12, 31, 23, 0, 0), -14400},
        {"<+0530>-5:30", at(2023, 1, 1, 0, 0, 0), 19800},
        {"CET-1CEST,M3.5.0,M10.5.0/3", at(2023, 7, 1, 0, 0, 0), 7200},
        {"EST5EDT", at(2023, 7, 1, 0, 0, 0), -14400}, /* no rule: glibc's US default */
        {"EST5EDT", at(2023, 1, 1, 0, 0, 0), -18000},
        {"<-0330>3:30<-0230>2:30,M3.2.0/-25:30,M11.1.0/167", at(2023, 1, 1, 0, 0, 0), -12600},
    };
    tzdir_state *s = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        oc_tz *tz;

        write_footer_zone(s, cases[i].footer);
        tz = load("Zone");
        context = cases[i].footer;
        assert_int_equal(oc_tz_offset_at(tz, cases[i].utc), cases[i].offset);
        check_rules_match(tz, at(2023, 1, 1, 0, 0, 0), at(2025, 12, 31, 0, 0, 0), 6 * HOUR);
        check_rules_match(tz, at(1960, 1, 1, 0, 0, 0), at(1961, 1, 1, 0, 0, 0), 6 * HOUR);
        check_roundtrip(tz, at(2023, 1, 1, 0, 0, 0), at(2025, 1, 1, 0, 0, 0), 3 * HOUR + 1);
        oc_tz_free(tz);
    }
    context = NULL;
}

static void test_tz_footer_all_year_dst_is_one_daylight(void **state)
{
    tzdir_state *s = *state;
    oc_tz_rules r = {0};
    oc_tz *tz;

    write_footer_zone(s, "EST5EDT,0/0,J365/25");
    tz = load("Zone");
    assert_int_equal(
        oc_tz_rules_for_range(tz, at(2023, 1, 1, 0, 0, 0), at(2025, 12, 31, 0, 0, 0), &r, NULL), 0);
    assert_int_equal(r.count, 1);
    assert_true(r.obs[0].is_dst);
    assert_int_equal(r.obs[0].offset_to, -14400);
    assert_string_equal(r.obs[0].name, "EDT");
    oc_tz_rules_free(&r);
    oc_tz_free(tz);
}

static void test_tz_footer_rejects_malformed(void **state)
{
    static const char *const footers[] = {
        "CET-1CEST,M13.5.0,M10.5.0",
        "CET-1CEST,M3.5.0",
        "X-1",
        "CET-1CEST,M3.5.0/168,M10.5.0",
        "CET",
        "CET-25",
        "<+04-4",
        "CET-1CEST,M3.0.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,J0,J300",
        "CET-1CEST,366,J300",
        "CET-1CEST,M3.5.0,M10.5.0,",
        "CET-1:60",
        "CET-1CEST,M3.5.0,M10.5.0 ",
        "<+04>",
        "<>-4",
        "<+0000000000000000>0",
        "CET-1C",
    };
    tzdir_state *s = *state;

    for (size_t i = 0; i < sizeof(footers) / sizeof(footers[0]); i++) {
        oc_error err;

        write_footer_zone(s, footers[i]);
        oc_error_init(&err);
        if (oc_tz_load("Zone", &err) != NULL) {
            print_error("footer '%s' accepted\n", footers[i]);
            fail();
        }
        assert_string_equal(err.text, "unknown time zone 'Zone'");
    }
}

/* An empty footer leaves time after the last transition to the last type (RFC 8536 §3.3);
 * version 1 files have no footer at all. */
static void test_tz_load_without_footer(void **state)
{
    static const type_spec types[] = {{3600, false, "ABC"}, {7200, true, "ABD"}};
    static const int64_t times[] = {-86400, 0};
    static const unsigned char idx[] = {1, 0};
    tzdir_state *s = *state;
    const char versions[] = {0, '2'};

    for (size_t i = 0; i < sizeof(versions); i++) {
        oc_buf b = {0};
        oc_tz *tz;

        build_tzif(&b, versions[i], types, 2, times, idx, 2, "");
        write_zone(s, b.data, b.len);
        oc_buf_free(&b);
        tz = load("Zone");
        assert_int_equal(oc_tz_offset_at(tz, -86401), 3600);
        assert_int_equal(oc_tz_offset_at(tz, -86400), 7200);
        assert_int_equal(oc_tz_offset_at(tz, 0), 3600);
        assert_int_equal(oc_tz_offset_at(tz, INT64_MAX), 3600);
        assert_int_equal(oc_tz_offset_at(tz, INT64_MIN), 3600);
        check_rules_match(tz, at(2023, 1, 1, 0, 0, 0), at(2025, 12, 31, 0, 0, 0), 6 * HOUR);
        check_rules_match(tz, at(1969, 12, 1, 0, 0, 0), at(1970, 2, 1, 0, 0, 0), HOUR);
        check_rules_match(tz, at(1969, 12, 31, 12, 0, 0), at(1969, 12, 31, 12, 0, 0), HOUR);
        oc_tz_free(tz);
    }
}

/* A FIFO would block a plain open() forever; a folder is no file. */
static void test_tz_load_refuses_non_regular_files(void **state)
{
    tzdir_state *s = *state;
    char path[128];
    oc_error err;

    snprintf(path, sizeof(path), "%s/Fifo", s->dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(path, sizeof(path), "%s/Dir", s->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    oc_error_init(&err);
    assert_null(oc_tz_load("Fifo", &err));
    assert_string_equal(err.text, "unknown time zone 'Fifo'");
    oc_error_init(&err);
    assert_null(oc_tz_load("Dir", &err));
    assert_string_equal(err.text, "unknown time zone 'Dir'");
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *data = malloc(1 << 16);

    assert_non_null(fp);
    assert_non_null(data);
    *len = fread(data, 1, 1 << 16, fp);
    fclose(fp);
    return data;
}

/* Uses the zone the way sched will, so sanitizers see every path on garbage input. */
static void exercise(const oc_tz *tz)
{
    oc_tz_rules r = {0};

    (void)oc_tz_offset_at(tz, INT64_MIN);
    (void)oc_tz_offset_at(tz, INT64_MAX);
    (void)oc_tz_offset_at(tz, 1700000000);
    (void)oc_tz_local_to_utc(tz, INT64_MIN);
    (void)oc_tz_local_to_utc(tz, INT64_MAX);
    (void)oc_tz_local_to_utc(tz, 1700000000);
    if (oc_tz_rules_for_range(tz, 1672531200, 1767225600, &r, NULL) == 0) {
        oc_tz_rules_free(&r);
    }
}

static void test_tz_load_survives_hostile_files(void **state)
{
    tzdir_state *s = *state;
    size_t len;
    unsigned char *orig = slurp("/usr/share/zoneinfo/Europe/Paris", &len);
    unsigned char *data = malloc(len);
    oc_tz *tz;

    assert_non_null(data);

    /* Every proper prefix lacks the footer's closing newline: try all cuts in the headers,
     * the counts and the footer, and a sample of those in the data. */
    for (size_t n = 0; n < len; n += n < 128 || n + 64 > len ? 1 : 13) {
        write_zone(s, orig, n);
        assert_null(oc_tz_load("Zone", NULL));
    }
    write_zone(s, orig, len);
    tz = load("Zone");
    exercise(tz);
    oc_tz_free(tz);

    /* Flipped bytes anywhere, counts included: either refused or usable. Small changes
     * matter most in the headers and the footer. */
    for (size_t n = 0; n < len; n++) {
        static const unsigned char masks[] = {0xFF, 0x01};
        size_t nmasks = n < 128 || n + 64 > len ? 2 : 1;

        for (size_t m = 0; m < nmasks; m++) {
            memcpy(data, orig, len);
            data[n] ^= masks[m];
            write_zone(s, data, len);
            tz = oc_tz_load("Zone", NULL);
            if (tz != NULL) {
                exercise(tz);
                oc_tz_free(tz);
            }
        }
    }
    free(data);
    free(orig);
}

/* An old name is a link to a zone: the zone carries its own name (the TZID
 * of the feeds) and remembers the old one. */
static void test_tz_link_names_the_zone(void **state)
{
    oc_error err;
    oc_tz *tz;

    (void)state;
    oc_error_init(&err);
    tz = oc_tz_load("America/Godthab", &err);
    assert_non_null(tz);
    assert_string_equal(oc_tz_name(tz), "America/Nuuk");
    assert_string_equal(oc_tz_alias(tz), "America/Godthab");
    oc_tz_free(tz);
    tz = oc_tz_load("Europe/Paris", &err);
    assert_non_null(tz);
    assert_string_equal(oc_tz_name(tz), "Europe/Paris");
    assert_null(oc_tz_alias(tz));
    oc_tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_link_names_the_zone),
        cmocka_unit_test(test_tz_load_rejects_unknown_names),
        cmocka_unit_test(test_tz_load_keeps_first_error),
        cmocka_unit_test(test_tz_load_names_zone),
        cmocka_unit_test(test_tz_offset_at_transitions),
        cmocka_unit_test(test_tz_local_to_utc_gap_and_overlap),
        cmocka_unit_test(test_tz_rules_fixed_zone_is_one_standard),
        cmocka_unit_test(test_tz_rules_yearly_zones),
        cmocka_unit_test(test_tz_rules_shifted_days),
        cmocka_unit_test(test_tz_rules_summer_alone_keeps_standard),
        cmocka_unit_test(test_tz_rules_casablanca_irregular),
        cmocka_unit_test(test_tz_rules_match_offsets_2023_2025),
        cmocka_unit_test(test_tz_rules_match_offsets_long_ranges),
        cmocka_unit_test(test_tz_local_to_utc_roundtrips),
        cmocka_unit_test(test_tz_rules_rejects_bad_range),
        cmocka_unit_test_setup_teardown(test_tz_footer_forms, tzdir_setup, tzdir_teardown),
        cmocka_unit_test_setup_teardown(test_tz_footer_all_year_dst_is_one_daylight, tzdir_setup,
                                        tzdir_teardown),
        cmocka_unit_test_setup_teardown(test_tz_footer_rejects_malformed, tzdir_setup,
                                        tzdir_teardown),
        cmocka_unit_test_setup_teardown(test_tz_load_without_footer, tzdir_setup, tzdir_teardown),
        cmocka_unit_test_setup_teardown(test_tz_load_refuses_non_regular_files, tzdir_setup,
                                        tzdir_teardown),
        cmocka_unit_test_setup_teardown(test_tz_load_survives_hostile_files, tzdir_setup,
                                        tzdir_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
