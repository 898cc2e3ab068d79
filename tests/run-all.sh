#!/usr/bin/env bash
# Every test: install what is missing, build with ASan + UBSan and warnings as errors
# (MXSIM_CI), run the Criterion suites through ctest, then the checks against real
# Postfix. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash analysis/install-deps.sh
cmake -S . -B build-ci -DMXSIM_CI=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-ci -j"$(nproc)"
(cd build-ci && ctest --output-on-failure -j"$(nproc)")
# Instructions per event under callgrind, against a measured baseline + 15 %: a
# speed guard that load cannot make flaky (a plain build of its own, ~1 min).
bash tests/perf/callgrind-guard.sh
# valgrind memcheck on a subset of commands: no error, no leak (~1.5 min).
bash tests/perf/memcheck.sh
# The libFuzzer harnesses: every committed input again, then 25 s each (~2 min).
sh tests/fuzz/ci.sh
# analysis/slurm-sweep.sh on a throwaway single-node Slurm (slurmctld, slurmd and
# munged of its own on localhost): shards merged on Slurm = one sweep (~1 min).
MXSIM="$PWD/build-ci/mxsim" bash tests/slurm/run.sh
# Real Postfix, nsd, unbound and smtp-sink on 127.0.9.0/24 against mxsim's
# predictions (issue 9, docs/validation.md): about 5 minutes; fails loudly if it
# cannot run.
MXSIM="$PWD/build-ci/mxsim" bash tests/postfix/run.sh results/postfix-validation
