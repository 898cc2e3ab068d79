#!/usr/bin/env bash
# tests/perf/memcheck.sh -- valgrind memcheck over a handful of mxsim commands.
#
#   bash tests/perf/memcheck.sh        # ~1-2 min on the 2-core VM, build included
#
# Runs each command below under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
#            --error-exitcode=97
# on a plain (no sanitizer) RelWithDebInfo build in $BUILD (default build-perf, shared
# with tests/perf/callgrind-guard.sh; ASan and valgrind do not mix), and fails if
# valgrind reports an error (invalid read or write, use of uninitialised memory, a
# definite or indirect leak) or if mxsim's exit code is not the expected one.
# Exit code 97 rather than 1, because mxsim's own codes 1 to 3 are expected results
# here (a failed [expect], bad input). "Still reachable" blocks are not errors: GSL and
# libc keep some for the process's lifetime.
#
# The commands: ready scenarios cut short with --set (several replications on worker
# processes, which valgrind follows through fork, as in a sweep; --trace;
# a relay chain; a rate profile read from CSV; site faults), `explain`, `check` with a
# JUnit file (capacity-n-plus-1.ini's [expect] fails by design: exit 1), `help`, and
# error paths: a misspelt value (exit 2, did-you-mean), a missing
# file, a profile CSV out of order, an unreadable output directory.
#
# Environment: BUILD (build-perf), REV=REV (build git revision REV, exported to
# $BUILD-src, instead of the work tree), KEEP=1 (keep logs in $BUILD/memcheck/).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-perf}
WORK=$BUILD/memcheck
die() { echo "memcheck: $*" >&2; exit 2; }
. "$ROOT/tests/perf/build.sh"
MX=$BUILD/mxsim
S=$ROOT/scenarios

rm -rf "$WORK"
mkdir -p "$WORK"
printf '0,1\n6h,2\n3h,1\n' >"$WORK/order.csv"
mkdir -p "$WORK/ro" && chmod 555 "$WORK/ro"

n=0 failed=0
# vg EXPECTED_EXIT NAME mxsim-args...
vg() {
    local want=$1 name=$2 rc
    shift 2
    n=$((n + 1))
    set +e
    valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --error-exitcode=97 --log-file="$WORK/$name.vg" "$MX" "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err"
    rc=$?
    set -e
    if [ $rc -eq 97 ] || [ -s "$WORK/$name.vg" ]; then
        echo "memcheck: FAIL $name: valgrind reported errors:"
        sed 's/^/    /' "$WORK/$name.vg" | head -60
        failed=$((failed + 1))
    elif [ $rc -ne "$want" ]; then
        echo "memcheck: FAIL $name: exit $rc, expected $want: $(head -c 300 "$WORK/$name.err")"
        failed=$((failed + 1))
    else
        echo "memcheck: ok   $name (exit $rc)"
    fi
}

vg 0 failover-reps run "$S/seed000-failover.ini" -o "$WORK/o1" \
    --set simulation.duration=40m --set simulation.replications=2
vg 0 relayhost-trace run "$S/seed001-relayhost.ini" -o "$WORK/o2" --trace -j 2 \
    --set simulation.duration=5m --set simulation.replications=2
vg 0 chain run "$S/seed001-chain.ini" -o "$WORK/o3" \
    --set simulation.duration=10m --set simulation.replications=1
vg 0 diurnal-profile run "$S/diurnal.ini" -o "$WORK/o4" \
    --set simulation.duration=2h --set simulation.replications=1 --set simulation.drain=1h
vg 0 site-outage run "$S/site-outage.ini" -o "$WORK/o5" \
    --set simulation.duration=30m --set simulation.replications=1
vg 0 testbed-e3 run "$S/testbed/e3-blackhole.ini" -o "$WORK/o6" --reproducible
vg 0 sweep-j2 sweep "$S/ci-gate.ini" -o "$WORK/o12" -j 2 \
    --set simulation.duration=2m --set simulation.replications=2
vg 0 explain explain "$S/seed000-spread.ini" -n 3
vg 0 explain-exim explain "$S/seed000-spread.ini" --set 'sender internet.mta=exim'
vg 1 check-junit check "$S/capacity-n-plus-1.ini" -o "$WORK/o7" --junit "$WORK/junit.xml" \
    --set simulation.replications=2
vg 0 help help run
vg 2 bad-value run "$S/seed000-failover.ini" -o "$WORK/o8" \
    --set 'traffic inbound.arrivals=poison'
vg 2 bad-key run "$S/seed000-failover.ini" -o "$WORK/o9" --set 'server mail1.proces_limit=3'
vg 2 missing-file run "$WORK/nosuch.ini" -o "$WORK/o10"
vg 2 profile-order run "$S/seed000-failover.ini" -o "$WORK/o11" \
    --set "traffic inbound.profile=$WORK/order.csv"
if [ "$(id -u)" != 0 ]; then # root writes into a mode-555 directory anyway
    vg 3 output-unwritable run "$S/seed000-failover.ini" -o "$WORK/ro/out" \
        --set simulation.duration=1m --set simulation.replications=1
fi
chmod 755 "$WORK/ro"
echo "memcheck: $((n - failed)) of $n commands clean"
[ "${KEEP:-0}" = 1 ] || [ $failed -ne 0 ] || rm -rf "$WORK"
[ $failed -eq 0 ]
