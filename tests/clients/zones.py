#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every zone of the tz database through the seven parsers (issue 17).

  zones.py [common] --ordercal BIN [--years FIRST..LAST] [--zones NAME,...]
           [--jobs N] [--keep DIR]
  common: [--node NODE] [--modules NODE_MODULES] [--python PYTHON] [--php PHP]
          [--kcalcore PARSE_KCALCORE] [--eds PARSE_EDS]

For every zone that the system's tz database defines (the Zone lines of
tzdata.zi, else zone1970.tab), zoneinfo finds each change of UTC offset in the
years (by default two before the current one to three after it). Small
definitions put a confirmation on the last minute before each change, on the
first one after it and, when there is room, on one minute inside the gap or
the overlap between (one definition per weekday and time of day), plus one
at noon every four weeks. ordercal builds them (its publish gate reads each
event back through the VTIMEZONE with libical), then every feed is read by
ical.js, node-ical, Python icalendar, vobject, sabre/vobject and, with
--kcalcore, KCalendarCore and, with --eds, Evolution Data Server (which, like
KCalendarCore, reads an IANA TZID with its own zone from the tz database),
and by icalendar (and KCalendarCore) again from a
copy whose TZID no zone database knows, so that it has to use the VTIMEZONE
(as ical.js and vobject always do; KCalendarCore then guesses an IANA zone
from it). Each event's start
and end, as each parser reads it, must be the instant zoneinfo gives
(model.py): the parsers agree with the tz database and so with each other,
and nothing is taken from ordercal's own numbers.

The default years stay clear of the parsers' own limits, which no VTIMEZONE
can lift: pytz (icalendar with an IANA TZID) has no change after 2037,
icalendar's tables built from a VTIMEZONE stop in 2038, and node-ical's
temporal-polyfill misses changes from 2036 on and short periods such as Fiji's
four weeks of 2020-2021. ical.js, vobject and sabre/vobject read 2018..2040
right. KNOWN below lists the few disagreements left in the default years.

Output: 'FAIL [code] ...' lines, notes, statistics, and 'N passed, M failed'
(one count per feed and parser). Exit status 1 when anything failed, 2 on
usage or setup errors.
"""

import argparse
import concurrent.futures
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import clients  # noqa: E402
import model  # noqa: E402

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1)
STEP = 6 * 3600  # no two offset changes lie closer together in the years tested
VIA = " via the VTIMEZONE"  # the readings of the copies with an unknown TZID
UNKNOWN_TZID = "Ordercal-Test/"  # + the feed's name: icalendar caches zones by TZID
WEEKDAYS = model.WEEKDAYS


# Disagreements that no VTIMEZONE can prevent: these parsers resolve the TZID with zone
# code of their own and never read the VTIMEZONE. Each is reported as a note while it lasts.
# (parser name prefix, zone) -> why; a prefix that ends with VIA is for the readings of the
# copies with an unknown TZID, any other for those of the feeds.
KNOWN = {}
for _z in ("Africa/Casablanca", "Africa/El_Aaiun"):
    KNOWN[("node-ical", _z)] = ("its temporal-polyfill misses Morocco's changes of 2029, a"
                                " year with two Ramadans (Node's Intl has them)")
for _z in ("CET", "EET", "MET", "WET"):
    KNOWN[("sabre/vobject", _z)] = (f"PHP reads {_z} as a fixed abbreviation, without summer"
                                    " time")
# KCalendarCore reads an IANA TZID with Qt's zone and never a VTIMEZONE's rules: for a TZID
# that Qt 5 does not list (the copies' made-up one; in a real feed a link name that is not
# in zone.tab, such as America/Godthab) it takes the IANA zone whose standard offset and
# last 20 years of transitions match the VTIMEZONE best, which for these zones is another
# zone, with other rules in the default years.
for _z in ("America/Asuncion", "America/Coyhaique", "America/Nuuk", "America/Santiago",
           "America/Scoresbysund", "Antarctica/Troll", "Asia/Almaty", "Asia/Qostanay"):
    KNOWN[("KCalendarCore" + VIA, _z)] = ("it guesses an IANA zone from the VTIMEZONE's"
                                          " offsets and picks one with other rules (the"
                                          " feed itself, with its IANA TZID, reads right)")
# Evolution Data Server resolves these TZIDs to a zone of its own whose offset is 0 (neither
# libical's built-in zone, N hours east of UTC, nor the feed's VTIMEZONE, which it never
# reads for a name libical knows): their events read N hours late in Evolution.
for _n in range(1, 15):
    KNOWN[("Evolution Data Server", f"Etc/GMT-{_n}")] = (
        f"it gives the zone an offset of 0 instead of +{_n:02d}00")

# "Factory" is the placeholder whose time is "-00", unspecified: no calendar uses it, and
# vobject reads its events as floating.
SKIPPED = {"Factory"}


def tzdir():
    return os.environ.get("TZDIR") or "/usr/share/zoneinfo"


def all_zones():
    """The zones the database defines (links are copies of them): tzdata.zi's
    Zone lines, or zone1970.tab's third column."""
    zi = os.path.join(tzdir(), "tzdata.zi")
    if os.path.exists(zi):
        with open(zi, encoding="utf-8") as f:
            names = [line.split()[1] for line in f if line.startswith("Z ")]
    else:
        with open(os.path.join(tzdir(), "zone1970.tab"), encoding="utf-8") as f:
            names = [line.split("\t")[2].strip() for line in f
                     if line.strip() and not line.startswith("#")]
    return sorted(set(names) - SKIPPED)


def offset_changes(zone, start, end):
    """[(utc seconds, offset before, offset after)] of every change of UTC offset in
    [start, end), found with zoneinfo alone: steps of STEP, then bisection."""
    def off(t):
        return int(dt.datetime.fromtimestamp(t, zone).utcoffset().total_seconds())

    out = []
    t, o = start, off(start)
    while t < end:
        n = t + STEP
        on = off(n)
        if on != o:
            lo, hi = t, n
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if off(mid) == o else (lo, mid)
            out.append((hi, o, off(hi)))
            t, o = hi, off(hi)
            continue
        t, o = n, on
    return out


def local_minutes(change):
    """The wall times (seconds as if UTC, whole minutes) that frame a change: the last
    minute before the earlier of its two wall times, the first one at or after the later,
    and one strictly between them when the gap or overlap is two minutes or more."""
    t, before, after = change
    lo, hi = t + min(before, after), t + max(before, after)
    times = [(lo - 1) // 60 * 60, -(-hi // 60) * 60]
    if hi - lo >= 120:
        times.append((lo + hi) // 2 // 60 * 60)
    return times


def split(local):
    d = EPOCH + dt.timedelta(seconds=local)
    return d.date(), d.strftime("%H:%M")


def definition(cal_id, zone_name, weekday, hhmm, dates, every=1):
    """A definition as model.py reads YAML (dates as dt.date) and its YAML text."""
    if every == 1:
        rhythm = [{"from": d, "every": 1, "until": d} for d in sorted(dates)]
    else:
        rhythm = [{"from": dates[0], "every": every, "until": dates[1]}]
    defn = {
        "calendar": {"id": cal_id, "name": zone_name, "timezone": zone_name, "language": "en"},
        "session": {"weekday": WEEKDAYS[weekday], "length": 1,
                    "confirmation": {"offset": 0, "time": hhmm, "duration": "PT1H",
                                     "alarm": "-PT10M"}},
        "rhythm": rhythm,
        "feeds": [{"id": cal_id, "kinds": ["confirmation"]}],
    }
    lines = [f"calendar: {{ id: {cal_id}, name: \"{zone_name}\", timezone: \"{zone_name}\","
             " language: en }",
             f"session: {{ weekday: {WEEKDAYS[weekday]}, length: 1, confirmation:"
             f" {{ offset: 0, time: \"{hhmm}\", duration: PT1H, alarm: -PT10M }} }}",
             "rhythm:"]
    lines += [f"  - {{ from: {p['from']}, every: {p['every']}, until: {p['until']} }}"
              for p in rhythm]
    lines.append(f"feeds: [{{ id: {cal_id}, kinds: [confirmation] }}]")
    return defn, "\n".join(lines) + "\n"


def zone_definitions(index, zone_name, first_year, last_year):
    """-> ([(cal_id, defn, yaml text)], number of offset changes)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    start = int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(dt.datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    changes = offset_changes(zone, start, end)
    groups = {}
    for c in changes:
        for local in local_minutes(c):
            day, hhmm = split(local)
            groups.setdefault((day.weekday(), hhmm), set()).add(day)
    out = []
    first = dt.date(first_year, 1, 1)
    first += dt.timedelta(days=(2 - first.weekday()) % 7)  # a Wednesday
    cal_id = f"z{index:03d}-0"
    out.append((cal_id,) + definition(cal_id, zone_name, 2, "12:00",
                                      [first, dt.date(last_year, 12, 31)], every=4))
    for k, ((wd, hhmm), days) in enumerate(sorted(groups.items()), 1):
        cal_id = f"z{index:03d}-{k}"
        out.append((cal_id,) + definition(cal_id, zone_name, wd, hhmm, days))
    return out, len(changes)


def build(opts, work, item, epoch):
    """Runs ordercal on one definition -> (feed path or None, error text)."""
    cal_id, _, text = item
    folder = os.path.join(work, cal_id)
    os.makedirs(folder)
    path = os.path.join(folder, "def.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    p = subprocess.run([opts.ordercal, "build", path, "-o", os.path.join(folder, "out"), "-q"],
                       env=dict(os.environ, SOURCE_DATE_EPOCH=str(epoch)),
                       capture_output=True, text=True)
    feed = os.path.join(folder, "out", f"{cal_id}.ics")
    if p.returncode != 0 or not os.path.exists(feed):
        return None, f"exit {p.returncode}: {p.stderr.strip()}"
    return feed, ""


def renamed_copy(feed):
    """The feed with its TZID replaced by one no database knows."""
    with open(feed, "rb") as f:
        data = f.read()
    tzid = (UNKNOWN_TZID + os.path.basename(feed)[:-4]).encode()
    data = re.sub(rb"(TZID[:=])[^:;\r\n]+", lambda m: m.group(1) + tzid, data)
    copy = feed[:-4] + "-unknown-tzid.ics"
    with open(copy, "wb") as f:
        f.write(data)
    return copy


def read_all(opts, files, copies):
    """Each parser on every feed, in parallel -> [(label, {file: description}), seconds]."""
    mods = opts.modules
    runs = [
        ("", [opts.node, os.path.join(HERE, "parse-icaljs.mjs"), mods], files),
        ("", [opts.node, os.path.join(HERE, "parse-nodeical.cjs"), mods], files),
        ("", [opts.python, os.path.join(HERE, "parse_icalendar.py")], files),
        ("", [opts.python, os.path.join(HERE, "parse_vobject.py")], files),
        ("", [opts.php, os.path.join(HERE, "parse-sabre.php")], files),
        (VIA, [opts.python, os.path.join(HERE, "parse_icalendar.py")], copies),
    ]
    if opts.kcalcore:
        runs += [("", [opts.kcalcore], files), (VIA, [opts.kcalcore], copies)]
    if opts.eds:
        runs += [("", [opts.python, opts.eds], files)]

    def run(r):
        suffix, cmd, args = r
        t0 = time.monotonic()
        data = clients.run_json(cmd, args)
        return data["parser"] + suffix, data["feeds"], args, time.monotonic() - t0

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(runs)) as ex:
        return list(ex.map(run, runs))


def known_parser(prefix, parser):
    """Whether a KNOWN key's parser prefix names this reading."""
    via = prefix.endswith(VIA)
    return parser.startswith(prefix[:-len(VIA)] if via else prefix) and parser.endswith(VIA) == via


def check_feed(t, zone_name, parser, desc, exp, seen):
    """One feed through one parser against the model; 'seen' collects the KNOWN cases hit."""
    where = f"{zone_name} [{parser}]"
    known = next((k for k in KNOWN if known_parser(k[0], parser) and zone_name == k[1]), None)
    if known is not None:
        t = clients.Tally()  # counted apart: a known failure is a note
        seen[known] = seen.get(known, False)
    if not t.check(desc["ok"], "parser-rejects", f"{where} rejects the feed",
                   [desc.get("error", "")]):
        return
    got = {e["uid"]: e for e in desc["events"]}
    bad = []
    for e in exp["events"]:
        g = got.get(e["uid"])
        if g is None:
            bad.append(f"local {e['local']}: missing")
            continue
        want = (e["start"], e["end"], [e["alarm"]])
        read = (g["start"], g["end"], [a["trigger"] for a in g["alarms"]])
        if read != want:
            bad.append(f"local {e['local']}: read {read[0]} .. {read[1]} (alarm {read[2]}),"
                       f" the tz database gives {want[0]} .. {want[1]} (alarm {want[2]})")
    if len(got) != len(exp["events"]):
        bad.append(f"{len(got)} events, expected {len(exp['events'])}")
    if known is not None:
        seen[known] |= bool(bad) or not desc["ok"]
        return
    t.check(not bad, "instants", f"{where}: instants differ from the tz database", bad[:6]
            + ([f"... and {len(bad) - 6} more"] if len(bad) > 6 else []))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--node", default="node")
    ap.add_argument("--modules", default=os.path.join(HERE, "..", "..", "node_modules"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--php", default="php")
    ap.add_argument("--kcalcore", help="the parse-kcalcore program (default: none, skipped)")
    ap.add_argument("--eds", help="the parse_eds.py script (default: none, skipped)")
    ap.add_argument("--ordercal", required=True)
    ap.add_argument("--years", help="FIRST..LAST (default: two years back to three ahead)")
    ap.add_argument("--zones", help="comma-separated zone names (default: every zone)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--keep", help="keep the definitions and feeds in this folder")
    opts = ap.parse_args(argv)
    opts.modules = os.path.abspath(opts.modules)
    this_year = dt.date.today().year
    first_year, last_year = this_year - 2, this_year + 3
    if opts.years:
        m = re.fullmatch(r"(\d{4})\.\.(\d{4})", opts.years)
        if not m or int(m.group(1)) > int(m.group(2)):
            ap.error("--years wants FIRST..LAST, e.g. 2024..2030")
        first_year, last_year = int(m.group(1)), int(m.group(2))
    names = opts.zones.split(",") if opts.zones else all_zones()
    for name in names:
        try:
            zoneinfo.ZoneInfo(name)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            ap.error(f"--zones: no zone {name!r}")
    epoch = int(dt.datetime(first_year, 1, 1, tzinfo=UTC).timestamp())

    t0 = time.monotonic()
    items, zone_of, nchanges = [], {}, 0
    for i, name in enumerate(names):
        defs, n = zone_definitions(i, name, first_year, last_year)
        nchanges += n
        for item in defs:
            zone_of[item[0]] = name
        items += defs
    t = clients.Tally()
    work = opts.keep or tempfile.mkdtemp(prefix="oc-zones-")
    os.makedirs(work, exist_ok=True)
    for old in os.listdir(work):  # a previous run's folders, and nothing else
        if re.fullmatch(r"z\d{3,}-\d+", old):
            shutil.rmtree(os.path.join(work, old))
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as ex:
            built = list(ex.map(lambda it: build(opts, work, it, epoch), items))
        t_build = time.monotonic() - t0
        feeds, exps = [], {}
        for item, (feed, err) in zip(items, built):
            cal_id, defn, _ = item
            if t.check(feed is not None, "build", f"{zone_of[cal_id]}: ordercal build of"
                       f" {cal_id} failed", [err]):
                feeds.append(feed)
                exps[feed] = (zone_of[cal_id], model.expand(defn, epoch)["feeds"][cal_id])
        copies = [renamed_copy(f) for f in feeds]
        readings = read_all(opts, feeds, copies)
        seen = {}
        for parser, descs, files, _ in readings:
            for f, original in zip(files, feeds):
                zone_name, exp = exps[original]
                check_feed(t, zone_name, parser, descs[f], exp, seen)
        for (parser, zone_name), hit in sorted(seen.items()):
            t.note(f"{parser} misreads {zone_name}: {KNOWN[(parser, zone_name)]}" if hit else
                   f"{parser} reads {zone_name} right now: drop it from KNOWN in zones.py")
        nevents = sum(len(e["events"]) for _, e in exps.values())
        print(f"{len(names)} zones, years {first_year}..{last_year}: {nchanges} offset changes,"
              f" {len(feeds)} feeds, {nevents} events; built in {t_build:.1f} s")
        for parser, _, files, secs in readings:
            print(f"  {parser}: {len(files)} feeds in {secs:.1f} s")
    finally:
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
    for n in t.note_lines():
        print(f"note: {n}")
    if not opts.kcalcore:
        print(clients.KCALCORE_SKIPPED)
    if not opts.eds:
        print(clients.EDS_SKIPPED)
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
