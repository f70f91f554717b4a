#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The README's Subscribe section says what the page's guide says.

  guide.py TEMPLATES_EN README.md

The page's guide comes from templates/en/events.txt (page.guide.intro, each
client's guide.<client>.{name,verdict,steps,alert,updates} and
page.guide.trouble.items); the README's "Subscribe" section is the same text
in Markdown. Every one of those texts, each step and item alone, must be in
the section once markup ('**', '*', backticks, list numbers, quotes) and line
breaks are set aside, with {refresh} as the default definition's hint
("every 6 hours"). Prints 'N passed, M failed'; exit status 1 on a failure.
"""

import re
import sys

CLIENTS = ("outlook_classic", "outlook_web", "thunderbird", "google", "apple_mac", "apple_ios")


def plain(text):
    text = re.sub(r"^\s*(\d+\.|-)\s+", " ", text, flags=re.M)
    text = re.sub(r"[*`]", "", text).replace('"', "")
    return re.sub(r"\s+", " ", text).strip()


def main(argv):
    keys = {}
    with open(argv[1], encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^([a-z0-9_.]+) = (.*)$", line.rstrip("\n"))
            if m:
                keys[m.group(1)] = m.group(2).replace("{refresh}", "every 6 hours")
    with open(argv[2], encoding="utf-8") as f:
        readme = f.read()
    start = readme.index("\n## Subscribe\n")
    section = plain(readme[start:readme.index("\n## ", start + 1)])
    wanted = ["page.guide.intro", "page.guide.trouble", "page.guide.trouble.items"]
    for c in CLIENTS:
        wanted += [f"guide.{c}.{p}" for p in ("name", "verdict", "steps", "alert", "updates")]
    passed = failed = 0
    for key in wanted:
        if key not in keys:
            print(f"FAIL: templates/en/events.txt has no {key}")
            failed += 1
            continue
        for part in keys[key].split("\\n"):
            if plain(part) in section:
                passed += 1
            else:
                print(f"FAIL: the README's Subscribe section lacks {key}: {plain(part)}")
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
