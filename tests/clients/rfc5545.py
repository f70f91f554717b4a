# SPDX-License-Identifier: Apache-2.0
"""A small, strict RFC 5545 reader and writer for the client tests.

Strict where ordercal's parsers are lenient: it keeps physical line numbers,
does not repair folds, and decodes TEXT (§3.3.11) refusing an unescaped ','
or ';' and any escape other than \\\\ \\; \\, \\n \\N. It is not derived from
ordercal and shares no code with it: the lint reads feeds with it, and the
comparison driver uses its decoder as the reference reading of every text and
its encoder to write the canonical form of the same text.
"""

import re

CRLF = b"\r\n"
_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_PARAM_SAFE = re.compile(r'^[^";:,]*$')


class Line:
    """One logical content line: its physical line span and its parts."""

    def __init__(self, num, end, raw):
        self.num, self.end, self.raw = num, end, raw
        self.name, self.params, self.value, self.error = None, {}, None, None
        # Invalid UTF-8 is the encoding check's to report; read on with U+FFFD.
        self._split(raw.decode("utf-8", errors="replace"))

    def _split(self, text):
        i, n = 0, len(text)
        while i < n and text[i] not in ";:":
            i += 1
        name = text[:i]
        if not _NAME.match(name):
            self.error = f"bad property name {name!r}"
            return
        self.name = name.upper()
        while i < n and text[i] == ";":
            j = text.find("=", i + 1)
            if j < 0:
                self.error = "parameter without '='"
                return
            pname = text[i + 1:j].upper()
            if not _NAME.match(pname):
                self.error = f"bad parameter name {pname!r}"
                return
            values, i = [], j + 1
            while True:
                if i < n and text[i] == '"':
                    k = text.find('"', i + 1)
                    if k < 0:
                        self.error = "unterminated quoted parameter value"
                        return
                    values.append(text[i + 1:k])
                    i = k + 1
                else:
                    k = i
                    while k < n and text[k] not in ";:,":
                        k += 1
                    values.append(text[i:k])
                    i = k
                if i < n and text[i] == ",":
                    i += 1
                    continue
                break
            self.params[pname] = values
        if i >= n or text[i] != ":":
            self.error = "missing ':' before the value"
            return
        self.value = text[i + 1:]

    def param(self, name):
        v = self.params.get(name.upper())
        return v[0] if v else None


class Component:
    def __init__(self, name, num):
        self.name, self.num, self.props, self.subs = name, num, [], []
        self.end_num = None

    def all(self, name):
        return [p for p in self.props if p.name == name]

    def first(self, name):
        lst = self.all(name)
        return lst[0] if lst else None

    def value(self, name):
        p = self.first(name)
        return None if p is None else p.value

    def children(self, name):
        return [c for c in self.subs if c.name == name]


def physical_lines(data):
    """Splits on CRLF, LF or CR: [(number, bytes, ending)], ending b'' for the last."""
    out, i, num = [], 0, 1
    n = len(data)
    while i < n:
        j = i
        while j < n and data[j] not in (0x0A, 0x0D):
            j += 1
        if j >= n:
            out.append((num, data[i:], b""))
            break
        if data[j] == 0x0D and j + 1 < n and data[j + 1] == 0x0A:
            out.append((num, data[i:j], CRLF))
            i = j + 2
        else:
            out.append((num, data[i:j], data[j:j + 1]))
            i = j + 1
        num += 1
    return out


def logical_lines(phys):
    """Unfolds (RFC 5545 §3.1): a line starting with SP or HTAB continues the previous one."""
    out = []
    for num, body, _ in phys:
        if body[:1] in (b" ", b"\t") and out:
            prev = out[-1]
            out[-1] = (prev[0], num, prev[2] + body[1:])
        else:
            out.append((num, num, body))
    return [Line(a, b, raw) for a, b, raw in out if raw != b""]


def parse(data):
    """-> (root Component or None, [(line, message)] structural errors).
    A UTF-8 byte order mark is skipped (the encoding check reports it)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    errors, stack, root = [], [], None
    for line in logical_lines(physical_lines(data)):
        if line.error:
            errors.append((line.num, line.error))
            continue
        if line.name == "BEGIN":
            comp = Component(line.value.upper(), line.num)
            if stack:
                stack[-1].subs.append(comp)
            elif root is None:
                root = comp
            else:
                errors.append((line.num, f"second top-level component {comp.name}"))
            stack.append(comp)
        elif line.name == "END":
            if not stack:
                errors.append((line.num, f"END:{line.value} without BEGIN"))
            elif stack[-1].name != line.value.upper():
                errors.append((line.num, f"END:{line.value} closes BEGIN:{stack[-1].name}"
                                         f" of line {stack[-1].num}"))
                stack.pop()
            else:
                stack.pop().end_num = line.num
        elif not stack:
            errors.append((line.num, f"{line.name} outside any component"))
        else:
            stack[-1].props.append(line)
    for comp in stack:
        errors.append((comp.num, f"BEGIN:{comp.name} is never closed"))
    return root, errors


_ESC = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}


def decode_text(value):
    """TEXT value -> (text, first error or None). Strict about escapes, but it
    reads on past an error (an unescaped ',' or ';' as itself, an unknown
    escape as its two characters), so one defect gives one diagnostic."""
    out, err, i, n = [], None, 0, len(value)
    while i < n:
        c = value[i]
        if c == "\\":
            if i + 1 >= n:
                err = err or "a lone '\\' ends the value"
                out.append(c)
                break
            e = _ESC.get(value[i + 1])
            if e is None:
                err = err or f"invalid escape '\\{value[i + 1]}'"
                e = value[i:i + 2]
            out.append(e)
            i += 2
            continue
        if c in ",;":
            err = err or f"unescaped '{c}' in a TEXT value"
        out.append(c)
        i += 1
    return "".join(out), err


def encode_text(text):
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line, limit=75):
    """Folds one logical line (str) into CRLF-terminated bytes: at most 'limit'
    octets a line, never inside a UTF-8 character nor an escape pair."""
    units, i = [], 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            units.append(line[i:i + 2].encode("utf-8"))
            i += 2
        else:
            units.append(line[i].encode("utf-8"))
            i += 1
    out, cur = [], b""
    for u in units:
        room = limit - (1 if out else 0)
        if len(cur) + len(u) > room:
            out.append(cur)
            cur = b""
        cur += u
    out.append(cur)
    return b"".join((b" " if k else b"") + part + CRLF for k, part in enumerate(out))
