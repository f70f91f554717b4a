#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Checks the checkers: the model and the strict reader/writer against
sources that owe nothing to ordercal.

- model.py on the default definition reproduces the bulletin's table
  (tests/bulletin/, copied from the seed) slot by slot, and the README's
  event counts;
- model.local_to_utc follows RFC 5545 §3.3.5's own examples (a time in the
  spring-forward gap, an ambiguous one);
- rfc5545.fold never exceeds 75 octets nor splits a UTF-8 character or an
  escape pair, and decode_text(encode_text(x)) == x.

Usage: selftest.py SOURCE_DIR. Prints 'N passed, M failed'.
"""

import datetime as dt
import os
import re
import sys
import zoneinfo

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model  # noqa: E402
import rfc5545  # noqa: E402

MONTHS = {m: i + 1 for i, m in enumerate(
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    .split())}
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


def span(text, year):
    """'17-18 juillet' or '31 juillet – 1er août' -> (first, last) dates."""
    text = text.replace("1er", "1")
    m = re.fullmatch(r"(\d+)-(\d+) (\w+)", text)
    if m:
        mon = MONTHS[m.group(3)]
        return dt.date(year, mon, int(m.group(1))), dt.date(year, mon, int(m.group(2)))
    m = re.fullmatch(r"(\d+) (\w+) – (\d+) (\w+)", text)
    return (dt.date(year, MONTHS[m.group(2)], int(m.group(1))),
            dt.date(year, MONTHS[m.group(4)], int(m.group(3))))


def bulletin(src):
    rows = []
    with open(os.path.join(src, "tests/bulletin/dgs-urgent-2023-11.table"), encoding="utf-8") as f:
        for line in list(f)[1:]:
            m = re.match(r"^(.+?) (Ouvert|Fermé)(?: (.+?))?\s*$", line)
            if m:
                rows.append((span(m.group(1), 2023), m.group(2) == "Ouvert",
                             span(m.group(3), 2023) if m.group(3) else None))
    return rows


def test_model_against_bulletin(src):
    defn = model.load(os.path.join(src, "schedules/dgs-urgent-2023-11.yaml"))
    m = model.expand(defn, 1689638400)
    main = m["feeds"]["vaccins-covid19"]["events"]
    rows = bulletin(src)
    check(len(rows) == 13, f"the bulletin has 13 rows, read {len(rows)}")
    by = {}
    for e in main:
        by.setdefault(e["session"], {})[e["kind"]] = e
    check(len(by) == len(rows), f"model has {len(by)} slots, the bulletin {len(rows)}")
    for (first, last), open_, deliv in rows:
        kinds = by.get(first.isoformat(), {})
        key = "session" if open_ else "closed"
        e = kinds.get(key)
        check(e is not None, f"bulletin row {first}: no {key} event in the model")
        if e is None:
            continue
        check((e["start"], e["end"]) == (first.isoformat(),
                                         (last + dt.timedelta(days=1)).isoformat()),
              f"bulletin row {first}: model span {e['start']} .. {e['end']}")
        if open_:
            d = kinds["delivery"]
            check((d["start"], d["end"]) == (deliv[0].isoformat(),
                                             (deliv[1] + dt.timedelta(days=1)).isoformat()),
                  f"bulletin row {first}: model delivery {d['start']} .. {d['end']}, {deliv}")
            c = kinds["confirmation"]
            wed = first + dt.timedelta(days=2)
            check(c["start"] == f"{wed.isoformat()}T16:00:00Z" and c["alarm"] == c["start"],
                  f"bulletin row {first}: confirmation {c['start']} (Wednesday 18:00 CEST)")
    # README: 37 events in the French feed, the 8 deliveries alone, the same in English.
    check(len(main) == 37, f"README: 37 events in vaccins-covid19, model {len(main)}")
    liv = m["feeds"]["vaccins-covid19-livraisons"]["events"]
    check(len(liv) == 8 and all(e["kind"] == "delivery" for e in liv), "README: 8 deliveries")
    check([e["uid"] for e in m["feeds"]["vaccins-covid19-en"]["events"]] ==
          [e["uid"] for e in main], "README: the English feed has the same UIDs")
    # The README's sample VEVENT shows 'UID:c0b7a1b4-…' for this event, but
    # uuid5(namespace, "vaccins-covid19/confirmation/20230724") is 37dfb99a-…
    # (reported; the README's sample is what is wrong, ordercal agrees).
    c = by["2023-07-24"]["confirmation"]
    check(c["uid"] == "37dfb99a-a41d-522d-bbf3-68eb3980424b",
          f"uuid5 of vaccins-covid19/confirmation/20230724 is {c['uid']}")


def test_rfc_time_examples():
    ny = zoneinfo.ZoneInfo("America/New_York")
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    cases = [  # RFC 5545 §3.3.5's two examples, then Paris 2024.
        (dt.date(2007, 3, 11), "02:30", ny, "2007-03-11T07:30:00Z"),
        (dt.date(2007, 11, 4), "01:30", ny, "2007-11-04T05:30:00Z"),
        (dt.date(2024, 3, 31), "02:30", paris, "2024-03-31T01:30:00Z"),
        (dt.date(2024, 10, 27), "02:30", paris, "2024-10-27T00:30:00Z"),
        (dt.date(2024, 7, 1), "18:00", paris, "2024-07-01T16:00:00Z"),
    ]
    for day, hhmm, zone, want in cases:
        got = model.utc_text(model.local_to_utc(day, hhmm, zone))
        check(got == want, f"local_to_utc({day} {hhmm} {zone.key}) = {got}, RFC: {want}")
    start = model.local_to_utc(dt.date(2024, 10, 26), "02:30", paris)
    check(model.utc_text(model.add_duration(start, "P1D", paris)) == "2024-10-27T00:30:00Z",
          "P1D is nominal: same wall time the next day")
    check(model.utc_text(model.add_duration(start, "PT24H", paris)) == "2024-10-27T00:30:00Z",
          "PT24H is exact")
    for bad in ("P", "PT", "P1DT", "1H", "PT1.5H"):
        check(model.parse_duration(bad) is None, f"parse_duration refuses {bad!r}")
    check(model.duration_seconds("-PT15M") == -900, "duration_seconds(-PT15M)")


def test_fold_and_text():
    samples = ["", "a", "é" * 80, "x" * 74 + "é", "x" * 73 + "\\,", "x" * 74 + "\\;",
               "€" * 40 + "\\\\" * 10, "SUMMARY:" + "«»\\n" * 30]
    for s in samples:
        out = rfc5545.fold(s)
        lines = out.split(b"\r\n")[:-1]
        check(all(len(x) <= 75 for x in lines), f"fold {s[:20]!r}: a line over 75 octets")
        check(b"".join(x[1:] if i else x for i, x in enumerate(lines)) == s.encode(),
              f"fold {s[:20]!r}: unfolding does not give the line back")
        for x in lines[1:]:
            check(not (0x80 <= x[1:2][0] <= 0xBF) if len(x) > 1 else True,
                  f"fold {s[:20]!r}: splits a UTF-8 character")
        for x in lines[:-1]:
            run = len(x) - len(x.rstrip(b"\\"))
            check(run % 2 == 0, f"fold {s[:20]!r}: splits an escape pair")
    for t in ["a,b;c\\d\ne", "\\n literal", "fin\\", ",;,;", "é\\\\n"]:
        enc = rfc5545.encode_text(t)
        dec, err = rfc5545.decode_text(enc)
        check(dec == t and err is None, f"decode(encode({t!r})) = {dec!r} ({err})")
    for bad in ("a,b", "a;b", "a\\x", "a\\"):
        check(rfc5545.decode_text(bad)[1] is not None, f"decode_text refuses {bad!r}")


def main(argv):
    src = argv[0] if argv else os.path.join(os.path.dirname(__file__), "..", "..")
    test_model_against_bulletin(src)
    test_rfc_time_examples()
    test_fold_and_text()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
