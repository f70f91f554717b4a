#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs what ordercal needs on Debian 12 (bookworm), and does nothing for
# what is already there:
#   to build: the compiler, CMake, libical, libyaml, libuuid, libqrencode, libxml2,
#             the tz database;
#   to test:  cmocka, and the independent readers the suite checks the output
#             with (Python icalendar and vobject, PHP's sabre/vobject, KDE's
#             KCalendarCore with g++ to build its reader, GNOME's Evolution Data
#             Server with its GObject bindings and dbus-run-session, ical.js and
#             node-ical from npm,
#             headless Chromium and poppler-utils (pdfinfo, for the printed page),
#             nginx and curl); to build, lint and try the
#             Debian package: debhelper, lintian, systemd (systemd-analyze), man-db.
# Usage: ./install-deps.sh [--build-only]
set -eu
cd "$(dirname "$0")"
build="build-essential cmake pkg-config libical-dev libyaml-dev uuid-dev libqrencode-dev libxml2-dev tzdata"
tests="libcmocka-dev clang-format python3 python3-icalendar python3-vobject python3-yaml python3-feedparser php-cli php-sabre-vobject g++ libkf5calendarcore-dev
    evolution-data-server gir1.2-ecal-2.0 gir1.2-edataserver-1.2 python3-gi dbus-daemon chromium poppler-utils nginx-light curl valgrind
    dpkg-dev debhelper lintian systemd man-db"
packages=$build
[ "${1:-}" = "--build-only" ] || packages="$build $tests"

# Node.js and npm: Debian's, unless a Node.js of another origin is there
# (then it brings its own npm, and Debian's npm would conflict with it).
if [ "${1:-}" != "--build-only" ]; then
    command -v node >/dev/null || packages="$packages nodejs npm"
    command -v node >/dev/null && ! command -v npm >/dev/null && packages="$packages npm"
fi

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -q
    # shellcheck disable=SC2086
    $sudo apt-get install -y -q --no-install-recommends $missing
fi

# The npm packages the client tests read feeds with, pinned by package-lock.json.
if [ "${1:-}" != "--build-only" ] && [ -f package-lock.json ] &&
    { [ ! -f node_modules/.package-lock.json ] ||
        [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
    npm ci --no-audit --no-fund --loglevel=error
fi
