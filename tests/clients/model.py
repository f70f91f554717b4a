# SPDX-License-Identifier: Apache-2.0
"""Independent model of what ordercal must publish for a schedule definition.

Written from the README and DESIGN §2-3, not from ordercal's code or output:
it reads the YAML with PyYAML, expands the rhythm itself, computes every
event's dates, its UID (Python's uuid.uuid5) and, for timed events, the
instants in UTC with the standard library's zoneinfo under the rules of
RFC 5545 §3.3.5 (a local time in a spring-forward gap is read with the offset
before the gap, an ambiguous one is its first occurrence: zoneinfo's fold=0
does exactly that) and §3.3.6 (hours, minutes and seconds of a duration are
exact, days and weeks nominal).

It does not know the templates, so it says nothing about SUMMARY or the
wording of DESCRIPTION: only which texts of the definition must appear
verbatim (name, description, note, reference, url).

It also gives the page's copies (README, Publishing): for every open session
whose confirmation falls from 7 days before the build's day (UTC) to 366
days after it, a file events/<calendar.id>-<yyyymmdd of the confirmation>.ics
holding that confirmation alone, under the UID of
<calendar.id>/copy/confirmation/<yyyymmdd of the session>.
"""

import datetime as dt
import os
import re
import uuid
import zoneinfo

import yaml

NAMESPACE = uuid.UUID("2a842644-001d-4466-9ca0-07e6f4f20341")
COPY_PAST_DAYS, COPY_FUTURE_DAYS = 7, 56
KINDS = ("session", "closed", "confirmation", "delivery", "appointments", "reminder")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UTC = dt.timezone.utc

_DUR = re.compile(r"^([+-])?P(?:(\d+)W|(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?)$")


class ModelError(Exception):
    pass


def parse_duration(text):
    """RFC 5545 §3.3.6 duration -> (sign, weeks, days, seconds); None if invalid."""
    m = _DUR.match(text or "")
    if not m or text.lstrip("+-") in ("P", "PT") or text.endswith("T"):
        return None
    sign = -1 if m.group(1) == "-" else 1
    w, d, h, mi, s = (int(g) if g else 0 for g in m.groups()[1:])
    return sign, w, d, h * 3600 + mi * 60 + s


def duration_seconds(text):
    """Total length in seconds, days counted as 86400 (for refresh hints)."""
    p = parse_duration(text)
    if p is None:
        return None
    sign, w, d, s = p
    return sign * ((w * 7 + d) * 86400 + s)


def local_to_utc(day, hhmm, zone):
    """Local wall time -> aware UTC datetime (RFC 5545 §3.3.5 via fold=0)."""
    h, m = (int(x) for x in hhmm.split(":"))
    local = dt.datetime(day.year, day.month, day.day, h, m, tzinfo=zone, fold=0)
    return local.astimezone(UTC)


def add_duration(start_utc, text, zone):
    """start + duration: days and weeks nominal (same wall time), the rest exact."""
    sign, w, d, s = parse_duration(text)
    t = start_utc
    if w or d:
        local = t.astimezone(zone).replace(tzinfo=None)
        local += sign * dt.timedelta(days=7 * w + d)
        t = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    return t + sign * dt.timedelta(seconds=s)


def utc_text(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _date(v, what):
    if isinstance(v, dt.datetime) or not isinstance(v, dt.date):
        raise ModelError(f"{what}: expected a YYYY-MM-DD date, got {v!r}")
    return v


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def canonical_zone(name):
    """The tz database's own name of a zone: an old name is a link ("L TARGET
    LINK" in tzdata.zi) to it, and the feeds name the target."""
    links = {}
    for base in zoneinfo.TZPATH:
        try:
            with open(os.path.join(base, "tzdata.zi"), encoding="utf-8") as f:
                for line in f:
                    if line.startswith("L "):
                        target, link = line.split()[1:3]
                        links[link] = target
            break
        except OSError:
            continue
    for _ in range(8):
        if name not in links:
            break
        name = links[name]
    return name


def timed(first, block, offset, time, duration, zone):
    """A timed event of 'block' (session.confirmation's keys) for the session
    starting on 'first': its UTC start and end, its alarm, its local time."""
    day = first + dt.timedelta(days=block.get("offset", offset))
    hhmm = str(block.get("time", time))
    start = local_to_utc(day, hhmm, zone)
    end = add_duration(start, block.get("duration", duration), zone)
    alarm = str(block.get("alarm", "PT0M"))
    at = None
    if alarm != "none":  # days and weeks nominal, like DTEND (RFC 5545 §3.3.6)
        at = utc_text(add_duration(start, alarm, zone))
    return {"start": utc_text(start), "end": utc_text(end), "alarm": at,
            "local": f"{day.isoformat()}T{hhmm}"}


def expand(defn, epoch):
    """The whole model: a dict with 'calendar' facts and 'feeds' {id: feed}."""
    cal = defn["calendar"]
    ses = defn.get("session") or {}
    zone_name = canonical_zone(cal["timezone"])
    zone = zoneinfo.ZoneInfo(zone_name)
    refresh = cal.get("refresh", "PT6H")

    weekday = WEEKDAYS.index(ses.get("weekday", "monday"))
    length = ses.get("length", 2)
    deliv = ses.get("delivery") or {}
    d_off, d_len = deliv.get("offset", 10), deliv.get("length", 2)
    conf = ses.get("confirmation") or {}
    c_off = conf.get("offset", 2)
    c_time = str(conf.get("time", "18:00"))
    c_dur = conf.get("duration", "PT30M")
    c_alarm = str(conf.get("alarm", "PT0M"))
    a_off = (ses.get("appointments") or {}).get("offset", 1)
    remi = ses.get("reminder")  # optional: None, no reminder at all
    horizon = dt.date(1970, 1, 1) + dt.timedelta(
        days=epoch // 86400 + 7 * defn.get("horizon_weeks", 26))

    # Slots: each period runs to its until, else to the day before the next
    # period, else to the horizon; week index multiple of 'every' = open.
    periods = defn["rhythm"]
    slots = []
    for i, p in enumerate(periods):
        start = _date(p["from"], "rhythm.from")
        if start.weekday() != weekday:
            raise ModelError(f"rhythm.from {start} is not a {WEEKDAYS[weekday]}")
        every = p.get("every", 1)
        if "until" in p:
            end = _date(p["until"], "rhythm.until")
        elif i + 1 < len(periods):
            end = _date(periods[i + 1]["from"], "rhythm.from") - dt.timedelta(days=1)
        else:
            end = horizon
        d, k = start, 0
        while d <= end:
            slots.append({"first": d, "open": k % every == 0, "note": None, "delivery": None})
            d += dt.timedelta(days=7)
            k += 1
    by_date = {s["first"]: s for s in slots}
    for ex in defn.get("sessions") or []:
        s = by_date.get(_date(ex["date"], "sessions.date"))
        if s is None:
            raise ModelError(f"sessions: {ex['date']} is not a slot")
        if "state" in ex:
            s["open"] = ex["state"] == "open"
        if "note" in ex:
            s["note"] = ex["note"]
        if "delivery" in ex:
            dv = ex["delivery"]
            dv = [dv, dv] if not isinstance(dv, list) else (dv * 2 if len(dv) == 1 else dv)
            s["delivery"] = (_date(dv[0], "delivery"), _date(dv[1], "delivery"))

    one = dt.timedelta(days=1)
    events = []
    copies = {}
    today = dt.date(1970, 1, 1) + dt.timedelta(days=epoch // 86400)
    for s in slots:
        first = s["first"]
        ymd = first.strftime("%Y%m%d")
        base = {"note": s["note"], "session": first.isoformat()}

        def ev(kind, **kw):
            # One UID per slot: open or closed, its event is the session's (DESIGN §3).
            name = "session" if kind == "closed" else kind
            e = dict(base, kind=kind, uid=str(uuid.uuid5(NAMESPACE, f"{cal['id']}/{name}/{ymd}")))
            e.update(kw)
            events.append(e)

        days = dt.timedelta(days=length)
        if not s["open"]:
            ev("closed", start=first.isoformat(), end=(first + days).isoformat())
            continue
        ev("session", start=first.isoformat(), end=(first + days).isoformat())
        cday = first + dt.timedelta(days=c_off)
        cstart = local_to_utc(cday, c_time, zone)
        cend = add_duration(cstart, c_dur, zone)
        alarm = None if c_alarm == "none" else utc_text(add_duration(cstart, c_alarm, zone))
        ev("confirmation", start=utc_text(cstart), end=utc_text(cend), alarm=alarm,
           local=f"{cday.isoformat()}T{c_time}")
        if today - dt.timedelta(days=COPY_PAST_DAYS) <= cday <= \
                today + dt.timedelta(days=COPY_FUTURE_DAYS):
            copy = dict(events[-1], uid=str(uuid.uuid5(
                NAMESPACE, f"{cal['id']}/copy/confirmation/{ymd}")))
            copies[f"{cal['id']}-{cday.strftime('%Y%m%d')}.ics"] = copy
        if remi is not None:
            ev("reminder", **timed(first, remi, 0, "09:00", "PT15M", zone))
        if s["delivery"]:
            dfirst, dlast = s["delivery"]
        else:
            dfirst = first + dt.timedelta(days=d_off)
            dlast = dfirst + dt.timedelta(days=d_len - 1)
        ev("delivery", start=dfirst.isoformat(), end=(dlast + one).isoformat())
        appt = dlast + dt.timedelta(days=a_off)
        ev("appointments", start=appt.isoformat(), end=(appt + one).isoformat())

    feeds_def = defn.get("feeds") or [{"id": cal["id"]}]
    feeds = {}
    for f in feeds_def:
        kinds = f.get("kinds", list(KINDS))
        feeds[f["id"]] = {
            "id": f["id"],
            "language": f.get("language", cal.get("language", "fr")),
            "name": f.get("name", cal["name"]),
            "description": f.get("description", cal.get("description")),
            "events": sorted((e for e in events if e["kind"] in kinds), key=lambda e: e["uid"]),
        }
    return {
        "calendar": {
            "id": cal["id"],
            "timezone": zone_name,
            "url": cal.get("url"),
            "reference": cal.get("reference"),
            "refresh": refresh,
        },
        "feeds": feeds,
        "copies": copies,
    }
