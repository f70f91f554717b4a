/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OC_HOLIDAY_H
#define OC_HOLIDAY_H

#include <stdbool.h>
#include <stddef.h>

#include "ordercal/util.h"

/* French public holidays (jours fériés), computed with libc only, so that a
 * session, delivery, confirmation or appointments day that falls on one can
 * be reported. Holidays are named by a key ("ascension", "labour-day"); the
 * words shown to users live in templates/<language>/holidays.txt under
 * "holiday.<key>" (DESIGN §3: no user-visible text in C). */

/* The years the rules are written for; outside them nothing is a holiday. */
#define OC_HOLIDAY_YEAR_MIN 1970
#define OC_HOLIDAY_YEAR_MAX 2999

/* A set of holidays: the national list, or the national list plus the days
 * of one territory. */
typedef enum {
    OC_HOLIDAYS_NONE = 0,          /* no holiday at all */
    OC_HOLIDAYS_FR,                /* Code du travail art. L3133-1 (11 days) */
    OC_HOLIDAYS_FR_ALSACE_MOSELLE, /* + Good Friday, 26 December */
    OC_HOLIDAYS_FR_GUADELOUPE,     /* + abolition of slavery, 27 May */
    OC_HOLIDAYS_FR_MARTINIQUE,     /* + abolition of slavery, 22 May */
    OC_HOLIDAYS_FR_GUYANE,         /* + abolition of slavery, 10 June */
    OC_HOLIDAYS_FR_REUNION,        /* + abolition of slavery, 20 December */
    OC_HOLIDAYS_FR_MAYOTTE         /* + abolition of slavery, 27 April */
} oc_holidays;

/* ---- Sets ---- */

/* Parses a set name: "none", "fr", "fr-alsace-moselle", "fr-guadeloupe",
 * "fr-martinique", "fr-guyane", "fr-reunion" or "fr-mayotte" (exact, lower case).
 * Returns the oc_holidays value, or -1 for an unknown name or NULL. */
int oc_holidays_parse(const char *name);

/* The name oc_holidays_parse() accepts for 'set' ("fr-reunion").
 * Returns a static string, or NULL when 'set' is not an oc_holidays value. */
const char *oc_holidays_name(oc_holidays set);

/* ---- Days ---- */

/* If 'day' (days since 1970-01-01, see util.h) is a public holiday of 'set',
 * stores its key in '*key' (a static string such as "ascension", "labour-day",
 * "abolition-slavery"; 'key' may be NULL) and returns true; otherwise returns
 * false and leaves '*key' alone. Days outside OC_HOLIDAY_YEAR_MIN..MAX, and
 * every day of OC_HOLIDAYS_NONE or of an unknown set, are not holidays.
 * When two holidays fall on one day (Ascension on 1 May in 2008), the key is
 * the first in the order of oc_holiday_key(). */
bool oc_holiday_on(oc_holidays set, oc_day day, const char **key);

/* The i-th holiday key of any set, in a fixed order (the Code du travail's,
 * then the local days), for i = 0, 1, ...; NULL past the last one. Lets callers
 * check that the templates name every holiday. Returns a static string. */
const char *oc_holiday_key(size_t i);

/* Easter Sunday of 'year' (Gregorian computus, Meeus/Jones/Butcher), as an
 * oc_day. Meaningful for any year from 1583; cannot fail. */
oc_day oc_easter(int year);

#endif
