# SPDX-License-Identifier: Apache-2.0
"""Reads feeds with Python's icalendar (Debian's python3-icalendar, the
parser of many Python calendar tools and CalDAV servers such as Radicale's
tooling) and prints one normalised JSON description per file (see
compare.py). Usage: /usr/bin/python3 parse_icalendar.py FEED.ics...

icalendar 4 resolves an IANA TZID through pytz (localize with is_dst=False)
and only falls back on the VTIMEZONE for unknown names. It records what it
could not parse in each component's 'errors' instead of raising: any such
error counts as a refusal here.
"""

import datetime as dt
import sys

import icalendar

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from parse_common import main, plus, text, when  # noqa: E402


def _errors(comp):
    errs = list(getattr(comp, "errors", []) or [])
    for sub in comp.subcomponents:
        errs += _errors(sub)
    return errs


def _end(ev, start):
    if "DTEND" in ev:
        return ev.decoded("DTEND")
    if "DURATION" in ev:
        return start + ev.decoded("DURATION")
    return start + dt.timedelta(days=1) if not isinstance(start, dt.datetime) else start


def describe(path):
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    if cal.name != "VCALENDAR":
        raise ValueError(f"root component is {cal.name}")
    errs = _errors(cal)
    if errs:
        raise ValueError(f"component errors: {errs}")
    calendar = {k.lower(): text(cal.get(k)) for k in (
        "VERSION", "PRODID", "NAME", "DESCRIPTION", "URL", "REFRESH-INTERVAL",
        "X-PUBLISHED-TTL", "X-WR-CALNAME", "X-WR-CALDESC", "X-WR-TIMEZONE", "METHOD")}
    events = []
    for ev in cal.walk("VEVENT"):
        start = ev.decoded("DTSTART")
        end = _end(ev, start)
        alarms = []
        for va in ev.subcomponents:
            if va.name != "VALARM":
                continue
            at = None
            if "TRIGGER" in va:
                trig = va.decoded("TRIGGER")
                if isinstance(trig, dt.timedelta):
                    related = str(va["TRIGGER"].params.get("RELATED", "START")).upper()
                    at = when(plus(end if related == "END" else start, trig))
                else:
                    at = when(trig)
            alarms.append({"action": text(va.get("ACTION")), "trigger": at,
                           "description": text(va.get("DESCRIPTION"))})
        events.append({
            "uid": text(ev.get("UID")), "start": when(start), "end": when(end),
            "summary": text(ev.get("SUMMARY")), "description": text(ev.get("DESCRIPTION")),
            "url": text(ev.get("URL")), "transp": text(ev.get("TRANSP")),
            "status": text(ev.get("STATUS")), "alarms": alarms,
        })
    events.sort(key=lambda e: e["uid"] or "")
    return {"calendar": calendar, "events": events}


if __name__ == "__main__":
    main(f"icalendar {icalendar.__version__}", describe)
