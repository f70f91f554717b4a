#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Renders index.html in headless Chromium at a desktop and a phone width,
# for the default definition and for a site of two definitions published
# together (tests/golden/site-two-definitions/defs); fails when a page does
# not render (no screenshot, a blank one, or a DOM without its headings,
# every feed card's field, buttons, download and QR code, the guide folded
# per client, the copies' links and the grid). Then prints each page to PDF
# as a browser does (A4, @media print): one A4 page per calendar, with its
# addresses, table and grid and without buttons or guide (pdfinfo and
# pdftotext, from poppler-utils). The screenshots (and one with every
# guide section open) and the PDFs are left in OUT_DIR for a person to
# look at.
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

if [ -z "$chromium" ] || ! command -v pdfinfo >/dev/null || ! command -v pdftotext >/dev/null; then
    echo "chromium or poppler-utils is not installed (apt-get install chromium poppler-utils)"
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
    for size in desktop:1280,4200 phone:390,7000; do
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

# feed_card NAME BASE FEED: the card of FEED shows its https field, its five
# buttons with their exact links (percent-encoded) and its QR code.
feed_card() {
    _host=${2#https://}
    _enc=$(printf '%s' "$_host" | sed 's|/|%2F|g')
    has "$1" "value=\"$2$3.ics\"" \
        "href=\"webcal://$_host$3.ics\">" \
        "href=\"https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2F$_enc$3.ics\">" \
        "href=\"https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2F$_enc$3.ics&amp;name=" \
        "href=\"https://outlook.office.com/calendar/0/addfromweb?url=https%3A%2F%2F$_enc$3.ics&amp;name=" \
        "href=\"$2$3.ics\" download=\"\"" "<p class=\"print-only address\">$2$3.ics</p>"
}

render index "$tmp/site"
has index '<h1>Vaccins Covid-19' 'class="feed"' \
    '>Apple / Thunderbird / Outlook classique</a>' '>Outlook.com (compte personnel)</a>' \
    '>Microsoft 365 (professionnel ou scolaire)</a>' \
    '<svg class="qr"' '<td class="state-closed">' '<h3>juillet 2023</h3>' 'class="day confirmation"' \
    '<summary><strong>Outlook pour Windows (classique)</strong>' \
    '<summary><strong>Google Agenda</strong>' '<summary><strong>Thunderbird</strong>' \
    "href=\"${base}events/vaccins-covid19-20230719.ics\">fichier .ics</a>" \
    'href="https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Confirmation%20de%20commande%20disponible&amp;dates=20230719T160000Z/20230719T163000Z&amp;details='
for feed in vaccins-covid19 vaccins-covid19-livraisons vaccins-covid19-en; do
    feed_card index "$base" "$feed"
done
count index 'class="feed"' 3
count index '<svg class="qr"' 3
count index '<details class="client"' 7
count index '<span class="copy">' 5

# Every guide section open, for a person to read (a click opens one).
sed 's/<details class="client"/<details open class="client"/' "$tmp/site/index.html" >"$tmp/site/open.html"
run_chromium --window-size=1280,6000 "--screenshot=$outdir/index-guide-open.png" \
    "file://$tmp/site/open.html"
[ -s "$outdir/index-guide-open.png" ] && passes=$((passes + 1)) || fail "no screenshot of the open guide"

# Two definitions, one page: a contents, each calendar's section, and for
# every feed its four links built from the base URL and its QR code.
render site-two "$tmp/site-two"
has site-two '<h1>Vaccins grippe — métropole</h1>' '<nav class="toc">' \
    '<li><a href="#grippe-reunion">Vaccins grippe — La Réunion</a></li>' \
    '<section class="calendar" id="grippe-metropole" lang="fr">' \
    '<section class="calendar" id="grippe-reunion" lang="fr">' \
    '<h2>Vaccins grippe — La Réunion</h2>' '<h4>décembre 2023</h4>' 'class="day confirmation"'
for feed in grippe-metropole grippe-metropole-livraisons grippe-reunion grippe-reunion-en; do
    feed_card site-two "$base" "$feed"
done
count site-two 'class="feed"' 4
count site-two '<svg class="qr"' 4
count site-two 'Mis à jour le' 1
count site-two '<details class="client"' 14

# print NAME SITE PAGES CALENDAR...: SITE/index.html printed to PDF is
# PAGES A4 pages, page N holding the Nth CALENDAR's name, its table and
# its grid, and no button, guide or copy.
print_pdf() {
    _name=$1 _site=$2 _pages=$3
    shift 3
    _pdf="$outdir/$_name.pdf"
    rm -f "$_pdf"
    run_chromium --no-pdf-header-footer "--print-to-pdf=$_pdf" "file://$_site/index.html"
    if [ ! -s "$_pdf" ]; then
        fail "$_name: no PDF"
        return
    fi
    _got=$(pdfinfo "$_pdf" | sed -n 's/^Pages: *//p')
    [ "$_got" = "$_pages" ] && passes=$((passes + 1)) || fail "$_name.pdf: $_got pages, expected $_pages"
    pdfinfo "$_pdf" | grep -q '^Page size: *59[45].* x 84[12].* pts (A4)' && passes=$((passes + 1)) ||
        fail "$_name.pdf is not A4: $(pdfinfo "$_pdf" | grep '^Page size')"
    _n=0
    for _cal in "$@"; do
        _n=$((_n + 1))
        pdftotext -layout -f $_n -l $_n "$_pdf" "$tmp/$_name-$_n.txt"
        for _want in "$_cal" "$base" 'Calendrier des sessions' 'Mois par mois' 'Ouvert'; do
            grep -qF -- "$_want" "$tmp/$_name-$_n.txt" && passes=$((passes + 1)) ||
                fail "$_name.pdf page $_n lacks $_want"
        done
        for _not in 'Google Agenda' 'Microsoft 365' 'Télécharger' 'agenda par agenda' 'copie fixe'; do
            grep -qF -- "$_not" "$tmp/$_name-$_n.txt" && fail "$_name.pdf page $_n shows $_not" ||
                passes=$((passes + 1))
        done
    done
    echo "$_name printed: $_pdf ($_got pages)"
}
print_pdf index "$tmp/site" 1 'Vaccins Covid-19 — portail de commande'
print_pdf site-two "$tmp/site-two" 2 'Vaccins grippe — métropole' 'Vaccins grippe — La Réunion'

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
