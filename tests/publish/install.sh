#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs into a staging folder (DESTDIR) and runs the installed binary
# from elsewhere: it must find its templates and default definition with no
# environment variable; the man page must document every option of --help.
# The units go where systemd looks for them.
# Usage: install.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
passes=0
failures=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

DESTDIR="$tmp/stage" cmake --install "$build" --prefix /usr >"$tmp/install.log" 2>&1 &&
    ok || { fail "cmake --install"; cat "$tmp/install.log"; }
bin="$tmp/stage/usr/bin/ordercal"
for f in usr/bin/ordercal usr/share/ordercal/templates/fr/events.txt \
    usr/share/ordercal/templates/en/holidays.txt usr/share/ordercal/templates/index.html \
    usr/share/ordercal/templates/nginx.conf usr/share/ordercal/schedules/dgs-urgent-2023-11.yaml \
    usr/share/man/man1/ordercal.1 usr/share/man/man5/ordercal.5 usr/lib/systemd/system/ordercal.service \
    usr/lib/systemd/system/ordercal.timer usr/lib/systemd/system/ordercal.path \
    usr/share/doc/ordercal/examples/crontab; do
    [ -f "$tmp/stage/$f" ] && ok || fail "not installed: $f"
done
# The installed man pages carry the version, not its placeholder.
version=$("$bin" --version | sed -n 's/^ordercal //p')
for page in "$tmp"/stage/usr/share/man/man*/ordercal.*; do
    head -n 1 "$page" | grep -qF "\"ordercal $version\"" && ok ||
        fail "$(basename "$page") does not say ordercal $version: $(head -n 1 "$page")"
done

# Run from an unrelated folder: the default definition and the templates
# come from the staging prefix.
mkdir "$tmp/elsewhere"
(cd "$tmp/elsewhere" && SOURCE_DATE_EPOCH=1689638400 "$bin" build -o out -q \
    --base-url https://calendriers.example.org/vaccins/) && ok ||
    fail "the installed binary cannot build the default definition"
[ -f "$tmp/elsewhere/out/vaccins-covid19.ics" ] && ok || fail "no feed from the installed binary"
cmp -s "$tmp/elsewhere/out/vaccins-covid19.ics" "$src/tests/golden/default/expected/vaccins-covid19.ics" &&
    ok || fail "the installed binary's feed differs from the golden one"

# The installed binary must use the installed templates, not the sources':
# change an installed text and see it in the output.
sed -i 's/^summary.closed = .*/summary.closed = INSTALLED TEMPLATE/' \
    "$tmp/stage/usr/share/ordercal/templates/fr/events.txt"
(cd "$tmp/elsewhere" && "$bin" build -o out2 -q) && ok || fail "second build"
grep -q "SUMMARY:INSTALLED TEMPLATE" "$tmp/elsewhere/out2/vaccins-covid19.ics" && ok ||
    fail "the installed binary did not read the installed templates"

# Every option of --help is in the man page.
"$bin" --help | grep -o -- '--[a-z-]*' | sort -u >"$tmp/options"
while read -r opt; do
    man_opt=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
    grep -q -- "$man_opt" "$tmp/stage/usr/share/man/man1/ordercal.1" && ok ||
        fail "option $opt of --help is not in ordercal.1"
done <"$tmp/options"
[ -s "$tmp/options" ] && ok || fail "no option found in --help"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
