#!/usr/bin/env bash
# The main job: install what is missing, build, run the default scenario, write its
# CSVs and charts. Usage: bash analysis/quickstart.sh [SCENARIO] (as root on a fresh
# Debian 12 machine, or as any user once the packages are installed).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/seed000-failover.ini}
name=$(basename "$scenario" .ini)
bash analysis/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target mxsim man >/dev/null   # the binary and mxsim(1)
./build/mxsim run "$scenario" -o "results/$name" --plot
