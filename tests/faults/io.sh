#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# I/O faults during `ordercal build` (issue #5 item 3, DESIGN §4): a full
# disk, a failing fsync or rename, a temporary file that cannot be created,
# a folder without write permission, and a kill -9 between writing and
# renaming. They are injected with the LD_PRELOAD shim (shim.c) on the
# files of one output folder only: CI runs as root, for whom permissions do
# not apply, and no real disk fills up on demand.
#
# Every case builds the default definition once (3 feeds and index.html),
# then builds a changed definition under the fault, and checks:
#   - exit status 3 and one stderr line naming the path and the cause;
#   - nothing on stdout (no file is reported as written);
#   - every previous file byte-identical, mtime included, no new visible file;
#   - no temporary file ".<name>.XXXXXX" left, or else the next normal run
#     removes it; that next run succeeds and gives the same bytes as an
#     undisturbed build.
# Usage: io.sh ORDERCAL SHIM SOURCE_DIR
. "$(dirname "$0")/lib.sh"

shim_setup
if [ -z "$preload" ]; then
    skip "every case of io.sh: $shim_why"
    finish
fi

# The undisturbed result: def1 at E1, then def2 at E2.
ref1="$tmp/ref1"
ref2="$tmp/ref2"
build "$ref1" "$def1" $E1 || { fail "reference build of def1"; finish; }
cp -a "$ref1" "$ref2"
build "$ref2" "$def2" $E2 || { fail "reference build of def2"; finish; }

# The cases are only meaningful if def2 changes every file.
SOURCE_DATE_EPOCH=$E2 "$ordercal" build "$def2" -o "$ref1" --dry-run >"$tmp/dry"
check "def2 changes every file" 5 "$(grep -c ': would be updated' "$tmp/dry")"

# Sizes of the files the changed build writes, in the order it writes them.
s1=$(wc -c <"$ref2/vaccins-covid19.ics")
s2=$(wc -c <"$ref2/vaccins-covid19-livraisons.ics")
s3=$(wc -c <"$ref2/vaccins-covid19-en.ics")

# recovers NAME DIR: the next normal run removes what was left and gives
# the undisturbed result.
# After a run that renamed some files (a "partial" third argument), the
# change log's entry of the next run lists only what that run still
# changed: changes.atom and the page that shows it are left out of the
# comparison, the feeds are not.
recovers() {
    build "$2" "$def2" $E2 2>"$tmp/err"
    check "$1: next run's exit status" 0 $?
    no_temporaries "$1: after the next run" "$2"
    if [ "${3:-}" = partial ]; then
        rm -rf "$tmp/cmp-exp" "$tmp/cmp-got"
        cp -a "$ref2" "$tmp/cmp-exp" && cp -a "$2" "$tmp/cmp-got"
        rm -f "$tmp/cmp-exp/changes.atom" "$tmp/cmp-got/changes.atom" \
            "$tmp/cmp-exp/index.html" "$tmp/cmp-got/index.html"
        same_tree "$1: after the next run" "$tmp/cmp-exp" "$tmp/cmp-got"
    else
        same_tree "$1: after the next run" "$ref2" "$2"
    fi
}

# inject NAME EXIT MESSAGE VAR=VALUE...: one fault, the checks above.
inject() {
    _case=$1 _exit=$2 _msg=$3
    shift 3
    _d="$tmp/$_case"
    cp -a "$ref1" "$_d"
    listing "$_d" >"$tmp/before"
    with_shim OC_SHIM_DIR="$_d" "$@" SOURCE_DATE_EPOCH=$E2 \
        "$ordercal" build "$def2" -o "$_d" >"$tmp/out" 2>"$tmp/err"
    check "$_case: exit status" "$_exit" $?
    one_line "$_case: stderr" "$tmp/err" "ordercal: error: " "$_d/" "$_msg"
    [ -s "$tmp/out" ] && fail "$_case: printed on stdout: $(cat "$tmp/out")"
    same_tree "$_case: previous files" "$ref1" "$_d"
    listing "$_d" >"$tmp/after"
    cmp -s "$tmp/before" "$tmp/after" || fail "$_case: a previous file was rewritten (mtime)"
    if [ -n "$(temporaries "$_d")" ]; then
        echo "note: $_case: left $(temporaries "$_d" | tr '\n' ' ')for the next run"
    fi
    recovers "$_case" "$_d"
}

# Disk full: at the first byte, inside the first feed (a short write, then
# ENOSPC), in the second feed, in the last file (index.html).
inject enospc-at-0 3 "No space left on device" OC_SHIM_WRITE_ENOSPC=0
inject enospc-in-first-feed 3 "No space left on device" OC_SHIM_WRITE_ENOSPC=1000
inject enospc-in-second-feed 3 "No space left on device" OC_SHIM_WRITE_ENOSPC=$((s1 + 100))
inject enospc-in-index 3 "No space left on device" OC_SHIM_WRITE_ENOSPC=$((s1 + s2 + s3 + 10))

# fsync fails: the data may not be on disk; nothing may be renamed.
inject fsync-eio 3 "Input/output error" OC_SHIM_FSYNC_EIO=1

# rename fails on the first file.
inject rename-eio 3 "Input/output error" OC_SHIM_RENAME_ERRNO=EIO
inject rename-exdev 3 "Invalid cross-device link" OC_SHIM_RENAME_ERRNO=EXDEV

# The temporary file cannot be created.
inject mkstemp-eacces 3 "Permission denied" OC_SHIM_MKSTEMP_EACCES=1

# A folder without write permission (simulated: root ignores permissions),
# with the lock file of the previous run in it ...
inject readonly-folder 3 "Permission denied" OC_SHIM_READONLY=1

# ... and an empty one, where even the lock file cannot be created.
d="$tmp/readonly-empty"
mkdir "$d"
with_shim OC_SHIM_DIR="$d" OC_SHIM_READONLY=1 SOURCE_DATE_EPOCH=$E2 \
    "$ordercal" build "$def2" -o "$d" >"$tmp/out" 2>"$tmp/err"
check "readonly-empty: exit status" 3 $?
one_line "readonly-empty: stderr" "$tmp/err" "ordercal: error: " "$d/" "Permission denied"
check "readonly-empty: folder stays empty" "" "$(ls -A "$d")"

# The same with real permissions, as an unprivileged user, when we can.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
    setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    d="$tmp/not-writable"
    cp -a "$ref1" "$d"
    chmod 755 "$d"

    # nobody may not reach the build or source tree (a clone in a private
    # folder): give it its own copy of the binary and the templates.
    mkdir "$tmp/as-nobody"
    cp "$ordercal" "$tmp/as-nobody/ordercal"
    cp -R "$src/templates" "$tmp/as-nobody/templates"
    chmod -R a+rX "$tmp/as-nobody"
    SOURCE_DATE_EPOCH=$E2 setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$tmp/as-nobody/ordercal" build "$def2" -o "$d" --templates "$tmp/as-nobody/templates" \
        >"$tmp/out" 2>"$tmp/err"
    check "not-writable (as nobody): exit status" 3 $?
    one_line "not-writable (as nobody): stderr" "$tmp/err" "ordercal: error: " "$d/" "Permission denied"
    same_tree "not-writable (as nobody): previous files" "$ref1" "$d"
    no_temporaries "not-writable (as nobody)" "$d"
else
    skip "not-writable: needs root and setpriv to run as nobody"
fi

# A partial commit: the second rename fails. Renames cannot be one
# transaction, but every file is wholly old or wholly new, never torn.
d="$tmp/rename-second"
cp -a "$ref1" "$d"
with_shim OC_SHIM_DIR="$d" OC_SHIM_RENAME_ERRNO=EIO OC_SHIM_RENAME_OK=1 SOURCE_DATE_EPOCH=$E2 \
    "$ordercal" build "$def2" -o "$d" >"$tmp/out" 2>"$tmp/err"
check "rename-second: exit status" 3 $?
one_line "rename-second: stderr" "$tmp/err" "ordercal: error: " "$d/" "Input/output error"
check "rename-second: files" "$(visible "$ref1")" "$(visible "$d")"
for f in $(visible "$ref1"); do
    if ! cmp -s "$d/$f" "$ref1/$f" && ! cmp -s "$d/$f" "$ref2/$f"; then
        fail "rename-second: $f is neither the old nor the new file"
    fi
done
cmp -s "$d/vaccins-covid19.ics" "$ref2/vaccins-covid19.ics" ||
    fail "rename-second: the first file was not renamed"
no_temporaries "rename-second" "$d"
recovers rename-second "$d" partial

# The order in which build writes and renames: the feeds, the change log, then the page.
order="vaccins-covid19.ics vaccins-covid19-livraisons.ics vaccins-covid19-en.ics changes.atom index.html"

# kill -9 right before the first rename, then before the third: the
# previous files stay whole, the temporaries stay behind, and the next run
# removes them and completes.
for k in 0 2; do
    c="kill-9-after-$k-renames"
    d="$tmp/$c"
    cp -a "$ref1" "$d"
    with_shim OC_SHIM_DIR="$d" OC_SHIM_KILL_BEFORE_RENAME=1 OC_SHIM_RENAME_OK=$k \
        SOURCE_DATE_EPOCH=$E2 "$ordercal" build "$def2" -o "$d" >"$tmp/out" 2>"$tmp/err"
    check "$c: killed" 137 $?
    check "$c: files" "$(visible "$ref1")" "$(visible "$d")"
    n=0
    for f in $order; do
        n=$((n + 1))
        if [ $n -le $k ]; then
            cmp -s "$d/$f" "$ref2/$f" || fail "$c: $f (renamed before the kill) is not the new file"
        else
            cmp -s "$d/$f" "$ref1/$f" || fail "$c: $f (not renamed) is not the old file"
        fi
    done
    check "$c: temporaries left by the killed run" $((5 - k)) "$(temporaries "$d" | wc -l)"
    if [ $k -gt 0 ]; then recovers "$c" "$d" partial; else recovers "$c" "$d"; fi
done

# The copies of events/ are committed as the feeds are, between the feeds
# and the page: def3 (def2 with the delivery of 21 August moved too) the
# same day as def1 changes the three feeds, the copy of 23 August and the
# page. Killed before the copy's rename, or with that rename failing, the
# page stays the old one: it never links a copy that is not in place.
def3="$tmp/def3.yaml"
sed 's/^sessions:/sessions:\n  - { date: 2023-08-21, delivery: [2023-09-01, 2023-09-01] }/' \
    "$def2" >"$def3"
E3=$((E1 + 3600))
ref3="$tmp/ref3"
cp -a "$ref1" "$ref3"
build "$ref3" "$def3" $E3 || fail "reference build of def3 the same day"
copy=events/vaccins-covid19-20230823.ics
cmp -s "$ref1/$copy" "$ref3/$copy" && fail "def3 does not change $copy"
for c in kill-9-before-a-copy rename-of-a-copy-fails; do
    d="$tmp/$c"
    cp -a "$ref1" "$d"
    if [ $c = kill-9-before-a-copy ]; then
        with_shim OC_SHIM_DIR="$d" OC_SHIM_KILL_BEFORE_RENAME=1 OC_SHIM_RENAME_OK=3 \
            SOURCE_DATE_EPOCH=$E3 "$ordercal" build "$def3" -o "$d" >"$tmp/out" 2>"$tmp/err"
        check "$c: killed" 137 $?
        # the copy's, the change log's and the page's
        check "$c: temporaries left by the killed run" 3 "$(temporaries "$d" | wc -l)"
        check "$c: the copy's temporary" 1 "$(temporaries "$d" | grep -c '^events/\.')"
    else
        with_shim OC_SHIM_DIR="$d" OC_SHIM_RENAME_ERRNO=EIO OC_SHIM_RENAME_OK=3 \
            SOURCE_DATE_EPOCH=$E3 "$ordercal" build "$def3" -o "$d" >"$tmp/out" 2>"$tmp/err"
        check "$c: exit status" 3 $?
        one_line "$c: stderr" "$tmp/err" "ordercal: error: " "$d/$copy" "Input/output error"
        no_temporaries "$c" "$d"
    fi
    check "$c: files" "$(visible "$ref1")" "$(visible "$d")"
    cmp -s "$d/vaccins-covid19-en.ics" "$ref3/vaccins-covid19-en.ics" ||
        fail "$c: the feeds renamed before are not the new ones"
    cmp -s "$d/$copy" "$ref1/$copy" || fail "$c: $copy is not the old file"
    cmp -s "$d/index.html" "$ref1/index.html" || fail "$c: index.html is not the old page"
    # the feeds renamed before the fault: the change log and its page are
    # left out (see recovers), the copies are not
    rm -rf "$tmp/ref3-cmp" && cp -a "$ref3" "$tmp/ref3-cmp"
    rm -f "$tmp/ref3-cmp/changes.atom" "$tmp/ref3-cmp/index.html"
    build "$d" "$def3" $E3 2>"$tmp/err"
    check "$c: next run's exit status" 0 $?
    no_temporaries "$c: after the next run" "$d"
    rm -rf "$tmp/got-cmp" && cp -a "$d" "$tmp/got-cmp"
    rm -f "$tmp/got-cmp/changes.atom" "$tmp/got-cmp/index.html"
    same_tree "$c: after the next run" "$tmp/ref3-cmp" "$tmp/got-cmp"
done

finish
