# SPDX-License-Identifier: Apache-2.0
"""Reads feeds with Python's vobject (Debian's python3-vobject, used by
Radicale, Calendar Server and khal's ancestors) and prints one normalised
JSON description per file (see compare.py).
Usage: /usr/bin/python3 parse_vobject.py FEED.ics...

vobject builds its time zones from the feed's own VTIMEZONEs (dateutil's
tzical), so it checks our VTIMEZONE rules as Outlook and Apple read them.
"""

import datetime as dt
import importlib.metadata
import sys

import vobject

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from parse_common import main, plus, text, when  # noqa: E402


def _first(comp, name):
    lst = comp.contents.get(name)
    return lst[0] if lst else None


def _value(comp, name):
    p = _first(comp, name)
    return None if p is None else text(p.value)


def describe(path):
    with open(path, encoding="utf-8", newline="") as f:
        cal = vobject.readOne(f.read(), validate=True)
    if cal.name != "VCALENDAR":
        raise ValueError(f"root component is {cal.name}")
    calendar = {k: _value(cal, k) for k in (
        "version", "prodid", "name", "description", "url", "refresh-interval",
        "x-published-ttl", "x-wr-calname", "x-wr-caldesc", "x-wr-timezone", "method")}
    events = []
    for ev in cal.contents.get("vevent", []):
        start = ev.dtstart.value
        if "dtend" in ev.contents:
            end = ev.dtend.value
        elif "duration" in ev.contents:
            end = start + ev.duration.value
        else:
            end = start if isinstance(start, dt.datetime) else start + dt.timedelta(days=1)
        alarms = []
        for va in ev.contents.get("valarm", []):
            at = None
            trig = _first(va, "trigger")
            if trig is not None:
                if isinstance(trig.value, dt.timedelta):
                    related = (trig.params.get("RELATED") or ["START"])[0].upper()
                    at = when(plus(end if related == "END" else start, trig.value))
                else:
                    at = when(trig.value)
            alarms.append({"action": _value(va, "action"), "trigger": at,
                           "description": _value(va, "description")})
        events.append({
            "uid": _value(ev, "uid"), "start": when(start), "end": when(end),
            "summary": _value(ev, "summary"), "description": _value(ev, "description"),
            "url": _value(ev, "url"), "transp": _value(ev, "transp"),
            "status": _value(ev, "status"), "alarms": alarms,
        })
    events.sort(key=lambda e: e["uid"] or "")
    return {"calendar": calendar, "events": events}


if __name__ == "__main__":
    main(f"vobject {importlib.metadata.version('vobject')}", describe)
