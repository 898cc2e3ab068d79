#!/usr/bin/env bash
# analysis/bench/sweep.sh -- does mxsim sweep use every core? -j 1 against -j N on the
# same sweep, alternating, in the same run (issue 8: -j 2 on this 2-core machine at
# least 1.8 times faster on a sweep of at least 8 points).
#
#   bash analysis/bench/sweep.sh        # 2 to 4 min here; prints a markdown table
#
# The sweep: scenarios/ci-gate.ini, 8 points x 5 replications = 40 runs at 40
# messages/s, once as shipped (30 simulated minutes: ~35 ms a run) and once with
# duration = 2h (~100 ms a run): short runs feel whatever serial work the parent
# does per run (SIZES="1s ..." measures it alone). K (3) alternating repetitions of
# -j 1 and -j JOBS (default: nproc) per size, whole-process wall time from
# /usr/bin/time, medians and the ratio of the medians; also the ratio within each
# pair (both saw the same load). Every run is --reproducible and its files must be
# byte-identical to the first of its size: the speed-up may not change a number.
# Environment: MXSIM (the binary, default: a release build of HEAD as run.sh makes),
# K, JOBS, OUT (/tmp/mxsim-bench-sweep), SIZES ("30m 2h").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
K=${K:-3}
JOBS=${JOBS:-$(nproc)}
OUT=${OUT:-/tmp/mxsim-bench-sweep}
if [ -z "${MXSIM:-}" ]; then
    SHA=$(git -C "$ROOT" rev-parse --short=12 HEAD)
    SRC=/tmp/mxsim-src-$SHA; BUILD=/tmp/benchbuild-$SHA
    if [ ! -f "$SRC/CMakeLists.txt" ]; then
        mkdir -p "$SRC.tmp.$$" && git -C "$ROOT" archive "$SHA" | tar -x -C "$SRC.tmp.$$"
        mv "$SRC.tmp.$$" "$SRC" 2>/dev/null || rm -rf "$SRC.tmp.$$"
    fi
    cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
    cmake --build "$BUILD" -j"$(nproc)" --target mxsim >/dev/null
    MXSIM=$BUILD/mxsim
fi
rm -rf "$OUT"; mkdir -p "$OUT"
scen=$ROOT/scenarios/ci-gate.ini
one() { # $1 jobs, $2 tag, $3 duration: prints the wall seconds
    /usr/bin/time -f %e -o "$OUT/$2.time" "$MXSIM" sweep "$scen" -j "$1" --reproducible \
        --set "simulation.duration=$3" -o "$OUT/$2" >/dev/null
    if [ -d "$OUT/ref-$3" ]; then
        diff -r "$OUT/ref-$3" "$OUT/$2" >/dev/null || { echo "sweep.sh: $2 differs from the first run" >&2; exit 1; }
    else
        cp -r "$OUT/$2" "$OUT/ref-$3"
    fi
    cat "$OUT/$2.time"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "| sweep | runs | -j 1 wall s (median of $K) | -j $JOBS wall s | speed-up (medians) | speed-up per pair |"
echo "|---|---|---|---|---|---|"
for d in ${SIZES:-30m 2h}; do
    : > "$OUT/j1-$d"; : > "$OUT/jn-$d"; : > "$OUT/pairs-$d"
    for k in $(seq 1 "$K"); do
        a=$(one 1 "j1-$d-$k" "$d"); b=$(one "$JOBS" "jn-$d-$k" "$d")
        echo "$a" >> "$OUT/j1-$d"; echo "$b" >> "$OUT/jn-$d"
        awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f\n", a / b }' >> "$OUT/pairs-$d"
    done
    m1=$(median < "$OUT/j1-$d"); mn=$(median < "$OUT/jn-$d")
    printf '| ci-gate.ini, duration %s, 8 points x 5 | 40 | %s | %s | %.2f | %s |\n' "$d" "$m1" "$mn" \
        "$(awk -v a="$m1" -v b="$mn" 'BEGIN { print a / b }')" "$(paste -sd' ' "$OUT/pairs-$d")"
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); binary: $MXSIM"
