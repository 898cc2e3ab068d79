#!/usr/bin/env bash
# tests/perf/callgrind-guard.sh -- a performance regression guard that cannot flake:
# callgrind's instruction count (Ir) per event of mxsim on a fixed scenario.
#
#   bash tests/perf/callgrind-guard.sh          # 25-60 s on the 2-core VM, build included
#
# Instructions executed do not depend on the machine's load, so the bound can be tight.
# What it does:
#   1. configures and builds a plain (no sanitizer) RelWithDebInfo mxsim in $BUILD
#      (default build-perf at the top of the repository; never build/ or build-ci/:
#      ASan's instrumentation would be counted too). -O2 -g, asserts on, as released;
#   2. runs `valgrind --tool=callgrind` on `mxsim run tests/perf/guard.ini
#      --reproducible` (1 replication), reads the total Ir ("summary:" of the callgrind
#      file) and the events (summary.csv): Ir/event, start-up and output included;
#   3. runs it again with duration = 600s (a fifth) and reports the marginal
#      Ir/event = (Ir_long - Ir_short) / (events_long - events_short): the event loop
#      alone, without the fixed cost of parsing and writing files;
#   4. fails (exit 1) if either is above its bound: the baseline measured on
#      2026-11-24 (commit cc5176b, after the lookup plans; gcc 12.2.0, glibc 2.36, GSL 2.7.1, valgrind 3.19) plus
#      MARGIN percent (default 15). Below baseline - MARGIN it passes but says to lower
#      the baseline (so that a later regression is not hidden by an earlier gain).
#
# The count is deterministic for one binary and one set of shared libraries (GSL, libc,
# libm are counted too): the scenario is seeded, --reproducible writes no wall time, and
# the run does not depend on pointer values or time. A different compiler or library
# version changes it: re-measure the baseline (BASE_TOTAL, BASE_MARGINAL below) then,
# and with every accepted hot-path change (STYLE 7: Ir per event, before and after).
#
# Environment: BUILD (build-perf), MARGIN (15), BASE_TOTAL, BASE_MARGINAL (override the
# baselines), KEEP=1 (keep the callgrind files in $BUILD/callgrind-guard/), REV=REV
# (build the sources of git revision REV, exported with git archive to $BUILD-src,
# instead of the work tree: while others edit sim/; the scenario is read from the
# work tree either way).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-perf}
MARGIN=${MARGIN:-15}
# Baselines: Ir per event, measured as described above.
BASE_TOTAL=${BASE_TOTAL:-1509}
BASE_MARGINAL=${BASE_MARGINAL:-1399}
SCEN=$ROOT/tests/perf/guard.ini
WORK=$BUILD/callgrind-guard

die() { echo "callgrind-guard: $*" >&2; exit 2; }
. "$ROOT/tests/perf/build.sh"

rm -rf "$WORK"
mkdir -p "$WORK"
# col FILE NAME: column NAME of the last row of a CSV with a header line
col() { awk -F, -v k="$2" 'NR==1{for(i=1;i<=NF;i++) if($i==k) c=i; next} END{print $c}' "$1"; }
# measure TAG [mxsim args]: prints "Ir events"
measure() {
    local tag=$1; shift
    valgrind --tool=callgrind --callgrind-out-file="$WORK/$tag.callgrind" \
        --log-file="$WORK/$tag.log" "$BUILD/mxsim" run "$SCEN" -o "$WORK/$tag" \
        --reproducible --replications 1 "$@" >/dev/null ||
        die "mxsim failed under valgrind (see $WORK/$tag.log)"
    local ir
    ir=$(awk '/^summary:/{print $2}' "$WORK/$tag.callgrind")
    [ -n "$ir" ] || die "no summary: line in $WORK/$tag.callgrind"
    echo "$ir $(col "$WORK/$tag/summary.csv" events)"
}
read -r IR_L EV_L <<<"$(measure long)"
read -r IR_S EV_S <<<"$(measure short --set simulation.duration=600s)"
[ "$EV_L" -gt "$EV_S" ] || die "the long run has no more events than the short one"

rc=0
check() { # NAME VALUE BASE
    awk -v n="$1" -v v="$2" -v b="$3" -v m="$MARGIN" 'BEGIN{
        hi = b * (1 + m / 100); lo = b * (1 - m / 100)
        printf "callgrind-guard: %-30s %8.1f Ir/event (baseline %s, bound %.0f): ", n, v, b, hi
        if (v > hi) { print "FAIL"; exit 1 }
        if (v < lo) print "ok, well below the baseline: lower it in tests/perf/callgrind-guard.sh"
        else print "ok" }' || rc=1
}
echo "callgrind-guard: long run  $IR_L Ir, $EV_L events; short run $IR_S Ir, $EV_S events"
check "total (Ir / events)" "$(awk -v i="$IR_L" -v e="$EV_L" 'BEGIN{print i / e}')" "$BASE_TOTAL"
check "marginal (dIr / devents)" \
    "$(awk -v a="$IR_L" -v b="$IR_S" -v c="$EV_L" -v d="$EV_S" 'BEGIN{print (a - b) / (c - d)}')" \
    "$BASE_MARGINAL"
[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
[ $rc -eq 0 ] && echo "callgrind-guard: passed" || echo "callgrind-guard: FAILED: the event loop got slower (or the scenario changed); callgrind_annotate the files (KEEP=1) to see where"
exit $rc
