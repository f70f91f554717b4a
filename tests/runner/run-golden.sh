#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one golden case: builds tests/golden/<case>/def.yaml, or its folder
# defs/ (several definitions published as one site), with the environment
# and arguments in its 'args' file into a fresh folder and compares every
# file with expected/ byte for byte, the copies of events/ included; then
# builds again a day later and checks that nothing was rewritten (same
# bytes, same mtimes). Each definition of defs/ built alone must give the
# same feeds, byte for byte.
# Usage: run-golden.sh ORDERCAL CASE_DIR
set -u
ordercal=$1
case_dir=$2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

cd "$case_dir" || exit 99
epoch=$(sed -n 's/^SOURCE_DATE_EPOCH=//p' args)
extra=$(grep -v '^SOURCE_DATE_EPOCH=' args | tr '\n' ' ')
defs=def.yaml
[ -e def.yaml ] || defs=defs
status=0

# shellcheck disable=SC2086
SOURCE_DATE_EPOCH=$epoch "$ordercal" build "$defs" -o "$tmp/out" -q $extra || {
    echo "FAIL: ordercal build exited $?"
    exit 1
}
# The visible files of a folder and its sub-folders, as relative paths.
files() {
    (cd "$1" && find . -mindepth 1 -name '.*' -prune -o -type f -print | sed 's|^\./||' | sort)
}
for name in $(files expected); do
    if ! cmp -s "expected/$name" "$tmp/out/$name"; then
        echo "FAIL: $name differs from expected/$name:"
        diff "expected/$name" "$tmp/out/$name" | head -40
        status=1
    fi
done
for name in $(files "$tmp/out"); do
    if [ ! -e "expected/$name" ]; then
        echo "FAIL: unexpected output file $name"
        status=1
    fi
done

# Regenerating is a no-op: same bytes and the files are not rewritten,
# even when the clock has moved on.
ls -lR --time-style=+%s.%N "$tmp/out" >"$tmp/before"
sleep 0.01
# shellcheck disable=SC2086
SOURCE_DATE_EPOCH=$((epoch + 86400)) "$ordercal" build "$defs" -o "$tmp/out" $extra >"$tmp/report" || {
    echo "FAIL: second build exited $?"
    exit 1
}
ls -lR --time-style=+%s.%N "$tmp/out" >"$tmp/after"
if ! cmp -s "$tmp/before" "$tmp/after"; then
    echo "FAIL: a second build rewrote files:"
    diff "$tmp/before" "$tmp/after"
    status=1
fi
if grep -qv ': unchanged$' "$tmp/report"; then
    echo "FAIL: a second build reported changes:"
    cat "$tmp/report"
    status=1
fi

# Published together or alone, a definition gives the same feeds.
if [ "$defs" = defs ]; then
    for def in defs/*.yaml; do
        alone="$tmp/alone-$(basename "$def" .yaml)"
        # shellcheck disable=SC2086
        SOURCE_DATE_EPOCH=$epoch "$ordercal" build "$def" -o "$alone" -q $extra || {
            echo "FAIL: ordercal build $def exited $?"
            exit 1
        }
        for f in "$alone"/*.ics; do
            if ! cmp -s "$f" "expected/$(basename "$f")"; then
                echo "FAIL: $def alone gives another $(basename "$f") than the site"
                status=1
            fi
        done
    done
fi
exit $status
