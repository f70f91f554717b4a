#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark peer: the feed of tests/bench/floor.c, built with Python icalendar.

    /usr/bin/python3 peer_icalendar.py FROM COUNT OUT

COUNT weekly two-day sessions from FROM (a Monday), calendar id
"vaccins-covid19": per session an all-day session, a confirmation on the
Wednesday at 18:00 Europe/Paris (30 min, DISPLAY alarm at the start), an
all-day delivery (J+10, two days) and an all-day appointments marker, with
the French texts of templates/fr/ and the version-5 UIDs ordercal gives.
Written the way the library's documentation shows: a Calendar of Event and
Alarm components, datetimes localised with pytz, the VTIMEZONE built as
Timezone/TimezoneDaylight/TimezoneStandard components (icalendar 4.0.3 has
no generator for it), then Calendar.to_ical().

Needs Debian's python3-icalendar (4.0.3) and its pytz: run it with
/usr/bin/python3.
"""

import datetime
import os
import sys
import uuid

import icalendar
import pytz

CAL_ID = "vaccins-covid19"
CAL_NAME = "Vaccins Covid-19 \u2014 portail de commande"
CAL_DESC = ("Ouverture du portail de commande des vaccins Covid-19 et livraisons "
            "indicatives (officines).")
CAL_URL = ("https://www.santepubliquefrance.fr/dossiers/coronavirus-covid-19/"
           "commande-de-vaccins-covid-19")
CAL_REF = "DGS-URGENT N\u00b02023-11 du 18/07/2023"
TZID = "Europe/Paris"
NAMESPACE = uuid.UUID("2a842644-001d-4466-9ca0-07e6f4f20341")
EXTRA = "\nSource : " + CAL_REF + "\n" + CAL_URL

MONTHS = ["", "janvier", "f\u00e9vrier", "mars", "avril", "mai", "juin", "juillet",
          "ao\u00fbt", "septembre", "octobre", "novembre", "d\u00e9cembre"]
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def day_text(d):
    return "1er" if d.day == 1 else str(d.day)


def span_text(a, z):
    """'les lundi 17 et mardi 18 juillet 2023' and its variants."""
    if a == z:
        return "le %s %s %s %d" % (WEEKDAYS[a.weekday()], day_text(a), MONTHS[a.month], a.year)
    two = z == a + datetime.timedelta(days=1)
    s = ("les %s %s" if two else "du %s %s") % (WEEKDAYS[a.weekday()], day_text(a))
    if a.year != z.year:
        s += " %s %d" % (MONTHS[a.month], a.year)
    elif a.month != z.month:
        s += " " + MONTHS[a.month]
    return s + (" et %s %s %s %d" if two else " au %s %s %s %d") % (
        WEEKDAYS[z.weekday()], day_text(z), MONTHS[z.month], z.year)


def short_text(a, z):
    """'17-18 juillet 2023', '31 juillet \u2013 1er ao\u00fbt 2023'."""
    if a == z:
        return "%s %s %d" % (day_text(a), MONTHS[a.month], a.year)
    if (a.year, a.month) == (z.year, z.month):
        return "%s-%s %s %d" % (day_text(a), day_text(z), MONTHS[z.month], z.year)
    if a.year == z.year:
        return "%s %s \u2013 %s %s %d" % (day_text(a), MONTHS[a.month], day_text(z),
                                          MONTHS[z.month], z.year)
    return "%s %s %d \u2013 %s %s %d" % (day_text(a), MONTHS[a.month], a.year, day_text(z),
                                         MONTHS[z.month], z.year)


def date_text(d):
    return "%s %s %s %d" % (WEEKDAYS[d.weekday()], day_text(d), MONTHS[d.month], d.year)


def vtimezone():
    """Europe/Paris as its current rules, the VTIMEZONE ordercal writes."""
    tz = icalendar.Timezone()
    tz.add("tzid", TZID)
    for cls, start, off_from, off_to, name, month in (
            (icalendar.TimezoneDaylight, datetime.datetime(1996, 3, 31, 2), 1, 2, "CEST", 3),
            (icalendar.TimezoneStandard, datetime.datetime(1996, 10, 27, 3), 2, 1, "CET", 10)):
        obs = cls()
        obs.add("dtstart", start)
        obs.add("tzoffsetfrom", datetime.timedelta(hours=off_from))
        obs.add("tzoffsetto", datetime.timedelta(hours=off_to))
        obs.add("tzname", name)
        obs.add("rrule", {"freq": "yearly", "byday": "-1su", "bymonth": month})
        tz.add_component(obs)
    return tz


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: peer_icalendar.py FROM COUNT OUT\n")
        return 2
    first = datetime.date.fromisoformat(argv[1])
    count = int(argv[2])
    paris = pytz.timezone(TZID)
    stamp = datetime.datetime.fromtimestamp(
        int(os.environ.get("SOURCE_DATE_EPOCH") or 1689638400), pytz.utc)
    one = datetime.timedelta(days=1)

    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", "-//ordercal bench//python icalendar %s//EN" % icalendar.__version__)
    cal.add("calscale", "GREGORIAN")
    cal.add("name", CAL_NAME)
    cal.add("description", CAL_DESC)
    cal.add("url", CAL_URL)
    refresh = icalendar.vDuration(datetime.timedelta(hours=6))
    refresh.params["VALUE"] = "DURATION"
    cal.add("refresh-interval", refresh)
    cal.add("x-published-ttl", "PT6H")
    cal.add("x-wr-calname", CAL_NAME)
    cal.add("x-wr-caldesc", CAL_DESC)
    cal.add("x-wr-timezone", TZID)
    cal.add_component(vtimezone())

    def event(kind, d, start, end, summary, description):
        ev = icalendar.Event()
        ev.add("uid", str(uuid.uuid5(NAMESPACE, "%s/%s/%s" % (CAL_ID, kind,
                                                              d.strftime("%Y%m%d")))))
        ev.add("dtstamp", stamp)
        ev.add("last-modified", stamp)
        ev.add("sequence", 0)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("summary", summary)
        ev.add("description", description)
        ev.add("url", CAL_URL)
        ev.add("transp", "TRANSPARENT")
        ev.add("x-microsoft-cdo-busystatus", "FREE")
        cal.add_component(ev)
        return ev

    for i in range(count):
        d = first + datetime.timedelta(weeks=i)
        session = span_text(d, d + one)
        delivery = span_text(d + 10 * one, d + 11 * one)
        session_short = short_text(d, d + one)
        delivery_short = short_text(d + 10 * one, d + 11 * one)
        confirmation = date_text(d + 2 * one) + " \u00e0 18h00"
        appointments = date_text(d + 12 * one)

        event("session", d, d, d + 2 * one, "Portail de commande ouvert",
              "Le portail de commande est ouvert %s.\nLivraison indicative : %s.\n"
              "Confirmation de commande (quantit\u00e9s, date de livraison pr\u00e9visionnelle) "
              "dans l'onglet \u00ab suivi de commande \u00bb \u00e0 partir du %s.\n"
              "Planifiez les rendez-vous de vaccination \u00e0 partir du %s.%s"
              % (session, delivery, confirmation, appointments, EXTRA))

        wed = d + 2 * one
        ev = event("confirmation", d,
                   paris.localize(datetime.datetime(wed.year, wed.month, wed.day, 18, 0)),
                   paris.localize(datetime.datetime(wed.year, wed.month, wed.day, 18, 30)),
                   "Confirmation de commande disponible",
                   "La confirmation de votre commande de la session du %s est visible dans le "
                   "portail, onglet \u00ab suivi de commande \u00bb : quantit\u00e9s "
                   "command\u00e9es et date de livraison pr\u00e9visionnelle.\n"
                   "Livraison indicative : %s.\nPlanifiez les rendez-vous \u00e0 partir du "
                   "lendemain de la livraison pr\u00e9visionnelle indiqu\u00e9e dans la "
                   "confirmation.%s" % (session_short, delivery, EXTRA))
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Confirmation de commande disponible : onglet "
                                 "\u00ab suivi de commande \u00bb du portail")
        alarm.add("trigger", datetime.timedelta(0))
        ev.add_component(alarm)

        event("delivery", d, d + 10 * one, d + 12 * one,
              "Livraison indicative (commande du %s)" % session_short,
              "Livraison indicative des commandes pass\u00e9es lors de la session du %s : %s.\n"
              "La date pr\u00e9visionnelle exacte figure dans la confirmation de commande "
              "(onglet \u00ab suivi de commande \u00bb, \u00e0 partir du %s).\n"
              "Planifiez les rendez-vous \u00e0 partir du %s.%s"
              % (session_short, delivery, confirmation, appointments, EXTRA))

        event("appointments", d, d + 12 * one, d + 13 * one,
              "Rendez-vous possibles (livraison du %s)" % delivery_short,
              "\u00c0 partir de ce jour, vous pouvez planifier les rendez-vous de vaccination : "
              "les commandes de la session du %s sont livr\u00e9es %s (date indicative, voir "
              "la confirmation de commande).%s" % (session_short, delivery, EXTRA))

    with open(argv[3], "wb") as f:
        f.write(cal.to_ical())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
