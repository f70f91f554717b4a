# SPDX-License-Identifier: Apache-2.0
"""Shared output form of the Python parser scripts (see compare.py)."""

import datetime as dt
import json
import sys

UTC = dt.timezone.utc


def when(v):
    """A DATE as YYYY-MM-DD, a DATE-TIME as its UTC instant, floating as 'floating(...)'."""
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        if v.tzinfo is None or v.utcoffset() is None:
            return f"floating({v.isoformat()})"
        return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return f"unexpected({v!r})"


def plus(base, delta):
    """base + a TRIGGER's duration as an instant. Python adds a timedelta to an aware
    datetime's wall time (zoneinfo and dateutil zones then read the result anew: ten
    minutes before 03:00 on the night clocks go back would be 02:50 summer time, an hour
    early); RFC 5545 §3.3.6 makes hours, minutes and seconds exact, so add them in UTC."""
    if isinstance(base, dt.datetime) and base.utcoffset() is not None:
        return base.astimezone(UTC) + delta
    return base + delta


def text(v):
    return None if v is None else str(v)


def main(parser_name, describe):
    feeds = {}
    for path in sys.argv[1:]:
        try:
            feeds[path] = dict(ok=True, **describe(path))
        except Exception as e:  # a parser refusing the file is a result, not a crash
            feeds[path] = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    json.dump({"parser": parser_name, "feeds": feeds}, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")
