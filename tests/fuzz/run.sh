#!/bin/sh
# run.sh -- build the libFuzzer harnesses and run each for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS] [scen|zone|series|all]     (default: 60 s each, all)
#
# Builds fuzz_scen, fuzz_zone and fuzz_series into $OUT (default /tmp/mxsim-fuzz) from the
# sources of sim/ (all but main.c), then runs each for SECONDS with a scratch
# corpus in $OUT/corpus-NAME seeded from tests/fuzz/corpus/NAME (the repository's
# corpus is only read). Crashes, leaks and timeouts land in $OUT/artifacts-NAME/;
# logs in $OUT/NAME.log (and $OUT/work-NAME/fuzz-N.log with JOBS > 1). Exit
# status 1 when a harness found something.
#
# Environment:
#   OUT=DIR        build and scratch directory (default /tmp/mxsim-fuzz)
#   SIM_REV=REV    build sim/ as of git revision REV (git archive) instead of the
#                  work tree: for a campaign while sim/ is being edited
#   SIM_DIR=DIR    build the sources in DIR instead (a patched copy of sim/)
#   JOBS=N         libFuzzer -jobs/-workers (default 1)
#   CC=clang-14    the compiler (needs libFuzzer: libclang-rt-14-dev)
#   BUILD_ONLY=1   build, do not run
#   SKIP_BUILD=1   run the harnesses already in $OUT (built by an earlier BUILD_ONLY=1)
#   FUZZ_GUARD_DIRS=0  do not work around known bug 1 (README.md): without the
#                  guard, fuzz_scen soon hangs on "zone = ." (a directory)
set -eu
# Leaks inside system libraries that mxsim cannot free (each explained there).
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

secs=${1:-60}
which=${2:-all}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
OUT=${OUT:-/tmp/mxsim-fuzz}
CC=${CC:-clang-14}
JOBS=${JOBS:-1}
mkdir -p "$OUT"

if [ -n "${SIM_DIR:-}" ]; then
    sim=$(cd "$SIM_DIR" && pwd)
elif [ -n "${SIM_REV:-}" ]; then
    rm -rf "$OUT/src"
    mkdir -p "$OUT/src"
    git -C "$repo" archive "$SIM_REV" sim | tar -x -C "$OUT/src"
    sim="$OUT/src/sim"
else
    sim="$repo/sim"
fi

cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
 -std=c11 -D_POSIX_C_SOURCE=200809L -DMXSIM_VERSION=\"fuzz\" -DMXSIM_ANALYSIS_DIR=\"/tmp\"
 -I$sim $(pkg-config --cflags gsl inih ldns)"
libs="$(pkg-config --libs gsl inih ldns) -lcsv -lm"

if [ -n "${SKIP_BUILD:-}" ] && [ -x "$OUT/fuzz_scen" ] && [ -x "$OUT/fuzz_zone" ] &&
    [ -x "$OUT/fuzz_series" ]; then
    echo "using the harnesses already built in $OUT"
else
# The project's objects once, shared by the harnesses.
objs=""
rm -rf "$OUT/obj"
mkdir -p "$OUT/obj"
for src in "$sim"/*.c; do
    base=$(basename "$src" .c)
    [ "$base" = main ] && continue
    # shellcheck disable=SC2086
    $CC $cflags -c "$src" -o "$OUT/obj/$base.o"
    objs="$objs $OUT/obj/$base.o"
done
guard=""
[ "${FUZZ_GUARD_DIRS:-1}" = 1 ] && guard="-DFUZZ_GUARD_DIRS -Wl,--wrap=fopen"
# shellcheck disable=SC2086
$CC $cflags $guard "$here/fuzz_scen.c" $objs $libs -o "$OUT/fuzz_scen"
# shellcheck disable=SC2086
$CC $cflags "$here/fuzz_zone.c" $objs $libs -o "$OUT/fuzz_zone"
# shellcheck disable=SC2086
$CC $cflags "$here/fuzz_series.c" $objs $libs -o "$OUT/fuzz_series"
echo "built $OUT/fuzz_scen, $OUT/fuzz_zone and $OUT/fuzz_series from $sim"
fi
[ -n "${BUILD_ONLY:-}" ] && exit 0

found=0
for h in scen zone series; do
    [ "$which" = all ] || [ "$which" = "$h" ] || continue
    corpus="$OUT/corpus-$h"
    art="$OUT/artifacts-$h"
    work="$OUT/work-$h" # with JOBS > 1, libFuzzer's fuzz-N.log go here
    mkdir -p "$corpus" "$art" "$work"
    cp -n "$here/corpus/$h"/* "$corpus"/ 2>/dev/null || true
    echo "fuzz_$h: ${secs}s, corpus $corpus, log $OUT/$h.log"
    set +e
    par=""
    [ "$JOBS" -gt 1 ] && par="-jobs=$JOBS -workers=$JOBS"
    # shellcheck disable=SC2086
    (cd "$work" && "$OUT/fuzz_$h" -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
        -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$art/" \
        -dict="$here/$h.dict" $par "$corpus" </dev/null >"$OUT/$h.log" 2>&1)
    rc=$?
    set -e
    if [ "$JOBS" -gt 1 ]; then # each worker logs to $work/fuzz-N.log
        for w in $(seq 0 $((JOBS - 1))); do
            grep -E '^#[0-9]+.*DONE|stat::(number|average)' "$work/fuzz-$w.log" 2>/dev/null || true
        done
    else
        grep -E '^#[0-9]+.*(DONE|pulse)|stat::' "$OUT/$h.log" | tail -8
    fi
    if [ $rc -ne 0 ]; then
        found=1
        echo "fuzz_$h: exit $rc; see $OUT/$h.log and $art/"
        grep -E 'ERROR|SUMMARY' "$OUT/$h.log" | head -5
    fi
done
exit $found
