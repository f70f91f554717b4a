#!/bin/sh
# Installs what ordercal needs to build and test on Debian 12 (bookworm):
# the compiler and CMake, libical, libyaml, libuuid, cmocka and the tz database.
set -eu
packages="build-essential cmake pkg-config libical-dev libyaml-dev uuid-dev libqrencode-dev libcmocka-dev tzdata"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $missing
