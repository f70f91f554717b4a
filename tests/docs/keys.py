#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""ordercal(5) and the README's reference document the definition the parser
reads: no key more, no key less, and the same default for each.

The parser's keys are read from the parser itself, not from a list kept by
hand: a definition with an unknown key in a mapping makes `ordercal check`
name the keys that mapping accepts ("unknown key 'x' in calendar (expected:
id, name, ...)"). Starting from the top level, every accepted key is then
tried as a mapping and as a list of mappings, so new keys and new nested
mappings are found too. The man page's example must be a valid definition
that uses every key, and the page must format without a groff warning.

Usage: keys.py ORDERCAL MAN_PAGE README
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ORDERCAL, MAN, README = sys.argv[1:4]
PROBE = "zz_probe"
passes = failures = 0


def check(ok, message):
    global passes, failures
    if ok:
        passes += 1
    else:
        failures += 1
        print("FAIL: " + message)


# ---- the parser's keys -----------------------------------------------------

def flow(v):
    """Writes a value as YAML flow style; the probe's values are plain words."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return str(v)


# A valid definition with one item in every list, so that a probe placed
# anywhere is the first error the parser meets.
BASE = {
    "calendar": {"id": "probe", "name": "Probe", "timezone": "Europe/Paris"},
    "session": {},
    "rhythm": [{"from": "2023-07-17"}],
    "sessions": [{"date": "2023-07-17", "note": "probe"}],
    "feeds": [{"id": "probe"}],
}
UNKNOWN = re.compile(r"error: unknown key '" + PROBE + r"'(?: in (\S+))? \(expected: ([^)]*)\)")
tmp = tempfile.mkdtemp()


def run(doc):
    path = os.path.join(tmp, "def.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(flow(doc) + "\n")
    r = subprocess.run([ORDERCAL, "check", path], capture_output=True, text=True,
                       env=dict(os.environ, SOURCE_DATE_EPOCH="1689638400"))
    return r.returncode, r.stderr


def copy(v):
    if isinstance(v, dict):
        return {k: copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [copy(x) for x in v]
    return v


def at(doc, steps):
    for s in steps:
        doc = doc[s]
    return doc


def name(steps):
    out = ""
    for s in steps:
        out += f"[{s}]" if isinstance(s, int) else ("." if out else "") + s
    return out


def accepted(doc, steps):
    """The keys of the mapping at steps, or None when the probe there is not
    reported as an unknown key of that mapping."""
    doc = copy(doc)
    at(doc, steps)[PROBE] = 1
    _, err = run(doc)
    m = UNKNOWN.search(err)
    if m is None or (m.group(1) or "") != name(steps):
        return None
    return m.group(2).split(", ")


def explore(doc, steps, found):
    keys = accepted(doc, steps)
    check(keys is not None, f"no unknown-key error for a probe in '{name(steps) or 'top'}'")
    for k in keys or []:
        path = re.sub(r"\[\d+\]", "", name(steps + [k]))
        found.add(path)
        here = at(doc, steps)
        # Tried as a mapping, then as a list of mappings, keeping what the
        # base already has there (required keys).
        trial = copy(doc)
        value = here.get(k)
        at(trial, steps)[k] = copy(value) if isinstance(value, dict) else {}
        if accepted(trial, steps + [k]) is not None:
            explore(trial, steps + [k], found)
            continue
        trial = copy(doc)
        value = here.get(k)
        at(trial, steps)[k] = copy(value) if isinstance(value, list) and value and \
            isinstance(value[0], dict) else [{}]
        if accepted(trial, steps + [k, 0]) is not None:
            explore(trial, steps + [k, 0], found)


code, err = run(BASE)
check(code == 0, f"the probe's base definition is refused: {err.strip()}")
parser = set()
explore(BASE, [], parser)
check(len(parser) > 30, f"only {len(parser)} keys found in the parser")


def closed(paths):
    """The paths and every mapping above them (session.delivery.offset
    documents session.delivery)."""
    out = set()
    for p in paths:
        parts = p.split(".")
        for i in range(1, len(parts) + 1):
            out.add(".".join(parts[:i]))
    return out


# ---- ordercal(5) -----------------------------------------------------------

def plain(troff):
    """Troff text as read: fonts dropped, escapes resolved."""
    s = re.sub(r"\\f[BIRP]", "", troff)
    for k, v in {r"\-": "-", r"\(em": "—", r"\(en": "–", r"\(dq": '"', r"\(aq": "'",
                 r"\(ga": "`", r"\(de": "°", r"\['e]": "é", r"\&": "", r"\e": "\\"}.items():
        s = s.replace(k, v)
    return s


with open(MAN, encoding="utf-8") as f:
    man = f.read().split("\n")

man_keys = {}  # path -> default text, "required" or "optional"
section = sub = None
entry = re.compile(r"^\\fI.*?\\fR.*; (required|optional|default (.+))\.$")
for i, line in enumerate(man):
    if line.startswith(".SH "):
        section, sub = line[4:].strip('"'), None
    elif line.startswith(".SS ") and section == "KEYS":
        sub = line[4:].strip('"')
    elif section == "KEYS" and line == ".TP" and man[i + 1].startswith(".B "):
        key = plain(man[i + 1][3:])
        path = key if sub == "Top level" else f"{sub}.{key}"
        m = entry.match(man[i + 2])
        check(m is not None, f"ordercal.5: {path}: line {i + 3} does not give "
              "'\\fItype\\fR...; required|optional|default X.': " + man[i + 2])
        if m:
            man_keys[path] = plain(m.group(2)) if m.group(2) else m.group(1)
check(len(man_keys) > 30, f"only {len(man_keys)} keys found in ordercal.5")


def compare(what, documented, expected):
    for p in sorted(expected - documented):
        check(False, f"{what} does not document '{p}', which the parser accepts")
    for p in sorted(documented - expected):
        check(False, f"{what} documents '{p}', which the parser refuses")
    check(documented == expected, f"{what}: the keys differ from the parser's")


compare("ordercal.5", closed(man_keys), parser)

# The example: a valid definition that uses every key.
example = []
section = None
inside = False
for line in man:
    if line.startswith(".SH "):
        section = line[4:]
    elif section == "EXAMPLE" and line == ".EX":
        inside = True
    elif inside and line == ".EE":
        break
    elif inside:
        example.append(plain(line))
path = os.path.join(tmp, "example.yaml")
with open(path, "w", encoding="utf-8") as f:
    f.write("\n".join(example) + "\n")
r = subprocess.run([ORDERCAL, "check", path], capture_output=True, text=True)
check(r.returncode == 0, f"the example of ordercal.5 is not a valid definition: {r.stderr}")
try:
    import yaml

    def walk(v, prefix, out):
        if isinstance(v, dict):
            for k, x in v.items():
                p = f"{prefix}.{k}" if prefix else str(k)
                out.add(p)
                walk(x, p, out)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, dict):
                    walk(x, prefix, out)
        return out

    with open(path, encoding="utf-8") as f:
        used = walk(yaml.safe_load(f), "", set())
    for p in sorted(parser - used):
        check(False, f"the example of ordercal.5 does not use '{p}'")
except ImportError:
    check(False, "python3-yaml is needed to read the example")

groff = shutil.which("groff")
if groff:
    r = subprocess.run([groff, "-man", "-ww", "-z", "-K", "utf8", MAN],
                       capture_output=True, text=True)
    check(r.returncode == 0 and r.stderr == "", f"groff warns on ordercal.5: {r.stderr}")

# ---- the README ------------------------------------------------------------

with open(README, encoding="utf-8") as f:
    text = f.read()
start = text.index("\n## The schedule definition\n")
end = text.index("\n## ", start + 1)
readme_keys = {}
mapping = None
for line in text[start:end].split("\n"):
    if line.startswith("### "):
        m = re.match(r"### `(\w+)`", line)
        mapping = m.group(1) if m else ("" if line == "### Top level" else None)
    elif mapping is not None and (m := re.match(r"\| `([\w.]+)` \| ([^|]+) \|", line)):
        key, default = m.group(1), m.group(2).strip().replace("`", "")
        readme_keys[f"{mapping}.{key}" if mapping else key] = \
            "optional" if default == "none" else default
check(len(readme_keys) > 30, f"only {len(readme_keys)} keys found in the README")
compare("the README", closed(readme_keys), parser)
for p in sorted(set(man_keys) | set(readme_keys)):
    a, b = man_keys.get(p), readme_keys.get(p)
    if a is None or b is None:
        check(False, f"'{p}' is in {'the README' if a is None else 'ordercal.5'} only")
    else:
        check(a == b, f"'{p}': ordercal.5 says {a!r}, the README {b!r}")

shutil.rmtree(tmp)
print(f"{passes} passed, {failures} failed")
sys.exit(1 if failures else 0)
