#!/usr/bin/env bash
# analysis/bench/sweep.sh -- does mxsim sweep use every core? -j 1 against -j N on the
# same sweep, alternating, in the same run (issue 8: -j 2 on this 2-core machine at
# least 1.8 times faster on a sweep of at least 8 points).
#
#   bash analysis/bench/sweep.sh        # 2 to 4 min here; prints a markdown table
#
# The sweep: scenarios/ci-gate.ini as shipped, 8 points x 5 replications = 40 runs
# of 30 simulated minutes at 40 messages/s (72,000 messages each). K (3) alternating
# repetitions of -j 1 and -j JOBS (default: nproc), whole-process wall time from
# /usr/bin/time, medians and the ratio of the medians; also the ratio within each
# pair (both saw the same load). Every run is --reproducible and its files must be
# byte-identical to the first: the speed-up may not change a number.
# Environment: MXSIM (the binary, default: a release build of HEAD as run.sh makes),
# K, JOBS, OUT (/tmp/mxsim-bench-sweep).
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
one() { # $1 jobs, $2 tag: prints the wall seconds
    /usr/bin/time -f %e -o "$OUT/$2.time" "$MXSIM" sweep "$scen" -j "$1" --reproducible \
        -o "$OUT/$2" >/dev/null
    if [ -d "$OUT/ref" ]; then
        diff -r "$OUT/ref" "$OUT/$2" >/dev/null || { echo "sweep.sh: $2 differs from the first run" >&2; exit 1; }
    else
        cp -r "$OUT/$2" "$OUT/ref"
    fi
    cat "$OUT/$2.time"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: > "$OUT/j1"; : > "$OUT/jn"; : > "$OUT/pairs"
for k in $(seq 1 "$K"); do
    a=$(one 1 "j1-$k"); b=$(one "$JOBS" "jn-$k")
    echo "$a" >> "$OUT/j1"; echo "$b" >> "$OUT/jn"
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f\n", a / b }' >> "$OUT/pairs"
done
m1=$(median < "$OUT/j1"); mn=$(median < "$OUT/jn")
echo "| sweep | runs | -j 1 wall s (median of $K) | -j $JOBS wall s | speed-up (medians) | speed-up per pair |"
echo "|---|---|---|---|---|---|"
printf '| ci-gate.ini, 8 points x 5 | 40 | %s | %s | %.2f | %s |\n' "$m1" "$mn" \
    "$(awk -v a="$m1" -v b="$mn" 'BEGIN { print a / b }')" "$(paste -sd' ' "$OUT/pairs")"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); binary: $MXSIM"
