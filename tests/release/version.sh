#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The version is set once, in CMakeLists.txt: --version, the feeds' PRODID
# and the man pages take it from there; the Debian changelog and NEWS.md
# must say the same, or a release would ship two version numbers.
# Usage: version.sh ORDERCAL PROJECT_VERSION SOURCE_DIR BINARY_DIR
set -u
ordercal=$1
want=$2
src=$(cd "$3" && pwd)
bin=$(cd "$4" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
passes=0
failures=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
same() { # same WHAT VALUE
    [ "$2" = "$want" ] && ok || fail "$1 says '$2', CMakeLists.txt '$want'"
}

printf '%s\n' "$want" | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+' && ok ||
    fail "the project's version '$want' is not MAJOR.MINOR.PATCH"
same "CMakeLists.txt's project()" \
    "$(sed -n 's/^project(ordercal VERSION \([^ )]*\).*/\1/p' "$src/CMakeLists.txt")"
same "ordercal --version" "$("$ordercal" --version | sed -n 's/^ordercal //p')"

# The feeds' PRODID.
SOURCE_DATE_EPOCH=1689638400 "$ordercal" build "$src/schedules/dgs-urgent-2023-11.yaml" \
    -o "$tmp/out" -q
same "the feeds' PRODID" \
    "$(sed -n 's|^PRODID:-//ordercal//ordercal \([^/]*\)//EN\r*$|\1|p' "$tmp/out/vaccins-covid19.ics")"

# The man pages, as configured for installation.
for page in "$bin"/man/ordercal.*; do
    same "$(basename "$page")'s .TH line" \
        "$(sed -n '1s/^\.TH [^"]*"[^"]*" "ordercal \([^"]*\)".*/\1/p' "$page")"
done
[ -f "$bin/man/ordercal.1" ] && [ -f "$bin/man/ordercal.5" ] && ok ||
    fail "no configured man pages in $bin/man"

# The Debian package: the newest changelog entry (a native package, so the
# version is the project's with no Debian revision).
if command -v dpkg-parsechangelog >/dev/null; then
    deb=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
else
    deb=$(sed -n '1s/^ordercal (\([^)]*\)).*/\1/p' "$src/debian/changelog")
fi
same "debian/changelog" "$deb"

# NEWS.md: its first release heading, '## X.Y.Z — date'.
same "NEWS.md" "$(sed -n 's/^## \([0-9][^ ]*\) .*/\1/p' "$src/NEWS.md" | head -n 1)"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
