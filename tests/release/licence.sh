#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every source file carries the project's SPDX licence line where tools look
# for it: the first line of C and C++ files, the first line after any shebang
# of scripts, CMake files and JavaScript. The file list is git's when the tree
# is a checkout, else the files of the tree (a source package); data (test
# cases, corpora, templates) is not source and is skipped. First checks the
# checker on a tree of known good and bad files.
# Usage: licence.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
passes=0
failures=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

c_line='/* SPDX-License-Identifier: Apache-2.0 */'
hash_line='# SPDX-License-Identifier: Apache-2.0'
js_line='// SPDX-License-Identifier: Apache-2.0'

# Lists the source files of tree $1, one a line, relative to it.
sources() {
    if git -C "$1" rev-parse --show-toplevel 2>/dev/null | grep -qx "$1"; then
        git -C "$1" ls-files
    else
        (cd "$1" && find . -type f ! -path './.git/*' ! -path './build*' ! -path './obj-*' \
            ! -path '*/node_modules/*' ! -path './debian/ordercal/*' \
            ! -path './debian/ordercal-dbgsym/*' ! -path './debian/.debhelper/*' \
            ! -path './debian/tmp/*' | sed 's|^\./||' | sort)
    fi | grep -v -e '^tests/bad/' -e '^tests/golden/' -e '^tests/warn/' -e '^tests/fuzz/corpus/' \
        -e '^tests/clients/broken/' -e '^tests/clients/defs/' -e '^tests/bulletin/'
}

# Prints the files of tree $1 that lack the line, with what they lack.
check_tree() {
    sources "$1" | while IFS= read -r f; do
        p="$1/$f"
        [ -f "$p" ] || continue
        first=$(head -n 1 "$p")
        case $first in '#!'*) line=$(sed -n 2p "$p") ;; *) line=$first ;; esac
        case $f in
        *.c | *.h) want=$c_line line=$first ;;
        *.mjs | *.cjs | *.js) want=$js_line ;;
        *.cpp) want=$js_line line=$first ;;
        *.py | *.sh | *.cmake | CMakeLists.txt | */CMakeLists.txt | debian/rules) want=$hash_line ;;
        *) case $first in '#!'*) want=$hash_line ;; *) continue ;; esac ;;
        esac
        [ "$line" = "$want" ] || echo "$f: expected '$want'"
    done
}

# The checker itself: a tree with one good file of each kind and one bad.
mkdir -p "$tmp/t/src" "$tmp/t/tests/bad/x" "$tmp/t/debian"
printf '%s\nint x;\n' "$c_line" >"$tmp/t/src/good.c"
printf '#!/bin/sh\n%s\n:\n' "$hash_line" >"$tmp/t/good.sh"
printf '%s\nx = 1\n' "$hash_line" >"$tmp/t/good.py"
printf '%s\nlet x;\n' "$js_line" >"$tmp/t/good.mjs"
printf '%s\nint x;\n' "$js_line" >"$tmp/t/src/good.cpp"
printf '%s\nint x;\n' "$c_line" >"$tmp/t/src/c-comment.cpp"
printf '#!/usr/bin/make -f\n%s\n' "$hash_line" >"$tmp/t/debian/rules"
printf 'int y;\n%s\n' "$c_line" >"$tmp/t/src/late.c"
printf '%s\n' '/* SPDX-License-Identifier: MIT */' >"$tmp/t/src/other.h"
printf '#!/bin/sh\n:\n' >"$tmp/t/noext-script"
printf 'cmake_minimum_required(VERSION 3.20)\n' >"$tmp/t/CMakeLists.txt"
printf '#!/bin/sh\n%s\n' "$c_line" >"$tmp/t/wrong-comment.sh"
printf '#!/bin/sh\n' >"$tmp/t/tests/bad/x/data.sh"
printf 'no licence, not source\n' >"$tmp/t/notes.txt"
check_tree "$tmp/t" | cut -d: -f1 | sort >"$tmp/found"
printf '%s\n' CMakeLists.txt noext-script src/c-comment.cpp src/late.c src/other.h \
    wrong-comment.sh >"$tmp/want"
cmp -s "$tmp/found" "$tmp/want" && ok || {
    fail "the checker is wrong on its own cases:"
    diff "$tmp/want" "$tmp/found"
}

# The project.
check_tree "$src" >"$tmp/missing"
count=$(sources "$src" | wc -l)
[ "$count" -gt 50 ] && ok || fail "only $count files listed in $src"
if [ -s "$tmp/missing" ]; then
    fail "$(wc -l <"$tmp/missing") files lack their SPDX line:"
    cat "$tmp/missing"
else
    ok
fi
[ -f "$src/LICENSE" ] && grep -q 'Apache License' "$src/LICENSE" &&
    grep -q 'Version 2.0, January 2004' "$src/LICENSE" && ok || fail "LICENSE is not Apache-2.0"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
