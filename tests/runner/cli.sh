#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Command-line behaviour as a user meets it (DESIGN §5): help and version,
# usage errors (exit 2), I/O errors (exit 3), the report lines of build,
# --dry-run and -q, regeneration that bumps only what changed, check's
# lines, cron across an exception past the horizon, show's marks, a held
# lock, and running from another working directory.
# Usage: cli.sh ORDERCAL SOURCE_DIR
set -u
ordercal=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
passes=0

check() { # check NAME EXPECTED_STATUS ACTUAL_STATUS
    if [ "$2" = "$3" ]; then
        passes=$((passes + 1))
    else
        echo "FAIL: $1: exit status $3, expected $2"
        failures=$((failures + 1))
    fi
}

expect_grep() { # expect_grep NAME PATTERN FILE
    if grep -q -- "$2" "$3"; then
        passes=$((passes + 1))
    else
        echo "FAIL: $1: '$2' not in $3:"
        cat "$3"
        failures=$((failures + 1))
    fi
}

export SOURCE_DATE_EPOCH=1689638400
def="$src/schedules/dgs-urgent-2023-11.yaml"

# --help on stdout, exit 0; --version
"$ordercal" --help >"$tmp/o" 2>"$tmp/e"; check help 0 $?
expect_grep help "Exit status" "$tmp/o"
[ -s "$tmp/e" ] && { echo "FAIL: --help wrote to stderr"; failures=$((failures + 1)); }
"$ordercal" --version >"$tmp/o"; check version 0 $?
expect_grep version "^ordercal [0-9]" "$tmp/o"

# usage errors: exit 2, one line and the hint on stderr
for args in "" "frobnicate" "build --bogus" "build a.yaml b.yaml" "build -o" \
    "build --base-url ftp://x/" "build --lock-timeout soon"; do
    # shellcheck disable=SC2086
    "$ordercal" $args >"$tmp/o" 2>"$tmp/e"; check "usage '$args'" 2 $?
    expect_grep "usage '$args'" "Try 'ordercal --help'." "$tmp/e"
done
SOURCE_DATE_EPOCH=yesterday "$ordercal" check "$def" >/dev/null 2>&1; check "bad SOURCE_DATE_EPOCH" 2 $?

# I/O errors: exit 3 with the path
"$ordercal" check "$tmp/missing.yaml" 2>"$tmp/e"; check "missing definition" 3 $?
expect_grep "missing definition" "cannot read $tmp/missing.yaml" "$tmp/e"
echo x >"$tmp/file"
"$ordercal" build "$def" -o "$tmp/file" 2>"$tmp/e"; check "output is a file" 3 $?
expect_grep "output is a file" "$tmp/file" "$tmp/e"

# build: one line per file, then unchanged, mtimes kept
"$ordercal" build "$def" -o "$tmp/out" >"$tmp/o"; check build 0 $?
expect_grep build "vaccins-covid19.ics: created (37 events)" "$tmp/o"
expect_grep build "vaccins-covid19-livraisons.ics: created (8 events)" "$tmp/o"
expect_grep build "index.html: created" "$tmp/o"
[ "$(wc -l <"$tmp/o")" -eq 4 ] || { echo "FAIL: a first build listed events:"; cat "$tmp/o"; failures=$((failures + 1)); }
cp -p "$tmp/out/vaccins-covid19.ics" "$tmp/before.ics"
SOURCE_DATE_EPOCH=1700000000 "$ordercal" build "$def" -o "$tmp/out" >"$tmp/o"; check rebuild 0 $?
expect_grep rebuild "vaccins-covid19.ics: unchanged" "$tmp/o"
[ "$tmp/out/vaccins-covid19.ics" -nt "$tmp/before.ics" ] &&
    { echo "FAIL: an unchanged feed was rewritten"; failures=$((failures + 1)); }

# one exception changes one session: only its events get SEQUENCE:1 and the new stamp
sed 's/^feeds:/sessions:\n  - { date: 2023-09-18, delivery: [2023-09-29, 2023-09-29] }\nfeeds:/' \
    "$def" >"$tmp/changed.yaml"
"$ordercal" build "$tmp/changed.yaml" -o "$tmp/out" --dry-run >"$tmp/o"; check dry-run 0 $?
expect_grep dry-run "vaccins-covid19.ics: would be updated (4 events changed)" "$tmp/o"
expect_grep "change report" "  ~ delivery     2023-09-28..2023-09-29 -> 2023-09-29 (session 2023-09-18)" "$tmp/o"
expect_grep "change report" "  ~ session      2023-09-18..2023-09-19, text changed (session 2023-09-18)" "$tmp/o"
cmp -s "$tmp/before.ics" "$tmp/out/vaccins-covid19.ics" ||
    { echo "FAIL: --dry-run wrote"; failures=$((failures + 1)); }
SOURCE_DATE_EPOCH=1700000000 "$ordercal" build "$tmp/changed.yaml" -o "$tmp/out" -q >"$tmp/o"
check "build -q" 0 $?
[ -s "$tmp/o" ] && { echo "FAIL: -q printed"; failures=$((failures + 1)); }
bumped=$(grep -c '^SEQUENCE:1' "$tmp/out/vaccins-covid19.ics")
stamped=$(grep -c '^DTSTAMP:20231114T221320Z' "$tmp/out/vaccins-covid19.ics")
kept=$(grep -c '^SEQUENCE:0' "$tmp/out/vaccins-covid19.ics")
check "events bumped" 4 "$bumped"
check "events stamped now" 4 "$stamped"
check "events kept" 33 "$kept"

# closing a week: its open events are removed, a closed event added
sed 's/^feeds:/sessions:\n  - { date: 2023-10-09, state: closed }\nfeeds:/' "$def" >"$tmp/closed.yaml"
"$ordercal" build "$tmp/closed.yaml" -o "$tmp/out" --dry-run >"$tmp/o"; check "dry-run close" 0 $?
expect_grep "report added" "  + closed       2023-10-09..2023-10-10 (session 2023-10-09)" "$tmp/o"
expect_grep "report removed" "  - confirmation 2023-10-11 18:00 (session 2023-10-09)" "$tmp/o"
grep '^  [-+] ' "$tmp/o" | head -5 >"$tmp/lines"
printf '%s\n' "  + closed       2023-10-09..2023-10-10 (session 2023-10-09)" \
    "  - session      2023-10-09..2023-10-10 (session 2023-10-09)" \
    "  - confirmation 2023-10-11 18:00 (session 2023-10-09)" \
    "  - delivery     2023-10-19..2023-10-20 (session 2023-10-09)" \
    "  - appointments 2023-10-21 (session 2023-10-09)" >"$tmp/want"
cmp -s "$tmp/want" "$tmp/lines" ||
    { echo "FAIL: removed lines not in feed order:"; diff "$tmp/want" "$tmp/lines"; failures=$((failures + 1)); }
# an event whose UID this definition cannot make is named by its summary
sed 's/^  id: vaccins-covid19$/  id: vaccins-covid19-v2/' "$def" >"$tmp/renamed.yaml"
"$ordercal" build "$tmp/renamed.yaml" -o "$tmp/out" --dry-run >"$tmp/o"; check "dry-run renamed" 0 $?
expect_grep "report renamed" '  - 2023-10-11 18:00 "Confirmation de commande disponible"' "$tmp/o"

# check: each feed's events, and how far an open-ended rhythm runs
"$ordercal" check "$def" >"$tmp/o"; check "check" 0 $?
expect_grep "check feeds" "^  vaccins-covid19-livraisons.ics: 8 events$" "$tmp/o"
printf '%s\n' "calendar: { id: horizon, name: Horizon, timezone: Europe/Paris, holidays: none }" \
    "session: {}" "rhythm:" "  - { from: 2023-11-06 }" "sessions:" \
    '  - { date: 2024-06-03, state: closed, note: "Inventaire" }' "feeds:" "  - { id: horizon }" \
    "  - { id: horizon-en, language: en }" >"$tmp/horizon.yaml"
SOURCE_DATE_EPOCH=1699920000 "$ordercal" check "$tmp/horizon.yaml" >"$tmp/o" 2>"$tmp/e"
check "check horizon" 0 $?
expect_grep "check horizon" "^  rhythm\[0\] has no until: it runs to the horizon, 2024-05-14 (26 weeks after 2023-11-14, UTC); last session 2024-05-13$" "$tmp/o"
expect_grep "check horizon" "^  horizon-en.ics: 112 events$" "$tmp/o"

# cron: an exception past the horizon is a warning, so every feed keeps
# updating as the horizon moves, and the build that reaches it applies it
# (2023-11-14, then a week later, then three weeks later)
warning="sessions\[0\].date '2024-06-03' is beyond the horizon"
SOURCE_DATE_EPOCH=1699920000 "$ordercal" build "$tmp/horizon.yaml" -o "$tmp/cron" -q >"$tmp/o" 2>"$tmp/e"
check "cron first run" 0 $?
if [ -s "$tmp/o" ] || [ -s "$tmp/e" ]; then echo "FAIL: cron -q printed"; failures=$((failures + 1)); fi
check "cron first run events" 112 "$(grep -c '^BEGIN:VEVENT' "$tmp/cron/horizon.ics")"
cp -p "$tmp/cron/horizon-en.ics" "$tmp/before.ics"
SOURCE_DATE_EPOCH=1700524800 "$ordercal" build "$tmp/horizon.yaml" -o "$tmp/cron" --strict 2>"$tmp/e"
check "cron --strict" 1 $?
expect_grep "cron --strict" "error: $warning (2024-05-21)" "$tmp/e"
cmp -s "$tmp/before.ics" "$tmp/cron/horizon-en.ics" || { echo "FAIL: --strict wrote"; failures=$((failures + 1)); }
SOURCE_DATE_EPOCH=1700524800 "$ordercal" build "$tmp/horizon.yaml" -o "$tmp/cron" >"$tmp/o" 2>"$tmp/e"
check "cron a week later" 0 $?
expect_grep "cron a week later" "warning: $warning (2024-05-21); applied when it is reached" "$tmp/e"
expect_grep "cron a week later" "horizon-en.ics: updated (4 events changed)" "$tmp/o"
expect_grep "cron a week later" "  + session      2024-05-20..2024-05-21 (session 2024-05-20)" "$tmp/o"
SOURCE_DATE_EPOCH=1701734400 "$ordercal" build "$tmp/horizon.yaml" -o "$tmp/cron" >"$tmp/o" 2>"$tmp/e"
check "cron reaches it" 0 $?
[ -s "$tmp/e" ] && { echo "FAIL: the reached exception still warns:"; cat "$tmp/e"; failures=$((failures + 1)); }
expect_grep "cron reaches it" "  + closed       2024-06-03..2024-06-04 (session 2024-06-03)" "$tmp/o"
check "cron reaches it, closed" 1 "$(grep -c '^SUMMARY:Ordering portal closed' "$tmp/cron/horizon-en.ics")"

# show marks a time the clocks skip or repeat
"$ordercal" show "$src/tests/warn/dst-sydney/def.yaml" >"$tmp/o" 2>/dev/null; check "show dst" 0 $?
expect_grep "show skipped" "Sunday 6 October 2024 at 02:30 → 03:30$" "$tmp/o"
expect_grep "show repeated" "Sunday 7 April 2024 at 02:30 (UTC+11:00)$" "$tmp/o"

# a held lock: exit 3 after --lock-timeout, never a hang
if command -v flock >/dev/null; then
    flock "$tmp/out/.ordercal.lock" sleep 3 &
    sleep 0.5
    "$ordercal" build "$def" -o "$tmp/out" --lock-timeout 0.5 2>"$tmp/e"; check "lock held" 3 $?
    expect_grep "lock held" "locked by another ordercal run" "$tmp/e"
    wait
fi

# from another working directory, with no argument: the default definition
mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere" || exit 99
"$ordercal" build -o here -q; check "from elsewhere" 0 $?
[ -f here/vaccins-covid19.ics ] || { echo "FAIL: no feed from elsewhere"; failures=$((failures + 1)); }
"$ordercal" show >"$tmp/o"; check show 0 $?
expect_grep show "31 juillet – 1er août 2023  Fermé" "$tmp/o"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
