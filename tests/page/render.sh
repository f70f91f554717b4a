#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Renders index.html in headless Chromium at a desktop and a phone width,
# for the default definition and for a site of two definitions published
# together (tests/golden/site-two-definitions/defs); fails when a page does
# not render (no screenshot, a blank one, or a DOM without its headings,
# links and grid). The screenshots are left in OUT_DIR for a person to look at.
# Usage: render.sh ORDERCAL SOURCE_DIR OUT_DIR
set -u
ordercal=$1
src=$2
outdir=$3
chromium=$(command -v chromium || command -v chromium-browser || true)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
passes=0
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if [ -z "$chromium" ]; then
    echo "chromium is not installed (apt-get install chromium)"
    echo "0 passed, 1 failed"
    exit 1
fi
mkdir -p "$outdir"
base=https://calendriers.example.org/vaccins/
SOURCE_DATE_EPOCH=1689638400 "$ordercal" build "$src/schedules/dgs-urgent-2023-11.yaml" \
    -o "$tmp/site" -q --base-url "$base" || {
    fail "ordercal build"
    exit 1
}
SOURCE_DATE_EPOCH=1695945600 "$ordercal" build "$src/tests/golden/site-two-definitions/defs" \
    -o "$tmp/site-two" -q --base-url "$base" || {
    fail "ordercal build (two definitions)"
    exit 1
}

run_chromium() {
    # The flags keep Chromium off the network and out of the user's profile.
    timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$tmp/profile-$1" --hide-scrollbars "$@" 2>/dev/null
}

# render NAME SITE: screenshots of SITE/index.html, its DOM in $tmp/NAME.html.
render() {
    for size in desktop:1280,2400 phone:390,3200; do
        width=${size%%:*}
        png="$outdir/$1-$width.png"
        rm -f "$png"
        run_chromium "--window-size=${size#*:}" "--screenshot=$png" "file://$2/index.html"
        if [ ! -s "$png" ]; then
            fail "$1 $width: no screenshot"
            continue
        fi
        # A blank page compresses to a few kilobytes; the rendered one is far larger.
        bytes=$(wc -c <"$png")
        if [ "$bytes" -lt 40000 ]; then
            fail "$1 $width: screenshot of $bytes bytes looks blank"
        else
            passes=$((passes + 1))
            echo "$1 $width screenshot: $png ($bytes bytes)"
        fi
    done
    run_chromium --dump-dom "file://$2/index.html" >"$tmp/$1.html"
}

# has NAME PATTERN...: the rendered DOM of NAME holds every PATTERN.
has() {
    name=$1
    shift
    for pattern in "$@"; do
        if grep -qF -- "$pattern" "$tmp/$name.html"; then
            passes=$((passes + 1))
        else
            fail "the rendered DOM of $name lacks $pattern"
        fi
    done
}

# count NAME PATTERN N: PATTERN is N times in the DOM of NAME.
count() {
    n=$(grep -oF -- "$2" "$tmp/$1.html" | wc -l)
    [ "$n" -eq "$3" ] && passes=$((passes + 1)) || fail "$1: $n times $2, expected $3"
}

render index "$tmp/site"
has index '<h1>Vaccins Covid-19' 'class="feed"' \
    'href="webcal://calendriers.example.org/vaccins/vaccins-covid19.ics"' \
    'calendar.google.com/calendar/r?cid=webcal%3A%2F%2F' 'outlook.live.com/calendar/0/addfromweb?url=' \
    '<svg class="qr"' '<td class="state-closed">' '<h3>juillet 2023</h3>' 'class="day confirmation"'
count index 'class="feed"' 3

# Two definitions, one page: a contents, each calendar's section, and for
# every feed its four links built from the base URL and its QR code.
render site-two "$tmp/site-two"
has site-two '<h1>Vaccins grippe — métropole</h1>' '<nav class="toc">' \
    '<li><a href="#grippe-reunion">Vaccins grippe — La Réunion</a></li>' \
    '<section class="calendar" id="grippe-metropole" lang="fr">' \
    '<section class="calendar" id="grippe-reunion" lang="fr">' \
    '<h2>Vaccins grippe — La Réunion</h2>' '<h4>décembre 2023</h4>' 'class="day confirmation"'
for feed in grippe-metropole grippe-metropole-livraisons grippe-reunion grippe-reunion-en; do
    has site-two "value=\"${base}$feed.ics\"" \
        "href=\"webcal://calendriers.example.org/vaccins/$feed.ics\"" \
        "href=\"https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fcalendriers.example.org%2Fvaccins%2F$feed.ics\"" \
        "href=\"https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fcalendriers.example.org%2Fvaccins%2F$feed.ics&amp;name=" \
        "href=\"${base}$feed.ics\" download=\"\""
done
count site-two 'class="feed"' 4
count site-two '<svg class="qr"' 4
count site-two 'Mis à jour le' 1

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
