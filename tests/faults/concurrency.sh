#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Several `ordercal build` runs on one folder (issue #5 item 4, DESIGN §4):
# the lock on DIR/.ordercal.lock serialises them, so 8 runs at once give the
# bytes of one serial run; a lock held by someone else ends in exit 3 with a
# clear message once --lock-timeout has passed, never in a hang.
# Usage: concurrency.sh ORDERCAL SHIM SOURCE_DIR
. "$(dirname "$0")/lib.sh"

runs=8
shim_setup

# hold_lock SECONDS: another process holds the lock of $d; its pid in $holder.
# The subshell takes the lock on fd 9 and becomes the sleep that holds it:
# killing $holder releases it, and nothing is left running.
hold_lock() {
    (flock 9 && exec sleep "$1") 9>"$d/.ordercal.lock" </dev/null >/dev/null 2>&1 &
    holder=$!
    _n=0
    while flock -n "$d/.ordercal.lock" true 2>/dev/null; do # until it has it
        _n=$((_n + 1))
        [ $_n -gt 100 ] && break
        sleep 0.05
    done
}

# parallel NAME DIR DEFINITION EPOCH [VAR=VALUE...]: $runs builds at once,
# in the environment given; each must exit 0.
parallel() {
    _name=$1 _dir=$2 _def=$3 _epoch=$4
    shift 4
    _i=1
    _pids=
    while [ $_i -le $runs ]; do
        # The environment goes to ordercal only: the shim, built with the
        # sanitizers, cannot be loaded into timeout(1).
        SOURCE_DATE_EPOCH=$_epoch timeout 60 env "$@" "$ordercal" build "$_def" -o "$_dir" \
            >"$tmp/out.$_i" 2>"$tmp/err.$_i" &
        _pids="$_pids $!"
        _i=$((_i + 1))
    done
    _i=1
    for _p in $_pids; do
        wait "$_p"
        check "$_name: run $_i's exit status" 0 $?
        [ -s "$tmp/err.$_i" ] && fail "$_name: run $_i wrote on stderr: $(cat "$tmp/err.$_i")"
        _i=$((_i + 1))
    done
}

# 8 runs at once into a folder that does not exist yet: they all create it,
# one wins the lock at a time; the result is one serial build's.
serial1="$tmp/serial1"
build "$serial1" "$def1" $E1 || fail "serial build of def1"
d="$tmp/parallel"
parallel "new folder" "$d" "$def1" $E1
same_tree "new folder: result" "$serial1" "$d"
no_temporaries "new folder" "$d"
# Exactly one run created each file; the others found it unchanged.
check "new folder: runs that created the feed" 1 \
    "$(cat "$tmp"/out.* | grep -c 'vaccins-covid19.ics: created')"
check "new folder: runs that found it unchanged" $((runs - 1)) \
    "$(cat "$tmp"/out.* | grep -c 'vaccins-covid19.ics: unchanged')"

# 8 runs at once of a changed definition over that folder: every run reads
# a whole previous feed, so the result is that of one serial rebuild (the
# changed events get SEQUENCE:1 once, not once per run).
serial2="$tmp/serial2"
cp -a "$serial1" "$serial2"
build "$serial2" "$def2" $E2 || fail "serial build of def2"
parallel "changed definition" "$d" "$def2" $E2
same_tree "changed definition: result" "$serial2" "$d"
no_temporaries "changed definition" "$d"
check "changed definition: runs that updated the feed" 1 \
    "$(cat "$tmp"/out.* | grep -c 'vaccins-covid19.ics: updated')"
check "changed definition: no event bumped twice" 0 \
    "$(grep -c '^SEQUENCE:2' "$d/vaccins-covid19.ics")"

# The same with a slow disk (the shim sleeps in every fsync): each run now
# holds the lock for about a second, so the 8 really queue on it.
if [ -n "$preload" ]; then
    d="$tmp/slow"
    start=$(date +%s)
    parallel "slow disk" "$d" "$def1" $E1 LD_PRELOAD="$preload" OC_SHIM_DIR="$d" \
        OC_SHIM_FSYNC_DELAY_MS=250
    elapsed=$(($(date +%s) - start))
    same_tree "slow disk: result" "$serial1" "$d"
    no_temporaries "slow disk" "$d"
    check "slow disk: runs that created the feed" 1 \
        "$(cat "$tmp"/out.* | grep -c 'vaccins-covid19.ics: created')"
    # The first run fsyncs 4 files (1 s) with the lock held; the others wait
    # for it, then find every file unchanged and write nothing (no
    # temporary file, no fsync): one created, and at least that second.
    [ $elapsed -ge 1 ] && pass || fail "slow disk: 8 runs took ${elapsed}s, none waited"
    check "slow disk: runs that found it unchanged" $((runs - 1)) \
        "$(cat "$tmp"/out.* | grep -c 'vaccins-covid19.ics: unchanged')"
else
    skip "slow disk: $shim_why"
fi

# A lock held by another process: exit 3 after --lock-timeout, naming the
# folder; nothing written; then, once it is released, a build goes through.
if command -v flock >/dev/null; then
    d="$tmp/parallel"
    hold_lock 30
    cp -a "$d" "$tmp/held-before"
    start=$(date +%s)
    SOURCE_DATE_EPOCH=$E1 timeout 20 "$ordercal" build "$def1" -o "$d" --lock-timeout 1 \
        >"$tmp/out" 2>"$tmp/err"
    rc=$?
    elapsed=$(($(date +%s) - start))
    check "lock held: exit status (124 is a hang)" 3 $rc
    one_line "lock held: stderr" "$tmp/err" "ordercal: error: " "$d" "locked by another ordercal run"
    [ $elapsed -ge 1 ] && [ $elapsed -le 5 ] && pass ||
        fail "lock held: gave up after ${elapsed}s with --lock-timeout 1"
    check "lock held: stdout" "" "$(cat "$tmp/out")"
    same_tree "lock held: folder" "$tmp/held-before" "$d"

    SOURCE_DATE_EPOCH=$E1 timeout 20 "$ordercal" build "$def1" -o "$d" --lock-timeout 0 \
        >"$tmp/out" 2>"$tmp/err"
    check "lock held, --lock-timeout 0: exit status" 3 $?
    one_line "lock held, --lock-timeout 0: stderr" "$tmp/err" "locked by another ordercal run"

    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
    SOURCE_DATE_EPOCH=$E2 timeout 20 "$ordercal" build "$def2" -o "$d" --lock-timeout 5 \
        >"$tmp/out" 2>"$tmp/err"
    check "lock released: exit status" 0 $?
    same_tree "lock released: result" "$serial2" "$d"

    # A waiting run gets the lock when it is released before its timeout.
    hold_lock 1
    SOURCE_DATE_EPOCH=$E2 timeout 20 "$ordercal" build "$def2" -o "$d" --lock-timeout 10 \
        >"$tmp/out" 2>"$tmp/err"
    check "lock released while waiting: exit status" 0 $?
    wait "$holder"
else
    skip "held lock: flock (util-linux) is not installed"
fi

finish
