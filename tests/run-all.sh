#!/usr/bin/env bash
# Every test: install what is missing, build with ASan + UBSan and warnings as errors
# (MXSIM_CI), run the Criterion suites through ctest. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash analysis/install-deps.sh
cmake -S . -B build-ci -DMXSIM_CI=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-ci -j"$(nproc)"
cd build-ci
ctest --output-on-failure -j"$(nproc)"
