# SPDX-License-Identifier: Apache-2.0
# Shared by the fault tests (sourced, POSIX sh). Sets up:
#   $ordercal  absolute path of the binary under test
#   $src       the source tree
#   $tmp       a scratch folder, removed on exit
#   $def1      a definition (the default one: 3 feeds and index.html)
#   $def2      the same, changed so that every file of the output changes
#   E1, E2     the SOURCE_DATE_EPOCH of the first and of the changed build
# and the helpers below. Each script ends with `finish`, which prints
# "N passed, N failed" and exits non-zero on a failure.
# Usage of a script: SCRIPT ORDERCAL SHIM SOURCE_DIR

set -u
ordercal=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shim=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
src=$(cd "$3" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 755 "$tmp" # setpriv runs below need to reach into it
passes=0
failures=0
skips=0

E1=1689638400 # 2023-07-18
E2=1700000000 # 2023-11-14

def1="$tmp/def1.yaml"
def2="$tmp/def2.yaml"
cp "$src/schedules/dgs-urgent-2023-11.yaml" "$def1"
# A new calendar name changes every feed of the calendar and the page; a
# moved delivery changes the deliveries-only feed.
sed -e 's/^  name: Vaccins Covid-19 — portail de commande$/  name: Vaccins Covid-19 — portail de commande (v2)/' \
    -e 's/^feeds:/sessions:\n  - { date: 2023-09-18, delivery: [2023-09-29, 2023-09-29] }\nfeeds:/' \
    "$def1" >"$def2"

pass() {
    passes=$((passes + 1))
}

fail() { # fail MESSAGE
    echo "FAIL: $1"
    failures=$((failures + 1))
}

skip() { # skip MESSAGE
    echo "SKIP: $1"
    skips=$((skips + 1))
}

check() { # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        pass
    else
        fail "$1: got '$3', expected '$2'"
    fi
}

# Exit status: 1 on a failure; 77 (CTest's skip) when everything was skipped.
finish() {
    [ "$skips" -gt 0 ] && echo "$skips skipped"
    echo "$passes passed, $failures failed"
    [ "$failures" -ne 0 ] && exit 1
    [ "$passes" -eq 0 ] && [ "$skips" -gt 0 ] && exit 77
    exit 0
}

# build DIR DEFINITION EPOCH [ARGS...]: a normal, quiet build.
build() {
    _dir=$1 _def=$2 _epoch=$3
    shift 3
    SOURCE_DATE_EPOCH=$_epoch "$ordercal" build "$_def" -o "$_dir" -q "$@"
}

# Visible files of DIR and of its sub-folders (events/), one per line, sorted.
visible() {
    (cd "$1" && find . -mindepth 1 -name '.*' -prune -o -type f -print | sed 's|^\./||' | sort)
}

# Visible files of DIR with their size and mtime (ns), to see a rewrite.
listing() {
    (cd "$1" && ls -lR --time-style=+%s.%N)
}

# Temporary files a run left in DIR or its sub-folders (".<name>.XXXXXX").
temporaries() {
    (cd "$1" && find . -mindepth 1 -type f -name '.*' | sed 's|^\./||' |
        grep -E '(^|/)\.[^/]+\.[A-Za-z0-9]{6}$' | grep -vx '.ordercal.lock')
}

# same_tree NAME EXPECTED_DIR ACTUAL_DIR: the same visible files, byte for byte.
same_tree() {
    if [ "$(visible "$2")" != "$(visible "$3")" ]; then
        fail "$1: files differ: expected [$(visible "$2" | tr '\n' ' ')], got [$(visible "$3" | tr '\n' ' ')]"
        return 1
    fi
    for _f in $(visible "$2"); do
        if ! cmp -s "$2/$_f" "$3/$_f"; then
            fail "$1: $_f differs from the expected bytes"
            return 1
        fi
    done
    pass
}

# one_line NAME FILE PATTERN...: FILE holds exactly one line, matching every pattern.
one_line() {
    _name=$1 _file=$2
    shift 2
    if [ "$(wc -l <"$_file")" -ne 1 ]; then
        fail "$_name: expected one line on stderr, got $(wc -l <"$_file"):"
        sed 's/^/    /' "$_file"
        return 1
    fi
    for _p in "$@"; do
        if ! grep -qF -- "$_p" "$_file"; then
            fail "$_name: '$_p' not in: $(cat "$_file")"
            return 1
        fi
    done
    pass
}

# no_temporaries NAME DIR
no_temporaries() {
    _left=$(temporaries "$2")
    if [ -n "$_left" ]; then
        fail "$1: temporary files left in the folder: $(echo "$_left" | tr '\n' ' ')"
    else
        pass
    fi
}

# How to preload the shim into $ordercal, in $preload; empty when it cannot
# be (then the shim's tests are skipped, saying why in $shim_why).
#  - plain build: the shim alone;
#  - gcc's -fsanitize=address links libasan.so dynamically, and it must come
#    first in the process: preload it before the shim;
#  - clang links its ASan runtime statically into the binary: its
#    interceptors call the next definition, which is the shim's.
# A probe run then checks that the shim is loaded and that its mkstemp() is
# the one ordercal calls; how ordercal reacts is for the tests to judge.
shim_setup() {
    preload=
    shim_why=
    if [ ! -f "$shim" ]; then
        shim_why="the fault shim $shim was not built"
        return
    fi
    _asan=$(ldd "$ordercal" 2>/dev/null | sed -n 's/^[[:space:]]*libasan\.so[^ ]* => \([^ ]*\).*/\1/p' | head -1)
    if [ -n "$_asan" ]; then
        preload="$_asan $shim"
    else
        preload="$shim"
    fi
    mkdir -p "$tmp/probe" || exit 99
    LD_PRELOAD="$preload" OC_SHIM_PROBE="$tmp/probe.log" OC_SHIM_DIR="$tmp/probe" \
        OC_SHIM_MKSTEMP_EACCES=1 SOURCE_DATE_EPOCH=$E1 \
        "$ordercal" build "$def1" -o "$tmp/probe" -q >"$tmp/probe.out" 2>&1
    if ! grep -qx loaded "$tmp/probe.log" 2>/dev/null; then
        shim_why="the shim cannot be preloaded into $ordercal: $(head -1 "$tmp/probe.out")"
        preload=
    elif ! grep -qx mkstemp "$tmp/probe.log"; then
        shim_why="the shim is loaded but does not interpose mkstemp() in $ordercal"
        preload=
    fi
    rm -rf "$tmp/probe" "$tmp/probe.out" "$tmp/probe.log"
}

# with_shim VAR=VALUE... COMMAND ARGS...: runs COMMAND with the shim preloaded.
with_shim() {
    env LD_PRELOAD="$preload" "$@"
}
