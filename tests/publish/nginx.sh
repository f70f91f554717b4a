#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Serves a build with the shipped templates/nginx.conf, only its 'listen'
# and 'root' lines edited, with a real nginx on 127.0.0.1, and checks what
# calendar clients rely on: the .ics media type, ETag/Last-Modified and a
# 304 on If-None-Match, Cache-Control, gzip, the index, refused writes and
# hidden files.
# Usage: nginx.sh ORDERCAL SOURCE_DIR
set -u
ordercal=$1
src=$(cd "$2" && pwd)
nginx=$(command -v nginx || echo /usr/sbin/nginx)
tmp=$(mktemp -d) || exit 99
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
passes=0
failures=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

if [ ! -x "$nginx" ] || ! command -v curl >/dev/null; then
    echo "nginx and curl are needed (apt-get install nginx-light curl)"
    echo "0 passed, 1 failed"
    exit 1
fi
chmod 755 "$tmp"
SOURCE_DATE_EPOCH=1689638400 "$ordercal" build "$src/schedules/dgs-urgent-2023-11.yaml" \
    -o "$tmp/site" -q --base-url http://127.0.0.1/ || exit 1
port=$((20000 + $$ % 20000))
sed -e "s|^    listen .*;|    listen 127.0.0.1:$port;|" -e "s|^    root .*;|    root $tmp/site;|" \
    "$src/templates/nginx.conf" >"$tmp/server.conf"
[ "$(diff "$src/templates/nginx.conf" "$tmp/server.conf" | grep -c '^>')" -eq 2 ] && ok ||
    fail "more than the listen and root lines changed"
mkdir -p "$tmp/logs"
cat >"$tmp/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $tmp/logs;
    proxy_temp_path $tmp/logs;
    fastcgi_temp_path $tmp/logs;
    uwsgi_temp_path $tmp/logs;
    scgi_temp_path $tmp/logs;
    include $tmp/server.conf;
}
CONF
"$nginx" -t -c "$tmp/nginx.conf" -p "$tmp" >"$tmp/logs/t.log" 2>&1 && ok ||
    { fail "nginx -t"; cat "$tmp/logs/t.log"; }
"$nginx" -c "$tmp/nginx.conf" -p "$tmp" &
pid=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.3
done
base="http://127.0.0.1:$port"

curl -s -D "$tmp/h" -o "$tmp/body" "$base/vaccins-covid19.ics"
grep -qi '^HTTP/1.1 200' "$tmp/h" && ok || fail "GET .ics: $(head -1 "$tmp/h")"
grep -qi '^Content-Type: text/calendar; charset=utf-8' "$tmp/h" && ok || fail "media type: $(grep -i content-type "$tmp/h")"
grep -qi '^ETag: ' "$tmp/h" && ok || fail "no ETag"
grep -qi '^Last-Modified: ' "$tmp/h" && ok || fail "no Last-Modified"
grep -qi '^Cache-Control: no-cache' "$tmp/h" && ok || fail "Cache-Control: $(grep -i cache-control "$tmp/h")"
grep -qi '^Access-Control-Allow-Origin: \*' "$tmp/h" && ok || fail "no Access-Control-Allow-Origin: *"
cmp -s "$tmp/body" "$tmp/site/vaccins-covid19.ics" && ok || fail "the body is not the feed"
# A copy of the page (events/) is a calendar file too.
copy=$(cd "$tmp/site" && ls events/*.ics | head -1)
curl -s -D "$tmp/hc" -o "$tmp/copy" "$base/$copy"
grep -qi '^Content-Type: text/calendar; charset=utf-8' "$tmp/hc" && ok ||
    fail "media type of $copy: $(grep -i content-type "$tmp/hc")"
cmp -s "$tmp/copy" "$tmp/site/$copy" && ok || fail "the body is not $copy"
: >"$tmp/site/events/.$(basename "$copy").Ab12Cd"
curl -s -o /dev/null -w '%{http_code}' "$base/events/.$(basename "$copy").Ab12Cd" | grep -qx 404 &&
    ok || fail "a temporary file of events/ is served"
rm -f "$tmp/site/events/.$(basename "$copy").Ab12Cd"
etag=$(grep -i '^ETag: ' "$tmp/h" | cut -d' ' -f2- | tr -d '\r')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/vaccins-covid19.ics")
[ "$code" = 304 ] && ok || fail "If-None-Match gave $code, expected 304"
lm=$(grep -i '^Last-Modified: ' "$tmp/h" | cut -d' ' -f2- | tr -d '\r')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "$base/vaccins-covid19.ics")
[ "$code" = 304 ] && ok || fail "If-Modified-Since gave $code, expected 304"

# A rebuild that changes nothing keeps the ETag: clients keep getting 304s.
SOURCE_DATE_EPOCH=1700000000 "$ordercal" build "$src/schedules/dgs-urgent-2023-11.yaml" \
    -o "$tmp/site" -q --base-url http://127.0.0.1/
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$base/vaccins-covid19.ics")
[ "$code" = 304 ] && ok || fail "after an unchanged rebuild: $code, expected 304"

# The change log: Atom, fresh like the feeds, with its validators.
curl -s -D "$tmp/h" -o "$tmp/atom" "$base/changes.atom"
grep -qi '^HTTP/1.1 200' "$tmp/h" && ok || fail "GET changes.atom: $(head -1 "$tmp/h")"
grep -qi '^Content-Type: application/atom+xml; charset=utf-8' "$tmp/h" && ok ||
    fail "changes.atom media type: $(grep -i content-type "$tmp/h")"
grep -qi '^Cache-Control: no-cache' "$tmp/h" && ok || fail "changes.atom Cache-Control"
grep -qi '^Access-Control-Allow-Origin: \*' "$tmp/h" && ok || fail "changes.atom CORS"
grep -qi '^ETag: ' "$tmp/h" && grep -qi '^Last-Modified: ' "$tmp/h" && ok || fail "changes.atom validators"
cmp -s "$tmp/atom" "$tmp/site/changes.atom" && ok || fail "the body is not changes.atom"
aetag=$(grep -i '^ETag: ' "$tmp/h" | cut -d' ' -f2- | tr -d '\r')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $aetag" "$base/changes.atom")
[ "$code" = 304 ] && ok || fail "changes.atom If-None-Match gave $code, expected 304"

curl -s -D "$tmp/h" -o /dev/null -H 'Accept-Encoding: gzip' "$base/vaccins-covid19.ics"
grep -qi '^Content-Encoding: gzip' "$tmp/h" && ok || fail "no gzip"
curl -s -D "$tmp/h" -o "$tmp/index" "$base/"
grep -qi '^Content-Type: text/html' "$tmp/h" && ok || fail "index media type"
grep -q '<h1>Vaccins Covid-19' "$tmp/index" && ok || fail "index body"
for method in PUT DELETE POST; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" --data x "$base/vaccins-covid19.ics")
    [ "$code" = 403 ] || [ "$code" = 405 ] && ok || fail "$method gave $code"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/.ordercal.lock")
[ "$code" = 404 ] && ok || fail "the lock file is served ($code)"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
