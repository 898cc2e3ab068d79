#!/usr/bin/env bash
# Installs what mxsim needs to build, test and plot, from Debian 12's packages only,
# and only what is missing. Needs root when something is missing. The last ones
# serve the tests: libxml2-utils (xmllint: the JUnit schema check), parallel (the
# GNU parallel recipe of docs/sweeps.md), valgrind (memcheck and the callgrind
# guard), clang-14 and libclang-rt-14-dev (the libFuzzer harnesses), groff-base
# (the man page's check).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libgsl-dev libcsv-dev libinih-dev libldns-dev
      libcriterion-dev gnuplot-nox libxml2-utils parallel valgrind clang-14
      libclang-rt-14-dev groff-base)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "mxsim: missing Debian packages: ${missing[*]}; run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 3
fi
echo "mxsim: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
