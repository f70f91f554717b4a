#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs ordercal under valgrind memcheck on every golden case (build,
# rebuild, check and show): 0 errors and 0 bytes definitely lost.
# Usage: valgrind.sh ORDERCAL SOURCE_DIR
set -u
ordercal=$1
src=$(cd "$2" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
passes=0
failures=0

vg() {
    valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --log-file="$tmp/vg.log" "$ordercal" "$@" >/dev/null 2>&1
    rc=$?
    if [ "$rc" -eq 99 ] || [ -s "$tmp/vg.log" ]; then
        echo "FAIL: valgrind: ordercal $*"
        cat "$tmp/vg.log"
        failures=$((failures + 1))
    else
        passes=$((passes + 1))
    fi
}

for dir in "$src"/tests/golden/*/; do
    name=$(basename "$dir")
    epoch=$(sed -n 's/^SOURCE_DATE_EPOCH=//p' "$dir/args")
    def="$dir/def.yaml"
    [ -e "$def" ] || def="$dir/defs"
    export SOURCE_DATE_EPOCH="$epoch"
    vg build "$def" -o "$tmp/$name" --base-url https://example.org/c/
    vg build "$def" -o "$tmp/$name" --base-url https://example.org/c/
    vg check "$def"
    vg show "$def"
done

# An invalid definition and a usage error leave nothing behind either.
vg check "$src/tests/bad/yaml-unclosed-quote/def.yaml"
vg check "$src/tests/bad/exception-not-a-slot/def.yaml"
vg build --bogus

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
