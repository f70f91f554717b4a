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
for args in "" "frobnicate" "build --bogus" "build -o" \
    "build --base-url ftp://x/" "build --lock-timeout soon"; do
    # shellcheck disable=SC2086
    "$ordercal" $args >"$tmp/o" 2>"$tmp/e"; check "usage '$args'" 2 $?
    expect_grep "usage '$args'" "Try 'ordercal --help'." "$tmp/e"
done
SOURCE_DATE_EPOCH=yesterday "$ordercal" check "$def" >/dev/null 2>&1; check "bad SOURCE_DATE_EPOCH" 2 $?

# site options the library checks: exit 2, one line
for args in "--site-language de" "--site-language ../fr" "--site-name="; do
    # shellcheck disable=SC2086
    "$ordercal" check "$def" $args >"$tmp/o" 2>"$tmp/e"; check "usage '$args'" 2 $?
    expect_grep "usage '$args'" "^ordercal: error: .*--site-" "$tmp/e"
done
"$ordercal" check "$def" --site-language ../fr 2>"$tmp/e"
expect_grep "site language" "invalid --site-language '../fr' (a language code such as fr or en)" "$tmp/e"
"$ordercal" check "$def" --site-language de 2>"$tmp/e"
expect_grep "site language" "no templates for --site-language 'de' (available: en, fr)" "$tmp/e"

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
expect_grep build "events/vaccins-covid19-20230719.ics: created$" "$tmp/o"
# 3 feeds, the 5 copies of the confirmations near the build's day, the change log, the page
[ "$(wc -l <"$tmp/o")" -eq 10 ] || { echo "FAIL: a first build listed events:"; cat "$tmp/o"; failures=$((failures + 1)); }
cp -p "$tmp/out/vaccins-covid19.ics" "$tmp/before.ics"
SOURCE_DATE_EPOCH=1700000000 "$ordercal" build "$def" -o "$tmp/out" >"$tmp/o"; check rebuild 0 $?
expect_grep rebuild "vaccins-covid19.ics: unchanged" "$tmp/o"
# months later, every confirmation is past: the copies go with their rows
expect_grep rebuild "events/vaccins-covid19-20230906.ics: removed$" "$tmp/o"
[ -e "$tmp/out/events/vaccins-covid19-20230906.ics" ] &&
    { echo "FAIL: a copy outlived its row"; failures=$((failures + 1)); }
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

# closing a week: its session event is updated in place, its other events
# become cancellation notices
sed 's/^feeds:/sessions:\n  - { date: 2023-10-09, state: closed }\nfeeds:/' "$def" >"$tmp/closed.yaml"
"$ordercal" build "$tmp/closed.yaml" -o "$tmp/out" --dry-run >"$tmp/o"; check "dry-run close" 0 $?
expect_grep "report closed" "  ~ closed       2023-10-09..2023-10-10, text changed (session 2023-10-09)" "$tmp/o"
expect_grep "report cancelled" '  x 2023-10-11 18:00 "Confirmation de commande disponible": cancelled (session 2023-10-09 closed)' "$tmp/o"
# ... and the notices, once over for cancelled_days, leave the feed: the
# report names each one's kind and session, in the previous feed's order
cp -R "$tmp/out" "$tmp/late"
"$ordercal" build "$tmp/closed.yaml" -o "$tmp/late" -q; check "close for real" 0 $?
SOURCE_DATE_EPOCH=1703980800 "$ordercal" build "$tmp/closed.yaml" -o "$tmp/late" >"$tmp/o"
check "notices dropped" 0 $?
grep '^  - ' "$tmp/o" | head -3 >"$tmp/lines"
printf '%s\n' "  - confirmation 2023-10-11 16:00 UTC (session 2023-10-09)" \
    "  - delivery     2023-10-19..2023-10-20 (session 2023-10-09)" \
    "  - appointments 2023-10-21 (session 2023-10-09)" >"$tmp/want"
cmp -s "$tmp/want" "$tmp/lines" ||
    { echo "FAIL: dropped notices:"; diff "$tmp/want" "$tmp/lines"; failures=$((failures + 1)); }

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

# several definitions: files and folders, one site
mkdir -p "$tmp/defs/sub.yaml" && cp "$def" "$tmp/defs/b.yaml"
sed -e 's/^  id: vaccins-covid19$/  id: grippe/' -e 's/^  name: .*/  name: Grippe/' -e 's/^  url: .*//' \
    -e '/^feeds:/,$d' "$def" >"$tmp/defs/a.yaml"
cp "$tmp/defs/a.yaml" "$tmp/defs/.hidden.yaml" && cp "$tmp/defs/a.yaml" "$tmp/defs/a.yaml.dpkg-dist"
"$ordercal" check "$tmp/defs" >"$tmp/o"; check "check folder" 0 $?
[ "$(grep -v '^  ' "$tmp/o")" = "$tmp/defs/a.yaml: ok (13 sessions: 8 open, 5 closed; 1 feed)
$tmp/defs/b.yaml: ok (13 sessions: 8 open, 5 closed; 3 feeds)" ] ||
    { echo "FAIL: check of a folder:"; cat "$tmp/o"; failures=$((failures + 1)); }
"$ordercal" build "$tmp/defs/" -o "$tmp/site" >"$tmp/o"; check "build folder" 0 $?
expect_grep "build folder" "^$tmp/site/grippe.ics: created (37 events)$" "$tmp/o"
expect_grep "build folder" "^$tmp/site/vaccins-covid19-en.ics: created (37 events)$" "$tmp/o"
# 4 feeds, 5 copies for each calendar, the change log, the page
[ "$(wc -l <"$tmp/o")" -eq 16 ] || { echo "FAIL: a site's report:"; cat "$tmp/o"; failures=$((failures + 1)); }
expect_grep "site page" '<li><a href="#grippe">Grippe</a></li>' "$tmp/site/index.html"
expect_grep "site page" '<section class="calendar" id="vaccins-covid19" lang="fr">' "$tmp/site/index.html"
"$ordercal" build "$tmp/defs/a.yaml" "$tmp/defs/b.yaml" -o "$tmp/site" >"$tmp/o"; check "build files" 0 $?
[ "$(grep -c ': unchanged$' "$tmp/o")" -eq 16 ] || { echo "FAIL: files, not the folder:"; cat "$tmp/o"; failures=$((failures + 1)); }
"$ordercal" build "$tmp/defs/b.yaml" "$tmp/defs/a.yaml" -o "$tmp/site" -q; check "build reordered" 0 $?
expect_grep "site order" '<li><a href="#vaccins-covid19">.*</li>' "$tmp/site/index.html"
[ "$(grep -o '<li><a href="#[a-z0-9-]*"' "$tmp/site/index.html" | head -1)" = '<li><a href="#vaccins-covid19"' ] ||
    { echo "FAIL: the page does not follow the order given"; failures=$((failures + 1)); }
"$ordercal" show "$tmp/defs" >"$tmp/o"; check "show folder" 0 $?
[ "$(head -1 "$tmp/o")" = Grippe ] && [ "$(grep -c '^Date ' "$tmp/o")" -eq 2 ] &&
    grep -qx 'Vaccins Covid-19 — portail de commande' "$tmp/o" ||
    { echo "FAIL: show of a folder:"; cat "$tmp/o"; failures=$((failures + 1)); }
"$ordercal" build "$def" "$def" -o "$tmp/twice" 2>"$tmp/e"; check "same definition twice" 1 $?
expect_grep "same definition twice" "^$def:7:7: error: calendar id 'vaccins-covid19' is already declared at $def:7:7$" "$tmp/e"
[ -e "$tmp/twice" ] && { echo "FAIL: a refused site wrote"; failures=$((failures + 1)); }
mkdir "$tmp/empty"
"$ordercal" build "$tmp/empty" -o "$tmp/site" 2>"$tmp/e"; check "empty folder" 3 $?
expect_grep "empty folder" "^ordercal: error: no definition (\*.yaml) in $tmp/empty$" "$tmp/e"
"$ordercal" build "$def" -o "$tmp/named" -q --site-name 'Calendriers <SPF>' --site-language en
check "site name" 0 $?
expect_grep "site name" '^<title>Calendriers &lt;SPF&gt;</title>$' "$tmp/named/index.html"
expect_grep "site name" '^<html lang="en">$' "$tmp/named/index.html"
expect_grep "site name" '^<p class="muted">Updated Tuesday 18 July 2023</p>$' "$tmp/named/index.html"
grep -q 'class="toc"' "$tmp/named/index.html" && { echo "FAIL: a contents for one calendar"; failures=$((failures + 1)); }

# 50 definitions of 100 events: built, then rebuilt with nothing rewritten
mkdir "$tmp/fifty"
i=0
while [ $i -lt 50 ]; do
    n=$(printf %02d $i)
    printf 'calendar: { id: cal-%s, name: "Calendrier %s", timezone: Europe/Paris, holidays: none }\nsession: {}\nrhythm: [ { from: 2023-07-17, until: 2024-01-01 } ]\nfeeds: [ { id: cal-%s, kinds: [session, confirmation, delivery, appointments] } ]\n' \
        "$n" "$n" "$n" >"$tmp/fifty/cal-$n.yaml"
    i=$((i + 1))
done
# (on 13 November, then on the 14th: no copy goes or comes in between)
SOURCE_DATE_EPOCH=1699900000 "$ordercal" build "$tmp/fifty" -o "$tmp/fifty-out" -q; check "fifty" 0 $?
[ "$(grep -c '^BEGIN:VEVENT' "$tmp/fifty-out/cal-49.ics")" -eq 100 ] ||
    { echo "FAIL: cal-49.ics has not 100 events"; failures=$((failures + 1)); }
ls -lR --time-style=+%s.%N "$tmp/fifty-out" >"$tmp/before"
SOURCE_DATE_EPOCH=1700000000 "$ordercal" build "$tmp/fifty" -o "$tmp/fifty-out" >"$tmp/o"; check "fifty again" 0 $?
ls -lR --time-style=+%s.%N "$tmp/fifty-out" >"$tmp/after"
[ "$(grep -c ': unchanged$' "$tmp/o")" -eq $((52 + 50 * 9)) ] && cmp -s "$tmp/before" "$tmp/after" ||
    { echo "FAIL: a rebuild of fifty definitions rewrote files"; failures=$((failures + 1)); }

# from another working directory, with no argument: the default definition
mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere" || exit 99
"$ordercal" build -o here -q; check "from elsewhere" 0 $?
[ -f here/vaccins-covid19.ics ] || { echo "FAIL: no feed from elsewhere"; failures=$((failures + 1)); }
"$ordercal" show >"$tmp/o"; check show 0 $?
expect_grep show "31 juillet – 1er août 2023  Fermé" "$tmp/o"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
