#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Strict lint of ordercal feeds: what parsers forgive but clients choke on.

Usage: lint.py [--def DEF.yaml [--epoch N]] [--refresh DUR] [--url URL] FEED.ics...

The feeds given together are treated as the output of one build: UIDs must
then agree across them. With --def, every feed (named <feed id>.ics) is also
checked against the definition (model.py): name, description, zone, URL,
refresh and the exact version-5 UUIDs of its events.

Each diagnostic is one line, 'FILE:LINE: error: [code] message'; the last
line is the summary 'lint: N passed, M failed' (one check on one feed is one
count). Exit status: 0 clean, 1 when any check failed, 2 on usage errors.
"""

import argparse
import datetime as dt
import os
import re
import sys
import zoneinfo

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rfc5545  # noqa: E402

UTC = dt.timezone.utc
MAX_OCTETS = 75
MAX_OBSERVANCES = 4
UUID5 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DATE = re.compile(r"^\d{8}$")
DATETIME = re.compile(r"^(\d{8})T(\d{6})(Z?)$")
TEXT_PROPS = {"SUMMARY", "DESCRIPTION", "NAME", "LOCATION", "COMMENT", "UID", "PRODID",
              "X-WR-CALNAME", "X-WR-CALDESC", "X-WR-TIMEZONE", "TZNAME", "CATEGORIES"}
DATETIME_PROPS = {"DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE"}
UTC_ONLY_PROPS = {"DTSTAMP", "LAST-MODIFIED", "CREATED"}
IANA = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$")
_ZONES = None


def zones():
    global _ZONES
    if _ZONES is None:
        _ZONES = zoneinfo.available_timezones()
    return _ZONES


class Feed:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            self.data = f.read()
        self.phys = rfc5545.physical_lines(self.data)
        self.root, self.errors = rfc5545.parse(self.data)
        self.stem = os.path.splitext(os.path.basename(path))[0]

    def events(self):
        return self.root.children("VEVENT") if self.root else []

    def timezones(self):
        return self.root.children("VTIMEZONE") if self.root else []


# Every check takes a Feed (and the options) and yields (line, code, message).

def check_encoding(feed, opts):
    """Valid UTF-8 (once unfolded), no BOM, no control characters but CRLF."""
    if feed.data.startswith(b"\xef\xbb\xbf"):
        yield 1, "bom", "the file starts with a UTF-8 byte order mark"
    for line in rfc5545.logical_lines(feed.phys):
        try:
            line.raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield line.num, "utf8", f"invalid UTF-8 at octet {e.start + 1} of the line:" \
                                    f" {line.raw[e.start:e.end + 1]!r}"
    for num, body, _ in feed.phys:
        text = body.decode("utf-8", errors="replace")
        for k, ch in enumerate(text):
            o = ord(ch)
            if o < 0x20 or o == 0x7F or 0x80 <= o <= 0x9F:
                if k == 0 and ch in " \t":
                    continue
                yield num, "control-char", f"control character U+{o:04X} at column {k + 1}"


def check_line_endings(feed, opts):
    """CRLF only, the last line included."""
    for num, body, end in feed.phys:
        if end == b"\n":
            yield num, "crlf", "line ends with a bare LF (RFC 5545 §3.1: CRLF)"
        elif end == b"\r":
            yield num, "crlf", "bare CR inside or at the end of a line"
        elif end == b"" and body:
            yield num, "crlf", "the last line has no CRLF"


def check_line_length(feed, opts):
    """No line longer than 75 octets, the CRLF excluded."""
    for num, body, _ in feed.phys:
        if len(body) > MAX_OCTETS:
            yield num, "line-length", f"line is {len(body)} octets long (at most {MAX_OCTETS})"


def check_folding(feed, opts):
    """No empty line, no whitespace-only continuation, no fold inside a
    UTF-8 character or an escape pair."""
    logical = b""
    for idx, (num, body, _) in enumerate(feed.phys):
        if body == b"":
            if idx != len(feed.phys) - 1:
                yield num, "blank-line", "empty line (clients stop reading or drop the event)"
            continue
        if body[:1] in (b" ", b"\t"):
            rest = body[1:]
            if rest.strip(b" \t") == b"":
                yield num, "fold-empty", "continuation line holds only whitespace"
            if rest[:1] and 0x80 <= rest[0] <= 0xBF:
                yield num, "fold-utf8", "fold splits a UTF-8 character (continuation starts" \
                                        " with a continuation byte)"
            elif logical and _incomplete_utf8(logical):
                yield num, "fold-utf8", "fold splits a UTF-8 character (previous line ends" \
                                        " inside a sequence)"
            run = len(logical) - len(logical.rstrip(b"\\"))
            if run % 2 == 1:
                yield num, "fold-escape", "fold splits an escape pair: the previous line ends" \
                                          " with a lone '\\'"
            logical += rest
        else:
            logical = body


def _incomplete_utf8(b):
    """True if bytes end inside a UTF-8 sequence."""
    k = len(b) - 1
    back = 0
    while k >= 0 and 0x80 <= b[k] <= 0xBF and back < 3:
        k -= 1
        back += 1
    if k < 0:
        return False
    lead = b[k]
    need = 2 if 0xC0 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4 if lead >= 0xF0 else 1
    return need > 1 and back + 1 < need


def check_structure(feed, opts):
    """One VCALENDAR, balanced BEGIN/END, well-formed content lines."""
    for num, msg in feed.errors:
        yield num, "syntax", msg
    if feed.root is None:
        yield 1, "syntax", "no BEGIN:VCALENDAR"
    elif feed.root.name != "VCALENDAR":
        yield feed.root.num, "syntax", f"top-level component is {feed.root.name}"


def check_required(feed, opts):
    """VERSION:2.0 and PRODID; UID, DTSTAMP, DTSTART once in every VEVENT; no METHOD."""
    cal = feed.root
    if cal is None:
        return
    for name in ("VERSION", "PRODID"):
        n = len(cal.all(name))
        if n != 1:
            yield cal.num, "required", f"VCALENDAR has {n} {name} (exactly one required)"
    if cal.value("VERSION") not in (None, "2.0"):
        yield cal.first("VERSION").num, "required", f"VERSION is {cal.value('VERSION')}, not 2.0"
    for p in cal.all("METHOD"):
        yield p.num, "method", "METHOD in a subscribed feed (RFC 5545 §3.7.2; PUBLISH needs" \
                               " an ORGANIZER, Outlook then imports instead of subscribing)"
    for ev in feed.events():
        for name in ("UID", "DTSTAMP", "DTSTART"):
            n = len(ev.all(name))
            if n != 1:
                yield ev.num, "required", f"VEVENT has {n} {name} (exactly one required)"


def _text(prop):
    """Decoded TEXT of a property, or None; decoding errors are check_text's."""
    if prop is None:
        return None
    return rfc5545.decode_text(prop.value)[0]


def check_text(feed, opts):
    """Every TEXT value escaped (',' ';' '\\' and line breaks), X-WR-* included."""
    def walk(comp):
        for p in comp.props:
            if p.name in TEXT_PROPS:
                _, err = rfc5545.decode_text(p.value)
                if err and not (p.name == "CATEGORIES" and "unescaped ','" in err):
                    yield p.num, "text-escape", f"{p.name}: {err}"
        for s in comp.subs:
            yield from walk(s)
    if feed.root:
        yield from walk(feed.root)


def check_calendar_props(feed, opts):
    """X-WR-CALNAME = NAME, X-WR-CALDESC = DESCRIPTION (both or neither),
    X-WR-TIMEZONE, URL; with --def their values."""
    cal = feed.root
    if cal is None:
        return
    exp = opts.expect.get(feed.stem) if opts.expect else None
    for a, b in (("X-WR-CALNAME", "NAME"), ("X-WR-CALDESC", "DESCRIPTION")):
        pa, pb = cal.first(a), cal.first(b)
        if (pa is None) != (pb is None):
            have, miss = (a, b) if pa else (b, a)
            yield cal.num, "calprops", f"{have} without {miss}"
        elif pa and _text(pa) != _text(pb):
            yield pa.num, "calprops", f"{a} {_text(pa)!r} differs from {b} {_text(pb)!r}"
    if cal.first("X-WR-CALNAME") is None:
        yield cal.num, "calprops", "no X-WR-CALNAME (Outlook and Google name the calendar with it)"
    tz = cal.first("X-WR-TIMEZONE")
    if tz is None:
        yield cal.num, "calprops", "no X-WR-TIMEZONE (Google reads it for the calendar's zone)"
    if exp:
        want = {"X-WR-CALNAME": exp["name"], "X-WR-CALDESC": exp["description"],
                "X-WR-TIMEZONE": exp["timezone"], "URL": exp["url"]}
        for name, value in want.items():
            p = cal.first(name)
            got = None if p is None else (p.value if name == "URL" else _text(p))
            if got != value:
                yield (p.num if p else cal.num), "calprops", \
                    f"{name} is {got!r}, the definition says {value!r}"
    elif opts.url is not None and cal.value("URL") != opts.url:
        yield cal.num, "calprops", f"URL is {cal.value('URL')!r}, expected {opts.url!r}"


def _seconds(text):
    m = re.match(r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$",
                 text or "")
    if not m or (text or "").lstrip("+-") in ("P", "PT") or text.endswith("T"):
        return None
    w, d, h, mi, s = (int(x or 0) for x in m.groups()[1:])
    return (-1 if m.group(1) == "-" else 1) * ((((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s)


def check_refresh(feed, opts):
    """REFRESH-INTERVAL;VALUE=DURATION and X-PUBLISHED-TTL, equal to the refresh."""
    cal = feed.root
    if cal is None:
        return
    ri, ttl = cal.first("REFRESH-INTERVAL"), cal.first("X-PUBLISHED-TTL")
    if ri is None:
        yield cal.num, "refresh", "no REFRESH-INTERVAL (RFC 7986 §5.7)"
    elif (ri.param("VALUE") or "").upper() != "DURATION":
        yield ri.num, "refresh", "REFRESH-INTERVAL without VALUE=DURATION (required by RFC 7986)"
    if ttl is None:
        yield cal.num, "refresh", "no X-PUBLISHED-TTL (Outlook's refresh hint)"
    want = opts.refresh
    if opts.expect and feed.stem in opts.expect:
        want = opts.expect[feed.stem]["refresh"]
    want_s = _seconds(want) if want else None
    for p in (ri, ttl):
        if p is None:
            continue
        s = _seconds(p.value)
        if s is None or s <= 0:
            yield p.num, "refresh", f"{p.name} {p.value!r} is not a positive duration"
        elif want_s is not None and s != want_s:
            yield p.num, "refresh", f"{p.name} is {p.value}, the definition's refresh is {want}"
    if ri and ttl and want_s is None and _seconds(ri.value) != _seconds(ttl.value):
        yield ttl.num, "refresh", f"X-PUBLISHED-TTL {ttl.value} differs from REFRESH-INTERVAL" \
                                  f" {ri.value}"


def _tzids(comp):
    for p in comp.props:
        if "TZID" in p.params:
            yield p
    for s in comp.subs:
        if s.name != "VTIMEZONE":
            yield from _tzids(s)


def check_timezones(feed, opts):
    """Every TZID defined; VTIMEZONEs used, compact, plain IANA, no history."""
    cal = feed.root
    if cal is None:
        return
    defined = {}
    for vtz in feed.timezones():
        tzid = vtz.value("TZID")
        if tzid is None:
            yield vtz.num, "vtimezone", "VTIMEZONE without TZID"
            continue
        if tzid in defined:
            yield vtz.num, "vtimezone", f"second VTIMEZONE for {tzid}"
        defined[tzid] = vtz
        if tzid.startswith("/") or "freeassociation" in tzid or not IANA.match(tzid) \
                or tzid not in zones():
            yield vtz.first("TZID").num, "tzid-not-iana", \
                f"TZID {tzid!r} is not a plain IANA zone name (Outlook and Google need one)"
        obs = [s for s in vtz.subs if s.name in ("STANDARD", "DAYLIGHT")]
        if not obs:
            yield vtz.num, "vtimezone", f"VTIMEZONE {tzid} has no STANDARD or DAYLIGHT"
        if len(obs) > MAX_OBSERVANCES:
            yield vtz.num, "vtimezone-bloated", \
                f"VTIMEZONE {tzid} has {len(obs)} observances (at most {MAX_OBSERVANCES}:" \
                " current rules, no history)"
        for o in obs:
            start = o.value("DTSTART") or ""
            for name in ("DTSTART", "TZOFFSETFROM", "TZOFFSETTO"):
                if o.first(name) is None:
                    yield o.num, "vtimezone", f"{o.name} of {tzid} has no {name}"
            if start[:4].isdigit() and int(start[:4]) < 1970:
                yield o.first("DTSTART").num, "vtimezone-history", \
                    f"{o.name} of {tzid} starts in {start[:4]}: history before 1970"
    used = set()
    for p in _tzids(cal):
        tzid = p.param("TZID")
        used.add(tzid)
        if tzid not in defined:
            yield p.num, "tzid-undefined", f"{p.name} names TZID {tzid!r} but no VTIMEZONE has it"
    for tzid, vtz in defined.items():
        if tzid not in used:
            yield vtz.num, "vtimezone-unused", f"VTIMEZONE {tzid} is not used by any event"
    xtz = cal.value("X-WR-TIMEZONE")
    for tzid in defined:
        if xtz is not None and tzid != xtz:
            yield defined[tzid].num, "calprops", f"VTIMEZONE {tzid} is not X-WR-TIMEZONE {xtz}"


def _instant(prop):
    """A DTSTART/DTEND-like property -> ('date', date) | ('utc', datetime) | None, problems."""
    problems = []
    v = prop.value or ""
    kind = (prop.param("VALUE") or "DATE-TIME").upper()
    if kind == "DATE":
        if not DATE.match(v):
            return None, [f"{prop.name};VALUE=DATE value {v!r} is not YYYYMMDD"]
        return ("date", dt.date(int(v[:4]), int(v[4:6]), int(v[6:]))), problems
    m = DATETIME.match(v)
    if not m:
        if DATE.match(v):
            return None, [f"{prop.name} holds a date without VALUE=DATE"]
        return None, [f"{prop.name} value {v!r} is not a DATE-TIME"]
    d, t, z = m.groups()
    naive = dt.datetime(int(d[:4]), int(d[4:6]), int(d[6:]), int(t[:2]), int(t[2:4]), int(t[4:]))
    tzid = prop.param("TZID")
    if z:
        if tzid:
            problems.append(f"{prop.name} is UTC and has a TZID")
        return ("utc", naive.replace(tzinfo=UTC)), problems
    if not tzid:
        return ("floating", naive), problems
    try:
        zone = zoneinfo.ZoneInfo(tzid)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ("unknown-zone", naive), problems
    a = naive.replace(tzinfo=zone, fold=0)
    b = naive.replace(tzinfo=zone, fold=1)
    if a.utcoffset() != b.utcoffset():
        back = a.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if back != naive:
            problems.append(("local-time-gap",
                             f"{prop.name} {v} does not exist in {tzid} (spring-forward gap):"
                             " clients disagree on it; write the time that exists"))
        else:
            problems.append(("local-time-ambiguous",
                             f"{prop.name} {v} occurs twice in {tzid} (fall-back overlap):"
                             " clients disagree on which one"))
    return ("utc", a.astimezone(UTC)), problems


def check_datetimes(feed, opts):
    """Timed values never floating; all-day values are DATE on both ends;
    DTEND after DTSTART; no local time in a DST gap or overlap; DTSTAMP in UTC."""
    for ev in feed.events():
        got = {}
        for p in ev.props:
            if p.name in UTC_ONLY_PROPS and not (p.value or "").endswith("Z"):
                yield p.num, "dtstamp-utc", f"{p.name} must be in UTC (RFC 5545 §3.8.7)"
            if p.name not in DATETIME_PROPS:
                continue
            val, problems = _instant(p)
            for pr in problems:
                code, msg = pr if isinstance(pr, tuple) else ("datetime", pr)
                yield p.num, code, msg
            if val and val[0] == "floating":
                yield p.num, "floating", f"{p.name}:{p.value} is floating time (no TZID, no Z):" \
                                         " each client shows it in its own zone"
            got[p.name] = (p, val)
        if "DTSTART" in got and "DTEND" in got:
            (ps, s), (pe, e) = got["DTSTART"], got["DTEND"]
            if s and e:
                if (s[0] == "date") != (e[0] == "date"):
                    yield pe.num, "datetime", \
                        "DTSTART and DTEND are not both DATE or both DATE-TIME"
                elif s[0] in ("date", "utc") and e[0] == s[0] and e[1] <= s[1]:
                    yield pe.num, "dtend-order", \
                        f"DTEND {pe.value} is not after DTSTART {ps.value}" + \
                        (f" ({e[1]:%H:%M}Z <= {s[1]:%H:%M}Z)" if s[0] == "utc" else "")


def check_uids(feed, opts):
    """UIDs are version-5 UUIDs (RFC 9562), unique in the feed."""
    seen = {}
    for ev in feed.events():
        p = ev.first("UID")
        if p is None:
            continue
        uid = p.value
        if not UUID5.match(uid):
            m = re.match(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-([0-9a-fA-F])", uid)
            why = f"version {m.group(1)}" if m else "not a UUID"
            yield p.num, "uid-v5", f"UID {uid} is not a lowercase version-5 UUID ({why})"
        if uid in seen:
            yield p.num, "uid-duplicate", f"UID {uid} already used on line {seen[uid]}"
        seen[uid] = p.num
    exp = opts.expect.get(feed.stem) if opts.expect else None
    if exp is not None:
        want = {e["uid"]: e for e in exp["events"]}
        for uid in sorted(set(seen) - set(want)):
            yield seen[uid], "uid-expected", f"UID {uid} is no event of the definition"
        for uid in sorted(set(want) - set(seen)):
            e = want[uid]
            yield 1, "uid-expected", f"missing {e['kind']} of session {e['session']} (UID {uid})"


def check_transparency(feed, opts):
    """TRANSP:TRANSPARENT with X-MICROSOFT-CDO-BUSYSTATUS:FREE; never STATUS:CANCELLED."""
    for ev in feed.events():
        tr = ev.value("TRANSP")
        busy = ev.value("X-MICROSOFT-CDO-BUSYSTATUS")
        if tr != "TRANSPARENT":
            yield ev.num, "transp", f"VEVENT is {'TRANSP:' + tr if tr else 'without TRANSP'}" \
                                    " (every event only informs)"
        elif busy != "FREE":
            yield ev.num, "busystatus", "TRANSP:TRANSPARENT without X-MICROSOFT-CDO-BUSYSTATUS:" \
                                        "FREE (Outlook shows it busy)"
        for p in ev.all("STATUS"):
            if (p.value or "").upper() == "CANCELLED":
                yield p.num, "cancelled", "STATUS:CANCELLED (Google hides it, Apple strikes it" \
                                          " through)"


def check_alarms(feed, opts):
    """At most one VALARM, ACTION:DISPLAY, a DESCRIPTION and a TRIGGER that is a
    relative duration or, VALUE=DATE-TIME, an instant in UTC (RFC 5545 §3.8.6.3:
    an absolute trigger MUST be in UTC; ordercal writes one where clients count a
    relative one differently)."""
    for ev in feed.events():
        alarms = ev.children("VALARM")
        if len(alarms) > 1:
            yield alarms[1].num, "valarm", f"{len(alarms)} VALARMs in one event (Outlook keeps one)"
        for a in alarms:
            action = a.value("ACTION")
            if action != "DISPLAY":
                yield a.num, "valarm", f"VALARM ACTION is {action!r}, not DISPLAY"
            if not _text(a.first("DESCRIPTION")):
                yield a.num, "valarm", "VALARM without a DESCRIPTION (required for DISPLAY)"
            trig = a.all("TRIGGER")
            if len(trig) != 1:
                yield a.num, "valarm", f"VALARM has {len(trig)} TRIGGER"
            for t in trig:
                kind = (t.param("VALUE") or "DURATION").upper()
                if kind == "DATE-TIME":
                    if not re.fullmatch(r"\d{8}T\d{6}Z", t.value or ""):
                        yield t.num, "valarm", f"TRIGGER {t.value!r} is an instant not in UTC"
                elif kind != "DURATION" or _seconds(t.value) is None:
                    yield t.num, "valarm", f"TRIGGER {t.value!r} is not a relative duration"


CHECKS = [check_encoding, check_line_endings, check_line_length, check_folding, check_structure,
          check_required, check_text, check_calendar_props, check_refresh, check_timezones,
          check_datetimes, check_uids, check_transparency, check_alarms]


def _key(ev):
    return tuple((p.param("TZID"), p.value) for p in (ev.first("DTSTART"), ev.first("DTEND"))
                 if p is not None)


def check_across(feeds):
    """The same event has the same UID in every feed (and language) of a build."""
    by_uid = {}
    for f in feeds:
        for ev in f.events():
            uid = ev.value("UID")
            if uid is None:
                continue
            k = _key(ev)
            if uid in by_uid and by_uid[uid][1] != k:
                g, _, num = by_uid[uid]
                yield f, ev.num, "uid-across-feeds", \
                    f"UID {uid} has other dates than in {os.path.basename(g.path)}:{num}"
            by_uid.setdefault(uid, (f, k, ev.num))
    keyed = []
    for f in feeds:
        count = {}
        for ev in f.events():
            count[_key(ev)] = count.get(_key(ev), 0) + 1
        keyed.append({_key(ev): ev for ev in f.events() if count[_key(ev)] == 1})
    for i, f in enumerate(feeds):
        for j in range(i):
            for k, ev in keyed[i].items():
                other = keyed[j].get(k)
                if other is not None and other.value("UID") != ev.value("UID"):
                    yield f, ev.num, "uid-across-feeds", \
                        f"event of {k[0][1]} has UID {ev.value('UID')} here but" \
                        f" {other.value('UID')} in {os.path.basename(feeds[j].path)}"


def lint(paths, opts, out=sys.stdout):
    """Runs every check; prints diagnostics and the summary; returns (passed, failed)."""
    passed = failed = 0
    feeds = []
    for path in paths:
        try:
            feeds.append(Feed(path))
        except OSError as e:
            print(f"{path}:1: error: [io] {e.strerror}", file=out)
            failed += 1
    for feed in feeds:
        for check in CHECKS:
            diags = list(check(feed, opts))
            for num, code, msg in diags:
                print(f"{feed.path}:{num}: error: [{code}] {msg}", file=out)
            if diags:
                failed += 1
            else:
                passed += 1
        if opts.expect is not None and feed.stem not in opts.expect:
            print(f"{feed.path}:1: error: [feeds] no feed '{feed.stem}' in the definition",
                  file=out)
            failed += 1
    if opts.expect is not None:
        for fid in sorted(set(opts.expect) - {f.stem for f in feeds}):
            print(f"{fid}.ics:1: error: [feeds] the definition's feed '{fid}' was not given",
                  file=out)
            failed += 1
    if len(feeds) > 1:
        diags = list(check_across(feeds))
        for f, num, code, msg in diags:
            print(f"{f.path}:{num}: error: [{code}] {msg}", file=out)
        failed, passed = (failed + 1, passed) if diags else (failed, passed + 1)
    print(f"lint: {passed} passed, {failed} failed", file=out)
    return passed, failed


def options(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--def", dest="definition", help="schedule definition the feeds come from")
    ap.add_argument("--epoch", type=int, default=0, help="SOURCE_DATE_EPOCH of the build")
    ap.add_argument("--refresh", help="expected REFRESH-INTERVAL and X-PUBLISHED-TTL")
    ap.add_argument("--url", help="expected calendar URL")
    ap.add_argument("feeds", nargs="+")
    opts = ap.parse_args(argv)
    opts.expect = None
    if opts.definition:
        import model
        m = model.expand(model.load(opts.definition), opts.epoch)
        c = m["calendar"]
        opts.expect = {fid: dict(f, timezone=c["timezone"], url=c["url"], refresh=c["refresh"])
                       for fid, f in m["feeds"].items()}
    return opts


def main(argv):
    opts = options(argv)
    _, failed = lint(opts.feeds, opts)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
