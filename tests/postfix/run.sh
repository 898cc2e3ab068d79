#!/usr/bin/env bash
# tests/postfix/run.sh [OUTDIR] -- check mxsim against real Postfix (issue #9).
#
# Installs what is missing from Debian (postfix with "No configuration", nsd,
# unbound, nftables, dnsutils, python3), then runs harness.py: real Postfix
# runs on 127.0.9.0/24 for every row of cases.tsv, the same cases in mxsim, and
# a comparison metric by metric. Writes OUTDIR/validation.md and
# OUTDIR/validation.csv (default OUTDIR: results/postfix-validation).
#
# Environment:
#   MXSIM        the mxsim binary (default: build-ci/mxsim, as tests/run-all.sh builds it)
#   H9_REPS      real runs per case (default 1; 3 or more to re-measure variability)
#   H9_CASES     a regular expression: run only the matching cases
#
# Exit: 0 every judged metric within its band, or a known miss ("!" in
# cases.tsv, its reason in known-misses.tsv); 1 any other metric outside its band;
# 2 the harness could not run (not root, a port taken, a package missing, a
# real run that failed). It never skips: a harness that cannot run is red.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
outdir="${1:-$repo/results/postfix-validation}"
export MXSIM="${MXSIM:-$repo/build-ci/mxsim}"

fail() { echo "tests/postfix/run.sh: FATAL: $*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (Postfix, nsd, nft and mount namespaces need it); not skipping"
[ -x "$MXSIM" ] || fail "MXSIM=$MXSIM is not an executable mxsim (build it first, or set MXSIM)"

# Preseeded "No configuration": the package leaves no main.cf and starts nothing.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections \
    || fail "debconf-set-selections failed"
bash "$repo/tests/install-no-start.sh" postfix nsd unbound nftables dnsutils python3 \
    || fail "installing postfix nsd unbound nftables dnsutils python3 failed"

mkdir -p "$outdir"
exec python3 "$here/harness.py" "$outdir" --mxsim "$MXSIM"
