#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The change flow end to end (issue 12), as a maintainer and a pharmacist meet it.

  changes.py --ordercal BIN [common] 

On a definition of its own (three feeds: everything in French, the deliveries
only, everything in English), under several SOURCE_DATE_EPOCH values:
  1. a first build;
  2. one open session closed late: its session event is updated in place
     (same UID, SEQUENCE 1), its confirmation, delivery and appointments
     become cancellation notices in every feed that had them (the
     deliveries-only feed included), nothing else is bumped, and
     changes.atom gets one entry naming the session;
  3. the same build a day later: every file, changes.atom included, byte for
     byte and mtime unchanged;
  4. the session reopened: the same UIDs updated again, no notice left;
  5. closed again, then rebuilt 15 days after the last notice's end: the
     notices are gone;
  6. a feed removed from the definition: reported as retired, rewritten once,
     deleted only with --prune.
UIDs are computed here (uuid5), never read from ordercal's output; the feeds
of every stage are read by the client parsers (clients.py feeds) and
changes.atom by Python's feedparser. Prints 'N passed, M failed'.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import uuid

import feedparser
import icalendar

HERE = os.path.dirname(os.path.abspath(__file__))
NAMESPACE = uuid.UUID("2a842644-001d-4466-9ca0-07e6f4f20341")
CAL = "flux-test"
FEEDS = {"flux-test": ["session", "closed", "confirmation", "delivery", "appointments"],
         "flux-test-livraisons": ["delivery"], "flux-test-en": None}
DEF = """calendar:
  id: flux-test
  name: Flux de test
  timezone: Europe/Paris
  url: https://example.org/portail
session:
  delivery: { offset: 10, length: 2 }
  confirmation: { offset: 2, time: "18:00", alarm: PT0M }
rhythm:
  - { from: 2024-03-04, every: 1, until: 2024-04-08 }
%(sessions)s
feeds:
  - { id: flux-test }
  - { id: flux-test-livraisons, name: "Flux de test — livraisons", kinds: [delivery] }
%(en)s
"""
EN = '  - { id: flux-test-en, language: en }'
CLOSED = "sessions:\n  - { date: 2024-03-18, state: closed }"


def epoch(y, m, d):
    return int(dt.datetime(y, m, d, tzinfo=dt.timezone.utc).timestamp())


def uid(kind, day):
    return str(uuid.uuid5(NAMESPACE, f"{CAL}/{kind}/{day}"))


class Run:
    def __init__(self, opts, tmp):
        self.opts, self.tmp = opts, tmp
        self.out = os.path.join(tmp, "out")
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL:", what)

    def build(self, when, sessions="", en=EN, extra=()):
        path = os.path.join(self.tmp, "def.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(DEF % {"sessions": sessions, "en": en})
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(when))
        p = subprocess.run([self.opts.ordercal, "build", path, "-o", self.out,
                            "--base-url", "https://cal.example.org/flux/", *extra],
                           capture_output=True, text=True, env=env)
        self.check(p.returncode == 0, f"build at {when} exited {p.returncode}: {p.stderr}")
        return p.stdout

    def events(self, feed):
        with open(os.path.join(self.out, feed + ".ics"), "rb") as f:
            cal = icalendar.Calendar.from_ical(f.read())
        return {str(e["UID"]): e for e in cal.walk("VEVENT")}

    def parsers(self, stage):
        files = [os.path.join(self.out, n) for n in sorted(os.listdir(self.out))
                 if n.endswith(".ics")]
        p = subprocess.run([sys.executable, os.path.join(HERE, "clients.py"), *self.opts.common,
                            "feeds", *files], capture_output=True, text=True)
        self.check(p.returncode == 0, f"{stage}: the client parsers: {p.stdout[-2000:]}")

    def atom(self, stage):
        d = feedparser.parse(os.path.join(self.out, "changes.atom"))
        self.check(not d.bozo and d.version == "atom10",
                   f"{stage}: changes.atom is not valid Atom: {d.get('bozo_exception')}")
        return d


def stamps(events):
    return {u: (int(e["SEQUENCE"]), e["DTSTAMP"].dt) for u, e in events.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ordercal", required=True)
    ap.add_argument("--node")
    ap.add_argument("--modules")
    ap.add_argument("--python")
    ap.add_argument("--php")
    ap.add_argument("--kcalcore")
    ap.add_argument("--eds")
    opts = ap.parse_args()
    opts.common = []
    for k in ("node", "modules", "python", "php", "kcalcore", "eds"):
        if getattr(opts, k):
            opts.common += [f"--{k}", getattr(opts, k)]
    with tempfile.TemporaryDirectory() as tmp:
        r = Run(opts, tmp)
        flow(r)
    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


def flow(r):
    t0, t1 = epoch(2024, 3, 1), epoch(2024, 3, 12)
    r.build(t0)
    first = {f: stamps(r.events(f)) for f in FEEDS}
    r.check(len(r.atom("first build").entries) == 1, "a first build makes one entry")

    # 2. closed late
    report = r.build(t1, CLOSED)
    day = "20240318"
    gone = [uid(k, day) for k in ("confirmation", "delivery", "appointments")]
    for feed, kinds in FEEDS.items():
        ev = r.events(feed)
        mine = [u for u in gone if u in first[feed]]
        for u in mine:
            e = ev.get(u)
            r.check(e is not None and int(e["SEQUENCE"]) == 1 and "X-ORDERCAL-CANCELLED" in e
                    and "STATUS" not in e and e.get("TRANSP") == "TRANSPARENT"
                    and str(e["SUMMARY"]).startswith(("Annulé : ", "Cancelled: ")),
                    f"{feed}: {u} is no cancellation notice")
        if kinds is None or "session" in kinds:
            s = ev.get(uid("session", day))
            r.check(s is not None and int(s["SEQUENCE"]) == 1 and "X-ORDERCAL-CANCELLED" not in s,
                    f"{feed}: the session event is not updated in place")
            r.check(str(s["DESCRIPTION"]).split("\n")[0] in
                    ("Modifié le mardi 12 mars 2024", "Modified on Tuesday 12 March 2024"),
                    f"{feed}: the session event does not say it changed: {s['DESCRIPTION']!r}")
        bumped = [u for u, st in stamps(ev).items()
                  if u not in gone + [uid("session", day)] and st != first[feed].get(u)]
        r.check(not bumped, f"{feed}: bumped something else: {bumped}")
        r.check(len(ev) == len(first[feed]), f"{feed}: an event vanished")
    r.check("vaccins" not in report and "x " in report, "the report lists the cancellations")
    d = r.atom("closed")
    r.check(len(d.entries) == 2, f"closing adds one entry ({len(d.entries)})")
    text = d.entries[0].content[0].value if d.entries else ""
    r.check("18-19 mars 2024" in text and "fermée" in text, f"the entry names the session: {text}")
    r.parsers("closed")

    # 3. unchanged a day later
    # The published files, the copies of events/ too; hidden ones (the lock,
    # the build's state) are bookkeeping.
    def published():
        names = [os.path.relpath(os.path.join(d, n), r.out) for d, _, ns in os.walk(r.out)
                 for n in ns if not n.startswith(".")]
        return {n: (open(os.path.join(r.out, n), "rb").read(),
                    os.stat(os.path.join(r.out, n)).st_mtime_ns) for n in names}
    before = published()
    r.build(t1 + 86400, CLOSED)
    after = published()
    r.check(before == after, "an unchanged rebuild rewrote something (changes.atom included)")

    # 4. reopened
    r.build(t1 + 2 * 86400)
    for feed in FEEDS:
        ev = r.events(feed)
        for u in gone + [uid("session", day)]:
            if u in first[feed]:
                r.check(int(ev[u]["SEQUENCE"]) == 2 and "X-ORDERCAL-CANCELLED" not in ev[u],
                        f"{feed}: {u} is not updated again")
    r.check(len(r.atom("reopened").entries) == 3, "reopening adds one entry")
    r.parsers("reopened")

    # 5. closed again; 15 days after the last notice's end (appointments 2024-03-30)
    r.build(t1 + 3 * 86400, CLOSED)
    r.build(epoch(2024, 3, 31) + 15 * 86400, CLOSED)
    for feed in FEEDS:
        ev = r.events(feed)
        r.check(not [u for u in gone if u in ev], f"{feed}: notices still there after 15 days")
    r.parsers("notices gone")
    r.atom("notices gone")

    # 6. a removed feed: retired, rewritten once, deleted only with --prune
    t6 = epoch(2024, 4, 1)
    out = r.build(t6, CLOSED, en="")
    en = os.path.join(r.out, "flux-test-en.ics")
    r.check("flux-test-en.ics: retired (not in the definition)" in out, "no retired line")
    body = open(en, encoding="utf-8").read()
    # In the site's language: the definition that named its own is gone.
    r.check("X-ORDERCAL-RETIRED" in body and
            "(n'est plus mis à jour)" in body.replace("\r\n ", "") and
            "Annulé : " in body.replace("\r\n ", ""),
            "the retired feed is not rewritten as a notice")
    r.parsers("retired")
    mtime = os.stat(en).st_mtime_ns
    out = r.build(t6 + 86400, CLOSED, en="")
    r.check("flux-test-en.ics: retired (not in the definition)" in out and
            os.stat(en).st_mtime_ns == mtime, "the retired feed is not reported, or rewritten twice")
    r.build(t6 + 2 * 86400, CLOSED, en="", extra=("--prune",))
    r.check(not os.path.exists(en), "--prune did not delete the retired feed")
    r.atom("pruned")


if __name__ == "__main__":
    sys.exit(main())
