#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Renders the default definition's index.html in headless Chromium at a
# desktop and a phone width; fails when the page does not render (no
# screenshot, a blank one, or a DOM without its headings, links and grid).
# The screenshots are left in OUT_DIR for a person to look at.
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
SOURCE_DATE_EPOCH=1689638400 "$ordercal" build "$src/schedules/dgs-urgent-2023-11.yaml" \
    -o "$tmp/site" -q --base-url https://calendriers.example.org/vaccins/ || {
    fail "ordercal build"
    exit 1
}

run_chromium() {
    # The flags keep Chromium off the network and out of the user's profile.
    timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$tmp/profile-$1" --hide-scrollbars "$@" 2>/dev/null
}

for size in desktop:1280,2400 phone:390,3200; do
    name=${size%%:*}
    png="$outdir/index-$name.png"
    rm -f "$png"
    run_chromium "--window-size=${size#*:}" "--screenshot=$png" "file://$tmp/site/index.html"
    if [ ! -s "$png" ]; then
        fail "$name: no screenshot"
        continue
    fi
    # A blank page compresses to a few kilobytes; the rendered one is far larger.
    bytes=$(wc -c <"$png")
    if [ "$bytes" -lt 40000 ]; then
        fail "$name: screenshot of $bytes bytes looks blank"
    else
        passes=$((passes + 1))
        echo "$name screenshot: $png ($bytes bytes)"
    fi
done

run_chromium --dump-dom "file://$tmp/site/index.html" >"$tmp/dom.html"
for pattern in '<h1>Vaccins Covid-19' 'class="feed"' 'href="webcal://calendriers.example.org/vaccins/vaccins-covid19.ics"' \
    'calendar.google.com/calendar/r?cid=webcal%3A%2F%2F' 'outlook.live.com/calendar/0/addfromweb?url=' \
    '<svg class="qr"' '<td class="state-closed">' '<h3>juillet 2023</h3>' 'class="day confirmation"'; do
    if grep -qF -- "$pattern" "$tmp/dom.html"; then
        passes=$((passes + 1))
    else
        fail "the rendered DOM lacks $pattern"
    fi
done
count=$(grep -o 'class="feed"' "$tmp/dom.html" | wc -l)
[ "$count" -eq 3 ] && passes=$((passes + 1)) || fail "$count feeds rendered, expected 3"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
