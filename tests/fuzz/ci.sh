#!/bin/sh
# tests/fuzz/ci.sh -- the fuzzing step of CI: build the three libFuzzer harnesses with
# clang 14 (ASan + UBSan), replay every committed input, then fuzz each harness for a
# bounded time from the committed corpus. Fails (exit 1) on any crash, leak, timeout,
# out-of-memory or failed check.
#
#   sh tests/fuzz/ci.sh [SECONDS]      # default 25 s per harness: ~2 min in all
#
# Needs clang-14 and libclang-rt-14-dev (libFuzzer's runtime); CI installs them:
#   apt-get install -y clang-14 libclang-rt-14-dev
# Work directory: $OUT (default build-fuzz/ci at the top of the repository), wiped first,
# so that a scratch corpus from an earlier campaign does not change what CI runs.
# Findings: $OUT/artifacts-NAME/; reproduce with $OUT/fuzz_NAME -runs=0 FILE.
set -eu
secs=${1:-25}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
OUT=${OUT:-$repo/build-fuzz/ci}
export OUT
command -v "${CC:-clang-14}" >/dev/null ||
    { echo "fuzz/ci.sh: ${CC:-clang-14} not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
rm -rf "$OUT"
mkdir -p "$OUT"
BUILD_ONLY=1 sh "$here/run.sh" >"$OUT/build.log" 2>&1 ||
    { cat "$OUT/build.log" >&2; echo "fuzz/ci.sh: build failed" >&2; exit 2; }

# Leaks inside system libraries that mxsim cannot free (each explained there).
export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# 1. Every committed input, once (regress-* are the inputs of fixed bugs).
fail=0
for h in scen zone series; do
    if (cd "$OUT" && "$OUT/fuzz_$h" -runs=0 -timeout=5 -rss_limit_mb=2048 \
        "$here/corpus/$h" >"$OUT/replay-$h.log" 2>&1); then
        echo "fuzz_$h: replayed $(ls "$here/corpus/$h" | wc -l) committed inputs: ok"
    else
        echo "fuzz_$h: a committed input fails; see $OUT/replay-$h.log"
        grep -E 'ERROR|SUMMARY|check failed' "$OUT/replay-$h.log" | head -5
        fail=1
    fi
done

# 2. Bounded fuzzing from the committed corpus (run.sh copies it to a scratch corpus).
SKIP_BUILD=1 sh "$here/run.sh" "$secs" all || fail=1
[ $fail -eq 0 ] && echo "fuzz/ci.sh: passed" || echo "fuzz/ci.sh: FAILED"
exit $fail
