/* SPDX-License-Identifier: Apache-2.0 */
/* holiday: French public holidays, so that a scheduled day that falls on one
 * can be reported. The national list is Code du travail art. L3133-1; the local
 * days are art. L3134-13 (Alsace-Moselle) and art. L3422-2 with loi n° 83-550
 * du 30 juin 1983 and décret n° 83-1003 du 23 novembre 1983 (overseas). */
#include "ordercal/holiday.h"

#include <string.h>

/* Bits of the sets a rule belongs to, one per oc_holidays value. */
#define SET(s) (1u << (s))
#define ALL_FR                                                                                     \
    (SET(OC_HOLIDAYS_FR) | SET(OC_HOLIDAYS_FR_ALSACE_MOSELLE) | SET(OC_HOLIDAYS_FR_GUADELOUPE) |   \
     SET(OC_HOLIDAYS_FR_MARTINIQUE) | SET(OC_HOLIDAYS_FR_GUYANE) | SET(OC_HOLIDAYS_FR_REUNION) |   \
     SET(OC_HOLIDAYS_FR_MAYOTTE))

static const char *const set_names[] = {
    "none",          "fr",        "fr-alsace-moselle", "fr-guadeloupe",
    "fr-martinique", "fr-guyane", "fr-reunion",        "fr-mayotte",
};

/* The keys, in the order of art. L3133-1, then the local days. The order is
 * the precedence when two holidays share a day (see oc_holiday_on()). */
enum {
    K_NEW_YEAR,
    K_EASTER_MONDAY,
    K_LABOUR_DAY,
    K_VICTORY_1945,
    K_ASCENSION,
    K_WHIT_MONDAY,
    K_BASTILLE_DAY,
    K_ASSUMPTION,
    K_ALL_SAINTS,
    K_ARMISTICE,
    K_CHRISTMAS,
    K_GOOD_FRIDAY,
    K_ST_STEPHEN,
    K_ABOLITION_SLAVERY,
    K_COUNT
};

static const char *const keys[K_COUNT] = {
    "new-year",    "easter-monday", "labour-day", "victory-1945",      "ascension",
    "whit-monday", "bastille-day",  "assumption", "all-saints",        "armistice",
    "christmas",   "good-friday",   "st-stephen", "abolition-slavery",
};

typedef struct {
    int key;        /* K_* */
    unsigned sets;  /* SET() bits */
    bool easter;    /* true: 'offset' days from Easter Sunday; false: month/day */
    int month, day; /* fixed date */
    int offset;     /* days from Easter Sunday */
    long since;     /* first day in force as YYYYMMDD; 0 = always */
} rule;

/* Sorted by key, so that the first match follows the order of keys[]. */
static const rule rules[] = {
    {K_NEW_YEAR, ALL_FR, false, 1, 1, 0, 0},
    {K_EASTER_MONDAY, ALL_FR, true, 0, 0, 1, 0},
    {K_LABOUR_DAY, ALL_FR, false, 5, 1, 0, 0},

    /* 8 May stopped being a holiday in 1959 and was not commemorated from 1975;
     * a 1981 law made it a holiday again, so 1970..1981 have no 8 May. */
    {K_VICTORY_1945, ALL_FR, false, 5, 8, 0, 19820101},
    {K_ASCENSION, ALL_FR, true, 0, 0, 39, 0},

    /* Whit Monday stays a public holiday (art. L3133-1, 6°). Since loi
     * n° 2004-626 du 30 juin 2004 employers may make it the unpaid "journée de
     * solidarité", but the law never took it off the list, and a session on
     * that day still deserves a warning. */
    {K_WHIT_MONDAY, ALL_FR, true, 0, 0, 50, 0},
    {K_BASTILLE_DAY, ALL_FR, false, 7, 14, 0, 0},
    {K_ASSUMPTION, ALL_FR, false, 8, 15, 0, 0},
    {K_ALL_SAINTS, ALL_FR, false, 11, 1, 0, 0},
    {K_ARMISTICE, ALL_FR, false, 11, 11, 0, 0},
    {K_CHRISTMAS, ALL_FR, false, 12, 25, 0, 0},

    /* Art. L3134-13 grants Good Friday only "dans les communes ayant un temple
     * protestant ou une église mixte"; a department-wide set cannot tell, and a
     * warning too many is better than one missing. */
    {K_GOOD_FRIDAY, SET(OC_HOLIDAYS_FR_ALSACE_MOSELLE), true, 0, 0, -2, 0},
    {K_ST_STEPHEN, SET(OC_HOLIDAYS_FR_ALSACE_MOSELLE), false, 12, 26, 0, 0},

    /* Loi n° 83-550 du 30 juin 1983 makes the abolition of slavery a public
     * holiday overseas (Légifrance JORFTEXT000000692257) and leaves the date to
     * décret n° 83-1003 du 23 novembre 1983, art. 1: Guadeloupe 27 May, Guyane
     * 10 June, Martinique 22 May, La Réunion 20 December, Mayotte 27 April,
     * kept by décret n° 2012-553 du 23 avril 2012 (legisocial.fr, "La loi
     * travail fait entrer les jours fériés spécifiques en outre-mer dans le
     * code du travail"); art. L3422-2 and, for Mayotte, art. L222-1 of its
     * labour code give the same dates. Nothing before the decree: the first
     * day is La Réunion's 20 December 1983. */
    {K_ABOLITION_SLAVERY, SET(OC_HOLIDAYS_FR_MAYOTTE), false, 4, 27, 0, 19831123},
    {K_ABOLITION_SLAVERY, SET(OC_HOLIDAYS_FR_MARTINIQUE), false, 5, 22, 0, 19831123},
    {K_ABOLITION_SLAVERY, SET(OC_HOLIDAYS_FR_GUADELOUPE), false, 5, 27, 0, 19831123},
    {K_ABOLITION_SLAVERY, SET(OC_HOLIDAYS_FR_GUYANE), false, 6, 10, 0, 19831123},
    {K_ABOLITION_SLAVERY, SET(OC_HOLIDAYS_FR_REUNION), false, 12, 20, 0, 19831123},
};

int oc_holidays_parse(const char *name)
{
    if (name == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof(set_names) / sizeof(set_names[0]); i++) {
        if (strcmp(name, set_names[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *oc_holidays_name(oc_holidays set)
{
    /* Compared as unsigned: an out-of-range enum value may be negative. */
    if ((unsigned)set >= sizeof(set_names) / sizeof(set_names[0])) {
        return NULL;
    }
    return set_names[set];
}

const char *oc_holiday_key(size_t i)
{
    return i < K_COUNT ? keys[i] : NULL;
}

oc_day oc_easter(int year)
{
    /* Meeus, Astronomical Algorithms, ch. 8 (the "anonymous Gregorian
     * algorithm" of Jones 1876 and Butcher 1877): all divisions truncate. */
    int a = year % 19;
    int b = year / 100;
    int c = year % 100;
    int d = b / 4;
    int e = b % 4;
    int f = (b + 8) / 25;
    int g = (b - f + 1) / 3;
    int h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4;
    int k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7;
    int m = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * m + 114) / 31;
    int day = (h + l - 7 * m + 114) % 31 + 1;

    return oc_day_from_date((oc_date){year, month, day});
}

bool oc_holiday_on(oc_holidays set, oc_day day, const char **key)
{
    oc_date d;
    oc_day easter;
    long ymd;

    if ((unsigned)set >= sizeof(set_names) / sizeof(set_names[0]) || set == OC_HOLIDAYS_NONE) {
        return false;
    }

    /* Check the range on the day number first: oc_date_from_day() narrows
     * the year to int, which a hostile day number could overflow. */
    if (day < oc_day_from_date((oc_date){OC_HOLIDAY_YEAR_MIN, 1, 1}) ||
        day > oc_day_from_date((oc_date){OC_HOLIDAY_YEAR_MAX, 12, 31})) {
        return false;
    }
    d = oc_date_from_day(day);
    easter = oc_easter(d.year);
    ymd = (long)d.year * 10000 + d.month * 100 + d.day;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const rule *r = &rules[i];
        bool hit;

        if ((r->sets & SET(set)) == 0 || ymd < r->since) {
            continue;
        }
        hit = r->easter ? day == easter + r->offset : d.month == r->month && d.day == r->day;
        if (hit) {
            if (key != NULL) {
                *key = keys[r->key];
            }
            return true;
        }
    }
    return false;
}
