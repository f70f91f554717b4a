#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one bad-definition case: tests/bad/<case>/def.yaml, or its folder
# defs/ (definitions published together), must be refused with exit status
# 1 and exactly the stderr in expected.err, by `check` and by `build`, and
# `build` must leave the output folder untouched.
# Usage: run-bad.sh ORDERCAL CASE_DIR
set -u
ordercal=$1
case_dir=$2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM

cd "$case_dir" || exit 99
defs=def.yaml
[ -e def.yaml ] || defs=defs
# An optional 'args' file fixes "now" with a line SOURCE_DATE_EPOCH=<seconds>
# (as golden cases do), for definitions whose rhythm runs to the horizon.
if [ -f args ]; then
    SOURCE_DATE_EPOCH=$(sed -n 's/^SOURCE_DATE_EPOCH=//p' args)
    export SOURCE_DATE_EPOCH
fi
status=0

for cmd in check build; do
    if [ "$cmd" = build ]; then
        mkdir "$tmp/out" && echo keep >"$tmp/out/existing.ics"
        set -- build "$defs" -o "$tmp/out"
    else
        set -- check "$defs"
    fi
    "$ordercal" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL: ordercal $cmd exited $rc, expected 1"
        status=1
    fi
    if ! cmp -s expected.err "$tmp/stderr"; then
        echo "FAIL: ordercal $cmd stderr differs from expected.err:"
        diff expected.err "$tmp/stderr"
        status=1
    fi
    if [ -s "$tmp/stdout" ]; then
        echo "FAIL: ordercal $cmd printed on stdout:"
        cat "$tmp/stdout"
        status=1
    fi
done
if [ "$(ls -A "$tmp/out")" != "existing.ics" ] || [ "$(cat "$tmp/out/existing.ics")" != keep ]; then
    echo "FAIL: build changed the output folder:"
    ls -la "$tmp/out"
    status=1
fi
exit $status
