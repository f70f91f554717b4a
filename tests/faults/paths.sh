#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bad paths given to `ordercal build` (issue #5 item 3, README's exit
# statuses): an output path that is a file, templates that are missing or
# unreadable, a full standard output. Each must end with one stderr line
# naming the path, exit 3 for an I/O error (1 when the definition's language
# simply has no texts), and nothing written: an existing output folder keeps
# its bytes, a missing one is not created.
# An unreadable file cannot be made with chmod when running as root: the
# shim (shim.c) refuses it with EACCES, or a folder stands in for the file.
# Usage: paths.sh ORDERCAL SHIM SOURCE_DIR
. "$(dirname "$0")/lib.sh"

shim_setup
ref1="$tmp/ref1"
build "$ref1" "$def1" $E1 || { fail "reference build of def1"; finish; }

# untouched NAME DIR: DIR still holds exactly the reference build.
untouched() {
    same_tree "$1: output folder" "$ref1" "$2"
    no_temporaries "$1" "$2"
}

# The output path is a file, or goes through one.
echo "not a folder" >"$tmp/file"
cp "$tmp/file" "$tmp/file.orig"
SOURCE_DATE_EPOCH=$E2 "$ordercal" build "$def2" -o "$tmp/file" >"$tmp/out" 2>"$tmp/err"
check "output is a file: exit status" 3 $?
one_line "output is a file: stderr" "$tmp/err" "ordercal: error: " "$tmp/file"
cmp -s "$tmp/file" "$tmp/file.orig" && pass || fail "output is a file: the file changed"
check "output is a file: stdout" "" "$(cat "$tmp/out")"
SOURCE_DATE_EPOCH=$E2 "$ordercal" build "$def2" -o "$tmp/file/sub" >"$tmp/out" 2>"$tmp/err"
check "output below a file: exit status" 3 $?
one_line "output below a file: stderr" "$tmp/err" "ordercal: error: " "$tmp/file/sub"

# Standard output is full (a cron job's log on a full disk): exit 3 and one
# line, after the files themselves were written whole.
if [ -w /dev/full ]; then
    d="$tmp/stdout-full"
    SOURCE_DATE_EPOCH=$E1 "$ordercal" build "$def1" -o "$d" >/dev/full 2>"$tmp/err"
    check "stdout full: exit status" 3 $?
    one_line "stdout full: stderr" "$tmp/err" "ordercal: error: " "standard output" \
        "No space left on device"
    same_tree "stdout full: output folder" "$ref1" "$d"
else
    skip "stdout full: no /dev/full"
fi

# Templates: a copy of the shipped ones, broken one way at a time.
templates() { # templates NAME: a fresh copy in $tmp/NAME, its path in $t
    t="$tmp/$1"
    mkdir "$t"
    cp -R "$src/templates/." "$t/"
}

# broken NAME EXIT PATTERN [VAR=VALUE...]: build def2 over ref1 with
# --templates $t (and the shim's variables, if any); then into a missing folder.
broken() {
    _case=$1 _exit=$2 _pat=$3
    shift 3
    _d="$tmp/out-$_case"
    cp -a "$ref1" "$_d"
    if [ $# -gt 0 ]; then
        set -- env LD_PRELOAD="$preload" "$@"
    fi
    SOURCE_DATE_EPOCH=$E2 "$@" "$ordercal" build "$def2" -o "$_d" --templates "$t" \
        >"$tmp/out" 2>"$tmp/err"
    check "$_case: exit status" "$_exit" $?
    one_line "$_case: stderr" "$tmp/err" "$_pat"
    check "$_case: stdout" "" "$(cat "$tmp/out")"
    untouched "$_case" "$_d"
    SOURCE_DATE_EPOCH=$E2 "$@" "$ordercal" build "$def2" -o "$tmp/new-$_case" --templates "$t" \
        >/dev/null 2>&1
    [ -e "$tmp/new-$_case" ] && fail "$_case: created the output folder" || pass
}

# The language's folder has no events.txt: the definition's language has no
# texts there, a definition error; it must not be listed as available.
templates no-events
rm "$t/fr/events.txt"
broken no-events 1 "no templates for language 'fr'"
grep -q "available: .*fr" "$tmp/err" && fail "no-events: fr listed as available: $(cat "$tmp/err")" || pass

# events.txt exists but cannot be read: an I/O error naming the file.
if [ -n "$preload" ]; then
    templates events-eacces
    broken events-eacces 3 "$t/fr/events.txt" OC_SHIM_FOPEN_EACCES=/fr/events.txt
    grep -q "Permission denied" "$tmp/err" && pass || fail "events-eacces: the cause is not said: $(cat "$tmp/err")"
    templates dates-eacces
    broken dates-eacces 3 "$t/fr/dates.txt" OC_SHIM_FOPEN_EACCES=/fr/dates.txt
    templates page-eacces
    broken page-eacces 3 "$t/index.html" OC_SHIM_FOPEN_EACCES=/index.html
else
    skip "unreadable templates (EACCES): $shim_why"
fi
templates events-is-a-folder
rm "$t/fr/events.txt"
mkdir "$t/fr/events.txt"
broken events-is-a-folder 3 "$t/fr/events.txt"

# The page template is missing.
templates no-page
rm "$t/index.html"
broken no-page 3 "$t/index.html"

# --templates names no folder at all: the option is wrong, not the
# definition; an I/O error that names the folder.
t="$tmp/no-such-templates"
broken no-templates-folder 3 "$t"

finish
