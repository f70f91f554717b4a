/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_TZ_H
#define OC_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ordercal/diag.h"

/* Times are int64_t seconds. A "UTC" value counts seconds since 1970-01-01T00:00:00Z;
 * a "local" value is a wall-clock time counted as if it were UTC
 * (2023-07-19T18:00:00 local is 1689789600 whatever the zone). */

/* Opaque; see src/tz.c. A zone caches the rule dates it computes, so one
 * zone is used by one thread at a time. */
typedef struct oc_tz oc_tz;

/* ---- Loading ---- */

/* Loads the zone 'name' (an IANA name such as "Europe/Paris") from $TZDIR, or from
 * /usr/share/zoneinfo when TZDIR is unset or empty. Only TZif files (RFC 8536) are accepted.
 * Returns a new zone; the caller frees it with oc_tz_free().
 * On failure (bad name, missing, unreadable or malformed file) returns NULL and sets 'err'
 * to OC_E_VALUE "unknown time zone '<name>'" with no file and no position. */
oc_tz *oc_tz_load(const char *name, oc_error *err);

void oc_tz_free(oc_tz *tz); /* accepts NULL */

/* The zone's name in the tz database: the name given to oc_tz_load(), or the
 * zone it links to when it is an old name (America/Godthab: America/Nuuk).
 * This is the TZID the feeds carry. Returns a borrowed pointer, valid until
 * 'tz' is freed. */
const char *oc_tz_name(const oc_tz *tz);

/* The name given to oc_tz_load() when it is a link to oc_tz_name(), else
 * NULL. Borrowed, like oc_tz_name(). */
const char *oc_tz_alias(const oc_tz *tz);

/* A digest of the TZif file the zone was read from: a new tz database gives
 * another. */
uint64_t oc_tz_digest(const oc_tz *tz);

/* ---- Offsets and conversions ---- */

/* UTC offset in seconds (east positive) in force at the instant 'utc'. Never fails. */
int32_t oc_tz_offset_at(const oc_tz *tz, int64_t utc);

/* Converts the wall-clock time 'local' to UTC with RFC 5545 §3.3.5 semantics: an ambiguous
 * time (fall back) is its first occurrence; a time skipped by a gap (spring forward) is read
 * with the offset in force before the gap (02:30 in Paris on 2023-03-26 is 01:30Z).
 * Never fails. */
int64_t oc_tz_local_to_utc(const oc_tz *tz, int64_t local);

/* The instant 'utc', whose wall time is 'local', plus a duration of
 * 'seconds' of which 'days' are days (oc_duration_parse_days()), as RFC
 * 5545 §3.3.6 counts it: the days keep the wall time (P1D before Sunday
 * 18:00 is Saturday 18:00, whatever the clocks do between), the rest is
 * exact. Never fails. */
int64_t oc_tz_add_duration(const oc_tz *tz, int64_t utc, int64_t local, int64_t seconds,
                           int64_t days);

/* ---- VTIMEZONE description (RFC 5545 §3.6.5) ---- */

/* One STANDARD or DAYLIGHT sub-component. Its onsets are dtstart_local, then either
 * every year by the rule (has_rule) or each of rdates_local; all local times are in the
 * offset_from offset. At any instant the observance with the latest onset at or before
 * it is in force and gives offset_to.
 *
 * The rule is FREQ=YEARLY;BYMONTH=rule_month with either BYDAY=<rule_week><rule_weekday>
 * (rule_week 1..4 or -1), or, when rule_week is 0, BYDAY=<rule_weekday> limited to the seven
 * days BYMONTHDAY=rule_monthday..rule_monthday+6: a POSIX time outside 0..24 h moves the
 * onset off the nth weekday ("M9.1.6/24", Santiago: the Sunday after the first Saturday of
 * September, one of the 2nd..8th). The onset's time of day is DTSTART's. */
typedef struct {
    bool is_dst;                    /* DAYLIGHT (true) or STANDARD (false) */
    int32_t offset_from, offset_to; /* seconds, TZOFFSETFROM / TZOFFSETTO */
    char name[16];                  /* TZNAME, e.g. "CET", "+04"; may be empty */
    int64_t dtstart_local;          /* first onset, local time in offset_from */
    bool has_rule;                  /* a yearly RRULE, see above */
    int rule_month;                 /* 1..12 */
    int rule_week;                  /* 1..4 = nth weekday of the month, -1 = last, 0 = see above */
    int rule_weekday;               /* 0 = Sunday .. 6 = Saturday (as in POSIX Mm.w.d) */
    int rule_monthday;              /* 1..22 when rule_week is 0, else 0 */
    size_t rdate_count;             /* extra onsets when has_rule is false */
    int64_t *rdates_local;          /* local times like dtstart_local, sorted; owned by the rules */
} oc_tz_observance;

typedef struct {
    size_t count;
    oc_tz_observance *obs; /* sorted by dtstart_local */
} oc_tz_rules;

/* Describes the zone's offsets for every UTC instant in [from, to] with as few observances
 * as possible: each rule of the POSIX footer that has an RRULE form as a yearly RRULE from
 * where the footer governs, the footer's other changes and the explicit transitions before
 * it as onsets (grouped into RDATEs).
 * Returns 0 and fills 'out' (free it with oc_tz_rules_free()), or -1 and sets 'err'
 * (OC_E_VALUE when from > to or either lies outside the years 0001..9999). */
int oc_tz_rules_for_range(const oc_tz *tz, int64_t from, int64_t to, oc_tz_rules *out,
                          oc_error *err);

/* Whether 'a' and 'b' describe the same observances (and so the same VTIMEZONE). */
bool oc_tz_rules_equal(const oc_tz_rules *a, const oc_tz_rules *b);

/* Frees what oc_tz_rules_for_range() allocated and empties 'r'. Accepts NULL and an
 * emptied or zero-initialised 'r'. */
void oc_tz_rules_free(oc_tz_rules *r);

#endif
