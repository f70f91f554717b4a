#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Reads ordercal's feeds the way the clients do.

  clients.py [common] parsers BUILD...
      builds a definition with ordercal into a temporary folder, then reads
      every feed, and every copy of a confirmation the page offers
      (events/*.ics), with six independent parsers and checks them against
      the model of the definition (model.py) and against each other; the
      page's Google Calendar links of the copies too.
  clients.py [common] lint BUILD...
      builds the same way and runs the strict lint (lint.py) on the feeds,
      with the definition's expectations.
  clients.py [common] feeds FEED.ics...
      no definition: every parser must accept each file and agree with the
      others and with the strict reading (rfc5545.py).
  clients.py [common] broken DIR
      the corpus of deliberately broken feeds (DIR/cases.txt): the lint and,
      where the case says so, the parsers must fail with the right diagnostic;
      DIR's good feeds must pass both.
  clients.py [common] mutants BUILD...
      damages one feed of the build in each of several ways (MUTANTS): the
      comparison must report each damage.
  BUILD: --ordercal BIN --def DEF.yaml [--epoch N] [--args-file ARGS]
         [--templates DIR] [--keep DIR]   (the epoch may also come from the
         golden 'args' file or a '# clients: SOURCE_DATE_EPOCH=N' comment)
  common: [--node NODE] [--modules NODE_MODULES] [--python PYTHON] [--php PHP]
          [--kcalcore PARSE_KCALCORE] [--eds PARSE_EDS] [--only PARSER,...]

The parsers are ical.js (Thunderbird), node-ical, Python icalendar and
vobject, sabre/vobject (PHP), KCalendarCore (KOrganizer; the C++ program
parse-kcalcore, which CMake builds when it finds KF5CalendarCore: without
--kcalcore that reader is skipped, and said to be) and Evolution Data Server
(GNOME Evolution's "On The Web" calendar, a real subscription through its
webcal backend: parse_eds.py, given as --eds when CMake finds EDS; skipped
and said to be without it); each prints a normalised JSON description of a
feed. --only keeps the parsers named (icaljs, nodeical, icalendar, vobject,
sabre, kcalcore, eds): 'mutants --only kcalcore' proves that one reader's
readings are checked.
Expectations are never taken from ordercal's output: dates, instants, UIDs
and alarm times come from the model; texts must equal the strict RFC 5545
reading of the feed (and the definition's own texts must appear in it
verbatim). When a parser misreads a text, it is read again from a canonical
re-encoding of the same text (rfc5545.encode_text + fold): if it misreads
that one the same way, the parser has a bug of its own, which is reported as
a note, not blamed on ordercal.

Output: 'FAIL [code] ...' lines with each parser's reading, notes, and the
summary 'N passed, M failed' (parsers: one aspect of one feed through one
parser is one count; broken: one case through the lint or the parsers).
Exit status 1 when anything failed, 2 on usage or setup errors.
"""

import argparse
import concurrent.futures
import datetime as dt
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import model  # noqa: E402
import rfc5545  # noqa: E402

TEXT_PROPS = {"SUMMARY", "DESCRIPTION", "NAME", "LOCATION", "COMMENT",
              "X-WR-CALNAME", "X-WR-CALDESC", "X-WR-TIMEZONE"}
CAL_TEXTS = ("name", "description", "x-wr-calname", "x-wr-caldesc", "x-wr-timezone")
CAL_RAW = ("version", "prodid", "url", "refresh-interval", "x-published-ttl", "method")
EV_TEXTS = ("summary", "description")
EV_RAW = ("url", "transp", "status")


class Tally:
    def __init__(self):
        self.passed = self.failed = 0
        self.notes = []
        self.more = {}  # note -> how many others of its kind were left out
        self.kinds = {}  # kind -> its first note

    def check(self, ok, code, where, lines=()):
        if ok:
            self.passed += 1
            return True
        self.failed += 1
        print(f"FAIL [{code}] {where}")
        for line in lines:
            print(f"    {line}")
        return False

    def note(self, text, kind=None):
        """Keeps each note once, and only the first of a kind (sabre/vobject 2.1 keeps
        every '\,' of a text: one note says it)."""
        if kind is not None and kind in self.kinds:
            first = self.kinds[kind]
            if text != first and text not in self.notes:
                self.more[first] = self.more.get(first, 0) + 1
            return
        if text not in self.notes:
            self.notes.append(text)
            if kind is not None:
                self.kinds[kind] = text

    def note_lines(self):
        for n in self.notes:
            more = self.more.get(n, 0)
            yield n + (f" (and {more} more such texts)" if more else "")


# --- reading the feeds ----------------------------------------------------

PARSERS = ("icaljs", "nodeical", "icalendar", "vobject", "sabre", "kcalcore", "eds")
KCALCORE_SKIPPED = ("skipped: KCalendarCore, parse-kcalcore is not built (apt-get install"
                    " g++ libkf5calendarcore-dev, then run cmake again)")
EDS_SKIPPED = ("skipped: Evolution Data Server, no --eds (apt-get install evolution-data-server"
               " gir1.2-ecal-2.0 gir1.2-edataserver-1.2 python3-gi dbus-daemon, then run cmake"
               " again)")
# The readers that run only when their program is given (--kcalcore, --eds): the
# command that reads feeds with it, and what is printed when it is not given.
OPTIONAL = {
    "kcalcore": (lambda opts: [opts.kcalcore], KCALCORE_SKIPPED),
    "eds": (lambda opts: [opts.python, opts.eds], EDS_SKIPPED),
}


def parser_commands(opts):
    """{key: command} of the parsers that run: all of them, less --only's others and
    KCalendarCore when its program is not built."""
    mods = opts.modules
    cmds = {
        "icaljs": [opts.node, os.path.join(HERE, "parse-icaljs.mjs"), mods],
        "nodeical": [opts.node, os.path.join(HERE, "parse-nodeical.cjs"), mods],
        "icalendar": [opts.python, os.path.join(HERE, "parse_icalendar.py")],
        "vobject": [opts.python, os.path.join(HERE, "parse_vobject.py")],
        "sabre": [opts.php, os.path.join(HERE, "parse-sabre.php")],
    }
    for key, (command, _) in OPTIONAL.items():
        if getattr(opts, key):
            cmds[key] = command(opts)
    return {k: c for k, c in cmds.items() if k in opts.only}


def run_parsers(opts, files):
    """-> [(parser name, {file: description})]; exits 2 if a script cannot run."""
    cmds = list(parser_commands(opts).values())
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(cmds)) as ex:
        return [(d["parser"], d["feeds"]) for d in ex.map(lambda c: run_json(c, files), cmds)]


def run_json(cmd, files):
    """One parser script on 'files' -> its JSON; exits 2 if it cannot run."""
    p = subprocess.run(cmd + files, capture_output=True, text=True, encoding="utf-8")
    if p.returncode != 0:
        print(f"error: {' '.join(map(shlex.quote, cmd[:2]))} exited {p.returncode}:\n"
              f"{p.stderr.strip()}")
        sys.exit(2)
    return json.loads(p.stdout)


def strict_reading(path):
    """The reference reading: {'calendar': {...}, 'events': {uid: {...}}, 'lines': {uid: n},
    'errors': [...]}, texts decoded by rfc5545 (errors recorded)."""
    with open(path, "rb") as f:
        root, errors = rfc5545.parse(f.read())
    errors = [f"line {n}: {m}" for n, m in errors]
    res = {"calendar": {}, "events": {}, "lines": {}, "errors": errors}
    if root is None:
        errors.append("no VCALENDAR")
        return res

    def text(comp, name):
        p = comp.first(name)
        if p is None:
            return None
        t, err = rfc5545.decode_text(p.value)
        if err:
            errors.append(f"line {p.num}: {name}: {err}")
        return t

    for k in CAL_TEXTS:
        res["calendar"][k] = text(root, k.upper())
    for k in CAL_RAW:
        res["calendar"][k] = root.value(k.upper())
    for ev in root.children("VEVENT"):
        uid = ev.value("UID")
        e = {k: text(ev, k.upper()) for k in EV_TEXTS}
        e.update({k: ev.value(k.upper()) for k in EV_RAW})
        e["alarms"] = [{"action": a.value("ACTION"), "description": text(a, "DESCRIPTION")}
                       for a in ev.children("VALARM")]
        res["events"][uid] = e
        dts = ev.first("DTSTART")
        res["lines"][uid] = dts.num if dts else ev.num
    return res


def canonical_copy(path, dest):
    """Writes 'path' again with every TEXT value re-encoded and every line
    re-folded by rfc5545 (a value it cannot decode is kept as it is)."""
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for line in rfc5545.logical_lines(rfc5545.physical_lines(data)):
        raw = line.raw.decode("utf-8", errors="replace")
        if line.error is None and line.name in TEXT_PROPS:
            t, err = rfc5545.decode_text(line.value)
            if err is None:
                head = raw[:len(raw) - len(line.value)]
                raw = head + rfc5545.encode_text(t)
        out.append(rfc5545.fold(raw))
    with open(dest, "wb") as f:
        f.write(b"".join(out))


# --- comparing ------------------------------------------------------------

def show(v):
    return json.dumps(v, ensure_ascii=False)


def first_diff(want, got, context=24):
    """'…expected…' vs '…read…' around the first differing character."""
    if not isinstance(want, str) or not isinstance(got, str):
        return f"{show(want)} read as {show(got)}"
    i = 0
    while i < min(len(want), len(got)) and want[i] == got[i]:
        i += 1
    a = max(0, i - context)
    return (f"at character {i}: {show(want[a:i + context])} read as {show(got[a:i + context])}")


def compare_texts(t, parser, where, field, got, ref_got, want):
    """A parser's text against the strict reading, with the canonical-copy excuse."""
    if got == want:
        return True
    if ref_got == got:
        t.note(f"{parser} misreads a text it also misreads when canonically encoded (a bug of"
               f" the parser, not of the feed): {field} {first_diff(want, got)}", parser)
        return True
    print(f"FAIL [texts] {where}: {parser} reads {field} differently from the strict reading,"
          f" {first_diff(want, got)} (canonical re-encoding read as {show(ref_got)})")
    return False


def compare_feed(t, name, strict, readings, ref_readings, exp, cal_exp):
    """All checks of one feed. readings: [(parser, description)]; exp: model feed or None."""
    t.check(not strict["errors"], "strict", f"{name}: strict RFC 5545 reading",
            strict["errors"][:10])
    ok_parsers = []
    for parser, d in readings:
        if t.check(d["ok"], "parser-rejects", f"{name}: {parser} rejects the feed",
                   [d.get("error", "")]):
            ok_parsers.append((parser, d))
    ref = dict(ref_readings)
    line_of = strict["lines"]

    for parser, d in ok_parsers:
        where = f"{name} [{parser}]"
        evs = {e["uid"]: e for e in d["events"]}
        rd = ref.get(parser)
        ref_evs = {e["uid"]: e for e in rd["events"]} if rd and rd["ok"] else {}
        ref_cal = rd["calendar"] if rd and rd["ok"] else {}
        # What a parser says it does not keep (KCalendarCore: most calendar
        # properties) is checked through the others; what it cannot tell from
        # its absence ('absent': KCalendarCore's TRANSP) is compared as that.
        unread = set(d.get("unread", ()))
        absent = d.get("absent", {})
        if unread:
            t.note(f"{parser} keeps no {', '.join(sorted(k.upper() for k in unread))} of the"
                   " calendar: those are checked through the other parsers")

        # Events: count and UIDs.
        if exp is not None:
            want_uids = [e["uid"] for e in exp["events"]]
            t.check(len(d["events"]) == len(want_uids), "count",
                    f"{where}: {len(d['events'])} events, the definition gives {len(want_uids)}")
            missing = sorted(set(want_uids) - set(evs))
            extra = sorted(set(evs) - set(want_uids))
            t.check(not missing and not extra, "uids", f"{where}: UIDs differ from the model",
                    [f"missing {e['kind']} {e['session']} {e['uid']}" for e in exp["events"]
                     if e["uid"] in missing] + [f"unexpected {u}" for u in extra])
        else:
            want_uids = sorted(strict["events"])
            t.check(sorted(evs) == want_uids, "uids",
                    f"{where}: UIDs differ from the strict reading",
                    [f"parser: {sorted(evs)}", f"strict: {want_uids}"])

        # Dates and instants, alarms: against the model.
        if exp is not None:
            bad_dates, bad_alarms = [], []
            for e in exp["events"]:
                g = evs.get(e["uid"])
                if g is None:
                    continue
                line = line_of.get(e["uid"], "?")
                label = f"line {line}: {e['kind']} of {e['session']}"
                if "local" in e:
                    label += f" (local {e['local']} {cal_exp['timezone']})"
                if (g["start"], g["end"]) != (e["start"], e["end"]):
                    bad_dates.append(f"{label}: read {g['start']} .. {g['end']},"
                                     f" expected {e['start']} .. {e['end']}")
                want_al = [e["alarm"]] if e.get("alarm") else []
                got_al = [a["trigger"] for a in g["alarms"]]
                if got_al != want_al:
                    bad_alarms.append(f"{label}: alarm at {got_al}, expected {want_al}")
                for a in g["alarms"]:
                    if a["action"] != "DISPLAY":
                        bad_alarms.append(f"{label}: alarm action {a['action']!r}")
            t.check(not bad_dates, "dates", f"{where}: start/end differ from the model", bad_dates)
            t.check(not bad_alarms, "alarms", f"{where}: alarms differ from the model", bad_alarms)

        # Every event must end after it starts, as each parser reads it.
        backwards = [f"line {line_of.get(e['uid'], '?')}: {e['start']} .. {e['end']}"
                     for e in d["events"] if isinstance(e["start"], str)
                     and isinstance(e["end"], str) and len(e["start"]) == len(e["end"])
                     and e["end"] <= e["start"]]
        t.check(not backwards, "end-before-start",
                f"{where}: events that end before they start", backwards)

        # Texts: every parser must read what the strict reading reads.
        ok = True
        for uid, s in strict["events"].items():
            g = evs.get(uid)
            if g is None:
                continue
            r = ref_evs.get(uid, {})
            w = f"{where} line {line_of.get(uid, '?')} {uid}"
            for k in EV_TEXTS:
                ok &= compare_texts(t, parser, w, k, g[k], r.get(k), s[k])
            for k in EV_RAW:
                if g[k] != (s[k] if s[k] is not None else absent.get(k)):
                    print(f"FAIL [texts] {w}: {parser} reads {k} as {show(g[k])},"
                          f" the feed has {show(s[k])}")
                    ok = False
            ga, ra = g["alarms"], r.get("alarms", [])
            if len(ga) != len(s["alarms"]):
                print(f"FAIL [texts] {w}: {parser} sees {len(ga)} alarms, the feed has"
                      f" {len(s['alarms'])}")
                ok = False
            for i, sa in enumerate(s["alarms"][:len(ga)]):
                rr = ra[i]["description"] if i < len(ra) else None
                ok &= compare_texts(t, parser, w, "alarm description", ga[i]["description"], rr,
                                    sa["description"])
        for k in (k for k in CAL_TEXTS if k not in unread):
            ok &= compare_texts(t, parser, f"{where} calendar", k, d["calendar"].get(k),
                                ref_cal.get(k), strict["calendar"][k])
        for k in (k for k in ("version", "prodid", "url", "method") if k not in unread):
            if d["calendar"].get(k) != strict["calendar"][k]:
                print(f"FAIL [texts] {where} calendar: {parser} reads {k} as"
                      f" {show(d['calendar'].get(k))}, the feed has {show(strict['calendar'][k])}")
                ok = False
        for k in (k for k in ("refresh-interval", "x-published-ttl") if k not in unread):
            got = model.duration_seconds(d["calendar"].get(k))
            if got != model.duration_seconds(strict["calendar"][k]):
                print(f"FAIL [texts] {where} calendar: {parser} reads {k} as"
                      f" {show(d['calendar'].get(k))}, the feed has {show(strict['calendar'][k])}")
                ok = False
        t.check(ok, "texts", f"{where}: texts differ from the strict reading (above)")

    # Without a model the parsers must at least agree with each other.
    if exp is None and len(ok_parsers) > 1:
        diffs = []
        base_p, base = ok_parsers[0]
        base_evs = {e["uid"]: e for e in base["events"]}
        for parser, d in ok_parsers[1:]:
            for e in d["events"]:
                b = base_evs.get(e["uid"])
                if b is None:
                    continue
                for k in ("start", "end"):
                    if e[k] != b[k]:
                        diffs.append(f"line {line_of.get(e['uid'], '?')} {k}: {base_p} {b[k]},"
                                     f" {parser} {e[k]}")
                ta = [a["trigger"] for a in e["alarms"]]
                tb = [a["trigger"] for a in b["alarms"]]
                if ta != tb:
                    diffs.append(f"line {line_of.get(e['uid'], '?')} alarm: {base_p} {tb},"
                                 f" {parser} {ta}")
        t.check(not diffs, "parsers-disagree", f"{name}: parsers disagree on dates or alarms",
                diffs)

    # The definition's own texts, verbatim (parser-independent: strict reading).
    if exp is not None:
        c = strict["calendar"]
        probs = []
        for k, v in (("name", exp.get("name")), ("x-wr-calname", exp.get("name")),
                     ("description", exp.get("description")),
                     ("x-wr-caldesc", exp.get("description")),
                     ("x-wr-timezone", cal_exp["timezone"]), ("url", cal_exp["url"])):
            if c[k] != v and not exp.get("copy"):
                probs.append(f"calendar {k} is {show(c[k])}, the definition says {show(v)}")
        for k in ("refresh-interval", "x-published-ttl"):
            if model.duration_seconds(c[k]) != model.duration_seconds(cal_exp["refresh"]):
                probs.append(f"calendar {k} is {c[k]}, the definition says {cal_exp['refresh']}")
        own = [x for x in (cal_exp["reference"], cal_exp["url"]) if x]
        if exp.get("copy"):
            # A copy is added once, not subscribed to: METHOD:PUBLISH, and no
            # name, which would make clients offer a calendar of its own.
            probs = [f"calendar {k} is {show(c[k])}: a copy has none"
                     for k in ("name", "x-wr-calname", "description", "x-wr-caldesc",
                               "refresh-interval", "x-published-ttl") if c[k] is not None]
            if c["method"] != "PUBLISH":
                probs.append(f"calendar method is {show(c['method'])}, a copy's is PUBLISH")
        for e in exp["events"]:
            s = strict["events"].get(e["uid"])
            if s is None:
                continue
            line = line_of.get(e["uid"], "?")
            desc = s["description"] or ""
            for needle, what in ((e["note"], "note"), (cal_exp["reference"], "reference"),
                                 (cal_exp["url"], "url")):
                if needle and needle not in desc:
                    probs.append(f"line {line}: {e['kind']} of {e['session']}: the {what}"
                                 f" {show(needle)} is not in its DESCRIPTION")
            if s["url"] != cal_exp["url"]:
                probs.append(f"line {line}: URL is {show(s['url'])},"
                             f" expected {show(cal_exp['url'])}")
            if not s["summary"]:
                probs.append(f"line {line}: empty SUMMARY")
            # What is left once the definition's texts are removed comes from the
            # templates, which hold no backslash: one left is a double escape.
            rest = desc
            for x in own + ([e["note"]] if e["note"] else []):
                rest = rest.replace(x, "")
            for k, v in (("SUMMARY", s["summary"] or ""), ("DESCRIPTION", rest)):
                if "\\" in v:
                    probs.append(f"line {line}: {k} holds a literal backslash outside the"
                                 f" definition's texts (double escaping?): {show(v)}")
            for a in s["alarms"]:
                if not a["description"]:
                    probs.append(f"line {line}: alarm without a description")
        t.check(not probs, "definition", f"{name}: the definition's texts", probs)


# --- modes ----------------------------------------------------------------

def read_args_file(path):
    """A golden 'args' file: SOURCE_DATE_EPOCH=N and extra arguments."""
    epoch, extra = None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("SOURCE_DATE_EPOCH="):
                epoch = int(line.split("=", 1)[1])
            elif line:
                extra += shlex.split(line)
    return epoch, extra


def def_epoch(path):
    """'# clients: SOURCE_DATE_EPOCH=N' in a definition's comments."""
    with open(path, encoding="utf-8") as f:
        m = re.search(r"^#\s*clients:\s*SOURCE_DATE_EPOCH=(\d+)", f.read(), re.M)
    return int(m.group(1)) if m else None


def build(opts, t, work):
    """Runs ordercal build -> (epoch, model, [feed files]) or None when it failed."""
    epoch, extra = opts.epoch, []
    if opts.args_file:
        e, extra = read_args_file(opts.args_file)
        epoch = epoch if epoch is not None else e
    if epoch is None:
        epoch = def_epoch(opts.definition)
    if epoch is None:
        print("error: no SOURCE_DATE_EPOCH (--epoch, --args-file or a '# clients:' comment)")
        return None
    out = os.path.join(work, "out")
    cmd = [opts.ordercal, "build", opts.definition, "-o", out, "-q"] + extra
    if opts.templates:
        cmd += ["--templates", opts.templates]
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if not t.check(p.returncode == 0, "build",
                   f"SOURCE_DATE_EPOCH={epoch} {' '.join(map(shlex.quote, cmd))}"
                   f" exited {p.returncode}", p.stderr.strip().splitlines()):
        return None
    m = model.expand(model.load(opts.definition), epoch)
    files = sorted(glob.glob(os.path.join(out, "*.ics")))
    check_feed_list(t, files, m)
    print(f"built {', '.join(os.path.basename(f) for f in files)}"
          f" (SOURCE_DATE_EPOCH={epoch}) from {opts.definition}")
    return epoch, m, files


def check_feed_list(t, files, m):
    got_ids = [os.path.basename(f)[:-4] for f in files]
    t.check(sorted(got_ids) == sorted(m["feeds"]), "feeds",
            f"feeds written {got_ids}, the definition declares {sorted(m['feeds'])}")


def compare_files(opts, t, work, files, m=None, copies=()):
    """Every file through every parser, against the model's feed, or for
    'copies' (the page's events/*.ics) against the model's copy: one event,
    its instants and alarm, METHOD:PUBLISH."""
    refs = []
    for f in list(files) + list(copies):
        sub = "canonical-copies" if f in copies else "canonical"
        r = os.path.join(work, sub, os.path.basename(f))
        os.makedirs(os.path.dirname(r), exist_ok=True)
        canonical_copy(f, r)
        refs.append(r)
    results = run_parsers(opts, list(files) + list(copies) + refs)
    for f, r in zip(list(files) + list(copies), refs):
        fid = os.path.basename(f)[:-4]
        readings = [(p, feeds[f]) for p, feeds in results]
        ref_readings = [(p, feeds[r]) for p, feeds in results]
        if f in copies:
            c = m["copies"].get(os.path.basename(f))
            exp = {"copy": True, "events": [c]} if c else None
            name = "events/" + os.path.basename(f)
        else:
            exp = m["feeds"].get(fid) if m else None
            name = os.path.basename(f)
        if m is not None and exp is None:
            continue
        compare_feed(t, name, strict_reading(f), readings, ref_readings, exp,
                     m["calendar"] if m else None)


def copy_files(t, work, m):
    """The copies the build wrote (out/events/*.ics), checked against the
    model's list."""
    files = sorted(glob.glob(os.path.join(work, "out", "events", "*.ics")))
    got = [os.path.basename(f) for f in files]
    t.check(got == sorted(m["copies"]), "copies",
            f"copies written {got}, the model expects {sorted(m['copies'])}")
    return files


GOOGLE = "https://calendar.google.com/calendar/render?"


def check_page_copies(t, work, m, copies):
    """The page links every copy: its file, and its Google Calendar event
    template, whose values must be percent-encoded and give the copy's
    instants in UTC, the calendar's zone and the copy's texts."""
    import html as htmlmod
    import urllib.parse
    with open(os.path.join(work, "out", "index.html"), encoding="utf-8") as f:
        page = f.read()
    probs = []
    links = [htmlmod.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]
    google = [h for h in links if h.startswith(GOOGLE)]
    by_start = {}
    for h in google:
        query = h[len(GOOGLE):]
        for part in query.split("&"):
            k, _, v = part.partition("=")
            if not re.fullmatch(r"[A-Za-z0-9._~-]*(%[0-9A-F]{2}[A-Za-z0-9._~-]*)*"
                                + (r"(/[0-9TZ]+)?" if k == "dates" else ""), v):
                probs.append(f"{k}= is not percent-encoded: {v[:80]}")
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        by_start[q.get("dates", ["?"])[0].split("/")[0]] = q
    compact = lambda u: u.replace("-", "").replace(":", "")  # noqa: E731
    for path in copies:
        name = os.path.basename(path)
        c = m["copies"].get(name)
        if c is None:
            continue
        if not any(h.endswith("events/" + name) for h in links):
            probs.append(f"the page does not link events/{name}")
        strict = strict_reading(path)
        ev = next(iter(strict["events"].values()), {})
        q = by_start.get(compact(c["start"]))
        if q is None:
            probs.append(f"no Google Calendar link starts at {c['start']} ({name})")
            continue
        want = {"action": "TEMPLATE", "dates": f"{compact(c['start'])}/{compact(c['end'])}",
                "ctz": m["calendar"]["timezone"], "text": ev.get("summary"),
                "details": ev.get("description")}
        for k, v in want.items():
            if q.get(k) != [v]:
                probs.append(f"{name}: Google link {k}={show(q.get(k))}, expected {show(v)}")
    t.check(len(google) == len(m["copies"]), "page-copies",
            f"the page has {len(google)} Google Calendar event links, {len(m['copies'])} copies")
    t.check(not probs, "page-copies", "the page's links to the copies", probs)


def mode_parsers(opts, t, work):
    built = build(opts, t, work)
    if built:
        copies = copy_files(t, work, built[1])
        compare_files(opts, t, work, built[2], built[1], copies)
        check_page_copies(t, work, built[1], copies)


def mode_lint(opts, t, work):
    import lint
    built = build(opts, t, work)
    if not built:
        return
    epoch, _, files = built
    lopts = lint.options(["--def", opts.definition, "--epoch", str(epoch)] + files)
    passed, failed = lint.lint(files, lopts)
    t.passed += passed
    t.failed += failed


def mode_feeds(opts, t, work):
    compare_files(opts, t, work, [os.path.abspath(x) for x in opts.files])


def read_cases(path):
    """cases.txt: 'name | lint codes | parsers code or - | lint arguments'."""
    cases = []
    with open(path, encoding="utf-8") as f:
        for num, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = [x.strip() for x in line.split("|")]
            if len(parts) != 4:
                raise SystemExit(f"{path}:{num}: expected 4 fields separated by '|'")
            name, codes, parsers, args = parts
            cases.append((num, name, set(codes.split(",")) if codes != "-" else set(),
                          None if parsers == "-" else parsers, shlex.split(args)))
    return cases


def _codes(output):
    return set(re.findall(r"error: \[([a-z0-9-]+)\]", output))


def mode_broken(opts, t, work):
    """Each broken case must fail the lint with exactly its codes, and the
    parser comparison with its code when it names one; the good feeds pass."""
    folder = os.path.abspath(opts.folder)
    me = os.path.abspath(__file__)
    lint_py = os.path.join(HERE, "lint.py")
    common = ["--node", opts.node, "--modules", opts.modules, "--python", opts.python,
              "--php", opts.php, "--only", ",".join(opts.only)]
    for key in OPTIONAL:
        if getattr(opts, key):
            common += [f"--{key}", getattr(opts, key)]
    cases = read_cases(os.path.join(folder, "cases.txt"))
    listed = {c[1] for c in cases}
    on_disk = {n[:-4] if n.endswith(".ics") else n for n in os.listdir(folder)
               if n != "cases.txt" and not n.endswith(".yaml")}
    t.check(listed == on_disk, "cases", "cases.txt lists exactly the files of the folder",
            [f"not in cases.txt: {sorted(on_disk - listed)}",
             f"no such file: {sorted(listed - on_disk)}"])
    for num, name, codes, parsers, args in cases:
        path = os.path.join(folder, name)
        files = sorted(glob.glob(os.path.join(path, "*.ics"))) if os.path.isdir(path) \
            else [path + ".ics"]
        p = subprocess.run([opts.python, lint_py] + args + files, capture_output=True,
                           text=True, encoding="utf-8", cwd=folder)
        got = _codes(p.stdout)
        want_status = 1 if codes else 0
        t.check(p.returncode == want_status and got == codes, "lint",
                f"cases.txt:{num}: {name}: lint exited {p.returncode} with {sorted(got)},"
                f" expected {want_status} with {sorted(codes)}",
                p.stdout.strip().splitlines()[:12] + p.stderr.strip().splitlines()[-5:])
        if parsers is None:
            continue
        p = subprocess.run([opts.python, me] + common + ["feeds"] + files, capture_output=True,
                           text=True, encoding="utf-8")
        got = set(re.findall(r"^FAIL \[([a-z-]+)\]", p.stdout, re.M))
        if parsers == "ok":
            ok = p.returncode == 0 and not got
            expect = "0 with no failure"
        else:
            ok = p.returncode == 1 and parsers in got
            expect = f"1 with [{parsers}]"
        t.check(ok, "parsers", f"cases.txt:{num}: {name}: parser comparison exited"
                f" {p.returncode} with {sorted(got)}, expected {expect}",
                p.stdout.strip().splitlines()[:12] + p.stderr.strip().splitlines()[-5:])


# Each mutant damages one feed of a build in one way (on unfolded lines,
# written back folded by rfc5545): the comparison with the model must then
# report its code. This proves the model-based checks can fail.
def _drop_block(lines, begin, nth_uid=None):
    """Removes the first 'begin' block (BEGIN:VALARM, or the VEVENT holding a
    line that starts with nth_uid)."""
    for i, l in enumerate(lines):
        if l == f"BEGIN:{begin}":
            j = lines.index(f"END:{begin}", i)
            if nth_uid is None or any(x.startswith(nth_uid) for x in lines[i:j]):
                return lines[:i] + lines[j + 1:]
    raise ValueError(f"no {begin} block")


def _sub_first(pattern, repl):
    def mutate(lines):
        for i, l in enumerate(lines):
            new = re.sub(pattern, repl, l, count=1)
            if new != l:
                return lines[:i] + [new] + lines[i + 1:]
        raise ValueError(f"nothing matches {pattern}")
    return mutate


def _shift_date(m):
    d = dt.date(int(m.group(2)[:4]), int(m.group(2)[4:6]), int(m.group(2)[6:]))
    return m.group(1) + (d + dt.timedelta(days=1)).strftime("%Y%m%d")


MUTANTS = [
    ("event-dropped", "count", lambda ls: _drop_block(ls, "VEVENT", "DTSTART;VALUE=DATE")),
    ("uid-changed", "uids", _sub_first(r"^UID:[0-9a-f]{8}", "UID:00000000")),
    ("timed-start-an-hour-early", "dates",
     _sub_first(r"^(DTSTART;TZID=[^:]+:\d{8}T)(\d\d)",
                lambda m: m.group(1) + f"{(int(m.group(2)) + 23) % 24:02d}")),
    ("all-day-end-a-day-late", "dates", _sub_first(r"^(DTEND;VALUE=DATE:)(\d{8})", _shift_date)),
    ("alarm-moved", "alarms", _sub_first(r"^TRIGGER:.*", "TRIGGER:-PT5M")),
    ("alarm-dropped", "alarms", lambda ls: _drop_block(ls, "VALARM")),
    ("note-altered", "definition", _sub_first(r"Extra session", "Extra  session")),
    ("calname-altered", "definition", _sub_first(r"^(X-WR-CALNAME:.)", r"\1\\\\")),
    ("double-escape", "definition", _sub_first(r"^(DESCRIPTION:[^\\]*?)\\,", r"\1\\\\\\,")),
    ("refresh-changed", "definition", _sub_first(r"^X-PUBLISHED-TTL:.*", "X-PUBLISHED-TTL:PT1H")),
    ("url-changed", "definition", _sub_first(r"^(URL:https?://)", r"\1www.")),
    ("utf8-split-by-fold", "texts", None),
    ("feed-missing", "feeds", None),
]
# Mutants that only some parsers notice: run when one of them reads the feeds.
CAUGHT_BY = {"utf8-split-by-fold": {"icaljs"}}


def mode_mutants(opts, t, work):
    import contextlib
    import io
    import shutil
    built = build(opts, t, work)
    if not built:
        return
    _, m, files = built
    target = files[0]
    for name, code, mutate in MUTANTS:
        if name in CAUGHT_BY and not CAUGHT_BY[name] & set(parser_commands(opts)):
            t.note(f"mutant {name} not run: only {', '.join(sorted(CAUGHT_BY[name]))}"
                   " notices it, and it does not read the feeds here")
            continue
        mdir = os.path.join(work, "mutants", name)
        os.makedirs(mdir)
        mfiles = []
        for f in files:
            shutil.copy(f, mdir)
            mfiles.append(os.path.join(mdir, os.path.basename(f)))
        mt = mfiles[0]
        with open(target, "rb") as f:
            lines = [l.raw.decode("utf-8") for l in
                     rfc5545.logical_lines(rfc5545.physical_lines(f.read()))]
        if name == "feed-missing":
            os.remove(mt)
            mfiles = mfiles[1:]
        elif name == "utf8-split-by-fold":
            # A fold inside a UTF-8 character, as naive writers do (RFC 5545
            # §3.1 allows it, but ical.js decodes before it unfolds).
            out, done = [], False
            for l in lines:
                b = l.encode("utf-8")
                k = next((i for i, c in enumerate(b) if c >= 0xC0), None)
                if k is not None and k < 74 and not done:
                    out.append(b[:k + 1] + b"\r\n " + b[k + 1:] + b"\r\n")
                    done = True
                else:
                    out.append(rfc5545.fold(l))
            with open(mt, "wb") as f:
                f.write(b"".join(out))
        else:
            try:
                lines = mutate(lines)
            except ValueError as e:
                t.check(False, "mutants", f"mutant {name}: cannot apply to"
                        f" {os.path.basename(target)}: {e}")
                continue
            with open(mt, "wb") as f:
                f.write(b"".join(rfc5545.fold(l) for l in lines))
        mtally = Tally()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            check_feed_list(mtally, mfiles, m)
            compare_files(opts, mtally, os.path.join(mdir, "work"), mfiles, m)
        got = set(re.findall(r"^FAIL \[([a-z-]+)\]", buf.getvalue(), re.M))
        t.check(code in got, "mutants",
                f"mutant {name} of {os.path.basename(target)}: expected [{code}],"
                f" the comparison reported {sorted(got) or 'nothing'}",
                buf.getvalue().strip().splitlines()[:8])
    copy_mutants(opts, t, work, m)


def copy_mutants(opts, t, work, m):
    """The same for a copy of the page (events/*.ics): its start, its alarm,
    the subscribed event's UID instead of its own, a METHOD dropped."""
    import contextlib
    import io
    import uuid
    copies = copy_files(t, work, m)
    if not t.check(bool(copies), "mutants", "the definition gives no copy to damage"):
        return
    target = copies[0]
    c = m["copies"][os.path.basename(target)]
    subscribed = uuid.uuid5(model.NAMESPACE, f"{m['calendar']['id']}/confirmation/"
                            f"{c['session'].replace('-', '')}")
    cases = [
        ("copy-start-an-hour-early", "dates", MUTANTS[2][2]),
        ("copy-alarm-moved", "alarms", _sub_first(r"^TRIGGER:.*", "TRIGGER:-PT5M")),
        ("copy-alarm-dropped", "alarms", lambda ls: _drop_block(ls, "VALARM")),
        ("copy-with-the-subscribed-uid", "uids", _sub_first(r"^UID:.*", f"UID:{subscribed}")),
        ("copy-without-method", "definition", lambda ls: [x for x in ls if x != "METHOD:PUBLISH"]),
    ]
    with open(target, "rb") as f:
        lines = [x.raw.decode("utf-8") for x in
                 rfc5545.logical_lines(rfc5545.physical_lines(f.read()))]
    for name, code, mutate in cases:
        mdir = os.path.join(work, "mutants", name)
        os.makedirs(mdir)
        mt = os.path.join(mdir, os.path.basename(target))
        with open(mt, "wb") as f:
            f.write(b"".join(rfc5545.fold(x) for x in mutate(lines)))
        mtally = Tally()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            compare_files(opts, mtally, os.path.join(mdir, "work"), [], m, [mt])
        got = set(re.findall(r"^FAIL \[([a-z-]+)\]", buf.getvalue(), re.M))
        t.check(code in got, "mutants",
                f"mutant {name} of events/{os.path.basename(target)}: expected [{code}],"
                f" the comparison reported {sorted(got) or 'nothing'}",
                buf.getvalue().strip().splitlines()[:8])


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--node", default="node")
    ap.add_argument("--modules", default=os.path.join(HERE, "..", "..", "node_modules"))
    ap.add_argument("--python", default="/usr/bin/python3")
    ap.add_argument("--php", default="php")
    ap.add_argument("--kcalcore", help="the parse-kcalcore program (default: none, skipped)")
    ap.add_argument("--eds", help="the parse_eds.py script (default: none, skipped)")
    ap.add_argument("--only", default=",".join(PARSERS),
                    help=f"comma-separated parsers to run, of {','.join(PARSERS)}")
    sub = ap.add_subparsers(dest="mode", required=True)
    for name in ("parsers", "lint", "mutants"):
        b = sub.add_parser(name)
        b.add_argument("--ordercal", required=True)
        b.add_argument("--def", dest="definition", required=True)
        b.add_argument("--epoch", type=int)
        b.add_argument("--args-file")
        b.add_argument("--templates")
        b.add_argument("--keep", help="keep the generated feeds in this folder")
    sub.add_parser("feeds").add_argument("files", nargs="+")
    sub.add_parser("broken").add_argument("folder")
    opts = ap.parse_args(argv)
    opts.modules = os.path.abspath(opts.modules)
    opts.only = [p for p in opts.only.split(",") if p]
    if not opts.only or set(opts.only) - set(PARSERS):
        ap.error(f"--only: parsers are {', '.join(PARSERS)}")
    for key in OPTIONAL:
        if getattr(opts, key):
            setattr(opts, key, os.path.abspath(getattr(opts, key)))
    if opts.mode != "lint" and not parser_commands(opts):
        print(f"error: no parser to run (--only {','.join(opts.only)}"
              f"{''.join(f', and no --{k}' for k in OPTIONAL if not getattr(opts, k))})")
        return 2
    if opts.mode != "lint":
        for mod in ("ical.js", "node-ical"):
            if not os.path.isdir(os.path.join(opts.modules, mod)):
                print(f"error: {opts.modules}/{mod} is missing: run 'npm ci' at the top of the"
                      " source tree")
                return 2

    t = Tally()
    modes = {"parsers": mode_parsers, "lint": mode_lint, "feeds": mode_feeds,
             "broken": mode_broken, "mutants": mode_mutants}
    with tempfile.TemporaryDirectory(prefix="oc-clients-") as work:
        if getattr(opts, "keep", None):
            work = os.path.abspath(opts.keep)
            os.makedirs(work, exist_ok=True)
        modes[opts.mode](opts, t, work)
    for n in t.note_lines():
        print(f"note: {n}")
    for key, (_, skipped) in OPTIONAL.items():
        if opts.mode != "lint" and key in opts.only and not getattr(opts, key):
            print(skipped)
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
