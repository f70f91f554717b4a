#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates tests/golden/<case>/expected/ from the current build.
# Review the diff like code before committing it.
# Usage: tests/runner/update-golden.sh [BUILD_DIR]   (default: build)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
ordercal=$(cd "${1:-build}" && pwd)/ordercal
for dir in "$root"/tests/golden/*/; do
    (
        cd "$dir"
        epoch=$(sed -n 's/^SOURCE_DATE_EPOCH=//p' args)
        extra=$(grep -v '^SOURCE_DATE_EPOCH=' args | tr '\n' ' ')
        defs=def.yaml
        [ -e def.yaml ] || defs=defs
        rm -rf expected
        # shellcheck disable=SC2086
        SOURCE_DATE_EPOCH=$epoch "$ordercal" build "$defs" -o expected -q $extra
        rm -f expected/.ordercal.lock expected/.ordercal.state
    )
    echo "updated $dir"
done
