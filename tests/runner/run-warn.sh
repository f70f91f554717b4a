#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one warning case: tests/warn/<case>/def.yaml is valid, so `check`
# exits 0 and prints exactly expected.err (warnings) on stderr; `check
# --strict` exits 1 with the same lines as errors, `build --strict` writes
# nothing, and `build -q` (cron) writes every file and prints nothing.
# Usage: run-warn.sh ORDERCAL CASE_DIR
set -u
ordercal=$1
case_dir=$2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$case_dir" || exit 99
# An optional 'args' file fixes "now" with a line SOURCE_DATE_EPOCH=<seconds>
# (as golden cases do), for definitions whose rhythm runs to the horizon.
if [ -f args ]; then
    SOURCE_DATE_EPOCH=$(sed -n 's/^SOURCE_DATE_EPOCH=//p' args)
    export SOURCE_DATE_EPOCH
fi
status=0

"$ordercal" check def.yaml >/dev/null 2>"$tmp/stderr"
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: check exited $rc, expected 0"; status=1; }
if ! cmp -s expected.err "$tmp/stderr"; then
    echo "FAIL: check's warnings differ from expected.err:"
    diff expected.err "$tmp/stderr"
    status=1
fi
[ -s expected.err ] || { echo "FAIL: expected.err is empty"; status=1; }

sed 's/: warning: /: error: /' expected.err >"$tmp/strict.err"
"$ordercal" check def.yaml --strict >/dev/null 2>"$tmp/stderr"
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: check --strict exited $rc, expected 1"; status=1; }
cmp -s "$tmp/strict.err" "$tmp/stderr" || {
    echo "FAIL: check --strict:"
    diff "$tmp/strict.err" "$tmp/stderr"
    status=1
}
"$ordercal" build def.yaml --strict -o "$tmp/out" >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: build --strict exited $rc, expected 1"; status=1; }
[ ! -e "$tmp/out" ] || { echo "FAIL: build --strict wrote $tmp/out"; status=1; }
"$ordercal" build def.yaml -q -o "$tmp/out2" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: build -q exited $rc, expected 0"; status=1; }
[ -s "$tmp/stderr" ] && { echo "FAIL: build -q printed warnings"; status=1; }
[ -s "$tmp/stdout" ] && { echo "FAIL: build -q printed a report"; status=1; }
[ -f "$tmp/out2/index.html" ] || { echo "FAIL: build -q wrote no page"; status=1; }
exit $status
